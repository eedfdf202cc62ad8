"""The sample generator reproduces the committed dossier, and its truth is internally consistent.

The checks on credit codes and invoice amounts are re-implemented here on purpose, so a bug in the
generator's own helpers cannot hide behind itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "samples" / "generate.py"
COMMITTED = ROOT / "samples" / "jinan"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC for c in code):
        return False
    w = [3**i % 31 for i in range(17)]  # 1 3 9 27 19 26 …: GB 32100 weights are powers of 3 mod 31
    check = (31 - sum(USCC.index(c) * k for c, k in zip(code, w, strict=False)) % 31) % 31
    org = code[8:17]
    ow = (3, 7, 9, 10, 5, 8, 4, 2)
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * k for c, k in zip(org, ow, strict=False))
    oc = {10: "X", 11: "0"}.get(11 - s % 11, str(11 - s % 11))
    return code[17] == USCC[check] and org[8] == oc


DIG = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def words_value(words: str) -> Decimal:
    """Parse an upper-case RMB amount (叁万壹仟捌佰圆整, 壹万零叁佰伍拾肆圆伍角 …)."""
    yuan_part, _, frac = words.replace("元", "圆").partition("圆")
    total, section, digit = 0, 0, 0
    for ch in yuan_part:
        if ch in DIG:
            digit = DIG[ch]
        elif ch in UNIT:
            section += (digit or 1) * UNIT[ch]
            digit = 0
        elif ch in "万亿":
            total = (total + section + digit) * (10_000 if ch == "万" else 100_000_000)
            section = digit = 0
    total += section + digit
    cents = 0
    for ch, nxt in zip(frac, frac[1:] + " ", strict=True):
        if ch in DIG and nxt == "角":
            cents += DIG[ch] * 10
        elif ch in DIG and nxt == "分":
            cents += DIG[ch]
    return Decimal(total) + Decimal(cents) / 100


def test_words_parser_self_check() -> None:
    assert words_value("叁万壹仟捌佰元整") == Decimal("31800")
    assert words_value("壹万零叁佰伍拾肆圆伍角") == Decimal("10354.50")
    assert words_value("壹拾万零伍佰圆零陆分") == Decimal("100500.06")
    assert uscc_valid("91350100M000100Y43")  # a published example code


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("reportlab", reason="reportlab (extra 'samples') is needed to regenerate the dossier")
    if not FONT.exists():
        pytest.skip(f"WenQuanYi font {FONT} is absent (Debian package fonts-wqy-microhei)")
    out = tmp_path_factory.mktemp("jinan")
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), "--seed", "7"], check=True,
                   capture_output=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))


def test_regenerates_committed_truth_and_files(generated: Path) -> None:
    assert (generated / "truth.json").read_bytes() == (COMMITTED / "truth.json").read_bytes()
    assert sorted(p.name for p in (generated / "dossier").iterdir()) == sorted(p.name for p in (COMMITTED / "dossier").iterdir())


def test_dossier_stays_small() -> None:
    assert sum(p.stat().st_size for p in (COMMITTED / "dossier").iterdir()) < 3_000_000


def test_pages_are_bound_in_file_order(truth: dict[str, Any]) -> None:
    pages = [n for f in truth["files"] for n in f["pages"]]
    assert pages == list(range(1, truth["page_count"] + 1))
    names = [f["file"] for f in truth["files"]]
    assert names == sorted(names)
    assert sorted(p.name for p in (COMMITTED / "dossier").iterdir()) == names


def test_credit_codes_valid_except_planted(truth: dict[str, Any]) -> None:
    codes: dict[str, set[str]] = {}
    for f in truth["files"]:
        for key, value in f["fields"].items():
            if key in ("credit_code", "party_a_credit_code", "party_b_credit_code", "buyer_tax_id",
                       "seller_tax_id"):
                codes.setdefault(value, set()).add(f["file"])
    bad = {c for c in codes if not uscc_valid(c)}
    planted = {f["file"] for f in truth["files"] if "credit_code_invalid" in f["defects"]}
    assert planted == {"04_软件开发合同.pdf"}
    assert len(bad) == 1 and codes[bad.pop()] == planted
    assert uscc_valid(truth["applicant"]["credit_code"])
    assert truth["applicant"]["credit_code"][2:6] == "3701"  # registered in Jinan
    for p in truth["providers"]:
        assert uscc_valid(p["credit_code"]) == p["credit_code_valid"]


def test_invoice_arithmetic_holds_except_planted(truth: dict[str, Any]) -> None:
    invoices = [f for f in truth["files"] if f["document_type"] == "vat_invoice"]
    assert len(invoices) == 4
    for f in invoices:
        v = f["fields"]
        items = v["line_items"]
        amount, tax, grand = Decimal(v["amount_total"]), Decimal(v["tax_total"]), Decimal(v["grand_total"])
        assert sum(Decimal(i["amount"]) for i in items) == amount
        assert sum(Decimal(i["tax"]) for i in items) == tax
        assert amount + tax == grand
        for i in items:
            assert abs(Decimal(i["amount"]) * Decimal(i["tax_rate"]) - Decimal(i["tax"])) <= Decimal("0.005")
            assert abs(Decimal(i["quantity"]) * Decimal(i["unit_price"]) - Decimal(i["amount"])) <= Decimal("0.005")
        words_ok = words_value(v["grand_total_words"]) == grand
        assert words_ok == ("invoice_amount_words_mismatch" not in f["defects"]), f["file"]
        code, year = v["invoice_code"], v["issue_date"][2:4]
        code_year = code[4:6] if len(code) == 10 else code[5:7]
        assert code_year <= year


def test_planted_defects_and_spending(truth: dict[str, Any]) -> None:
    expected = {(fl["code"], fl["file"]) for fl in truth["expected_flags"]}
    assert expected == {
        ("date_before_cutoff", "06_发票扫描.png"),
        ("credit_code_invalid", "04_软件开发合同.pdf"),
        ("invoice_amount_words_mismatch", "07_发票照片.jpg"),
        ("buyer_not_applicant", "08_发票_其他购买方.pdf"),
        ("contract_lacks_cloud_wording", "04_软件开发合同.pdf"),
    }
    applicant = truth["applicant"]["name"]
    eligible = [f for f in truth["files"] if f["document_type"] == "vat_invoice"
                and f["fields"]["issue_date"] >= truth["expected_spending"]["since"]
                and f["fields"]["buyer_name"] == applicant]
    # an invoice whose words differ from its figures is not counted: it waits for a reviewer
    counted = [f for f in eligible if words_value(f["fields"]["grand_total_words"]) == Decimal(f["fields"]["grand_total"])]
    spending = truth["expected_spending"]
    assert spending["invoice_count"] == len(counted) == 1
    assert spending["needs_review"] == [f["file"] for f in eligible if f not in counted] == ["07_发票照片.jpg"]
    assert Decimal(spending["total"]) == sum(Decimal(f["fields"]["grand_total"]) for f in counted)
    for f in truth["files"]:
        if f["document_type"] == "contract":
            v = f["fields"]
            assert words_value(v["amount_words"]) == Decimal(v["amount"])


def test_annex_pages_point_at_evidence(truth: dict[str, Any]) -> None:
    rows = truth["annex_table"]
    assert len(rows) == 53  # every domain of the seed table
    assert {r["category"] for r in rows} == {"基础系统上云", "管理上云", "业务上云", "设备上云", "上云成效"}
    marked = [r for r in rows if r["on_cloud"]]
    assert marked and all(r["pages"] for r in marked)
    assert all(1 <= n <= truth["page_count"] for r in marked for n in r["pages"])
