"""End to end: the README's first command on the bundled sample dossier, checked against its truth.

Runs the real OCR engine once for the module (the dossier has scans and a sideways photo); every
planted defect must show as its checklist status or risk flag, and a clean document must not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.domain import Report
from service.cli import main as cli_main

pytestmark = pytest.mark.ocr

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "jinan"


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Path]:
    out = tmp_path_factory.mktemp("out")
    data = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("EVIDENCE_DATA_DIR", str(data))
    try:
        code = cli_main(["check", str(SAMPLE / "dossier"), "-o", str(out), "--quiet"])
    finally:
        mp.undo()
    return out, code, data


@pytest.fixture(scope="module")
def report(run: tuple[Path, int, Path]) -> Report:
    out = run[0]
    return Report.model_validate_json((out / "report.json").read_text(encoding="utf-8"))


def _file_of(report: Report, page: int) -> str:
    return Path(next(p.file for p in report.pages if p.page == page)).name


def test_the_check_runs_and_writes_the_four_reports(run: tuple[Path, int, Path]) -> None:
    out, code, _ = run
    assert code == 0
    for fmt in ("json", "md", "html", "xlsx"):
        assert (out / f"report.{fmt}").stat().st_size > 0


def test_every_page_is_numbered_as_bound_with_its_file_and_type(report: Report, truth: dict[str, Any]) -> None:
    assert report.summary.pages == truth["page_count"]
    for f in truth["files"]:
        for page in f["pages"]:
            info = report.pages[page - 1]
            assert info.page == page and Path(info.file).name == f["file"]
            assert info.document_type == f["document_type"], f"page {page}"
    assert report.errors == []


def test_the_sideways_photo_is_turned_upright(report: Report, truth: dict[str, Any]) -> None:
    photo = next(f for f in truth["files"] if f["file"].startswith("07_"))
    info = report.pages[photo["pages"][0] - 1]
    assert info.text_source == "ocr" and info.rotation in (90, 270)


def test_every_planted_defect_is_flagged_on_its_file(report: Report, truth: dict[str, Any]) -> None:
    got = {(f.code, _file_of(report, p)) for f in report.risk_flags for p in f.pages}
    for expected in truth["expected_flags"]:
        assert (expected["code"], expected["file"]) in got, expected


def test_clean_documents_raise_no_flags(report: Report, truth: dict[str, Any]) -> None:
    clean = {f["file"] for f in truth["files"] if not f.get("defects")}
    noisy = [(f.code, _file_of(report, p)) for f in report.risk_flags for p in f.pages if _file_of(report, p) in clean]
    assert noisy == []


def test_checklist_statuses(report: Report, truth: dict[str, Any]) -> None:
    status = {r.item_id: r.status for r in report.checklist}
    for item, expected in truth["expected_checklist"].items():
        assert status[item] == expected, item
    for r in report.checklist:
        assert r.reason


def test_spending_since_cutoff_counts_each_eligible_invoice_once(report: Report, truth: dict[str, Any]) -> None:
    expected = truth["expected_spending"]
    assert report.spending.since == expected["since"]
    assert report.spending.total == expected["total"]
    assert report.spending.invoice_count == expected["invoice_count"]
    by_status = {s: sorted(_file_of(report, i.pages[0]) for i in report.spending.invoices if i.status == s)
                 for s in ("counted", "needs_review")}
    # the invoice whose 大写 differs from its 小写 is not counted: it waits for a reviewer
    assert by_status == {"counted": sorted(expected["invoices"]), "needs_review": sorted(expected["needs_review"])}


def test_invoice_fields_match_truth(report: Report, truth: dict[str, Any]) -> None:
    names = ("invoice_code", "issue_date", "seller_tax_id", "buyer_name", "grand_total", "amount_total", "tax_total")
    misses = []
    for f in truth["files"]:
        if f["document_type"] != "vat_invoice":
            continue
        doc = next(d for d in report.documents if d.pages == f["pages"])
        for name in names:
            if name in f["fields"] and doc.value(name) != f["fields"][name]:
                misses.append((f["file"], name, doc.value(name), f["fields"][name]))
    assert misses == []


def test_findings_carry_pages_and_boxes_inside_their_page(report: Report) -> None:
    sizes = {p.page: (p.width, p.height) for p in report.pages}
    boxed = [f for f in report.findings if f.bbox]
    assert len(boxed) > 50
    for f in boxed:
        w, h = sizes[f.page]
        x0, y0, x1, y1 = f.bbox  # type: ignore[misc]
        assert -2 <= x0 <= x1 <= w + 2 and -2 <= y0 <= y1 <= h + 2, f
    ids = [f.id for f in report.findings]
    assert len(ids) == len(set(ids))


def test_every_seal_is_found_and_its_name_read(report: Report, truth: dict[str, Any]) -> None:
    """Each planted seal (the tax bureau's 监制 mark aside) on its page, its name read with at
    least 0.9 character accuracy; on the software contract black print hides two characters of
    the developer's seal, which are confirmed against the party named on the contract's first page."""
    from rapidfuzz.distance import Levenshtein

    owners = [s for s in report.seals if s.kind != "监制" and not s.riding_seam]
    planted = [t for f in truth["files"] for t in f.get("seals", [])
               if t.get("kind") != "supervision_seal" and not t.get("riding_seam")]
    assert len(owners) == len(planted)
    for t in planted:
        read = max((s.arc_text for s in owners if s.page == t["page"]),
                   key=lambda text: -Levenshtein.normalized_distance(text, t["text"]), default="")
        assert 1 - Levenshtein.normalized_distance(read, t["text"]) >= 0.9, (t["page"], read, t["text"])
    hidden = [s for s in owners if s.arc_hidden]
    assert [(s.page, s.arc_text, s.arc_hidden) for s in hidden] == [(8, "济南明湖数码软件有限公司", [0, 3])]


def test_the_riding_seam_is_found_on_every_sheet_it_crosses(report: Report, truth: dict[str, Any]) -> None:
    for f in truth["files"]:
        seam = sorted(t["page"] for t in f.get("seals", []) if t.get("riding_seam"))
        found = sorted({s.page for s in report.seals if s.riding_seam and s.page in f["pages"]})
        assert found == seam, f["file"]
        if seam:
            doc = next(d for d in report.documents if d.pages == f["pages"])
            assert doc.facts["riding_seam_pages"] == seam
            # each sheet shows the next part of the name: joined, they read the whole of it
            names = {t["text"] for t in f["seals"] if t.get("riding_seam")}
            assert doc.facts["riding_seam_text"] in names
    assert not [fl for fl in report.risk_flags if fl.code == "riding_seam_broken"]


def _annex_samples() -> list[Path]:
    return sorted(p for p in SAMPLE.parent.iterdir() if (p / "truth.json").is_file())


def test_samples_without_an_annex_in_their_truth_have_none_in_their_programme() -> None:
    from service import rulepacks

    for sample in _annex_samples():
        truth = json.loads((sample / "truth.json").read_text(encoding="utf-8"))
        if "annex_table" not in truth:
            programmes = truth.get("programmes") or [truth["programme"]]
            assert all(rulepacks.load(p).annex == [] for p in programmes), sample.name
    assert "annex_table" in json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_the_annex_matches_the_truth_row_by_row(report: Report, truth: dict[str, Any]) -> None:
    """Every row: the same domain in the same place, on cloud exactly where the truth says, with every
    proof page the applicant cites among the product's proof pages (the product may name more pages
    that prove the same domain, e.g. an invoice line or a bill naming the product), and the
    applicant's claim carried beside the proof; an outcome row (上云成效) is the applicant's claim."""
    expected = truth["annex_table"]
    assert [r.domain.replace(" ", "") for r in report.annex] == [r["domain"].replace(" ", "") for r in expected]
    wrong = []
    for got, want in zip(report.annex, expected, strict=True):
        if got.on_cloud != want["on_cloud"] or not set(want["pages"]) <= set(got.pages):
            wrong.append((got.domain, got.on_cloud, got.pages, want["on_cloud"], want["pages"]))
        if got.claimed != want["on_cloud"] or got.claimed_pages != want["pages"]:
            wrong.append((got.domain, "claimed", got.claimed, got.claimed_pages))
        if got.on_cloud and got.category == "上云成效":
            assert got.basis == "claimed" and got.pages == want["pages"]
    assert wrong == []
    supported = next(r for r in report.checklist if r.item_id == "form.annex_supported")
    assert "未找到佐证材料" not in supported.reason


def test_the_annex_table_is_filled_with_proof_pages(report: Report) -> None:
    rows = {r.domain.replace(" ", ""): r for r in report.annex}
    assert rows["计算资源"].on_cloud and 13 in rows["计算资源"].pages
    assert rows["数据库"].on_cloud
    assert not rows["高耗能设备"].on_cloud


def test_a_recheck_is_served_from_the_ocr_cache(run: tuple[Path, int, Path]) -> None:
    # same data directory as the first run: no page needs OCR again
    from service.ocr.engine import get_engine
    from service.pipeline import CheckOptions, check_dossier
    from service.settings import Settings
    from tests.fakes import FakeEngine

    # a stand-in that answers to the real engine's cache identity and would read nothing
    engine = FakeEngine()
    engine.id = get_engine("rapidocr").id
    outcome = check_dossier([SAMPLE / "dossier"], CheckOptions(previews=False), Settings(data_dir=run[2]), engine=engine)
    assert engine.reads == 0 and engine.detects == 0
    assert all(p.ocr_cached for p in outcome.report.pages if p.text_source == "ocr")
    # the real engine is not even loaded: its models are read on first use, and nothing uses it
    from service.ocr.engine import RapidOcrEngine

    fresh = RapidOcrEngine()
    check_dossier([SAMPLE / "dossier"], CheckOptions(previews=False), Settings(data_dir=run[2]), engine=fresh)
    assert fresh._rapid is None
    first = Report.model_validate_json((run[0] / "report.json").read_text(encoding="utf-8"))
    assert [(s.arc_text, s.arc_hidden) for s in outcome.report.seals] == [(s.arc_text, s.arc_hidden) for s in first.seals]


def test_the_markdown_report_has_no_english_sentence(run: tuple[Path, int, Path]) -> None:
    from tests.reports.english import english_sentences

    md = (run[0] / "report.md").read_text(encoding="utf-8")
    assert english_sentences(md) == []
    # the spending table says why in Chinese, the status code beside the word
    assert "| 待复核 `needs_review` | 待人工复核，暂不计入：价税合计大写与小写不一致 |" in md
    assert "| 计入 `counted` | 计入 |" in md


def test_a_stored_dossier_is_re_evaluated_without_reading_a_page(run: tuple[Path, int, Path], report: Report,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the check stored the dossier (its id is the last line it printed); a re-check must not
    # render, OCR or extract anything: every one of those entry points fails if called
    import extractors.registry as registry
    import service.ingest
    import service.ocr.engine
    import service.pipeline
    from service.settings import Settings
    from service.store import Store

    def forbidden(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a re-check read a page or ran an extractor")

    for module, name in [(service.ocr.engine, "get_engine"), (service.pipeline, "get_engine"),
                         (service.pipeline, "collect_files"), (service.pipeline, "open_reader"),
                         (service.ingest, "render_pdf_page"), (service.pipeline, "read_page")]:
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setattr(registry, "PAGE_EXTRACTORS", [("forbidden", forbidden)])
    monkeypatch.setattr(registry, "DOCUMENT_EXTRACTORS", {t: forbidden for t in registry.DOCUMENT_EXTRACTORS})
    monkeypatch.setattr(registry, "IMAGE_EXTRACTORS", [("forbidden", forbidden)])
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(run[2]))

    (dossier,) = Store.open(Settings(data_dir=run[2])).list_dossiers()
    out = tmp_path / "recheck"
    assert cli_main(["recheck", dossier.id, "-o", str(out), "--quiet"]) == 0
    again = Report.model_validate_json((out / "report.json").read_text(encoding="utf-8"))
    assert [(r.item_id, r.status, r.pages) for r in again.checklist] == \
        [(r.item_id, r.status, r.pages) for r in report.checklist]
    assert [f.id for f in again.risk_flags] == [f.id for f in report.risk_flags]
    assert again.spending == report.spending and again.annex == report.annex
    assert (out / "report.html").read_bytes().count(b"data:image/jpeg") == report.summary.pages
    # another star level is a re-evaluation too, and it is what the dossier now shows
    assert cli_main(["recheck", dossier.id, "--star", "4", "--format", "json", "-o", str(tmp_path / "r4.json"),
                     "--quiet"]) == 0
    assert cli_main(["show", dossier.id, "--format", "json", "-o", str(tmp_path / "shown.json"), "--quiet"]) == 0
    shown = json.loads((tmp_path / "shown.json").read_text(encoding="utf-8"))
    assert shown["star"] == 4


def test_the_report_matches_its_golden(report: Report, request: pytest.FixtureRequest) -> None:
    from tests.golden import assert_golden, golden_view

    assert_golden(request, "jinan", golden_view(report))
