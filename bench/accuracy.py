"""Accuracy benchmark: field extraction scored against ground truth.

    .venv/bin/python bench/accuracy.py [--realdocs ../shared/realdocs] [--samples samples/jinan]

Scores every file of ``../shared/realdocs/truth.json`` (each file checked on its own) and the
sample dossier against ``samples/jinan/truth.json``; prints, for each:

* precision, recall and F1 per field and per document type, seal presence, and the list of misses;
* one table per corpus with a row per document type (``other`` included: the negatives): type
  precision and recall over every page (a page's type against its file's truth type), key-field F1
  (``KEY_FIELDS``) and name F1 (``NAME_FIELDS``), seal presence per file and seal-text accuracy (a
  truth text counts as read when the best seal reading's similarity is at least 0.9, the measure
  of ``bench/seals.py``);
* two F1 summary lines: the codes, dates and totals a reviewer checks (invoice code and number,
  issue date, grand total, seller and buyer tax id, credit code) and the names (company, buyer,
  seller);
* every invoice arithmetic check per file (``Document.facts["checks"]``), demo data included;
* the QR code read on each invoice and whether it agrees with the print.

OCR results are cached in the data directory (``EVIDENCE_DATA_DIR``), so a second run is quick.
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

from bench.seals import text_accuracy  # noqa: E402
from evaluation.consistency import qr_flags  # noqa: E402
from models.domain import Document, LineItem, Report  # noqa: E402
from models.enums import DocumentType  # noqa: E402
from service.pipeline import CheckOptions, check_dossier  # noqa: E402
from service.settings import Settings  # noqa: E402

# truth names that may be read under another name
ALIASES = {"seller": ("party_a", "party_b"), "buyer": ("party_a", "party_b"),
           # the application form's 注册地址
           "address": ("address", "registered_address")}
# the F1 summary lines the issue asks for: field groups, micro-averaged over their fields
SUMMARY_GROUPS: dict[str, tuple[str, ...]] = {
    "invoice code, number, issue date, grand total, seller and buyer tax id, and credit code": (
        "invoice_code", "invoice_number", "issue_date", "grand_total", "seller_tax_id", "buyer_tax_id",
        "credit_code"),
    "company, buyer and seller names": ("company_name", "buyer_name", "seller_name", "buyer", "seller"),
}
# the per-type table's field groups: the fields a reviewer checks (codes, numbers, dates, totals)
# and the names of the parties
KEY_FIELDS = frozenset(SUMMARY_GROUPS["invoice code, number, issue date, grand total, seller and buyer tax id, and credit code"]
                       + ("registration_number", "certificate_number", "contract_number", "license_number",
                          "signing_date", "established_date", "amount", "amount_total", "tax_total"))
NAME_FIELDS = frozenset(SUMMARY_GROUPS["company, buyer and seller names"] + ("party_a", "party_b"))
SEAL_TEXT_READ = 0.9  # similarity at which a seal text counts as read (bench/seals.py)
# the document types the extractors read: a realdocs file of one of these types must be in truth.json
SUPPORTED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".ofd", ".zip"}


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
class InvoiceRow:
    """One invoice file's arithmetic checks and QR reading, for the tables."""

    label: str
    checks: dict[str, bool]
    qr: str  # "-" none decoded, "match", or the fields that disagree
    note: str = ""


@dataclass
class Scores:
    by_field: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    seal: Tally = field(default_factory=Tally)
    misses: list[str] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)
    unscored: list[str] = field(default_factory=list)
    # per document type: pages typed (predicted vs truth), key fields, names, seal presence per
    # file, seal texts (read, expected)
    type_pages: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    type_key: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    type_name: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    type_seal: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    type_seal_text: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def _predicted(doc: Document | None, name: str) -> str | list[str] | None:
    if doc is None:
        return None
    if name in doc.fields:
        return doc.fields[name].value
    if name in doc.list_fields:
        return [v.value for v in doc.list_fields[name]]
    return None


def _same_line(have: LineItem, want: dict) -> bool:
    """A line item read as printed: name, amount, rate and tax (truth rates are fractions, "0.06")."""
    rate = have.tax_rate or ""
    if rate.endswith("%"):
        rate = f"{float(rate.rstrip('%')) / 100:.2f}"
    return (norm(have.name) == norm(want["name"]) and have.amount == want.get("amount")
            and have.tax == want.get("tax") and (not want.get("tax_rate") or rate == want["tax_rate"]))


def _score_line_items(label: str, doc: Document | None, want: list[dict], tally: Tally, scores: Scores) -> None:
    have = list(doc.line_items) if doc else []
    for item in want:
        match = next((h for h in have if _same_line(h, item)), None)
        ok = match is not None
        if match is not None:
            have.remove(match)
        scores.by_field["line_items"].add("x" if ok else None, "x")
        tally.add("x" if ok else None, "x")
        if not ok:
            scores.misses.append(f"{label}: line_items missing {item['name']} {item.get('amount')} "
                                 f"(have {[(h.name, h.amount, h.tax_rate, h.tax) for h in (doc.line_items if doc else [])]})")
    for extra in have:  # read but not on the invoice
        scores.by_field["line_items"].fp += 1
        tally.fp += 1
        scores.misses.append(f"{label}: line_items extra {(extra.name, extra.amount, extra.tax_rate, extra.tax)}")


