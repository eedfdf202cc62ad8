"""Classification and invoice fields on PageText dumps of the real documents.

Runs only where ``EVIDENCE_REALDOCS_PAGETEXT`` names a folder of dumps (see ``realdocs_util``) and
the realdocs ``truth.json`` is present; the lead wires the real pipeline later. Run with
``EVIDENCE_REALDOCS_PAGETEXT=/path/to/dumps pytest -m realdocs -s`` to see the results table.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.classify import classify_page
from extractors.invoice import extract_invoice
from tests.extractors.realdocs_util import ENV, load_pagetext, pagetext_dir, source_key, truth_path

pytestmark = pytest.mark.realdocs

DUMPS = pagetext_dir()
TRUTH = truth_path()
if DUMPS is None or TRUTH is None:
    pytest.skip(f"set {ENV} to a folder of PageText dumps (and have realdocs/truth.json)", allow_module_level=True)

assert DUMPS is not None and TRUTH is not None
TRUTH_BY_FILE: dict[str, dict[str, Any]] = {d["file"]: d for d in json.loads(TRUTH.read_text(encoding="utf-8"))}
# the Chinese text layer of this file is garbage by design: the ingest OCRs it instead
UNREADABLE_TEXT_LAYERS = {"invoice_pdf/hz_zhejiang_e_invoice_2017_garbled_textlayer.pdf"}
INVOICE_FIELDS = (
    "invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name", "buyer_tax_id",
    "seller_name", "seller_tax_id", "amount_total", "tax_total", "grand_total",
)


def _dumps() -> list[Path]:
    out = []
    for p in sorted(DUMPS.glob("*.json")):
        key = source_key(p)
        if key not in TRUTH_BY_FILE:
            continue
        if key in UNREADABLE_TEXT_LAYERS and p.name.endswith("textlayer_words.json"):
            continue
        out.append(p)
    return out


FILES = _dumps()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_document_type(path: Path) -> None:
    truth = TRUTH_BY_FILE[source_key(path)]
    dtype, _, reason = classify_page(load_pagetext(path))
    assert dtype.value == truth["document_type"], reason


INVOICES = [p for p in FILES if TRUTH_BY_FILE[source_key(p)]["document_type"] == "vat_invoice"]


@pytest.mark.parametrize("path", INVOICES, ids=[p.name for p in INVOICES])
def test_invoice_issue_date_and_grand_total(path: Path) -> None:
    truth = TRUTH_BY_FILE[source_key(path)]["fields"]
    ex = extract_invoice([load_pagetext(path)])
    got = {k: v.value for k, v in ex.fields.items()}
    assert got.get("issue_date") == truth["issue_date"]
    assert got.get("grand_total") == truth["grand_total"]


@pytest.mark.parametrize("path", INVOICES, ids=[p.name for p in INVOICES])
def test_invoice_fields(path: Path) -> None:
    truth = TRUTH_BY_FILE[source_key(path)]["fields"]
    ex = extract_invoice([load_pagetext(path)])
    got = {k: v.value for k, v in ex.fields.items()}
    wrong = {k: (truth[k], got.get(k)) for k in INVOICE_FIELDS if k in truth and got.get(k) != truth[k]}
    assert not wrong
    # what is read must add up: 金额 + 税额 = 价税合计 wherever all three were read
    if all(k in got for k in ("amount_total", "tax_total", "grand_total")):
        assert Decimal(got["amount_total"]) + Decimal(got["tax_total"]) == Decimal(got["grand_total"])


def test_results_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Not an assertion: prints the per-file table (file, type, date, total, fields right/total)."""
    rows = ["| file | type ok | issue date ok | grand total ok | fields right/total |", "|---|---|---|---|---|"]
    for path in FILES:
        truth = TRUTH_BY_FILE[source_key(path)]
        page = load_pagetext(path)
        dtype, _, _ = classify_page(page)
        type_ok = dtype.value == truth["document_type"]
        if truth["document_type"] != "vat_invoice":
            rows.append(f"| {path.name} | {'yes' if type_ok else 'NO'} | - | - | - |")
            continue
        fields = truth["fields"]
        got = {k: v.value for k, v in extract_invoice([page]).fields.items()}
        right = sum(1 for k in INVOICE_FIELDS if k in fields and got.get(k) == fields[k])
        total = sum(1 for k in INVOICE_FIELDS if k in fields)
        rows.append(
            f"| {path.name} | {'yes' if type_ok else 'NO'} | "
            f"{'yes' if got.get('issue_date') == fields.get('issue_date') else 'NO'} | "
            f"{'yes' if got.get('grand_total') == fields.get('grand_total') else 'NO'} | {right}/{total} |"
        )
    with capsys.disabled():
        print("\n" + "\n".join(rows))
