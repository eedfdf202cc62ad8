import json
import os
from pathlib import Path

import pytest

import service.files as files
from models.domain import Report
from service.reports import FORMATS, render, write_report
from tests.factories import make_page_images, make_report


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_each_format_leaves_only_the_report(tmp_path: Path, fmt: str) -> None:
    report = make_report()
    path = tmp_path / f"report.{fmt}"
    write_report(report, fmt, path, make_page_images(report))
    assert os.listdir(tmp_path) == [path.name]
    if fmt != "xlsx":  # a workbook carries its save time
        assert path.read_bytes() == render(report, fmt, make_page_images(report))
    assert path.stat().st_size > 0


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    report = make_report()
    write_report(report, "json", path)
    assert Report.model_validate_json(path.read_text(encoding="utf-8")) == report
    assert os.listdir(tmp_path) == ["report.json"]
    assert path.stat().st_mode & 0o777 == 0o640


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "report.md"
    path.write_text("old", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        write_report(make_report(), "md", path)
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["report.md"]


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    with pytest.raises(ValueError, match="unknown report format"):
        write_report(make_report(), "pdf", path)
    assert os.listdir(tmp_path) == []


def test_render_returns_utf8_bytes() -> None:
    report = make_report()
    assert json.loads(render(report, "json"))["applicant"]["name"] == report.applicant.name
    assert render(report, "md").decode("utf-8").startswith("# ")
    assert render(report, "html").startswith(b"<!DOCTYPE html>")
    assert render(report, "xlsx")[:2] == b"PK"
