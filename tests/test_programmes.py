"""End to end: the Zhengzhou cloud-provider and "double soft" sample dossiers against their truth.

Both dossiers are text-layer PDFs only, so these run without the OCR engine (a fake engine proves
no page needed it) and stay in the fast suite. Every checklist item must have the status the truth
gives it, and each planted defect must show as its item's failure, with the values in the reason.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from extractors.text import normalize
from models.domain import Report
from models.enums import Status
from service import rulepacks
from service.cli import main as cli_main
from service.pipeline import CheckOptions, check_dossier
from service.settings import Settings
from tests.fakes import FakeEngine

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TODAY = date(2018, 5, 20)


def _truth(folder: str) -> dict[str, Any]:
    return json.loads((SAMPLES / folder / "truth.json").read_text(encoding="utf-8"))


def _check(folder: str, programme: str, tmp: Path, declared: dict[str, str] | None = None) -> Report:
    engine = FakeEngine()
    outcome = check_dossier([SAMPLES / folder / "dossier"],
                            CheckOptions(programme=programme, today=TODAY, previews=False, declared=declared or {}),
                            Settings(data_dir=tmp), engine=engine)
    # every page reads from its text layer (seal reading may still use the engine on seal crops)
    assert {p.text_source for p in outcome.report.pages} == {"text_layer"}, "the sample dossiers must not need page OCR"
    return outcome.report


@pytest.fixture(scope="module")
def zhengzhou(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _check("zhengzhou", "zhengzhou-cloud-provider-2018", tmp_path_factory.mktemp("zz"))


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _check("double_soft", "double-soft-software-product", tmp_path_factory.mktemp("dsp"))


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _check("double_soft", "double-soft-enterprise", tmp_path_factory.mktemp("dse"))


def _assert_pages_and_documents(report: Report, truth: dict[str, Any]) -> None:
    assert report.summary.pages == truth["page_count"] and report.errors == []
    assert all(p.text_source == "text_layer" for p in report.pages)
    for f in truth["files"]:
        doc = next((d for d in report.documents if d.pages == f["pages"]), None)
        assert doc is not None and doc.document_type == f["document_type"], f["file"]
        for name, expected in f["fields"].items():
            if name in doc.fields:
                # the report gives text normalised (half-width brackets), ids as printed
                assert normalize(doc.value(name) or "") == normalize(str(expected)), (f["file"], name)
            elif isinstance(expected, list):
                assert [v.value for v in doc.list_fields.get(name, [])] == expected, (f["file"], name)
            else:
                assert doc.facts.get(name) == expected, (f["file"], name)


def _assert_checklist(report: Report, expected: dict[str, str], pack_id: str) -> None:
    got = {r.item_id: r.status for r in report.checklist}
    # the truth names every item of the pack, and the report evaluates every one
    assert set(expected) == {i.id for i in rulepacks.load(pack_id).items} == set(got)
    assert {k: str(v) for k, v in got.items()} == expected
    assert all(r.reason for r in report.checklist)


def _flags(report: Report) -> list[tuple[str, str]]:
    return sorted((f.code, Path(report.pages[p - 1].file).name) for f in report.risk_flags for p in f.pages)


# ---- Zhengzhou


def test_zhengzhou_documents_and_fields(zhengzhou: Report) -> None:
    truth = _truth("zhengzhou")
    _assert_pages_and_documents(zhengzhou, truth)
    assert zhengzhou.applicant.name == truth["applicant"]["name"]
    assert zhengzhou.programme_version == rulepacks.load("zhengzhou-cloud-provider-2018").version


def test_zhengzhou_checklist(zhengzhou: Report) -> None:
    _assert_checklist(zhengzhou, _truth("zhengzhou")["expected_checklist"], "zhengzhou-cloud-provider-2018")


def test_zhengzhou_expired_and_foreign_licences_fail_the_licence_item(zhengzhou: Report) -> None:
    truth = _truth("zhengzhou")
    item = next(r for r in zhengzhou.checklist if r.item_id == "qualification.platform_telecom_license")
    licence_pages = [p for f in truth["files"] if f["document_type"] == "telecom_license" for p in f["pages"]]
    assert item.status == Status.failed and item.pages == licence_pages and item.evidence
    for value in truth["expected_reasons"]["qualification.platform_telecom_license"]:
        assert value in item.reason
    assert _flags(zhengzhou) == sorted((f["code"], f["file"]) for f in truth["expected_flags"])


def test_zhengzhou_summary_table_is_pointed_at(zhengzhou: Report) -> None:
    truth = _truth("zhengzhou")
    item = next(r for r in zhengzhou.checklist if r.item_id == "submission.summary_table")
    assert item.pages == [truth["files"][0]["summary_table_page"]]


def test_zhengzhou_cli_summary_reads_as_a_reviewer_needs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    code = cli_main(["check", str(SAMPLES / "zhengzhou" / "dossier"), "--programme", "zhengzhou-cloud-provider-2018",
                     "--format", "json", "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "zhengzhou-cloud-provider-2018 v2018.1）" in out and "None" not in out and "上云支出" not in out
    assert "已过期" in out and "不是申报企业" in out


# ---- double soft


def test_double_soft_documents_and_figures(enterprise: Report) -> None:
    _assert_pages_and_documents(enterprise, _truth("double_soft"))


def test_double_soft_product_checklist(product: Report) -> None:
    expected = _truth("double_soft")["expected_checklist"]["double-soft-software-product"]
    _assert_checklist(product, expected, "double-soft-software-product")


def test_double_soft_enterprise_checklist(enterprise: Report) -> None:
    expected = _truth("double_soft")["expected_checklist"]["double-soft-enterprise"]
    _assert_checklist(enterprise, expected, "double-soft-enterprise")
    assert _flags(enterprise) == []


def test_each_ratio_shows_its_inputs_sources_threshold_and_pages(enterprise: Report) -> None:
    truth = _truth("double_soft")
    audit = next(f for f in truth["files"] if f["document_type"] == "audit_report")
    for item_id, ratio in truth["expected_ratios"].items():
        r = next(r for r in enterprise.checklist if r.item_id == item_id)
        threshold = next(i.condition.params["threshold"] for i in rulepacks.load("double-soft-enterprise").items
                         if i.id == item_id)
        assert ratio in r.reason and f"{threshold * 100:.0f}%" in r.reason and "（第 " in r.reason, item_id
        assert r.pages and set(r.pages) <= set(audit["pages"]) | {5} and r.evidence, item_id
    staff = next(r for r in enterprise.checklist if r.item_id == "enterprise.software_staff_ratio")
    assert staff.pages == [audit["figure_pages"]["staff_total"]] and "低于 50%" in staff.reason


def test_a_declared_figure_that_disagrees_with_the_dossier_goes_to_review(tmp_path: Path) -> None:
    report = _check("double_soft", "double-soft-enterprise", tmp_path, declared={"software_staff": "61"})
    staff = next(r for r in report.checklist if r.item_id == "enterprise.software_staff_ratio")
    assert staff.status == Status.needs_review and "申报企业声明为 61 人" in staff.reason
    assert report.declared == {"software_staff": "61"}


def test_the_sample_dossiers_stay_small() -> None:
    for folder in ("zhengzhou", "double_soft"):
        files = list((SAMPLES / folder / "dossier").iterdir())
        assert sum(f.stat().st_size for f in files) < 1_500_000
        assert all(f.suffix == ".pdf" for f in files)


def test_programmes_lists_the_new_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["programmes"]) == 0
    out = capsys.readouterr().out
    for pack_id in ("zhengzhou-cloud-provider-2018", "double-soft-software-product", "double-soft-enterprise"):
        assert pack_id in out
    assert "enterprise.software_staff_ratio" in out and "qualification.platform_telecom_license" in out


@pytest.mark.parametrize("which", ["zhengzhou", "product", "enterprise"])
def test_the_reports_match_their_goldens(which: str, request: pytest.FixtureRequest) -> None:
    from tests.golden import assert_golden, golden_view

    assert_golden(request, which, golden_view(request.getfixturevalue(which)))


def test_programme_specific_extractors_run_only_for_the_programmes_that_ask(zhengzhou: Report,
                                                                             tmp_path: Path) -> None:
    # the Zhengzhou call's pack asks for its form extractors: the 申报类别 is read on its form
    assert rulepacks.load("zhengzhou-cloud-provider-2018").extractors == ["zhengzhou_forms"]
    form = next(d for d in zhengzhou.documents if d.document_type == "application_form")
    assert form.value("applicant_kind")
    # the same dossier checked for the Jinan programme is read without them
    jinan = _check("zhengzhou", "jinan-star-cloud-2020", tmp_path)
    form = next(d for d in jinan.documents if d.document_type == "application_form")
    assert form.value("applicant_kind") is None and "summary_table_pages" not in form.facts


def test_star_levels_and_sections_come_from_the_rule_pack(zhengzhou: Report, tmp_path: Path) -> None:
    # a programme without star levels refuses one, before any page is read; Jinan's are 3, 4 and 5
    with pytest.raises(rulepacks.RulePackError, match="star level"):
        check_dossier([SAMPLES / "zhengzhou" / "dossier"],
                      CheckOptions(programme="zhengzhou-cloud-provider-2018", star=3), Settings(data_dir=tmp_path))
    with pytest.raises(rulepacks.RulePackError, match="3、4、5"):
        check_dossier([SAMPLES / "zhengzhou" / "dossier"], CheckOptions(star=6), Settings(data_dir=tmp_path))
    # programme-only sections: Zhengzhou's report has no spending and no annex section
    assert zhengzhou.spending is None and zhengzhou.annex == []
