"""Speed benchmark: scanned pages end to end against plain RapidOCR, text-layer pages, the whole
sample dossier cold and warm, re-check, peak memory, and the accuracy of the configuration measured.

    .venv/bin/python bench/speed.py [--repeat N] [--parts scanned,text,dossier,accuracy] [--memory]

The page set is fixed: the sample dossier's scanned pages (its images) and pages generated here,
deterministically: dense A4 pages of Chinese print (rendered with a CJK font found on the system)
and a photo of each (perspective, blur, noise, JPEG). Each scanned page is checked end to end on
its own (OCR, seals, extraction, checklist, report images) with an empty OCR cache, and, interleaved
in the same run, read by plain RapidOCR with its default settings (``RapidOCR()(path)``); both
engines are loaded before timing, as a long-running worker has them. Medians over ``--repeat``.

Text-layer pages, checked end to end cold: a long PDF of distinct generated pages (contracts,
reports, statements, a seal image on every tenth page) and the sample dossiers' text-layer pages.
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
from service.decoding import SPLIT_MIN_PAGES  # noqa: E402
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


# the wording of long text-layer documents: contract clauses, report paragraphs, statement rows
CLAUSES = (  # noqa: SIM905 - phrase lists read better as prose
    "甲方委托乙方提供云服务器租用及运维服务，乙方应按本合同约定的服务范围和质量标准履行义务。"
    "服务期限自合同生效之日起计算，期满前三十日内双方可协商续签。"
    "甲方应于每季度首月十日前向乙方支付当季服务费用，乙方收款后五个工作日内开具增值税普通发票。"
    "乙方保证所提供的计算、存储和网络资源可用性不低于百分之九十九点九五。"
    "因乙方原因造成服务中断的，乙方应按中断时长向甲方退还相应服务费用。"
    "双方应对在履行本合同过程中知悉的对方商业秘密和技术资料承担保密义务。"
    "任何一方违反本合同约定，应向守约方支付违约金，并赔偿由此造成的直接损失。"
    "本合同履行过程中发生争议的，双方应友好协商解决；协商不成的，提交甲方所在地人民法院诉讼解决。"
    "本合同一式两份，甲乙双方各执一份，自双方签字盖章之日起生效。"
    "乙方负责数据库的日常备份、安全加固和漏洞修复，并按月提交运维报告。"
    "甲方有权对乙方的服务质量进行检查和考核，考核结果作为支付服务费用的依据。"
    "项目验收由甲方组织，乙方应提供系统部署文档、测试报告和操作手册。").split("。")
REPORT = (  # noqa: SIM905
    "本项目总投资主要用于云计算资源租用、应用系统迁移上云及相关技术服务。"
    "经审计，企业上年度营业收入较前一年度增长，研发投入占营业收入的比例保持稳定。"
    "企业已将办公自动化、财务管理和客户关系管理系统部署在公有云平台上运行。"
    "上云后服务器运维成本明显下降，系统平均响应时间缩短，业务连续性得到保障。"
    "我们按照中国注册会计师审计准则的规定执行了审计工作，获取的审计证据是充分、适当的。"
    "财务报表在所有重大方面按照企业会计准则的规定编制，公允反映了企业的财务状况。"
    "专项资金实行专账核算、专款专用，资金使用情况接受主管部门的监督检查。"
    "企业信息化建设规划明确了数据中心整合、应用云化和网络安全防护三项重点任务。").split("。")
ROWS = ("营业收入", "营业成本", "税金及附加", "销售费用", "管理费用", "研发费用", "财务费用", "其他收益",
        "投资收益", "营业利润", "营业外收入", "营业外支出", "利润总额", "所得税费用", "净利润", "货币资金",
        "应收账款", "预付款项", "存货", "固定资产", "无形资产", "短期借款", "应付账款", "应交税费")
PARTIES = ("济南云帆信息技术有限公司", "山东泰岳网络科技有限公司", "北京中导开源科技有限公司", "青岛海纳数据服务有限公司")


def seal_image(name: str, font_path: str, side: int = 480) -> np.ndarray:
    """A red round company seal as an electronic seal image (RGBA, transparent paper): the name
    along the rim, a star, 合同专用章 across the bottom."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    c, rim = side / 2, side * 0.025
    draw.ellipse([rim, rim, side - rim, side - rim], outline=255, width=round(side * 0.03))
    glyph = ImageFont.truetype(font_path, round(side * 0.11))
    span = min(230.0, 26.0 * len(name))
    for k, ch in enumerate(name):
        angle = -span / 2 + span * k / max(1, len(name) - 1)
        tile = Image.new("L", (round(side * 0.14), round(side * 0.14)), 0)
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), ch, font=glyph, fill=255, anchor="mm")
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
        r = side * 0.36
        x, y = c + r * math.sin(math.radians(angle)), c - r * math.cos(math.radians(angle))
        mask.paste(255, (round(x - tile.width / 2), round(y - tile.height / 2)), tile)
    star = [(c + (side * (0.13 if i % 2 == 0 else 0.05)) * math.cos(-math.pi / 2 + i * math.pi / 5),
             c + (side * (0.13 if i % 2 == 0 else 0.05)) * math.sin(-math.pi / 2 + i * math.pi / 5)) for i in range(10)]
    draw.polygon(star, fill=255)
    draw.text((c, c + side * 0.27), "合同专用章", font=ImageFont.truetype(font_path, round(side * 0.075)),
              fill=255, anchor="mm")
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = 215, 30, 38
    rgba[..., 3] = (np.asarray(mask, np.float32) * 0.9).astype(np.uint8)
    return rgba


