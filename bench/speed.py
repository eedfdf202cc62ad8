"""Speed benchmark: scanned pages end to end against plain RapidOCR, text-layer pages, the whole
sample dossier cold and warm, re-check, peak memory, and the accuracy of the configuration measured.

    .venv/bin/python bench/speed.py [--repeat N] [--parts scanned,text,dossier,accuracy] [--memory]

The page set is fixed: the sample dossier's scanned pages (its images) and pages generated here,
deterministically: dense A4 pages of Chinese print (rendered with a CJK font found on the system)
and a photo of each (perspective, blur, noise, JPEG). Each scanned page is checked end to end on
its own (OCR, seals, extraction, checklist, report images) with an empty OCR cache, and, interleaved
in the same run, read by plain RapidOCR with its default settings (``RapidOCR()(path)``); both
engines are loaded before timing, as a long-running worker has them. Medians over ``--repeat``.

Text-layer pages: a PDF of the sample dossiers' text-layer pages, checked end to end cold.
``--memory`` adds the long runs: a 150-page scanned dossier, a 600-page text-layer dossier (peak
RSS each, in a child process) and 50 dossiers checked one after another in one process (RSS after
each).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import dossiers  # noqa: E402
from service.ocr.engine import get_engine  # noqa: E402
from service.pipeline import CheckOptions, check_dossier  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.store import Store  # noqa: E402

SAMPLES = ROOT / "samples"
A4_200DPI = (1654, 2339)  # width, height
# common print of the dossiers: parties, amounts, dates, codes, contract wording
WORDS = (  # noqa: SIM905 - a phrase list reads better as prose
    "甲方 乙方 合同 编号 金额 人民币 大写 壹 贰 叁 肆 伍 陆 柒 捌 玖 拾 佰 仟 万 元 整 云服务 "
         "服务器 存储 带宽 数据库 部署 上线 验收 付款 发票 税额 价税合计 开票日期 购买方 销售方 纳税人 "
         "识别号 统一社会信用代码 有限公司 科技 网络 信息 技术 山东省 济南市 高新区 经营范围 注册资本 "
         "成立日期 法定代表人 住所 营业期限 软件开发 系统集成 技术服务 年 月 日 第 条 本合同 双方 签订 "
         "履行 违约 责任 争议 解决 生效 盖章 签字").split()


def _font_path() -> str | None:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    # a sans face first: the dossiers' print is mostly 黑体/宋体-like sans at scan resolution
    files.sort(key=lambda f: (("Sans" not in f and "microhei" not in f), f))
    return files[0] if files else None


def dense_page(seed: int, font_path: str) -> np.ndarray:
    """An A4 page at 200 dpi full of Chinese print: a title, ~45 lines of 10.5 pt text with numbers."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    img = Image.new("RGB", A4_200DPI, "white")
    draw = ImageDraw.Draw(img)
    title = ImageFont.truetype(font_path, 56)
    body = ImageFont.truetype(font_path, 30)
    draw.text((A4_200DPI[0] // 2 - 280, 150), "云服务采购合同（示例）", font=title, fill="black")
    y = 290
    while y < A4_200DPI[1] - 160:
        parts = []
        while sum(len(p) for p in parts) < 38:
            parts.append(rng.choice(WORDS) if rng.random() > 0.15 else f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}")
        draw.text((150, y), "".join(parts)[:42], font=body, fill="black")
        y += 46
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def photo_of(page: np.ndarray, seed: int) -> bytes:
    """A phone photo of ``page``: on a grey table, in perspective, blurred, noisy, JPEG."""
    rng = np.random.default_rng(seed)
    h, w = page.shape[:2]
    canvas_w, canvas_h = int(w * 1.15), int(h * 1.1)
    jitter = rng.uniform(0.01, 0.05, size=(4, 2)) * [w, h]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    ox, oy = (canvas_w - w) / 2, (canvas_h - h) / 2
    dst = np.float32([[ox + jitter[0, 0], oy + jitter[0, 1]], [ox + w - jitter[1, 0], oy + jitter[1, 1]],
                      [ox + w - jitter[2, 0] * 0.5, oy + h - jitter[2, 1] * 0.5], [ox + jitter[3, 0] * 0.5, oy + h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(page, matrix, (canvas_w, canvas_h), borderValue=(120, 125, 130))
    shade = np.linspace(0.85, 1.05, canvas_w, dtype=np.float32)[None, :, None]
    out = np.clip(out.astype(np.float32) * shade, 0, 255)
    out = cv2.GaussianBlur(out, (5, 5), 1.1)
    out = np.clip(out + rng.normal(0, 6, out.shape), 0, 255).astype(np.uint8)
    out = cv2.resize(out, (int(canvas_w * 0.8), int(canvas_h * 0.8)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return buf.tobytes()


def scanned_pages(folder: Path) -> list[Path]:
    """The fixed scanned page set, written into ``folder``."""
    pages = sorted(p for p in (SAMPLES / "jinan" / "dossier").iterdir() if p.suffix.lower() in {".jpg", ".png"})
    out = []
    for p in pages:
        target = folder / f"sample-{p.name}"
        target.write_bytes(p.read_bytes())
        out.append(target)
    font = _font_path()
    if font is None:
        print("no CJK font found (fc-list :lang=zh): generated pages left out; install fonts-wqy-microhei")
        return out
    for seed in (1, 2):
        page = dense_page(seed, font)
        target = folder / f"dense-{seed}.png"
        cv2.imwrite(str(target), page)
        photo = folder / f"photo-{seed}.jpg"
        photo.write_bytes(photo_of(page, seed))
        out += [target, photo]
    return out


def text_layer_pdf(target: Path, n_pages: int) -> int:
    """A PDF of ``n_pages`` taken in turn from the sample dossiers' PDFs with a text layer."""
    import pypdfium2 as pdfium

    sources = [p for d in ("jinan", "double_soft", "zhengzhou") for p in sorted((SAMPLES / d / "dossier").glob("*.pdf"))]
    docs = []
    for p in sources:
        doc = pdfium.PdfDocument(p)
        layered = [i for i in range(len(doc)) if len(doc[i].get_textpage().get_text_range().strip()) > 50]
        docs += [(doc, i) for i in layered]
    out = pdfium.PdfDocument.new()
    for k in range(n_pages):
        doc, index = docs[k % len(docs)]
        out.import_pages(doc, [index])
    out.save(target)
    return n_pages


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process (VmHWM: its own, where ru_maxrss would keep the peak of
    the process it was spawned from) and the largest of its finished children (an upper bound), MiB."""
    own = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _check(paths: list[Path], data_dir: Path) -> tuple[float, object]:
    start = time.perf_counter()
    outcome = check_dossier(paths, CheckOptions(), Settings(data_dir=data_dir))
    return time.perf_counter() - start, outcome


def bench_scanned(pages: list[Path], tmp: Path, repeat: int) -> None:
    from rapidocr import RapidOCR

    plain = RapidOCR()
    plain(str(pages[0]))  # warm: first inference allocates
    # ours warm the same way, as a long-running worker is: engines loaded, a decoder child started
    _check([pages[0]], tmp / "warm")
    ours: dict[Path, list[float]] = {p: [] for p in pages}
    theirs: dict[Path, list[float]] = {p: [] for p in pages}
    stage_seconds: dict[str, float] = {}
    for r in range(repeat):
        for i, page in enumerate(pages):
            order = ("ours", "plain") if (r + i) % 2 == 0 else ("plain", "ours")
            for who in order:
                if who == "ours":
                    seconds, outcome = _check([page], tmp / f"cold-{r}-{i}")
                    assert outcome.report.pages[0].text_source == "ocr", page  # type: ignore[attr-defined]
                    ours[page].append(seconds)
                    for stage in outcome.stages:  # type: ignore[attr-defined]
                        stage_seconds[stage.stage] = stage_seconds.get(stage.stage, 0.0) + stage.seconds
                else:
                    start = time.perf_counter()
                    plain(str(page))
                    theirs[page].append(time.perf_counter() - start)
    print(f"\nscanned pages, cold end to end vs plain RapidOCR (median of {repeat}, s):")
    ratios = []
    for page in pages:
        a, b = statistics.median(ours[page]), statistics.median(theirs[page])
        ratios.append(a / b)
        spread = max(ours[page]) - min(ours[page])
        print(f"  {page.name:<28} ours {a:6.2f} (spread {spread:4.2f})  plain {b:6.2f}  ratio {a / b:4.2f}")
    med_ours = statistics.median(statistics.median(v) for v in ours.values())
    med_plain = statistics.median(statistics.median(v) for v in theirs.values())
    total = sum(statistics.median(v) for v in ours.values()) / sum(statistics.median(v) for v in theirs.values())
    runs = repeat * len(pages)
    where = ", ".join(f"{name} {seconds / runs:.2f}" for name, seconds in
                      sorted(stage_seconds.items(), key=lambda kv: -kv[1]) if seconds / runs >= 0.005)
    print(f"  where a scanned page's time goes (mean s/page by stage; text = OCR incl. seal boxes, "
          f"page_evidence = seals read, QR, previews): {where}")
    print(f"SCANNED median s/page end to end: {med_ours:.2f}  (plain RapidOCR {med_plain:.2f}); "
          f"ratio total {total:.2f}, median per page {statistics.median(ratios):.2f}  [targets: <= 1.5 s, <= 0.5]")


def bench_text_layer(tmp: Path, n_pages: int = 40) -> None:
    pdf = tmp / "text-layer.pdf"
    text_layer_pdf(pdf, n_pages)
    seconds, outcome = _check([pdf], tmp / "text-layer")
    sources = {p.text_source for p in outcome.report.pages}  # type: ignore[attr-defined]
    print(f"TEXT-LAYER {n_pages} pages end to end cold: {seconds:.2f} s = {n_pages / seconds:.1f} pages/s "
          f"(sources {sorted(sources)})  [target >= 50]")


def bench_dossier(tmp: Path) -> None:
    dossier = [SAMPLES / "jinan" / "dossier"]
    data = tmp / "dossier"
    store = Store.open(Settings(data_dir=data))
    start = time.perf_counter()
    checked = dossiers.check(dossier, CheckOptions(), Settings(data_dir=data), store=store)
    cold = time.perf_counter() - start
    pages = checked.report.summary.pages
    warm, warm_outcome = _check(dossier, data)
    start = time.perf_counter()
    assert checked.dossier_id is not None
    again = dossiers.recheck(store, checked.dossier_id)
    recheck = time.perf_counter() - start
    same = [(r.item_id, r.status) for r in again.report.checklist] == \
        [(r.item_id, r.status) for r in checked.report.checklist]
    stages = ", ".join(f"{s.stage} {s.seconds:.1f}" for s in warm_outcome.stages)  # type: ignore[attr-defined]
    print(f"DOSSIER samples/jinan ({pages} pages): cold {cold:.2f} s ({cold / max(1, pages):.2f} s/page, stored), "
          f"warm {warm:.2f} s; re-check {recheck:.2f} s (same statuses: {same})  [target re-check <= 2]")
    print(f"  warm stages (s): {stages}")


def bench_accuracy() -> None:
    """Key-field F1 and seal-text accuracy of the configuration measured (the shared OCR cache)."""
    from bench import accuracy, seals

    settings = Settings()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        sample_scores = accuracy.run_samples(SAMPLES / "jinan", settings)
        real = ROOT.parent / "shared" / "realdocs"
        real_scores = accuracy.run_realdocs(real, settings) if (real / "truth.json").is_file() else None
        _, sample_seals = seals.bench_samples(SAMPLES / "jinan")
        _, real_seals = seals.bench_realdocs(real) if real_scores else (None, [])
    for corpus, scores in (("samples", sample_scores), ("realdocs", real_scores)):
        if scores is None:
            continue
        for line in accuracy.summary_lines(scores):
            print(f"ACCURACY {corpus} {line.strip()}")
        print(f"ACCURACY {corpus} {accuracy.type_table(scores)[-1].strip()}")
        for miss in scores.misses[:12]:
            print(f"  miss: {miss.strip()}")
    print(f"ACCURACY seal text: samples mean {statistics.mean(sample_seals):.3f} (>= 0.9: "
          f"{sum(s >= 0.9 for s in sample_seals)}/{len(sample_seals)})" + (
              f"; realdocs mean {statistics.mean(t[2] for t in real_seals):.3f} (>= 0.9: "
              f"{sum(t[2] >= 0.9 for t in real_seals)}/{len(real_seals)})" if real_seals else ""))


def _peak_of(paths: list[Path], data_dir: Path, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    start = time.perf_counter()
    outcome = check_dossier(paths, CheckOptions(), Settings(data_dir=data_dir))
    queue.put((time.perf_counter() - start, outcome.report.summary.pages, *peak_rss_mb()))


def _in_child(paths: list[Path], data_dir: Path) -> tuple[float, int, float, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_peak_of, args=(paths, data_dir, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def bench_memory(tmp: Path) -> None:
    started = time.perf_counter()
    memory_scanned(tmp)
    memory_text_layer(tmp)
    memory_worker(tmp)
    print(f"  (memory runs took {time.perf_counter() - started:.0f} s)")


def memory_scanned(tmp: Path) -> None:
    font = _font_path()
    scanned = tmp / "scanned-150"
    scanned.mkdir()
    if font:
        for k in range(150):  # every page its own print: a repeated page would be served from the OCR cache
            base = dense_page(100 + k, font)
            if k % 3 == 2:
                (scanned / f"p{k:03d}.jpg").write_bytes(photo_of(base, k))
            else:
                cv2.imwrite(str(scanned / f"p{k:03d}.jpg"), base, [cv2.IMWRITE_JPEG_QUALITY, 85])
        seconds, pages, own, child = _in_child([scanned], tmp / "mem-scanned")
        print(f"MEMORY 150-page scanned dossier: {pages} pages in {seconds:.0f} s; peak RSS {own:.0f} MiB "
              f"(decoder child {child:.0f} MiB)  [target < 2048]")


def memory_text_layer(tmp: Path) -> None:
    pdf = tmp / "text-layer-600.pdf"
    text_layer_pdf(pdf, 600)
    seconds, pages, own, child = _in_child([pdf], tmp / "mem-text")
    print(f"MEMORY 600-page text-layer dossier: {pages} pages in {seconds:.0f} s; peak RSS {own:.0f} MiB "
          f"(decoder child {child:.0f} MiB)  [target < 2048]")


def memory_worker(tmp: Path) -> None:
    # one long-running worker: 50 dossiers, each checked cold into its own data directory after the first
    # (the OCR cache shared, as in a service), RSS after each
    shared = tmp / "worker"
    rss = []
    for _ in range(50):
        check_dossier([SAMPLES / "jinan" / "dossier"], CheckOptions(), Settings(data_dir=shared))
        rss.append(rss_mb())
    print(f"MEMORY 50 dossiers in one process: RSS after 1st {rss[0]:.0f} MiB, 10th {rss[9]:.0f}, "
          f"25th {rss[24]:.0f}, 50th {rss[-1]:.0f} MiB (growth 10th->50th {rss[-1] - rss[9]:+.0f} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scanned page (median)")
    parser.add_argument("--parts", default="scanned,text,dossier,accuracy",
                        help="comma-separated: scanned, text, dossier, accuracy, memory (the long memory runs)")
    parser.add_argument("--memory", action="store_true", help="add the long memory runs (minutes)")
    args = parser.parse_args()
    parts = set(args.parts.split(",")) | ({"memory"} if args.memory else set())
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    began = time.perf_counter()
    t0 = time.perf_counter()
    get_engine(Settings().ocr_engine)
    print(f"engine: {get_engine(Settings().ocr_engine).id}; load {time.perf_counter() - t0:.2f} s; "
          f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "pages").mkdir()
        if "scanned" in parts:
            bench_scanned(scanned_pages(tmp / "pages"), tmp, args.repeat)
        if "text" in parts:
            bench_text_layer(tmp)
        if "dossier" in parts:
            bench_dossier(tmp)
        own, child = peak_rss_mb()
        print(f"PEAK RSS so far: {own:.0f} MiB (children {child:.0f} MiB)")
        if "memory" in parts:
            bench_memory(tmp)
    if "accuracy" in parts:
        bench_accuracy()
    print(f"(benchmark took {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
