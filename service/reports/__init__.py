"""Report writers: one report, four renderings (JSON, Markdown, HTML, XLSX).

The pipeline calls `write_report` or `render`; the renderers are imported only when their format
is asked for, so writing JSON never loads openpyxl or jinja2.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from models.domain import Report
from service.files import atomic_write_bytes
from service.reports.labels import DOCUMENT_TYPE_LABELS, FORMATS, SEVERITY_LABELS, TEXT_SOURCE_LABELS  # noqa: F401 - re-exported


def render(report: Report, fmt: str, page_images: Mapping[int, bytes] | None = None) -> bytes:
    """The report in ``fmt`` (one of FORMATS) as the bytes of a file; page images serve only HTML."""
    if fmt == "json":
        from service.reports.json_report import render_json

        return render_json(report).encode("utf-8")
    if fmt == "md":
        from service.reports.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        from service.reports.html import render_html

        return render_html(report, page_images).encode("utf-8")
    if fmt == "xlsx":
        from service.reports.xlsx import render_xlsx

        return render_xlsx(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def write_report(
    report: Report, fmt: str, path: Path, page_images: Mapping[int, bytes] | None = None
) -> None:
    """Write the report to ``path`` atomically: readers see the old file or the whole new one."""
    # render before touching the disk, so an unknown format or a renderer bug leaves nothing behind
    atomic_write_bytes(Path(path), render(report, fmt, page_images))

__all__ = ["FORMATS", "SEVERITY_LABELS", "atomic_write_bytes", "render", "write_report"]