def long_text_pdf(target: Path, n_pages: int, *, seal_every: int = 10, seed: int = 7) -> int:
    """A text-layer PDF of ``n_pages`` distinct pages like those of the long documents in a dossier
    (a service contract, an audit report, financial statements, in sections of ~12 pages): CJK
    print with dates, amounts and codes in the wording, table rules on the statements, a page
    number on each, and a red electronic seal image (one of the parties') on every ``seal_every``-th
    page. Generated deterministically with pdfium and the CJK font ``_font_path`` finds."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    from PIL import Image

    font_path = _font_path()
    if font_path is None:
        raise RuntimeError("no CJK font found (fc-list :lang=zh): install fonts-wqy-microhei")
    rng = random.Random(seed)
    pdf = pdfium.PdfDocument.new()
    data = Path(font_path).read_bytes()
    font = raw.FPDFText_LoadFont(pdf, (ctypes.c_uint8 * len(data)).from_buffer_copy(data), len(data),
                                 raw.FPDF_FONT_TRUETYPE, 1)
    seals = [seal_image(name, font_path) for name in PARTIES[:2]]
    width, height, margin = 595.0, 842.0, 72.0

    def text(page: pdfium.PdfPage, s: str, size: float, x: float, top: float) -> None:
        obj = raw.FPDFPageObj_CreateTextObj(pdf, font, size)
        units = ctypes.create_string_buffer((s + "\0").encode("utf-16-le"))
        raw.FPDFText_SetText(obj, ctypes.cast(units, ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, height - top - size)
        raw.FPDFPage_InsertObject(page.raw, obj)

    def rule(page: pdfium.PdfPage, x0: float, y0: float, x1: float, y1: float) -> None:
        path = raw.FPDFPageObj_CreateNewPath(x0, height - y0)
        raw.FPDFPath_LineTo(path, x1, height - y1)
        raw.FPDFPageObj_SetStrokeWidth(path, 0.6)
        raw.FPDFPageObj_SetStrokeColor(path, 0, 0, 0, 255)
        raw.FPDFPath_SetDrawMode(path, raw.FPDF_FILLMODE_NONE, 1)
        raw.FPDFPage_InsertObject(page.raw, path)

    def amount() -> str:
        return f"{rng.randint(1, 9_999_999):,}.{rng.randint(0, 99):02d}"

    def sentence(pool: tuple[str, ...] | list[str]) -> str:
        s = rng.choice([p for p in pool if p])
        extra = rng.random()
        if extra < 0.25:
            s += f"，金额为人民币{amount()}元"
        elif extra < 0.45:
            s += f"，于{rng.randint(2018, 2023)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日前完成"
        return s + "。"

    def fill(s: str) -> int:
        """How many characters of ``s`` fit a line of body text (digits and Latin are half as wide)."""
        room = width - 2 * margin
        for n, ch in enumerate(s):
            room -= 10.5 if ord(ch) > 0x2000 else 5.8
            if room < 0:
                return n
        return len(s)

    for k in range(n_pages):
        page = pdf.new_page(width, height)
        kind = ("contract", "report", "statement")[(k // 12) % 3]
        top = margin
        if k % 12 == 0:
            title = {"contract": "云服务采购合同", "report": "上云项目专项审计报告", "statement": "财务报表"}[kind]
            text(page, title, 18, (width - 18 * len(title)) / 2, top)
            top += 40
            if kind == "contract":
                for role, party in zip(("甲方", "乙方"), PARTIES[:2], strict=True):
                    text(page, f"{role}：{party}", 10.5, margin, top)
                    top += 18
                text(page, f"合同编号：HT-{rng.randint(2019, 2022)}-{rng.randint(1000, 9999)}", 10.5, margin, top)
                top += 24
        bottom = height - margin - (150 if k % seal_every == seal_every - 1 else 0)
        if kind == "statement":
            cols = (margin, margin + 190, margin + 300, margin + 400)
            for x, head in zip(cols, ("项目", "本期金额", "上期金额", "附注"), strict=True):
                text(page, head, 10.5, x + 4, top)
            rule(page, margin, top - 4, width - margin, top - 4)
            top += 20
            while top < bottom - 20:
                row = rng.choice(ROWS)
                text(page, row, 10.5, cols[0] + 4, top)
                text(page, amount(), 10.5, cols[1] + 4, top)
                text(page, amount(), 10.5, cols[2] + 4, top)
                text(page, str(rng.randint(1, 40)), 10.5, cols[3] + 4, top)
                rule(page, margin, top + 15, width - margin, top + 15)
                top += 20
            for x in (*cols, width - margin):
                rule(page, x, margin + (40 if k % 12 == 0 else 0) - 4, x, top - 5)
        else:
            clause = k * 3 + 1
            while top < bottom - 18:
                if kind == "contract" and rng.random() < 0.3:
                    paragraph = f"第{clause}条 " + sentence(CLAUSES) + sentence(CLAUSES)
                    clause += 1
                else:
                    paragraph = "　　" + "".join(sentence(CLAUSES if kind == "contract" else REPORT) for _ in range(3))
                while paragraph and top < bottom - 18:
                    n = fill(paragraph)
                    text(page, paragraph[:n], 10.5, margin, top)
                    paragraph = paragraph[n:]
                    top += 18
                top += 6
        if k % seal_every == seal_every - 1:
            # the signature block and the parties' seals (electronic seal images over the print)
            for i, (role, party) in enumerate(zip(("甲方（盖章）", "乙方（盖章）"), PARTIES[:2], strict=True)):
                x = margin + i * 240
                text(page, f"{role}：{party}", 10.5, x, height - margin - 120)
                text(page, f"日期：{rng.randint(2019, 2022)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日", 10.5, x,
                     height - margin - 100)
                if i == 0 or rng.random() < 0.5:
                    image = pdfium.PdfImage.new(pdf)
                    image.set_bitmap(pdfium.PdfBitmap.from_pil(Image.fromarray(seals[i], "RGBA")))
                    side = 119.0  # 42 mm
                    image.set_matrix(pdfium.PdfMatrix().scale(side, side).translate(
                        x + 30 + rng.uniform(-10, 10), margin + 20 + rng.uniform(-10, 10)))
                    page.insert_obj(image)
        footer = f"第 {k + 1} 页 共 {n_pages} 页"
        text(page, footer, 9, (width - 9 * len(footer) * 0.75) / 2, height - 40)
        page.gen_content()
    pdf.save(target)
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


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its live children (the pooled decoder child)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    tick = os.sysconf("SC_CLK_TCK")
    children = 0.0
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return usage.ru_utime + usage.ru_stime, children


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


def bench_text_layer(tmp: Path, distinct_pages: int = 120, sample_pages: int = 40) -> None:
    """Text-layer pages end to end, cold (an empty OCR and seal cache), with the OCR engine and the
    decoder child loaded, as a worker has them: (a) ``long_text_pdf``, distinct pages of the long
    documents a dossier binds (mostly without seals), the honest measure; (b) the sample dossiers'
    text-layer pages in turn (``text_layer_pdf``: 20 pages, mostly seal-bearing, repeated, so the
    second round's seals come from the cache)."""
    engine = get_engine(Settings().ocr_engine)
    engine.recognize(np.full((48, 160, 3), 255, np.uint8))  # the recogniser's sessions, made on first use
    warm = tmp / "text-layer-warm.pdf"
    long_text_pdf(warm, SPLIT_MIN_PAGES)  # long enough to be drawn by both children
    _check([warm], tmp / "text-layer-warm")  # the decoder children, started once per worker
    runs = (("a", f"{distinct_pages} distinct pages (contracts, reports, statements; a seal on every 10th)",
             long_text_pdf, distinct_pages),
            ("b", f"{sample_pages} sample pages (20 distinct, mostly sealed, repeated)", text_layer_pdf, sample_pages))
    for label, what, make, n_pages in runs:
        pdf = tmp / f"text-layer-{label}.pdf"
        make(pdf, n_pages)
        before = _cpu_seconds()
        seconds, outcome = _check([pdf], tmp / f"text-layer-{label}")
        own, children = (after - start for after, start in zip(_cpu_seconds(), before, strict=True))
        report = outcome.report  # type: ignore[attr-defined]
        sources = sorted({str(p.text_source) for p in report.pages})
        stages = ", ".join(f"{s.stage} {s.seconds:.1f}" for s in outcome.stages)  # type: ignore[attr-defined]
        print(f"TEXT-LAYER ({label}) {what}: {seconds:.2f} s = {n_pages / seconds:.1f} pages/s end to end cold "
              f"(sources {sources}, {len(report.seals)} seals)  [target >= 50]")
        print(f"  stages (s): {stages}")
        print(f"  CPU: this process {own:.1f} s ({own / n_pages * 1000:.0f} ms/page), decoder children "
              f"{children:.1f} s ({children / n_pages * 1000:.0f} ms/page): all run side by side on the cores")


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