def _invoice_row(label: str, doc: Document, report: Report, note: str = "") -> InvoiceRow:
    checks = {c["check"]: bool(c["ok"]) for c in doc.facts.get("checks", [])}
    codes = [f for f in report.findings if f.kind == "qr_payload" and f.page in doc.pages]
    if not codes:
        qr = "-"
    elif not any(f.valid for f in codes):
        qr = "not an invoice payload"
    else:
        flags = qr_flags([doc], codes)
        qr = "match" if not flags else "MISMATCH " + ",".join(k for f in flags for k in f.values["differences"])
    return InvoiceRow(label, checks, qr, note)


def _score_types(expected: str, report: Report, pages: list[int] | None, scores: Scores) -> None:
    """Every page's type against its file's truth type: a hit, or a false positive of the type read
    and a miss of the true one."""
    for info in report.pages:
        if pages is not None and info.page not in pages:
            continue
        got = str(info.document_type)
        if got == expected:
            scores.type_pages[expected].tp += 1
        else:
            scores.type_pages[got].fp += 1
            scores.type_pages[expected].fn += 1


def _score_seals(label: str, expected: str, seal: dict, report: Report, pages: list[int] | None, scores: Scores) -> None:
    """Seal presence on the file and each truth text read by the best seal reading."""
    on_file = [s for s in report.seals if (pages is None or s.page in pages) and s.kind != "监制"]
    presence = scores.type_seal[expected]
    if seal.get("present"):
        presence.add("x" if on_file else None, "x")
    elif on_file:
        presence.fp += 1
    for text in seal.get("texts", []):
        read = text_accuracy(on_file, text) >= SEAL_TEXT_READ
        tally = scores.type_seal_text[expected]
        tally[0] += read
        tally[1] += 1
        if not read:
            scores.misses.append(f"{label}: seal text {text!r} not read")


def sample_seal_truth(entry: dict) -> dict:
    """A sample file's seals in the realdocs form: present, and the texts of its whole seals (the
    owner's name and tax id; riding-seam slices show only part of a name; the tax bureau's 监制
    mark is nobody's seal)."""
    seals = [t for t in entry.get("seals", []) if t.get("kind") != "supervision_seal"]
    texts = [v for t in seals if not t.get("riding_seam") for v in (t.get("text"), t.get("tax_id")) if v]
    return {"present": bool(seals), "texts": texts}


def score_file(label: str, truth: dict, report: Report, pages: list[int] | None, scores: Scores,
               seal_truth: dict | None = None) -> None:
    """Score one truth file; ``seal_truth`` (present, texts) feeds the per-type table where the
    truth has no ``seal`` entry of its own (the samples list their seals one by one)."""
    docs = [d for d in report.documents if pages is None or set(d.pages) & set(pages)]
    expected_type = truth["document_type"]
    _score_types(expected_type, report, pages, scores)
    doc = next((d for d in docs if d.document_type == expected_type), docs[0] if docs else None)
    got_type = doc.document_type if doc else None
    if not scores.by_field["document_type"].add(got_type, expected_type):
        scores.misses.append(f"{label}: document_type {got_type!r} != {expected_type!r}")
    if doc is not None and doc.document_type == DocumentType.vat_invoice:
        scores.invoices.append(_invoice_row(label, doc, report, truth.get("notes", "")))
    tally = scores.by_type[expected_type]
    for name, want in truth.get("fields", {}).items():
        if name == "line_items":
            _score_line_items(label, doc, want, tally, scores)
            continue
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
        if name in KEY_FIELDS:
            scores.type_key[expected_type].add(have, str(want))
        if name in NAME_FIELDS:
            scores.type_name[expected_type].add(have, str(want))
        if not ok_field:
            scores.misses.append(f"{label}: {name} {have!r} != {want!r}")
    seal = truth.get("seal")
    if (seal or seal_truth) is not None:
        _score_seals(label, expected_type, seal or seal_truth or {}, report, pages, scores)
    if seal is not None:
        # the tax bureau's 监制 mark is printed on every invoice form; it is nobody's seal
        found = any(s.page in (pages or [p.page for p in report.pages]) and s.kind != "监制" for s in report.seals)
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


def _cell(value: float | None, width: int) -> str:
    return f"{'-' if value is None else f'{value:.3f}':>{width}}"


