"""OCR engines behind one small interface, chosen by name and imported only when chosen.

The default engine runs PaddleOCR's PP-OCR models with ONNX Runtime from inside the ``rapidocr``
wheel: the model files are pinned by path to the wheel's own ``models/`` folder, so no download
code can run and a fresh machine on a closed network reads pages the same as any other.
"""

from __future__ import annotations

import os
import threading
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


class RapidOcrEngine:
    """PP-OCRv6 det/rec and the v2 direction classifier, from the rapidocr wheel."""

    DET = "PP-OCRv6_det_small.onnx"
    REC = "PP-OCRv6_rec_small.onnx"
    CLS = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

    def __init__(self, threads: int | None = None, backend: str | None = None) -> None:
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
            # scanned A4 pages at 200 dpi are ~2300 px; keep detail for small print
            "Global.max_side_len": 2400,
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self.backend = _backend(backend)
        if self.backend == "openvino":
            from rapidocr.utils.typings import EngineType

            # detection and recognition, where the time goes: about twice as fast as ONNX Runtime on
            # these CPUs for the same models (bench/speed.py); the small direction classifier stays
            params["Det.engine_type"] = params["Rec.engine_type"] = EngineType.OPENVINO
            if threads:
                params["EngineConfig.openvino.inference_num_threads"] = threads
        self._params = params
        self._rapid: RapidOCR | None = None  # made on first use: a re-check served from the cache needs only the id
        self._lock = threading.Lock()  # ONNX sessions are shared; one page at a time per engine
        self._classes: dict[str, int] | None = None
        # the backend reads the same models a little differently (a box more or less), so it is part
        # of the cache key
        suffix = "" if self.backend == "onnxruntime" else f"-{self.backend}"
        self.id = f"rapidocr-{getattr(rapidocr, '__version__', 'x')}-{self.DET}-{self.REC}{suffix}"

    @property
    def _engine(self) -> RapidOCR:
        """The ONNX sessions, created on first use (call with the lock held)."""
        if self._rapid is None:
            from rapidocr import RapidOCR

            self._rapid = RapidOCR(params=self._params)
        return self._rapid

    def detect(self, image: np.ndarray) -> list[Quad]:
        with self._lock:
            out = self._engine(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        return [[(float(x), float(y)) for x, y in box] for box in boxes]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        with self._lock:
            out = self._engine(crop, use_det=False, use_cls=False, use_rec=True)
        txts = getattr(out, "txts", None) or ("",)
        scores = getattr(out, "scores", None) or (0.0,)
        return str(txts[0]), float(scores[0])

    def frame_probs(self, crop: np.ndarray) -> FrameProbs:
        """The recogniser's per-frame character probabilities for ``crop``, prepared as
        ``recognize`` prepares it (resized to the model's height, padded to its minimum width)."""
        with self._lock:
            rec = self._engine._load_rec_model()  # rapidocr's own lazy loader; no download is involved
            if self._classes is None:
                self._classes = {ch: i for i, ch in enumerate(rec.postprocess_op.character) if i}
            _, height, width = rec.rec_image_shape
            h, w = crop.shape[:2]
            ratio = max(width / height, w / max(1, h))
            batch = rec.resize_norm_img(crop, ratio)[np.newaxis].astype(np.float32)
            # a copy: OpenVINO hands back its output buffer, which the next inference overwrites
            probs = np.array(rec.session(batch)[0])
        resized = min(int(height * ratio), int(np.ceil(height * w / max(1, h))))
        return FrameProbs(probs, self._classes, batch.shape[-1] / len(probs) * w / max(1, resized))

    def read(self, image: np.ndarray) -> list[OcrBox]:
        with self._lock:
            out = self._engine(image, use_det=True, use_cls=True, use_rec=True)
        if out.boxes is None:
            return []
        return [
            OcrBox([(float(x), float(y)) for x, y in box], str(text), float(score))
            for box, text, score in zip(out.boxes, out.txts, out.scores, strict=False)
        ]


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
