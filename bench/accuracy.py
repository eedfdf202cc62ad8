"""Accuracy benchmark: field extraction scored against ground truth.

    .venv/bin/python bench/accuracy.py [--realdocs ../shared/realdocs] [--samples samples/jinan]

Scores every file of ``../shared/realdocs/truth.json`` (each file checked on its own) and the
sample dossier against ``samples/jinan/truth.json``; prints precision and recall per field and
per document type, seal presence, and the list of misses. OCR results are cached in the data
directory (``EVIDENCE_DATA_DIR``), so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.domain import Document, Report  # noqa: E402
from service.pipeline import CheckOptions, check_dossier  # noqa: E402
from service.settings import Settings  # noqa: E402

# truth names that may be read under another name
ALIASES = {"seller": ("party_a", "party_b"), "buyer": ("party_a", "party_b")}


def norm(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split()).upper().replace("（", "(").replace("）", ")")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: str | None, truth: str) -> bool:
        if predicted is not None and norm(predicted) == norm(truth):
            self.tp += 1
            return True
        if predicted is not None:
            self.fp += 1
        self.fn += 1
        return False

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    by_field: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    seal: Tally = field(default_factory=Tally)
    misses: list[str] = field(default_factory=list)


def _predicted(doc: Document | None, name: str) -> str | list[str] | None:
    if doc is None:
        return None
    if name in doc.fields:
        return doc.fields[name].value
    if name in doc.list_fields:
        return [v.value for v in doc.list_fields[name]]
    return None


def score_file(label: str, truth: dict, report: Report, pages: list[int] | None, scores: Scores) -> None:
    docs = [d for d in report.documents if pages is None or set(d.pages) & set(pages)]
    expected_type = truth["document_type"]
    doc = next((d for d in docs if d.document_type == expected_type), docs[0] if docs else None)
    got_type = doc.document_type if doc else None
    if not scores.by_field["document_type"].add(got_type, expected_type):
        scores.misses.append(f"{label}: document_type {got_type!r} != {expected_type!r}")
    tally = scores.by_type[expected_type]
    for name, want in truth.get("fields", {}).items():
        if isinstance(want, list):
            have = _predicted(doc, name)
            have_set = {norm(v) for v in (have if isinstance(have, list) else [have] if have else [])}
            for item in want:
                ok = norm(item) in have_set
                scores.by_field[name].add(item if ok else (next(iter(have_set)) if have_set else None), item)
                tally.add(item if ok else None, item)
                if not ok:
                    scores.misses.append(f"{label}: {name} missing {item!r} (have {sorted(have_set)})")
            continue
        candidates = [_predicted(doc, n) for n in ALIASES.get(name, (name,))]
        have = next((c for c in candidates if isinstance(c, str) and norm(c) == norm(want)),
                    next((c for c in candidates if isinstance(c, str)), None))
        ok_field = scores.by_field[name].add(have, str(want))
        tally.add(have, str(want))
        if not ok_field:
            scores.misses.append(f"{label}: {name} {have!r} != {want!r}")
    seal = truth.get("seal")
    if seal is not None:
        found = any(s.page in (pages or [p.page for p in report.pages]) for s in report.seals)
        present = bool(seal.get("present"))
        if found and present:
            scores.seal.tp += 1
        elif found and not present:
            scores.seal.fp += 1
            scores.misses.append(f"{label}: seal found where there is none")
        elif present:
            scores.seal.fn += 1
            scores.misses.append(f"{label}: seal not found")


def _table(title: str, tallies: dict[str, Tally]) -> list[str]:
    rows = [f"\n{title}", f"  {'':<28}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}{'f1':>7}"]
    for name, t in sorted(tallies.items()):
        rows.append(f"  {name:<28}{t.tp:>5}{t.fp:>5}{t.fn:>5}{t.precision:>11.3f}{t.recall:>8.3f}{t.f1:>7.3f}")
    return rows


def _print(name: str, scores: Scores) -> None:
    lines = [f"\n=== {name} ==="]
    lines += _table("per field", scores.by_field)
    lines += _table("per document type (all fields)", scores.by_type)
    s = scores.seal
    lines.append(f"\nseal presence: tp={s.tp} fp={s.fp} fn={s.fn} precision={s.precision:.3f} recall={s.recall:.3f}")
    lines.append(f"\nmisses ({len(scores.misses)}):")
    lines += [f"  - {m}" for m in scores.misses] or ["  none"]
    print("\n".join(lines))


def run_realdocs(folder: Path, settings: Settings) -> Scores:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    scores = Scores()
    print(f"\n{'file':<72}{'type':<32}{'issue_date':<12}{'grand_total':<12}")
    for entry in truth:
        path = folder / entry["file"]
        report = check_dossier([path], CheckOptions(previews=False), settings).report
        score_file(entry["file"], entry, report, None, scores)
        doc = next((d for d in report.documents if d.document_type == entry["document_type"]),
                   report.documents[0] if report.documents else None)
        want = entry.get("fields", {})
        marks = []
        for f in ("issue_date", "grand_total"):
            if f in want:
                marks.append("ok" if doc and norm(doc.value(f) or "") == norm(want[f]) else f"MISS({doc.value(f) if doc else None})")
            else:
                marks.append("-")
        got = doc.document_type if doc else "none"
        type_mark = "ok" if got == entry["document_type"] else f"MISS({got})"
        print(f"{entry['file']:<72}{type_mark:<32}{marks[0]:<12}{marks[1]:<12}")
    return scores


def run_samples(folder: Path, settings: Settings) -> Scores:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    report = check_dossier([folder / "dossier"], CheckOptions(previews=False, star=truth.get("star")), settings).report
    scores = Scores()
    for entry in truth["files"]:
        score_file(entry["file"], entry, report, entry.get("pages"), scores)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", type=Path, default=ROOT.parent / "shared" / "realdocs")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples" / "jinan")
    args = parser.parse_args()
    settings = Settings()
    if (args.samples / "truth.json").is_file():
        _print(f"samples: {args.samples}", run_samples(args.samples, settings))
    if (args.realdocs / "truth.json").is_file():
        _print(f"realdocs: {args.realdocs}", run_realdocs(args.realdocs, settings))
    else:
        print(f"\nrealdocs not found at {args.realdocs}: skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
