"""What reading a dossier yields: the evidence that dossier analysis and the checklist evaluate.

The check is two halves. Reading (ingest, text, page images, classification, extraction, seal
confirmation) is expensive and depends only on the files; evaluating (the applicant, spending,
cross-document checks, the programme's checklist) is cheap and depends on the programme too. The
store keeps a ``DossierEvidence``, so a dossier can be evaluated again, under another programme or
star level or after a rule-pack change, without reading a page again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from models.domain import Document, Finding, PageInfo, PageText, ReportError, RiskFlag, Seal


class DossierEvidence(BaseModel):
    """Everything read from a dossier's pages, in bound order."""

    inputs: list[str] = Field(default_factory=list)  # the names the files were given in
    pages: list[PageInfo] = Field(default_factory=list)
    texts: list[PageText] = Field(default_factory=list)  # one per page, same order
    documents: list[Document] = Field(default_factory=list)  # as extracted, before dossier analysis
    findings: list[Finding] = Field(default_factory=list)
    seals: list[Seal] = Field(default_factory=list)  # names confirmed against the dossier's print
    flags: list[RiskFlag] = Field(default_factory=list)  # raised while reading (text layer, extraction)
    errors: list[ReportError] = Field(default_factory=list)
    # the programme-specific extractor sets the documents were read with (extractors.registry)
    extractor_sets: list[str] = Field(default_factory=list)


@dataclass
class StageTiming:
    """One stage of a run: how it ended (ok | partial | failed | skipped) and how long it took."""

    stage: str
    status: str
    seconds: float
    detail: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
