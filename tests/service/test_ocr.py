from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from extractors.seals.ink import suppress_ink
from service.ocr.engine import OcrBox
from service.ocr.reader import OcrCache, read_page, rotate_right_angle, straighten
from tests.fakes import FakeEngine

ROOT = Path(__file__).resolve().parents[2]


def latin_page(lines: list[str], size: tuple[int, int] = (900, 1200)) -> np.ndarray:
    """A white page with printed Latin lines (OpenCV's built-in font: no CJK font needed)."""
    w, h = size
    page = np.full((h, w, 3), 255, np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(page, text, (60, 120 + i * 90), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (20, 20, 20), 3, cv2.LINE_AA)
    return page


def no_seals(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    return []


def test_cache_spares_the_engine_on_a_recheck(tmp_path: Path) -> None:
    engine = FakeEngine()
    page = latin_page(["INVOICE 2021-03-15"])
    engine.register(page, [("INVOICE 2021-03-15", (60, 90, 500, 130))])
    cache = OcrCache(tmp_path)
    first = read_page(page, engine, cache, seal_boxes=no_seals)
    reads = engine.reads
    second = read_page(page, engine, cache, seal_boxes=no_seals)
    assert first.lines == second.lines and first.lines[0].text == "INVOICE 2021-03-15"
    assert not first.cached and second.cached
    assert engine.reads == reads  # no OCR the second time
    # no temp files left behind by the atomic write
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_different_image_is_not_served_from_the_cache(tmp_path: Path) -> None:
    engine = FakeEngine()
    cache = OcrCache(tmp_path)
    a, b = latin_page(["A 1"]), latin_page(["B 2"])
    read_page(a, engine, cache, seal_boxes=no_seals)
    reads = engine.reads
    read_page(b, engine, cache, seal_boxes=no_seals)
    assert engine.reads > reads


def test_a_corrupt_cache_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    engine = FakeEngine()
    page = latin_page(["X"])
    cache = OcrCache(tmp_path)
    read_page(page, engine, cache, seal_boxes=no_seals)
    for f in tmp_path.rglob("*.json"):
        f.write_text("{ broken", encoding="utf-8")
    again = read_page(page, engine, cache, seal_boxes=no_seals)
    assert not again.cached


def test_the_print_under_the_seal_boxes_it_is_given_is_read_again_and_the_boxes_are_asked_for_once(
        tmp_path: Path) -> None:
    engine = FakeEngine()
    page = latin_page(["INVOICE 2021-03-15"])
    engine.register(page, [("INVOICE 2021-03-15", (60, 90, 500, 130))])
    box = (300, 400, 500, 560)
    # the reader pads the box by 10 pixels and reads it with the seal ink faded out
    engine.register(suppress_ink(page[390:570, 290:510]), [("SELLER ACME LTD", (20, 30, 190, 60))])
    asked: list[np.ndarray] = []

    def seal_boxes(upright: np.ndarray) -> list[tuple[int, int, int, int]]:
        asked.append(upright)
        return [box]

    cache = OcrCache(tmp_path)
    first = read_page(page, engine, cache, seal_boxes=seal_boxes)
    assert [ln.text for ln in first.lines] == ["INVOICE 2021-03-15", "SELLER ACME LTD"]
    assert first.lines[1].bbox == (310.0, 420.0, 480.0, 450.0)
    assert len(asked) == 1 and np.array_equal(asked[0], page)
    # a cached page is not looked at again: the caller finds its seals where it needs them
    second = read_page(page, engine, cache, seal_boxes=seal_boxes)
    assert second.cached and second.lines == first.lines and len(asked) == 1


def test_suppress_ink_removes_red_but_keeps_black() -> None:
    img = np.full((10, 20, 3), 255, np.uint8)
    img[:, :10] = (30, 30, 200)  # red seal ink (BGR)
    img[:, 10:] = (20, 20, 20)  # black print
    grey = suppress_ink(img)
    assert grey[0, 0, 0] > 190
    assert grey[0, 15, 0] < 40


@pytest.mark.ocr
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_real_engine_turns_pages_upright_and_straightens_them(turn: int, tmp_path: Path) -> None:
    from service.ocr.engine import get_engine

    page = latin_page(["INVOICE NO 33207675", "DATE 2021-03-15", "TOTAL 10600.00", "SELLER ACME CLOUD LTD"])
    photo = straighten(rotate_right_angle(page, turn), 3.0)
    reading = read_page(photo, get_engine("rapidocr"), OcrCache(tmp_path), seal_boxes=no_seals)
    assert reading.rotation == (360 - turn) % 360
    assert abs(reading.skew + 3.0) < 1.0
    text = " ".join(line.text for line in reading.lines).replace(" ", "")
    assert "33207675" in text and "10600.00" in text


NETWORK_PROBE = r"""
import socket, sys
calls = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"):
        calls.append((event, repr(args)[:120]))
sys.addaudithook(hook)
from service.cli import main
code = main(sys.argv[1:])
if calls:
    print("NETWORK:", calls, file=sys.stderr)
    sys.exit(99)
sys.exit(code)
"""


@pytest.mark.ocr
def test_a_full_check_makes_no_network_connection(tmp_path: Path) -> None:
    """Runs a real check (real OCR engine) in a subprocess that records every socket call.

    Python-level calls are caught by an audit hook; where strace exists, native ones too (ONNX
    Runtime's telemetry would be C++ code, invisible to the hook).
    """
    dossier = tmp_path / "dossier"
    dossier.mkdir()
    cv2.imwrite(str(dossier / "scan.png"), latin_page(["INVOICE 2021-03-15", "TOTAL 10600.00"]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORT_")}
    env["EVIDENCE_DATA_DIR"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path / "home")
    cmd = [sys.executable, "-c", NETWORK_PROBE, "check", str(dossier), "-o", str(tmp_path / "out"), "--quiet"]
    trace = tmp_path / "strace.log"
    strace = shutil.which("strace")
    if strace:
        cmd = [strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *cmd]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "report.json").is_file()
    if strace:
        inet = [ln for ln in trace.read_text().splitlines() if "AF_INET" in ln]
        assert inet == [], inet
    # ONNX Runtime telemetry would leave a device id under $HOME
    assert not list((tmp_path / "home").rglob("*")) if (tmp_path / "home").exists() else True


class _LinesEngine(FakeEngine):
    """Eight long horizontal lines, as many of them found upside down by the classifier as asked."""

    def __init__(self, turned: int) -> None:
        super().__init__()
        self.turned = turned
        self.recognized = 0

    def read(self, image: np.ndarray) -> list[OcrBox]:
        self.reads += 1
        return [OcrBox([(10.0, 10.0 + 30 * i), (300.0, 10.0 + 30 * i), (300.0, 30.0 + 30 * i), (10.0, 30.0 + 30 * i)],
                       "文字", 0.97, i < self.turned) for i in range(8)]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        self.recognized += 1
        return "文字", 0.9


@pytest.mark.parametrize(("turned", "rotation", "recognized"), [(0, 0, 0), (1, 0, 0), (8, 180, 0), (4, 0, 12)])
def test_a_page_is_read_once_when_its_lines_agree_which_way_up_it_is(turned: int, rotation: int,
                                                                      recognized: int, tmp_path: Path) -> None:
    engine = _LinesEngine(turned)
    page = np.full((400, 400, 3), 255, np.uint8)
    reading = read_page(page, engine, OcrCache(tmp_path), seal_boxes=no_seals)
    # the page is read once; only lines that disagree are read again, six longest each way up
    assert (reading.rotation, engine.reads, engine.recognized) == (rotation, 1, recognized)
    if rotation == 180:
        # the lines read on the page as it lay are moved to the upright page, not read again
        assert reading.lines[0].bbox == (99.0, 159.0, 389.0, 179.0)


def test_lines_read_on_a_turned_and_skewed_page_land_where_the_upright_page_shows_them() -> None:
    from service.ocr.reader import upright_image, upright_quads

    page = np.full((300, 500, 3), 255, np.uint8)
    cv2.rectangle(page, (40, 100), (200, 120), (0, 0, 0), -1)
    box = OcrBox([(40.0, 100.0), (200.0, 100.0), (200.0, 120.0), (40.0, 120.0)], "x", 0.9)
    for rotation in (90, 180, 270):
        for skew in (0.0, 2.5):
            moved = upright_quads([box], page.shape, rotation, skew)[0]
            upright = upright_image(page, rotation, skew)
            ink = np.argwhere(upright[:, :, 0] < 128)
            (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
            xs, ys = [p[0] for p in moved.quad], [p[1] for p in moved.quad]
            assert abs(min(xs) - x0) <= 2 and abs(max(xs) - x1) <= 2, (rotation, skew)
            assert abs(min(ys) - y0) <= 2 and abs(max(ys) - y1) <= 2, (rotation, skew)


def test_the_ocr_backend_is_chosen_by_name_and_names_the_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.ocr.engine import EngineUnavailable, RapidOcrEngine

    monkeypatch.delenv("EVIDENCE_OCR_PRECISION", raising=False)
    onnx = RapidOcrEngine(backend="onnxruntime")  # models load on first use: nothing heavy here
    assert onnx.backend == "onnxruntime" and "openvino" not in onnx.id
    pytest.importorskip("openvino")
    vino = RapidOcrEngine(backend="openvino")
    assert vino.id != onnx.id and vino.id.endswith("-openvino")
    monkeypatch.setenv("EVIDENCE_OCR_BACKEND", "onnxruntime")
    assert RapidOcrEngine().id == onnx.id
    monkeypatch.setenv("EVIDENCE_OCR_BACKEND", "tensorflow")
    with pytest.raises(EngineUnavailable, match="EVIDENCE_OCR_BACKEND"):
        RapidOcrEngine()
    monkeypatch.delenv("EVIDENCE_OCR_BACKEND")
    # a pinned precision reads differently, so it names the cache key too
    monkeypatch.setenv("EVIDENCE_OCR_PRECISION", "f32")
    assert RapidOcrEngine().id == vino.id + "-f32"
    monkeypatch.setenv("EVIDENCE_OCR_PRECISION", "f8")
    with pytest.raises(EngineUnavailable, match="EVIDENCE_OCR_PRECISION"):
        RapidOcrEngine()


def test_detection_in_bands_gives_the_map_of_the_whole_page_within_the_memory_bound() -> None:
    from service.ocr.engine import _Bands

    seen: list[tuple[int, int]] = []

    def network(batch: np.ndarray) -> np.ndarray:
        """A stand-in whose every output pixel depends on its neighbours up to 40 rows away."""
        seen.append(batch.shape[2:])
        return cv2.blur(batch[0].mean(axis=0), (9, 81), borderType=cv2.BORDER_REFLECT)[None, None]

    page = np.random.default_rng(5).random((1, 3, 2400, 1696), dtype=np.float32)
    bands = _Bands(network, pixels=1_600_000, margin=96)
    rows = bands.rows(2400, 1696)
    assert rows[0][0] == 0 and rows[-1][1] == 2400 and len(rows) > 1
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:], strict=False))  # every row once
    assert all((bottom - top) % 32 == 0 for top, bottom in rows[:-1])
    stitched = bands(page)
    np.testing.assert_allclose(stitched, network(page), rtol=0, atol=1e-6)
    assert max(h * w for h, w in seen[:-1]) <= 1_600_000  # each band within the bound
    seen.clear()
    small = page[:, :, :640]
    np.testing.assert_array_equal(bands(small), network(small))  # a small page: one pass, as before
    assert len(seen) == 2


class _RegionEngine(FakeEngine):
    """Counts how the print under seals is read."""

    def __init__(self) -> None:
        super().__init__()
        self.regions = 0

    def read_region(self, image: np.ndarray) -> list[OcrBox]:
        self.regions += 1
        return []


def test_the_print_under_a_seal_is_read_at_the_page_scale_where_the_engine_can(tmp_path: Path) -> None:
    engine = _RegionEngine()
    page = np.full((300, 400, 3), 255, np.uint8)
    read_page(page, engine, OcrCache(tmp_path), seal_boxes=lambda _: [(50, 50, 150, 150), (200, 50, 300, 150)])
    # the page once as a whole, each seal's region as a part of it (not enlarged like a small photo)
    assert (engine.reads, engine.regions) == (1, 2)


def test_detection_input_is_scaled_in_single_precision_as_rapidocr_scales_it() -> None:
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    from service.ocr.engine import _fast_det_preprocess

    class Detector:  # what the preprocessing takes from rapidocr's TextDetector
        limit_side_len, limit_type, mean, std = 736, "min", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]

    detector = Detector()
    _fast_det_preprocess(detector)
    image = np.random.default_rng(3).integers(0, 256, (517, 911, 3), dtype=np.uint8)
    ours = detector.get_preprocess()(image)  # type: ignore[attr-defined]
    theirs = DetPreProcess(736, "min", Detector.mean, Detector.std)(image)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (1, 3, 736, 1280)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_the_tiny_pass_pads_short_lines_less_and_the_small_recogniser_as_rapidocr_does() -> None:
    from service.ocr.engine import RapidOcrEngine, get_engine

    engine = get_engine("rapidocr")
    assert isinstance(engine, RapidOcrEngine)
    small, tiny = engine._engine._load_rec_model(), engine._first_pass
    widths: list[tuple[str, int]] = []

    def spy(name: str, recogniser: Any) -> Any:
        kept = recogniser.resize_norm_img

        def resize_norm_img(img: np.ndarray, ratio: float) -> np.ndarray:
            out = kept(img, ratio)
            widths.append((name, out.shape[-1]))
            return out

        recogniser.resize_norm_img = resize_norm_img
        return kept

    kept_small, kept_tiny = spy("small", small), spy("tiny", tiny)
    try:
        label = np.full((48, 120, 3), 255, np.uint8)
        cv2.putText(label, "AB12", (5, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        engine._recognize([label])  # a short line: the tiny pass, then the small one again
        engine.recognize(label)  # a seal's line: the small one alone
    finally:
        small.resize_norm_img, tiny.resize_norm_img = kept_small, kept_tiny
    assert widths == [("tiny", RapidOcrEngine.REC_MIN_WIDTH), ("small", 320), ("small", 320)]
    assert tiny.rec_image_shape[2] == small.rec_image_shape[2] == 320  # restored after the page


@pytest.mark.parametrize(("text", "weakest", "em", "kept"), [
    ("开户行及账号", 0.97, 6, True),  # a label, each character sure, as wide as its characters
    ("金 额", 0.95, 3, True),  # set with a space between
    ("名称：", 0.99, 3, True),
    ("开户行及账号", 0.85, 6, False),  # one character not sure enough
    ("年", 0.99, 3, False),  # as wide as three characters: 2024年 lost its year
    ("￥507.8", 0.99, 3.5, False),  # digits and symbols: always read again (￥507.82)
    ("ECS实例", 0.99, 4, False),  # Latin
    ("", 1.0, 1, False),
])
def test_a_short_line_keeps_its_tiny_reading_only_where_it_is_a_sure_chinese_label(
        text: str, weakest: float, em: float, kept: bool) -> None:
    from service.ocr.engine import RapidOcrEngine

    engine = RapidOcrEngine()  # models load on first use; the decision needs none
    crop = np.zeros((40, int(40 * em), 3), np.uint8)
    assert engine._sure_label(text, weakest, crop) is kept


def test_a_line_the_direction_classifier_turns_wrongly_is_read_as_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier said "180" (0.96) of an upright line of a real invoice, a buyer's tax id, and
    the turned line read as ：X月: the reading as cut stands where it is the surer."""
    from types import SimpleNamespace

    from service.ocr.engine import RapidOcrEngine

    engine = RapidOcrEngine()
    page = np.full((200, 900, 3), 255, np.uint8)
    cv2.putText(page, "91370212MA3ER1RQXE", (30, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 0), 3)
    with engine._lock:
        rapid = engine._engine

    def turns_every_line(crops: list[np.ndarray]) -> tuple[list[np.ndarray], Any]:
        turned = [cv2.rotate(c, cv2.ROTATE_180) for c in crops]
        return turned, SimpleNamespace(cls_res=[("180", 0.96)] * len(crops))

    monkeypatch.setattr(rapid, "cls_and_rotate", turns_every_line)
    boxes = engine.read(page)
    assert [b.text for b in boxes] == ["91370212MA3ER1RQXE"]
    assert not boxes[0].turned  # read as it stands, so the page is not taken to lie upside down


def _word(confs: list[float], frames_per_char: int = 4) -> object:
    """What rapidocr's recogniser says of a line's characters: confidences and CTC frame columns."""
    from types import SimpleNamespace

    cols = [[k * frames_per_char + frames_per_char // 2] for k in range(len(confs))]  # a character each, at its middle
    return SimpleNamespace(confs=confs, word_cols=cols, line_txt_len=float(len(confs) * frames_per_char))


def test_a_long_line_unsure_of_one_character_has_only_that_stretch_read_again() -> None:
    from service.ocr.engine import weak_spans

    text = "甲方应于本合同签订后十五个工作日内支付全部款项"
    confs = [0.99] * len(text)
    confs[12] = 0.6
    [span] = weak_spans(text, _word(confs), 0.9, 3, 2) or []
    assert (span.first, span.last, span.weak) == (10, 14, (12,))
    # cut halfway between the characters' frame positions: from between 9 and 10 to between 14 and 15
    assert span.left == pytest.approx(10 / len(text)) and span.right == pytest.approx(15 / len(text))
    crop = np.zeros((30, 23 * 30, 3), np.uint8)
    assert span.cut(crop).shape[1] == 150  # five characters of 30 px


@pytest.mark.parametrize(("text", "weak", "why"), [
    ("甲方应于本合同签订后十五个工作日内支付全部款项", [], "nothing unsure: the line is unsure as a whole"),
    ("甲方应于本合同签订后十五个工作日内支付全部款项", [1, 5, 9, 13], "too many unsure characters"),
    ("甲方应于本合同 签订后十五个工作日内支付全部款项", [10], "a space: no position for every character"),
    ("账号sdo-djnba-8s所属地域华东一杭州", [6], "Latin letters are cut badly"),
    ("甲方应于本合同签订", [4], "spans would cover half of the line"),
])
def test_the_whole_line_is_read_again_where_a_span_would_not_do(text: str, weak: list[int], why: str) -> None:
    from service.ocr.engine import weak_spans

    confs = [0.6 if k in weak else 0.99 for k in range(len(text))]
    assert weak_spans(text, _word(confs), 0.9, 3, 2) is None, why


def test_a_span_read_again_replaces_its_characters_only_where_its_context_agrees() -> None:
    from service.ocr.engine import Span, splice

    text = "甲方应于本合同签订后十五个工作日内支付全部款项"
    confs = [1.0] * len(text)
    confs[12] = 0.5
    span = Span(10, 14, (12,), 10 / 23, 15 / 23)
    line, score = splice(text, confs, [(span, "十五天工作", 0.9)]) or ("", 0.0)
    assert line == "甲方应于本合同签订后十五天工作日内支付全部款项"
    assert score == pytest.approx((18 * 1.0 + 5 * 0.9) / 23)
    assert splice(text, confs, [(span, "十五个个工作", 0.9)])[0] == "甲方应于本合同签订后十五个个工作日内支付全部款项"  # type: ignore[index]
    assert splice(text, confs, [(span, "五天工作", 0.9)]) is None  # lost its context: it stands elsewhere
    assert splice(text, confs, [(span, "十五天天天工作", 0.9)]) is None  # two characters more than one
