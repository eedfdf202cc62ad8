"""Reading a page image: turn it upright, straighten it, OCR it, recover text under red seals,
and remember the result by the image's content hash so a re-check does no OCR.

The reader does not look for seals itself: the caller says where they are on the upright page
(``read_page``'s ``seal_boxes``), so that the impressions found there serve the seal reading too.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from extractors.seals.ink import suppress_ink
from models.domain import TextLine
from service.ocr.engine import OcrBox, OcrEngine, Quad

# bump when the reading steps change, so cached results from older steps are not reused
READER_VERSION = "3"

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in image pixels
# where the seal impressions are on an upright page image (the OCR reader re-reads the print under them)
SealBoxes = Callable[[np.ndarray], list[Box]]

ORIENT_MAX_SIDE = 1280
# the recogniser's confidence on every one of a page's longest lines read as they lie, above which the
# page is taken to be upright without reading it upside down too
UPRIGHT_CONFIDENCE = 0.9


@dataclass
class PageReading:
    lines: list[TextLine]
    width: int  # of the upright, straightened image the boxes refer to
    height: int
    rotation: int = 0  # degrees turned clockwise to read upright
    skew: float = 0.0  # degrees of straightening applied after the rotation
    cached: bool = False
    notes: list[str] = field(default_factory=list)


def image_hash(image: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(f"{image.shape}|{image.dtype}".encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def rotate_right_angle(image: np.ndarray, degrees: int) -> np.ndarray:
    """Turn clockwise by 0/90/180/270 degrees."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return image if degrees % 360 == 0 else cv2.rotate(image, codes[degrees % 360])


def straighten(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise positive, OpenCV's sense) on a white ground."""
    if abs(angle) < 0.3:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def _quad_angle(quad: Quad) -> float:
    (x0, y0), (x1, y1) = quad[0], quad[1]
    return float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))


def _quad_size(quad: Quad) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2) = quad[0], quad[1], quad[2]
    return float(np.hypot(x1 - x0, y1 - y0)), float(np.hypot(x2 - x1, y2 - y1))


def _crop(image: np.ndarray, quad: Quad) -> np.ndarray:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    x0, x1 = max(0, int(min(xs))), min(image.shape[1], int(max(xs)) + 1)
    y0, y1 = max(0, int(min(ys))), min(image.shape[0], int(max(ys)) + 1)
    return image[y0:y1, x0:x1]


def _downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    return cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA), scale


def detect_orientation(image: np.ndarray, engine: OcrEngine) -> tuple[int, float]:
    """The clockwise turn (0/90/180/270) that makes the page upright, and its residual skew.

    Text lines are long and flat: if most detected boxes stand upright the page lies on its side.
    Which of the two remaining turns is right is decided by how confidently the recogniser reads
    the longest lines each way up.
    """
    small, _ = _downscale(image, ORIENT_MAX_SIDE)
    quads = engine.detect(small)
    if not quads:
        return 0, 0.0
    sizes = [_quad_size(q) for q in quads]
    long_quads = [(q, s) for q, s in zip(quads, sizes, strict=True) if max(s) > 3 * min(s) and max(s) > 30]
    if not long_quads:
        return 0, 0.0
    vertical = sum(1 for _, (w, h) in long_quads if h > w)
    sideways = vertical > len(long_quads) / 2
    candidates = (90, 270) if sideways else (0, 180)
    longest = sorted(long_quads, key=lambda qs: -max(qs[1]))[:6]
    scores = {}
    for turn in candidates:
        read = [engine.recognize(crop) for crop in (rotate_right_angle(_crop(small, q), turn) for q, _ in longest)
                if crop.size]
        scores[turn] = sum(score for _, score in read)
        # lines read this surely are the right way up (upside-down print reads well below this):
        # the other turn need not be tried
        if turn == 0 and read and min(score for _, score in read) >= UPRIGHT_CONFIDENCE:
            break
    rotation = max(scores, key=lambda t: scores[t])
    # skew: median angle of the long boxes, measured after the turn
    turned = rotate_right_angle(small, rotation) if rotation else small
    angles = [_quad_angle(q) for q in engine.detect(turned) if _is_long(q)] if rotation else [
        _quad_angle(q) for q, _ in long_quads
    ]
    skew = float(np.median(angles)) if angles else 0.0
    return rotation, (skew if abs(skew) < 15 else 0.0)


