"""Real public documents (../shared/realdocs): every file gets its document type, and every
invoice its issue date and grand total, through the whole pipeline (real OCR where a page has
no usable text layer). Skipped where the folder is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.domain import Report
from service.pipeline import CheckOptions, check_dossier
from service.settings import Settings

pytestmark = [pytest.mark.ocr, pytest.mark.realdocs]

REALDOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdocs"
TRUTH: list[dict[str, Any]] = (
    json.loads((REALDOCS / "truth.json").read_text(encoding="utf-8")) if (REALDOCS / "truth.json").is_file() else []
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def _check(entry: dict[str, Any], data_dir: Path) -> Report:
    if not (REALDOCS / "truth.json").is_file():
        pytest.skip(f"real documents not present at {REALDOCS}")
    return check_dossier([REALDOCS / entry["file"]], CheckOptions(previews=False), Settings(data_dir=data_dir)).report


@pytest.mark.parametrize("entry", TRUTH, ids=[e["file"] for e in TRUTH])
def test_document_type_and_invoice_essentials(entry: dict[str, Any], data_dir: Path) -> None:
    report = _check(entry, data_dir)
    assert report.errors == []
    types = {d.document_type for d in report.documents}
    assert types == {entry["document_type"]}, types
    if entry["document_type"] == "vat_invoice":
        doc = report.documents[0]
        assert doc.value("issue_date") == entry["fields"]["issue_date"]
        assert doc.value("grand_total") == entry["fields"]["grand_total"]
        # each field carries the page it is on and a box inside that page
        field = doc.fields["grand_total"]
        page = report.pages[field.page - 1]
        assert field.bbox is not None and 0 <= field.bbox[0] <= page.width and 0 <= field.bbox[1] <= page.height


def test_a_garbled_text_layer_is_ocrd_and_flagged(data_dir: Path) -> None:
    entry = next(e for e in TRUTH if "garbled" in e["file"]) if TRUTH else {"file": "x"}
    report = _check(entry, data_dir)
    assert report.pages[0].text_source == "ocr"
    assert "text_layer_unreadable" in {f.code for f in report.risk_flags}


def test_a_private_cloud_console_is_not_public_cloud(data_dir: Path) -> None:
    entry = next(e for e in TRUTH if e.get("public_cloud") is False) if TRUTH else {"file": "x"}
    report = _check(entry, data_dir)
    assert "console_not_public_cloud" in {f.code for f in report.risk_flags}


@pytest.mark.parametrize("entry", TRUTH, ids=[e["file"] for e in TRUTH])
def test_the_report_matches_its_golden(entry: dict[str, Any], data_dir: Path, request: pytest.FixtureRequest) -> None:
    from tests.golden import assert_golden, golden_view

    assert_golden(request, "realdocs/" + entry["file"].replace("/", "__"), golden_view(_check(entry, data_dir), hashed=True))
