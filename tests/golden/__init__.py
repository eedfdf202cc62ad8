"""Golden reports: what the product reports on the sample dossiers and the real documents, kept
so that a change which should not alter results (a refactor, a speed-up) is proven not to.

    pytest tests/test_sample_dossier.py tests/test_programmes.py tests/test_realdocs.py --update-golden

rewrites them after a change that is meant to alter results; the diff of the JSON files is then
the review of what changed. Values from the real documents are kept as short hashes: the
documents are third-party material and some show personal names.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from models.domain import Report

GOLDEN = Path(__file__).resolve().parent


def _hash(value: object) -> str:
    return hashlib.sha256(str(value).encode()).hexdigest()[:12]


def golden_view(report: Report, *, hashed: bool = False) -> dict[str, Any]:
    """The parts of a report a change must not alter unnoticed: ids, types, values, statuses, flags."""
    h = _hash if hashed else str
    view: dict[str, Any] = {
        "pages": [[p.page, str(p.document_type), str(p.text_source)] for p in report.pages],
        "documents": [{"id": d.id, "type": str(d.document_type), "pages": d.pages,
                       "fields": {k: h(v.value) for k, v in sorted(d.fields.items())},
                       # as sets: two items on one row come in either order as detection varies by CPU
                       "lists": {k: sorted(h(v.value) for v in vs) for k, vs in sorted(d.list_fields.items())}}
                      for d in report.documents],
        "seals": [[s.page, str(s.shape), str(s.color), s.kind, h(s.name or s.arc_text), h(s.tax_id or "")]
                  for s in report.seals],
        "checklist": [[r.item_id, str(r.status), r.pages] for r in report.checklist],
        "flags": sorted([f.id, f.code, str(f.severity), f.pages] for f in report.risk_flags),
        "errors": [[e.file and Path(e.file).name, e.page, str(e.code)] for e in report.errors],
    }
    if report.spending is not None and report.spending.since:
        view["spending"] = [report.spending.since, report.spending.total, report.spending.invoice_count]
    if report.annex:
        view["annex"] = [[a.domain, a.on_cloud, a.pages] for a in report.annex]
    return view


def assert_golden(request: pytest.FixtureRequest, name: str, view: dict[str, Any]) -> None:
    path = GOLDEN / f"{name}.json"
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(view, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(f"no golden report {path.relative_to(GOLDEN.parent)}: run pytest with --update-golden")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(view, ensure_ascii=False)) == expected