def _is_long(quad: Quad) -> bool:
    w, h = _quad_size(quad)
    return w > 3 * h and w > 30


def _to_line(box: OcrBox, dx: float = 0.0, dy: float = 0.0) -> TextLine:
    xs = [p[0] for p in box.quad]
    ys = [p[1] for p in box.quad]
    return TextLine(
        text=box.text,
        bbox=(round(min(xs) + dx, 1), round(min(ys) + dy, 1), round(max(xs) + dx, 1), round(max(ys) + dy, 1)),
        confidence=round(box.confidence, 4),
    )


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def recover_under_seals(image: np.ndarray, lines: list[TextLine], engine: OcrEngine, boxes: list[Box]
                        ) -> tuple[list[TextLine], int]:
    """Re-read each seal region (``boxes``) with the seal ink suppressed and merge what that reveals."""
    recovered = 0
    for x0, y0, x1, y1 in boxes:
        pad = 10
        x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
        x1, y1 = min(image.shape[1], x1 + pad), min(image.shape[0], y1 + pad)
        boxes = engine.read(suppress_ink(image[y0:y1, x0:x1]))
        for box in boxes:
            line = _to_line(box, x0, y0)
            if line.confidence < 0.6 or not line.text.strip():
                continue
            overlapping = [i for i, old in enumerate(lines) if _iou(old.bbox, line.bbox) > 0.3]
            if not overlapping:
                lines.append(line)
                recovered += 1
            else:
                for i in overlapping:
                    old = lines[i]
                    # the clean re-read wins where it is surer, or sees more of the same line
                    if line.confidence > old.confidence + 0.05 or (
                        len(line.text) > len(old.text) and line.confidence >= old.confidence - 0.05
                    ):
                        lines[i] = line
                        recovered += 1
                        break
    return lines, recovered


class OcrCache:
    """OCR results on disk, keyed by the page image's hash and the engine; writes are atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get_json(self, key: str) -> dict | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put_json(self, key: str, data: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)

    def get(self, key: str) -> PageReading | None:
        data = self.get_json(key)
        if data is None:
            return None
        try:
            return PageReading(
                lines=[TextLine.model_validate(x) for x in data["lines"]],
                width=data["width"], height=data["height"], rotation=data["rotation"], skew=data["skew"],
                cached=True, notes=data.get("notes", []),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, reading: PageReading) -> None:
        self.put_json(key, {
            "lines": [line.model_dump(mode="json") for line in reading.lines],
            "width": reading.width, "height": reading.height,
            "rotation": reading.rotation, "skew": reading.skew, "notes": reading.notes,
        })


def upright_image(image: np.ndarray, rotation: int, skew: float) -> np.ndarray:
    return straighten(rotate_right_angle(image, rotation), skew)


def read_page(image: np.ndarray, engine: OcrEngine, cache: OcrCache | None, *, seal_boxes: SealBoxes,
              orient: bool = True) -> PageReading:
    """OCR one page image, upright and straight, with text under seals recovered.

    ``seal_boxes`` gives the boxes of the seal impressions on the upright image; it is called only
    when the page is not in the cache. The cache key takes it to be the seal detector
    (``extractors.seals.find_impressions``): a reading is cached as that of the page itself.
    """
    key = hashlib.sha256(f"{engine.id}|{READER_VERSION}|{orient}|{image_hash(image)}".encode()).hexdigest()
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    rotation, skew = detect_orientation(image, engine) if orient else (0, 0.0)
    work = upright_image(image, rotation, skew)
    lines = [_to_line(b) for b in engine.read(work)]
    notes = []
    lines, recovered = recover_under_seals(work, lines, engine, seal_boxes(work))
    if recovered:
        notes.append(f"{recovered} text lines re-read under seal ink")
    if rotation:
        notes.append(f"page turned {rotation}° to read upright")
    if abs(skew) >= 0.3:
        notes.append(f"page straightened by {skew:.1f}°")
    lines.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    reading = PageReading(lines=lines, width=work.shape[1], height=work.shape[0], rotation=rotation, skew=skew, notes=notes)
    if cache is not None:
        cache.put(key, reading)
    return reading
