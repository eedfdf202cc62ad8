"""Checking dossiers with the store: read, evaluate, look across every stored dossier, keep.

What the command line, the web service and its workers all call, so a dossier is checked the
same way wherever it comes from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from models.domain import Report, RiskFlag
from models.evidence import DossierEvidence, StageTiming
from service import rulepacks
from service.ocr.engine import OcrEngine
from service.pipeline import (
    CheckOptions,
    Progress,
    check_dossier,
    engine_version,
    evaluate,
    with_extractor_sets,
    with_flags,
)
from service.settings import Settings
from service.store import Store, new_dossier_id
from service.store.index import IndexEntries


@dataclass
class Checked:
    report: Report
    page_images: dict[int, bytes] = field(default_factory=dict)
    dossier_id: str | None = None  # None when not stored


def check(paths: list[Path], options: CheckOptions, settings: Settings, *, store: Store | None,
          engine: OcrEngine | None = None, progress: Progress | None = None,
          dossier_id: str | None = None) -> Checked:
    """Check a dossier; with a store, also against every stored dossier, and keep it there."""
    if store is not None:
        options.previews = True  # the index fingerprints page images, and the stored report shows them
    outcome = check_dossier(paths, options, settings, engine=engine, progress=progress)
    report, evidence = outcome.report, outcome.evidence
    if store is None or evidence is None:
        return Checked(report, outcome.page_images)
    dossier_id = dossier_id or new_dossier_id()
    index = IndexEntries(dossier_id, report.applicant, evidence, outcome.page_images)
    report = with_flags(report, _across(store, index, evidence, outcome.stages))
    store.save_check(evidence, report, files=[(f.name, f.data) for f in outcome.files], previews=outcome.page_images,
                     stages=outcome.stages, options=options.stored(), engine_version=engine_version(settings),
                     dossier_id=dossier_id, index=index)
    return Checked(report, outcome.page_images, dossier_id)


def recheck(store: Store, dossier_id: str, *, programme: str | None = None, star: int | None = None) -> Checked:
    """Evaluate a stored dossier again from its stored evidence: no page is read, no extractor runs."""
    row = store.dossier(dossier_id)
    evidence, images = store.load_evidence(dossier_id)
    options = CheckOptions.from_stored(row.options or {})
    if programme:
        options.programme, options.star = programme, None
    if star is not None:
        options.star = star
    stages: list[StageTiming] = []
    evidence = with_extractor_sets(evidence, rulepacks.load(options.programme or row.programme).extractors)
    report = evaluate(evidence, options, stages=stages)
    index = IndexEntries(dossier_id, report.applicant, evidence, images)
    report = with_flags(report, _across(store, index, evidence, stages))
    store.save_evaluation(dossier_id, report, stages=stages, options=options.stored(), index=index)
    return Checked(report, images, dossier_id)


def _across(store: Store, index: IndexEntries, evidence: DossierEvidence, stages: list[StageTiming]) -> list[RiskFlag]:
    started = time.perf_counter()
    flags = store.cross_dossier_flags(index, evidence)
    stages.append(StageTiming("cross_dossier", "ok", time.perf_counter() - started, f"{len(flags)} flags"))
    return flags
