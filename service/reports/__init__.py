"""Report writers: one report, four renderings (JSON, Markdown, HTML, XLSX).

The pipeline calls `write_report` or `render`; the renderers are imported only when their format
is asked for, so writing JSON never loads openpyxl or jinja2.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from models.domain import Report
from models.enums import Severity, Status

FORMATS = ("json", "md", "html", "xlsx")

# Chinese labels of the contract's vocabulary, as the programme's forms word them.
STATUS_LABELS: dict[Status, str] = {
    Status.met: "满足",
    Status.missing: "缺失",
    Status.needs_review: "需人工复核",
    Status.failed: "不符合",
    Status.not_applicable: "不适用",
}
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.high: "高",
    Severity.medium: "中",
    Severity.low: "低",
}


def status_label(status: Status) -> str:
    """'met 满足': the English value a program reads and the Chinese word a reviewer reads."""
    return f"{status.value} {STATUS_LABELS[status]}"


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_LABELS[severity]} {severity.value}"


def page_list(pages: Iterable[int]) -> str:
    """Dossier page numbers as a form writes them: '3, 4' (empty for none)."""
    return ", ".join(str(p) for p in pages)


def annex_spans(keys: list[tuple[str, ...]]) -> list[int]:
    """How many rows each cell spans when equal neighbouring keys are merged, as on the paper form.

    The first row of a run gets the run's length, the rows it covers get 0.
    """
    spans = [0] * len(keys)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            spans[start] = i - start
            start = i
    return spans


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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``."""
    folder = path.parent
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


__all__ = [
    "FORMATS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "annex_spans",
    "atomic_write_bytes",
    "page_list",
    "render",
    "severity_label",
    "status_label",
    "write_report",
]
