"""Licence, contract, console and certificate fields on PageText dumps of the real documents.

Runs only where ``EVIDENCE_REALDOCS_PAGETEXT`` names a folder of dumps (see ``realdocs_util``) and
the realdocs ``truth.json`` is present. ``pytest -m realdocs -s`` prints a right/total table.
Values are compared with the truth file, never written here (some are personal names).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from extractors.base import Extraction
from extractors.certificates import extract_software_copyright
from extractors.console import extract_console
from extractors.contract import extract_contract
from extractors.license import extract_license
from models.domain import PageText
from tests.extractors.realdocs_util import ENV, load_pagetext, pagetext_dir, source_key, truth_path

pytestmark = pytest.mark.realdocs

DUMPS = pagetext_dir()
TRUTH = truth_path()
if DUMPS is None or TRUTH is None:
    pytest.skip(
        f"set {ENV} to a folder of PageText dumps (and have realdocs/truth.json)", allow_module_level=True
    )
assert DUMPS is not None and TRUTH is not None

TRUTH_BY_FILE: dict[str, dict[str, Any]] = {
    d["file"]: d for d in json.loads(TRUTH.read_text(encoding="utf-8"))
}
EXTRACTORS: dict[str, Callable[[list[PageText]], Extraction]] = {
    "business_license": extract_license,
    "contract": extract_contract,
    "cloud_console": extract_console,
    "software_copyright_certificate": extract_software_copyright,
}
# truth names → report field names
FIELD_NAMES = {"seller": "party_b", "buyer": "party_a"}
# fact checks: truth key → (fact name)
FACTS = {"public_cloud": "public_cloud", "cloud_wording": "cloud_wording"}


def _documents() -> list[tuple[str, str, list[Path]]]:
    """(truth file, source kind, dumps of its pages) for each source: OCR, and the text layer."""
    groups: dict[tuple[str, str], list[Path]] = {}
    for p in sorted(DUMPS.glob("*.json")):
        key = source_key(p)
        truth = TRUTH_BY_FILE.get(key)
        if truth is None or truth["document_type"] not in EXTRACTORS:
            continue
        kind = "textlayer" if p.name.endswith("textlayer_words.json") else "ocr"
        groups.setdefault((key, kind), []).append(p)
    return [(key, kind, sorted(paths, key=_page_no)) for (key, kind), paths in sorted(groups.items())]


def _page_no(path: Path) -> int:
    m = re.search(r"\.p(\d+)\.", path.name)
    return int(m.group(1)) if m else 0


def _norm(value: str) -> str:
    # as the accuracy benchmark compares: full- and half-width brackets are the same name
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def score(key: str, paths: list[Path]) -> tuple[int, int, list[str]]:
    truth = TRUTH_BY_FILE[key]
    ex = EXTRACTORS[truth["document_type"]]([load_pagetext(p) for p in paths])
    right, total, wrong = 0, 0, []
    for name, expected in truth.get("fields", {}).items():
        field = FIELD_NAMES.get(name, name)
        total += 1
        if isinstance(expected, list):
            got = {_norm(v.value) for v in ex.list_fields.get(field, [])}
            ok = {_norm(e) for e in expected} <= got
        else:
            fv = ex.fields.get(field)
            ok = fv is not None and _norm(fv.value) == _norm(expected)
            ok = ok and fv is not None and fv.bbox is not None
        right += ok
        if not ok:
            wrong.append(field)
    entity_type = truth.get("fields", {}).get("entity_type")
    if truth["document_type"] == "business_license" and entity_type:
        # an individual business is no independent legal person; the checklist reads this fact
        total += 1
        ok = ex.facts.get("is_individual_business") is ("个体工商户" in entity_type)
        right += ok
        if not ok:
            wrong.append("facts.is_individual_business")
    for name, fact in FACTS.items():
        if name in truth:
            total += 1
            ok = ex.facts.get(fact) == truth[name]
            right += ok
            if not ok:
                wrong.append(f"facts.{fact}")
    return right, total, wrong


DOCUMENTS = _documents()


@pytest.mark.parametrize(
    ("key", "kind", "paths"), DOCUMENTS, ids=[f"{k}[{kind}]" for k, kind, _ in DOCUMENTS]
)
def test_fields(key: str, kind: str, paths: list[Path]) -> None:
    right, total, wrong = score(key, paths)
    print(f"\n{key} [{kind}]: {right}/{total}" + (f" wrong: {', '.join(wrong)}" if wrong else ""))
    assert right == total, wrong


def test_results_table() -> None:
    rows = [(key, kind, *score(key, paths)) for key, kind, paths in DOCUMENTS]
    width = max(len(r[0]) + len(r[1]) + 3 for r in rows)
    print("\n" + "\n".join(f"{f'{k} [{kind}]':<{width}} {r}/{t}  {' '.join(w)}" for k, kind, r, t, w in rows))
    right = sum(r[2] for r in rows)
    total = sum(r[3] for r in rows)
    print(f"{'total':<{width}} {right}/{total}")
    assert total and right / total >= 0.9
