"""Seal benchmark: presence precision/recall and arc-text character accuracy.

    EVIDENCE_DATA_DIR=/tmp/evdata .venv/bin/python bench/seals.py [--realdocs ../shared/realdocs] [--samples samples/jinan]

Presence counts seals other than the tax bureau's 监制 mark, per page of the sample dossier
(``truth.json`` files[].seals, riding-seam slices included) and per file of the real documents
(``seal``: present, count). Character accuracy is 1 - normalised edit distance between the arc
text read and the truth, for whole seals (a riding-seam slice shows only part of its name).
OCR of the pages is cached in the data directory, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.domain import Seal  # noqa: E402
from service.pipeline import CheckOptions, check_dossier  # noqa: E402
from service.settings import Settings  # noqa: E402

SUPERVISION_KINDS = {"supervision_seal"}


@dataclass
class Presence:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: int, truth: int) -> None:
        hit = min(predicted, truth)
        self.tp += hit
        self.fp += predicted - hit
        self.fn += truth - hit

    def line(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return f"{name}: presence precision {p:.3f} recall {r:.3f} (tp {self.tp}, fp {self.fp}, fn {self.fn})"


def accuracy(read: str, truth: str) -> float:
    return 1.0 - Levenshtein.normalized_distance("".join(read.split()), "".join(truth.split()))


def text_accuracy(seals: list[Seal], text: str) -> float:
    """How well the best seal reading matches ``text``: its name on the rim, its tax id, its centre
    text or one of its words, whichever is closest (0 when there is no seal)."""
    return max((max(accuracy(part, text) for part in (s.arc_text, s.tax_id or "", s.center_text, *s.text.split()))
                for s in seals), default=0.0)


def owner_seals(seals: list[Seal]) -> list[Seal]:
    return [s for s in seals if s.kind != "监制"]


def check(paths: list[Path]) -> list[Seal]:
    return check_dossier(paths, CheckOptions(previews=False), Settings()).report.seals


def bench_samples(folder: Path) -> tuple[Presence, list[float]]:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    seals = check([folder / "dossier"])
    presence, scores = Presence(), []
    by_page: dict[int, list[Seal]] = {}
    for s in seals:
        by_page.setdefault(s.page, []).append(s)
    expected: Counter[int] = Counter()
    print("sample dossier")
    for f in truth["files"]:
        for t in f.get("seals", []):
            if t.get("kind") in SUPERVISION_KINDS:
                found = [s for s in by_page.get(t["page"], []) if s.kind == "监制"]
                print(f"  p{t['page']:<3} 监制 mark {'told apart' if found else 'not found as 监制'}")
                continue
            expected[t["page"]] += 1
            if t.get("riding_seam"):
                found = [s for s in by_page.get(t["page"], []) if s.riding_seam]
                print(f"  p{t['page']:<3} riding-seam slice of {t['text']} {'found' if found else 'NOT FOUND'}")
                continue
            candidates = [s for s in owner_seals(by_page.get(t["page"], [])) if not s.riding_seam]
            best = max(candidates, key=lambda s: accuracy(s.arc_text, t["text"]), default=None)
            score = accuracy(best.arc_text, t["text"]) if best else 0.0
            scores.append(score)
            hidden = "".join(best.arc_text[i] for i in best.arc_hidden) if best else ""
            note = f"  ({hidden} hidden under print, confirmed against the printed name)" if hidden else ""
            print(f"  p{t['page']:<3} {t['text']:<16} read {best.arc_text if best else '-':<18} accuracy {score:.2f}{note}")
    pages = {p for f in truth["files"] for p in f["pages"]}
    for page in sorted(pages):
        presence.add(len(owner_seals(by_page.get(page, []))), expected[page])
    return presence, scores


def bench_realdocs(folder: Path) -> tuple[Presence, list[tuple[str, str, float]]]:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    presence, texts = Presence(), []
    print("real documents")
    for entry in truth:
        t = entry.get("seal")
        if t is None:
            continue
        seals = owner_seals(check([folder / entry["file"]]))
        want = t.get("count", 1 if t.get("present") else 0)
        presence.add(len(seals), want)
        mark = "ok " if len(seals) == want else "MISS" if len(seals) < want else "EXTRA"
        print(f"  {mark} {entry['file']}: {len(seals)} found, {want} expected")
        for text in t.get("texts", []):
            best = text_accuracy(seals, text)
            texts.append((entry["file"], text, best))
            print(f"       {text:<22} best accuracy {best:.2f}")
        for s in seals:
            print(f"       seal {s.shape}/{s.color} kind {s.kind}: {s.arc_text!r} | {s.center_text!r}"
                  f" -> name {s.name!r} tax id {s.tax_id} use {s.use!r}, "
                  f"{'confirmed by ' + '; '.join(s.confirmed_by) if s.confirmed else 'unconfirmed'}")
    return presence, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples" / "jinan")
    parser.add_argument("--realdocs", type=Path, default=ROOT.parent / "shared" / "realdocs")
    args = parser.parse_args()
    sample_presence, scores = bench_samples(args.samples)
    real_presence, texts = (bench_realdocs(args.realdocs) if (args.realdocs / "truth.json").is_file()
                            else (Presence(), []))
    print()
    print(sample_presence.line("samples"))
    if scores:
        print(f"samples: arc text accuracy mean {sum(scores) / len(scores):.3f}, min {min(scores):.3f}, "
              f">= 0.9: {sum(s >= 0.9 for s in scores)}/{len(scores)}")
    print(real_presence.line("realdocs"))
    if texts:
        print(f"realdocs: seal text accuracy mean {sum(t[2] for t in texts) / len(texts):.3f}, "
              f">= 0.9: {sum(t[2] >= 0.9 for t in texts)}/{len(texts)}")


if __name__ == "__main__":
    main()
