"""The Zhengzhou and "double soft" sample generator reproduces the committed dossiers' truth, and the
truth is consistent with itself (credit codes, ratios, the planted defects)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.samples.test_generator import FONT, uscc_valid

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "samples" / "generate_programmes.py"
FOLDERS = ("zhengzhou", "double_soft")


def committed(folder: str) -> dict[str, Any]:
    return json.loads((ROOT / "samples" / folder / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("reportlab")
    if not FONT.exists():
        pytest.skip("WenQuanYi fonts not installed")
    out = tmp_path_factory.mktemp("programmes")
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_generator_reproduces_the_committed_truth_and_files(regenerated: Path, folder: str) -> None:
    fresh = json.loads((regenerated / folder / "truth.json").read_text(encoding="utf-8"))
    assert fresh == committed(folder)
    names = sorted(p.name for p in (regenerated / folder / "dossier").iterdir())
    assert names == sorted(p.name for p in (ROOT / "samples" / folder / "dossier").iterdir())
    assert names == sorted(f["file"] for f in fresh["files"])


@pytest.mark.parametrize("folder", FOLDERS)
def test_pages_are_numbered_in_bound_order_and_codes_are_valid(folder: str) -> None:
    truth = committed(folder)
    pages = [p for f in sorted(truth["files"], key=lambda f: f["file"]) for p in f["pages"]]
    assert pages == list(range(1, truth["page_count"] + 1))
    assert uscc_valid(truth["applicant"]["credit_code"])
    assert truth["applicant"]["credit_code"][2:6] == "4101"


def test_zhengzhou_plants_an_expired_licence_and_another_companys_licence() -> None:
    truth = committed("zhengzhou")
    licences = [f for f in truth["files"] if f["document_type"] == "telecom_license"]
    own = next(f for f in licences if f["fields"]["company_name"] == truth["applicant"]["name"])
    other = next(f for f in licences if f["fields"]["company_name"] != truth["applicant"]["name"])
    assert own["fields"]["valid_until"] < "2018-05-11" <= other["fields"]["valid_until"]
    assert "B11" in own["fields"]["business_types"] and "B11" in other["fields"]["business_types"]
    assert truth["expected_checklist"]["qualification.platform_telecom_license"] == "failed"


def test_double_soft_staff_ratio_is_just_under_and_the_others_just_over() -> None:
    truth = committed("double_soft")
    audit = next(f for f in truth["files"] if f["document_type"] == "audit_report")["fields"]
    staff = Decimal(audit["software_staff"]) / Decimal(audit["staff_total"])
    assert Decimal("0.48") < staff < Decimal("0.50")
    revenue = Decimal(audit["revenue"])
    assert Decimal(audit["rd_expense"]) / revenue >= Decimal("0.08")
    assert Decimal(audit["software_revenue"]) / revenue >= Decimal("0.35")
    assert Decimal(audit["own_software_revenue"]) / Decimal(audit["software_revenue"]) >= Decimal("0.50")
    statement = next(f for f in truth["files"] if f["document_type"] == "financial_statement")["fields"]
    assert statement["revenue"] == audit["revenue"] and statement["rd_expense"] == audit["rd_expense"]
