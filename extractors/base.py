"""The contract every extractor honours: pages in, findings out, no I/O.

Two kinds of extractor exist:

* a *page* extractor (dates, amounts, codes, cloud wording) reads one ``PageText`` and returns
  ``Finding`` objects; it runs on every page;
* a *document* extractor (invoice, licence, contract, console ...) reads the pages of one document
  and returns an ``Extraction``: the document's fields with their boxes, plus facts and findings.

Both are registered in ``extractors.registry``. An extractor that raises is caught by the runner
and reported as an ``extractor_failed`` error; the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.domain import BBox, FieldValue, Finding, LineItem, TextLine


@dataclass
class Problem:
    """Something on the document that looks wrong; the runner turns it into a risk flag.

    ``code`` is a ``models.enums.FlagCode`` value; ``fields`` names the fields whose findings are
    the evidence (their pages and boxes go into the flag); ``values`` are the numbers or strings
    involved, so a person can verify the flag without rereading the page.
    """

    code: str
    severity: str  # high | medium | low
    message: str
    fields: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Extraction:
    """What a document extractor read from one document."""

    fields: dict[str, FieldValue] = field(default_factory=dict)
    list_fields: dict[str, list[FieldValue]] = field(default_factory=dict)
    line_items: list[LineItem] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def set_field(
        self,
        name: str,
        value: str,
        page: int,
        bbox: BBox | None,
        confidence: float,
        extractor: str,
        *,
        raw: str | None = None,
        valid: bool | None = None,
    ) -> FieldValue:
        """Record a field and the finding that backs it (same page, box and id)."""
        finding = Finding(
            kind="field",
            field=name,
            value=raw if raw is not None else value,
            normalized=value,
            page=page,
            bbox=bbox,
            confidence=round(confidence, 3),
            extractor=extractor,
            valid=valid,
        ).with_id()
        fv = FieldValue(value=value, page=page, bbox=bbox, confidence=round(confidence, 3), finding_id=finding.id)
        self.fields[name] = fv
        self.findings.append(finding)
        return fv

    def add_list_value(
        self, name: str, value: str, page: int, bbox: BBox | None, confidence: float, extractor: str
    ) -> None:
        finding = Finding(
            kind="field", field=name, value=value, normalized=value, page=page, bbox=bbox,
            confidence=round(confidence, 3), extractor=extractor,
        ).with_id()
        values = self.list_fields.setdefault(name, [])
        if any(v.value == value for v in values):
            return
        values.append(FieldValue(value=value, page=page, bbox=bbox, confidence=round(confidence, 3), finding_id=finding.id))
        self.findings.append(finding)


def field_from_line(line: TextLine) -> tuple[BBox, float]:
    return line.bbox, line.confidence