def type_table(scores: Scores) -> list[str]:
    """One row per document type: type precision and recall over pages, key-field and name F1,
    seal presence precision and recall per file, seal texts read."""
    head = (f"  {'':<32}{'pages':>6}{'type P':>8}{'type R':>8}{'key F1':>8}{'name F1':>8}"
            f"{'seal P':>8}{'seal R':>8}{'seal text':>11}")
    rows = ["\nper document type (type over pages incl. negatives; key fields, names; seals per file)", head]
    types = sorted(set(scores.type_pages) | set(scores.type_key) | set(scores.type_name) | set(scores.type_seal)
                   | set(scores.type_seal_text))
    for t in types:
        tp = scores.type_pages.get(t, Tally())
        key, name, seal = scores.type_key.get(t), scores.type_name.get(t), scores.type_seal.get(t)
        read, total = scores.type_seal_text.get(t, [0, 0])
        seal_p = seal.precision if seal and (seal.tp or seal.fp) else None
        seal_r = seal.recall if seal and (seal.tp or seal.fn) else None
        texts = f"{read}/{total} {read / total:.2f}" if total else "-"
        rows.append(f"  {t:<32}{tp.tp + tp.fn:>6}{_cell(tp.precision if tp.tp + tp.fp else None, 8)}"
                     f"{_cell(tp.recall if tp.tp + tp.fn else None, 8)}{_cell(key.f1 if key else None, 8)}"
                     f"{_cell(name.f1 if name else None, 8)}{_cell(seal_p, 8)}{_cell(seal_r, 8)}{texts:>11}")
    total = Tally()
    for t in scores.type_pages.values():
        total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
    read = sum(v[0] for v in scores.type_seal_text.values())
    expected = sum(v[1] for v in scores.type_seal_text.values())
    rows.append(f"  pages typed right: {total.tp}/{total.tp + total.fn}; seal texts read (similarity >= "
                f"{SEAL_TEXT_READ}): {read}/{expected}")
    return rows


def summary_lines(scores: Scores) -> list[str]:
    """The F1 summary lines: each group's fields pooled (micro-averaged)."""
    out = []
    for title, names in SUMMARY_GROUPS.items():
        t = Tally()
        for n in names:
            if n in scores.by_field:
                f = scores.by_field[n]
                t.tp, t.fp, t.fn = t.tp + f.tp, t.fp + f.fp, t.fn + f.fn
        out.append(f"  field-level F1 over {title}: {t.f1:.3f} "
                   f"(precision {t.precision:.3f}, recall {t.recall:.3f}; tp={t.tp} fp={t.fp} fn={t.fn})")
    return out


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width (CJK characters take two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _arithmetic_table(rows: list[InvoiceRow]) -> list[str]:
    checks = sorted({c for r in rows for c in r.checks})
    width = max((len(_pad(r.label, 0)) + sum(unicodedata.east_asian_width(c) in "WF" for c in r.label)
                 for r in rows), default=10) + 2
    out = ["\ninvoice arithmetic checks per file (ok / FAIL / - not evaluated) and the QR code against the print"]
    out.append("  " + _pad("file", width) + "".join(f"{i + 1:>5}" for i in range(len(checks))) + "  qr")
    for r in rows:
        cells = "".join(f"{('ok' if r.checks[c] else 'FAIL') if c in r.checks else '-':>5}" for c in checks)
        note = f"  ({r.note})" if r.note else ""
        out.append("  " + _pad(r.label, width) + cells + f"  {r.qr}{note}")
    out += [f"    {i + 1}: {c}" for i, c in enumerate(checks)]
    return out


def _print(name: str, scores: Scores) -> None:
    lines = [f"\n=== {name} ==="]
    lines += _table("per field", scores.by_field)
    lines += _table("per document type (all fields)", scores.by_type)
    lines += type_table(scores)
    lines.append("\nsummary")
    lines += summary_lines(scores)
    s = scores.seal
    lines.append(f"\nseal presence: tp={s.tp} fp={s.fp} fn={s.fn} precision={s.precision:.3f} recall={s.recall:.3f}")
    lines += _arithmetic_table(scores.invoices)
    if scores.unscored:
        lines.append(f"\nfiles without truth, NOT scored ({len(scores.unscored)}):")
        lines += [f"  - {u}" for u in scores.unscored]
    lines.append(f"\nmisses ({len(scores.misses)}):")
    lines += [f"  - {m}" for m in scores.misses] or ["  none"]
    print("\n".join(lines))


def run_realdocs(folder: Path, settings: Settings) -> Scores:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    scores = Scores()
    listed = {e["file"] for e in truth}
    scores.unscored = sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and str(p.relative_to(folder)) not in listed
    )
    print(f"\n{'file':<76}{'type':<32}{'issue_date':<12}{'grand_total':<12}")
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
        print(f"{entry['file']:<76}{type_mark:<32}{marks[0]:<12}{marks[1]:<12}")
    return scores


def run_samples(folder: Path, settings: Settings) -> Scores:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    report = check_dossier([folder / "dossier"], CheckOptions(previews=False, star=truth.get("star")), settings).report
    scores = Scores()
    for entry in truth["files"]:
        score_file(entry["file"], entry, report, entry.get("pages"), scores,
                   sample_seal_truth(entry) if "seals" in entry else None)
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
