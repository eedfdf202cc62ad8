"""Hostile-input benchmark: the hostile corpus, a fuzz budget, and a good invoice among every bad file.

    .venv/bin/python bench/hostile.py [--budget 2000] [--page-timeout 5] [--seed 14]

Prints inputs tried, crashes (an exception that escaped ingest: must be 0), hangs (a wait for a
page past the time limit plus a margin: must be 0), files or pages left unaccounted for (0),
decoder children killed or dead (handled: the page is reported), and peak RSS of this process
and of the decoder children. Then checks the good e-invoice with every hostile file, in three
orders, with the real OCR engine, and says whether the invoice came out as when checked alone.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.domain import ReportError  # noqa: E402
from service.decoding import DecoderProcess  # noqa: E402
from service.ingest import collect_files  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.hostile_corpus import GOOD_INVOICE, build, mutate, seeds, unaccounted  # noqa: E402

HANG_MARGIN_S = 10  # a wait longer than the page limit plus this is a hang: the limit did not hold


class Tally:
    def __init__(self) -> None:
        self.inputs = self.crashes = self.hangs = self.unaccounted = self.pages = self.errors = 0
        self.timeouts = self.decoder_failures = 0
        self.longest_wait = 0.0
        self.examples: list[str] = []

    def read(self, path: Path, settings: Settings, reader: DecoderProcess) -> None:
        self.inputs += 1
        try:
            files, errors = collect_files([path], settings)
            self.errors += len(errors)
            if not files and not errors:
                self._note(f"{path.name}: no file and no error", "unaccounted")
            for source in files:
                pages: list[int] = []
                page_errors: list[tuple[int | None, str]] = []
                waited = time.perf_counter()
                for item in reader.pages(source):
                    wait = time.perf_counter() - waited
                    self.longest_wait = max(self.longest_wait, wait)
                    if wait > settings.page_timeout_s + HANG_MARGIN_S:
                        self._note(f"{source.name}: waited {wait:.0f} s for a page", "hangs")
                    if isinstance(item, ReportError):
                        page_errors.append((item.page, str(item.code)))
                        self.timeouts += item.code == "page_timeout"
                        self.decoder_failures += item.code == "decoder_failed"
                    else:
                        pages.append(item.file_page)
                    waited = time.perf_counter()
                self.pages += len(pages)
                self.errors += len(page_errors)
                for problem in unaccounted(pages, page_errors):
                    self._note(f"{source.name}: {problem}", "unaccounted")
        except Exception:  # noqa: BLE001 - what the bench counts
            self._note(f"{path.name}: {traceback.format_exc(limit=3)}", "crashes")

    def _note(self, what: str, counter: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        if len(self.examples) < 10:
            self.examples.append(f"[{counter}] {what}")


def _peak_mb() -> tuple[int, int]:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=2000, help="mutated inputs to try")
    parser.add_argument("--page-timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-dossier", action="store_true", help="skip the good-invoice dossier check")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        tmp_path = Path(tmp)
        settings = Settings(data_dir=tmp_path / "data", database_url=None, page_timeout_s=args.page_timeout)
        corpus = build(tmp_path / "corpus")
        tally = Tally()
        started = time.perf_counter()
        with DecoderProcess(settings) as reader:
            for name in corpus:
                tally.read(tmp_path / "corpus" / name, settings, reader)
            corpus_s = time.perf_counter() - started
            rng = random.Random(args.seed)
            seed_files = seeds()
            names = sorted(seed_files)
            fuzz_dir = tmp_path / "fuzz"
            fuzz_dir.mkdir()
            for _ in range(args.budget):
                name = rng.choice(names)
                path = fuzz_dir / name
                path.write_bytes(mutate(seed_files[name], rng))
                tally.read(path, settings, reader)
            restarts = reader.restarts
        reader.stop()
        elapsed = time.perf_counter() - started
        self_mb, children_mb = _peak_mb()
        print(f"hostile corpus: {len(corpus)} files in {corpus_s:.1f} s; fuzz: {args.budget} mutated inputs "
              f"(seed {args.seed}, page limit {args.page_timeout:g} s)")
        print(f"inputs tried:        {tally.inputs}")
        print(f"crashes:             {tally.crashes}")
        print(f"hangs past limit:    {tally.hangs}  (longest wait for a page {tally.longest_wait:.1f} s)")
        print(f"unaccounted:         {tally.unaccounted}")
        print(f"pages read / errors: {tally.pages} / {tally.errors}  (page timeouts {tally.timeouts}, "
              f"decoder deaths or out-of-memory {tally.decoder_failures}, children restarted {restarts})")
        print(f"time:                {elapsed:.1f} s ({elapsed / max(tally.inputs, 1) * 1000:.0f} ms an input)")
        print(f"peak RSS:            {self_mb} MB this process, {children_mb} MB largest decoder child")
        for line in tally.examples:
            print("  " + line.replace("\n", "\n    "))
        failed = tally.crashes or tally.hangs or tally.unaccounted
        if not args.no_dossier:
            failed = _dossier(tmp_path, corpus, settings) or failed
    return 1 if failed else 0


def _invoice(report) -> dict[str, object]:  # type: ignore[no-untyped-def]
    files = {p.page: p.file for p in report.pages}
    for doc in report.documents:
        if doc.document_type == "vat_invoice" and files[doc.pages[0]] == GOOD_INVOICE.name:
            return {name: f.value for name, f in doc.fields.items()}
    return {}


def _dossier(tmp_path: Path, corpus: dict, settings: Settings) -> bool:  # type: ignore[type-arg]
    from service.cli import exit_status
    from service.ocr.engine import get_engine
    from service.pipeline import CheckOptions, check_dossier

    engine = get_engine(settings.ocr_engine)
    alone = _invoice(check_dossier([GOOD_INVOICE], CheckOptions(previews=False), settings, engine=engine).report)
    hostile = sorted(tmp_path / "corpus" / name for name in corpus)
    shuffled = list(hostile)
    random.Random(14).shuffle(shuffled)
    failed = False
    print(f"\ngood invoice + {len(hostile)} hostile files (real OCR engine):")
    for label, paths in (("invoice first", [GOOD_INVOICE, *hostile]), ("invoice last", [*hostile, GOOD_INVOICE]),
                         ("shuffled", shuffled[:25] + [GOOD_INVOICE] + shuffled[25:])):
        started = time.perf_counter()
        report = check_dossier(paths, CheckOptions(), settings, engine=engine).report
        seconds = time.perf_counter() - started
        same = _invoice(report) == alone and bool(alone)
        files_reported = len({(e.file or "").split("/", 1)[0] for e in report.errors})
        self_mb, children_mb = _peak_mb()
        ok = same and seconds < 120 and max(self_mb, children_mb) < 2048
        failed = failed or not ok
        print(f"  {label:14} {seconds:5.1f} s  invoice as alone: {'yes' if same else 'NO'}  pages {len(report.pages)}  "
              f"errors {len(report.errors)} on {files_reported} files  exit status {exit_status_quiet(exit_status, report)}  "
              f"peak RSS {self_mb} / {children_mb} MB")
    print("  each bad file and its reason (last run):")
    for e in report.errors:
        where = (e.file or "") + (f" p{e.page}" if e.page else "")
        print(f"    {where[:60]:60} {e.code}: {e.message[:90]}")
    return failed


def exit_status_quiet(fn, report) -> int:  # type: ignore[no-untyped-def]
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):
        return int(fn(report))


if __name__ == "__main__":
    raise SystemExit(main())
