"""Speed benchmark: seconds per page by text source, and the whole sample dossier cold and warm.

    .venv/bin/python bench/speed.py [DOSSIER ...]

Cold: an empty data directory (no OCR cache; the engine's models are loaded once before timing,
as a long-running service or worker would have them). Warm: the same check again, OCR results
from the cache. Per-page times come from a cold run, one page file at a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import dossiers  # noqa: E402
from service.ingest import collect_files, iter_pages  # noqa: E402
from service.ocr.engine import get_engine  # noqa: E402
from service.pipeline import CheckOptions, check_dossier  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.store import Store  # noqa: E402


def _check(paths: list[Path], data_dir: Path) -> tuple[float, object]:
    settings = Settings(data_dir=data_dir)
    start = time.perf_counter()
    outcome = check_dossier(paths, CheckOptions(), settings)
    return time.perf_counter() - start, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dossier", nargs="*", type=Path, default=[ROOT / "samples" / "jinan"])
    args = parser.parse_args()
    t0 = time.perf_counter()
    get_engine(Settings().ocr_engine)
    print(f"engine load: {time.perf_counter() - t0:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        # per page, by text source: each file checked on its own, cold
        per_source: dict[str, list[float]] = defaultdict(list)
        files, _ = collect_files(args.dossier, Settings(data_dir=Path(tmp) / "x"))
        for index, source in enumerate(files):
            path = Path(tmp) / f"page-{index}{Path(source.name).suffix}"
            path.write_bytes(source.data)
            n_pages = sum(1 for _ in iter_pages(source, Settings(data_dir=Path(tmp) / "x")))
            seconds, outcome = _check([path], Path(tmp) / f"cold-{index}")
            sources = {p.text_source for p in outcome.report.pages}  # type: ignore[attr-defined]
            key = "+".join(sorted(sources)) or "none"
            per_source[key].extend([seconds / max(1, n_pages)] * n_pages)
            print(f"  {source.name}: {n_pages} page(s), {seconds:.2f} s, {key}")
        print("\nseconds per page by text source (cold):")
        for key, times in sorted(per_source.items()):
            print(f"  {key:<12} pages={len(times):>3}  mean={statistics.mean(times):.2f}  max={max(times):.2f}")

        data = Path(tmp) / "dossier"
        store = Store.open(Settings(data_dir=data))
        start = time.perf_counter()
        checked = dossiers.check(args.dossier, CheckOptions(), Settings(data_dir=data), store=store)
        cold = time.perf_counter() - start
        pages = checked.report.summary.pages
        warm, _ = _check(args.dossier, data)
        start = time.perf_counter()
        assert checked.dossier_id is not None
        again = dossiers.recheck(store, checked.dossier_id)
        recheck = time.perf_counter() - start
        same = [(r.item_id, r.status) for r in again.report.checklist] == \
            [(r.item_id, r.status) for r in checked.report.checklist]
        print(f"\nwhole dossier ({pages} pages): cold {cold:.2f} s ({cold / max(1, pages):.2f} s/page, stored), "
              f"warm {warm:.2f} s ({warm / max(1, pages):.2f} s/page)")
        print(f"re-check of the stored dossier (no page read): {recheck:.2f} s = {recheck / cold:.3f} of cold; "
              f"same checklist statuses: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
