"""The command line on text-layer documents (no OCR needed); the web service is tested in tests/service/web."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.settings import Settings

DOSSIER = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
EINVOICE = DOSSIER / "05_电子发票.pdf"
CONTRACT = DOSSIER / "03_云服务合同.pdf"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    if settings.database_url:  # the store on the local PostgreSQL server, where one answers
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    return tmp_path / "data"


def test_check_writes_the_requested_report_and_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["check", str(EINVOICE), str(CONTRACT), "--format", "json", "-o", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [p["page"] for p in report["pages"]] == [1, 2, 3]
    assert report["pages"][0]["file"].endswith("05_电子发票.pdf") and report["pages"][1]["file_page"] == 1
    invoice = next(d for d in report["documents"] if d["document_type"] == "vat_invoice")
    assert invoice["fields"]["grand_total"]["value"] == "21200.00"
    assert invoice["fields"]["grand_total"]["page"] == 1
    summary = capsys.readouterr().out
    assert "检查清单" in summary and str(out) in summary


def test_report_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EINVOICE), "--format", "md", "-o", "-"]) == 0
    assert "21200.00" in capsys.readouterr().out


def test_a_mistyped_path_or_an_empty_folder_is_a_usage_error_and_no_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["check", str(EINVOICE), str(tmp_path / "nope.pdf"), "-o", str(out)]) == 2
    assert "nope.pdf" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"junk")
    assert main(["check", str(empty), "-o", str(out)]) == 2
    assert "empty" in capsys.readouterr().err
    assert not out.exists()


def test_nothing_readable_exits_one_and_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "scan.png"
    broken.write_bytes(b"GIF89a" + b"\x00" * 40)  # a GIF with a broken body, named .png
    assert main(["check", str(broken), "-o", str(tmp_path / "out"), "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "scan.png" in err and "corrupt" in err
    assert (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("argv", [["check"], ["check", "x.pdf", "--star", "6"], ["bogus"],
                                  ["check", "x.pdf", "--declare", "novalue"]])
def test_usage_errors_exit_two(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unknown_programme_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EINVOICE), "--programme", "nowhere-2099"]) == 2
    assert "jinan-star-cloud-2020" in capsys.readouterr().err


def test_a_corrupt_file_is_reported_the_rest_is_checked_and_the_exit_status_says_partial(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    out = tmp_path / "r.json"
    assert main(["check", str(broken), str(EINVOICE), "--format", "json", "-o", str(out), "--quiet"]) == 3
    assert "broken.pdf" in capsys.readouterr().err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"][0]["file"] == "broken.pdf" and report["errors"][0]["code"] == "corrupt_file"
    assert report["summary"]["partial"] is True
    assert report["documents"][0]["document_type"] == "vat_invoice"
    # what could not be read may hold what an item asks for: nothing is "missing", it needs review
    statuses = {r["status"] for r in report["checklist"]}
    assert "missing" not in statuses
    assert any("broken.pdf" in r["reason"] for r in report["checklist"] if r["status"] == "needs_review")


def test_declared_figures_are_kept_in_the_report(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    main(["check", str(EINVOICE), "--format", "json", "-o", str(out), "--quiet", "--declare", "staff_total=120"])
    assert json.loads(out.read_text(encoding="utf-8"))["declared"] == {"staff_total": "120"}


def test_a_checked_dossier_is_stored_listed_shown_and_rechecked(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EINVOICE), str(CONTRACT), "--format", "json", "-o", str(tmp_path / "a.json")]) == 0
    dossier_id = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    assert main(["list", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == dossier_id and row["status"] == "ok" and row["pages"] == 3
    assert main(["list"]) == 0 and dossier_id in capsys.readouterr().out
    assert main(["show", dossier_id, "--format", "json", "-o", str(tmp_path / "b.json")]) == 0
    first = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8")) == first
    assert main(["recheck", dossier_id, "--format", "json", "-o", str(tmp_path / "c.json"), "--quiet"]) == 0
    again = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert again["checklist"] == first["checklist"] and again["documents"] == first["documents"]
    assert capsys.readouterr().out.strip().endswith(dossier_id)
    # the report can go to standard output and stay parseable: the id goes to stderr then
    assert main(["show", dossier_id, "--format", "json", "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["programme"] == first["programme"]


def test_no_store_keeps_nothing_and_unknown_ids_are_usage_errors(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EINVOICE), "--no-store", "--format", "json", "-o", str(tmp_path / "a.json")]) == 0
    assert "dossier id" not in capsys.readouterr().out
    assert main(["list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["recheck", "0123456789abcdef"]) == 2
    assert "evidence-check list" in capsys.readouterr().err


def test_extract_prints_one_documents_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(EINVOICE)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["documents"][0]["fields"]["invoice_code"]["value"] == "037012000211"


def test_programmes_lists_the_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programmes"]) == 0
    assert "jinan-star-cloud-2020" in capsys.readouterr().out


def test_a_recheck_under_another_programme_reads_what_that_programme_asks_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zz = Path(__file__).resolve().parents[2] / "samples" / "zhengzhou" / "dossier"
    assert main(["check", str(zz), "--format", "json", "-o", str(tmp_path / "a.json")]) == 0
    dossier_id = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    first = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert first["programme"] == "jinan-star-cloud-2020"  # the configured default
    assert main(["recheck", dossier_id, "--programme", "zhengzhou-cloud-provider-2018", "--format", "json",
                 "-o", str(tmp_path / "b.json"), "--quiet"]) == 0
    again = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    form = next(d for d in again["documents"] if d["document_type"] == "application_form")
    assert "applicant_kind" in form["fields"] and again["spending"] is None
    kind = next(r for r in again["checklist"] if r["item_id"] == "scope.applicant_kind")
    assert kind["status"] != "needs_review" or "申报类别" in kind["reason"]


def test_progress_carries_totals_and_shows_as_plain_lines_off_a_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from service.pipeline import CheckOptions, check_dossier

    seen: list[tuple[str, int, int]] = []
    check_dossier([EINVOICE, CONTRACT], CheckOptions(previews=False), Settings(),
                  progress=lambda stage, done, total: seen.append((stage, done, total)))
    reading = [(done, total) for stage, done, total in seen if stage == "reading"]
    # the page total is known before the first page is read, and every page is counted
    assert reading[0] == (0, 3) and reading[-1] == (3, 3)
    assert {stage for stage, _, _ in seen} >= {"ingest", "reading", "classify", "extract", "seals", "evaluate"}
    assert all(total > 0 and done <= total for stage, done, total in seen if stage != "seals")
    capsys.readouterr()
    assert main(["check", str(EINVOICE), "--format", "json", "-o", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err  # not a terminal here: plain lines
    assert "读取页面：1/1 页" in err.splitlines() and "\r" not in err
