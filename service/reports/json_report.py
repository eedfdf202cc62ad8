"""The report as JSON: the contract of ../shared/REPORT.md, keys in the model's field order."""

from __future__ import annotations

from models.domain import Report


def render_json(report: Report) -> str:
    """Pretty UTF-8 JSON (Chinese kept as is), ending in a newline; `Report.model_validate_json` reads it back."""
    # pydantic writes non-ASCII characters unescaped and keys in field order
    return report.model_dump_json(indent=2) + "\n"
