"""The report's JSON Schema, generated from `models.domain.Report`.

`python -m service.reports.schema` writes service/schema/report.schema.json; with `--check` it
only compares and exits 1 when the committed file is stale (for CI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from models.domain import SCHEMA_VERSION, Report

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "report.schema.json"
SCHEMA_ID = f"urn:evidence-checker:report:{SCHEMA_VERSION}"


def report_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a report, with its id, title and schema_version first."""
    generated = Report.model_json_schema()
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "evidence-checker report",
        "description": "What a dossier check produces; see REPORT.md for the stable part of the contract.",
        "schema_version": SCHEMA_VERSION,
    }
    for key, value in generated.items():
        if key not in schema:
            schema[key] = value
    return schema


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.reports.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed schema is out of date")
    parser.add_argument("--path", type=Path, default=SCHEMA_PATH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != text:
            print(f"{args.path} is out of date; run: python -m service.reports.schema", file=sys.stderr)
            return 1
        return 0
    from service.files import atomic_write_bytes

    args.path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.path, text.encode("utf-8"))
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
