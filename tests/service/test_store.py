"""The store keeps a checked dossier whole: evidence, files, report; on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.domain import PageText, TextLine
from models.enums import Severity
from models.evidence import DossierEvidence, StageTiming
from service.settings import Settings
from service.store import DossierNotFound, Store, run_status
from tests.factories import make_report


def _evidence(report):  # type: ignore[no-untyped-def]
    texts = [PageText(page=p.page, width=p.width, height=p.height, text_source=p.text_source,
                      lines=[TextLine(text=f"第{p.page}页 营业执照", bbox=(10, 10, 200, 30))]) for p in report.pages]
    reading_flags = [f for f in report.risk_flags if f.severity == Severity.low]
    return DossierEvidence(inputs=report.inputs, pages=report.pages, texts=texts, documents=report.documents,
                           findings=report.findings, seals=report.seals, flags=reading_flags, errors=report.errors)


def test_migrations_make_exactly_the_tables_the_models_declare(store_settings: Settings) -> None:
    store = Store.open(store_settings)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    Store.open(store_settings)  # opening again migrates nothing and fails on nothing


def test_a_checked_dossier_comes_back_whole(store_settings: Settings) -> None:
    store = Store.open(store_settings)
    report = make_report()
    evidence = _evidence(report)
    files = [("申报书.pdf", b"%PDF-1.7 a"), ("发票.pdf", b"%PDF-1.7 b"), ("copy/发票.pdf", b"%PDF-1.7 b")]
    previews = {1: b"\xff\xd8 jpeg one", 2: b"\xff\xd8 jpeg two"}
    dossier_id = store.save_check(evidence, report, files=files, previews=previews, engine_version="ocr v1",
                                  stages=[StageTiming("read", "ok", 1.5), StageTiming("evaluate", "ok", 0.01)],
                                  options={"programme": report.programme, "star": report.star})

    back, images = store.load_evidence(dossier_id)
    assert back == evidence
    assert images == previews
    assert store.latest_report(dossier_id) == report
    assert store.check_results(dossier_id) == report.checklist
    row = store.dossier(dossier_id)
    assert (row.applicant_name, row.programme, row.status) == (report.applicant.name, report.programme,
                                                               run_status(report))
    assert row.pages == len(report.pages) and row.flags == len(report.risk_flags)
    # the same bytes are kept once, under their hash, whatever the number of names they come under
    stored = store.files(dossier_id)
    assert [f.name for f in stored] == [name for name, _ in files]
    assert stored[1].sha256 == stored[2].sha256 == hashlib.sha256(b"%PDF-1.7 b").hexdigest()
    assert store.blobs.get(stored[0].sha256) == b"%PDF-1.7 a"
    assert [s.stage for s in store.stage_runs(dossier_id)] == ["read", "evaluate"]


def test_a_re_evaluation_replaces_results_and_keeps_the_evidence(store_settings: Settings) -> None:
    store = Store.open(store_settings)
    report = make_report()
    evidence = _evidence(report)
    dossier_id = store.save_check(evidence, report)
    changed = report.model_copy(update={"star": 4, "risk_flags": report.risk_flags[:1],
                                        "checklist": report.checklist[:2]})
    store.save_evaluation(dossier_id, changed)
    assert store.latest_report(dossier_id).star == 4
    assert store.check_results(dossier_id) == report.checklist[:2]
    back, _ = store.load_evidence(dossier_id)
    assert back == evidence  # the flags raised while reading are evidence, not evaluation
    assert store.dossier(dossier_id).star == 4


def test_reading_a_dossier_again_replaces_its_evidence(store_settings: Settings) -> None:
    store = Store.open(store_settings)
    report = make_report()
    dossier_id = store.save_check(_evidence(report), report)
    shorter = report.model_copy(update={"pages": report.pages[:2], "documents": report.documents[:1]})
    store.save_check(_evidence(shorter), shorter, dossier_id=dossier_id)
    back, _ = store.load_evidence(dossier_id)
    assert [p.page for p in back.pages] == [1, 2] and len(back.documents) == 1
    assert store.count() == 1


def test_unknown_ids_say_what_to_do(store_settings: Settings) -> None:
    store = Store.open(store_settings)
    with pytest.raises(DossierNotFound, match="evidence-check list"):
        store.latest_report("0123456789abcdef")


def test_a_damaged_blob_is_not_served(sqlite_settings: Settings) -> None:
    store = Store.open(sqlite_settings)
    digest = store.blobs.put(b"page image")
    store.blobs.path(digest).write_bytes(b"page imagf")
    assert store.blobs.get(digest) is None
