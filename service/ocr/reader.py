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
READER_VERSION = "5"

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in image pixels
# where the seal impressions are on an upright page image (the OCR reader re-reads the print under them)
SealBoxes = Callable[[np.ndarray], list[Box]]

# at most this share of a page's long lines found upside down (or at least one minus it) settles
# which way up the page is; in between, its longest lines are read both ways
AGREED_SHARE_TURNED = 0.25


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


def _straightening(shape: tuple[int, ...], angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine matrix that rotates an image of ``shape`` by ``angle`` degrees (counter-clockwise
    positive, OpenCV's sense) onto a canvas that holds all of it, and that canvas's size."""
    h, w = shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return matrix, (nw, nh)


def straighten(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise positive, OpenCV's sense) on a white ground."""
    if abs(angle) < 0.3:
        return image
    matrix, size = _straightening(image.shape, angle)
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def _turned_point(x: float, y: float, degrees: int, w: int, h: int) -> tuple[float, float]:
    """Where pixel (x, y) of a ``w`` x ``h`` image lands when the image is turned clockwise."""
    degrees %= 360
    if degrees == 90:
        return h - 1 - y, x
    if degrees == 180:
        return w - 1 - x, h - 1 - y
    if degrees == 270:
        return y, w - 1 - x
    return x, y


def upright_quads(boxes: list[OcrBox], shape: tuple[int, ...], rotation: int, skew: float) -> list[OcrBox]:
    """``boxes`` read on an image of ``shape``, moved to ``upright_image(image, rotation, skew)``.

    A quad's corners are put back in clockwise order from the top-left as the upright page shows
    them, so a line read on a page lying on its side has the geometry it would have had upright.
    """
    h, w = shape[:2]
    turned_h, turned_w = (w, h) if rotation % 180 else (h, w)
    matrix = _straightening((turned_h, turned_w), skew)[0] if abs(skew) >= 0.3 else None
    out = []
    for box in boxes:
        points = np.array([_turned_point(x, y, rotation, w, h) for x, y in box.quad], np.float64)
        if matrix is not None:
            points = points @ matrix[:, :2].T + matrix[:, 2]
        # the corner nearest the top-left first, then clockwise (turning kept the winding)
        first = int(np.argmin(points.sum(axis=1)))
        points = np.roll(points, -first, axis=0)
        out.append(OcrBox([(float(x), float(y)) for x, y in points], box.text, box.confidence, box.turned))
    return out


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


def page_rotation(image: np.ndarray, boxes: list[OcrBox], engine: OcrEngine) -> int:
    """The clockwise turn (0/90/180/270) that makes the page upright, from its lines as read.

    Text lines are long and flat: if most long boxes stand upright the page lies on its side. The
    direction classifier has looked at every line (a tall line is cut out turned a quarter
    counter-clockwise first): when nearly all long lines agree which way up they are, that settles
    it without more reading. Only a page where they disagree has its longest lines read each way.
    """
    long_boxes = [b for b in boxes if _is_line(b.quad)]
    if not long_boxes:
        return 0
    sizes = [_quad_size(b.quad) for b in long_boxes]
    sideways = sum(1 for w, h in sizes if h > w) > len(long_boxes) / 2
    flipped = sum(b.turned for b in long_boxes) / len(long_boxes)
    if flipped <= AGREED_SHARE_TURNED:
        return 270 if sideways else 0
    if flipped >= 1 - AGREED_SHARE_TURNED:
        return 90 if sideways else 180
    candidates = (90, 270) if sideways else (0, 180)
    longest = sorted(long_boxes, key=lambda b: -max(_quad_size(b.quad)))[:6]
    crops = [c for c in (_crop(image, b.quad) for b in longest) if c.size]
    scores = {turn: sum(engine.recognize(rotate_right_angle(c, turn))[1] for c in crops) for turn in candidates}
    return max(candidates, key=lambda t: scores[t])


def page_skew(boxes: list[OcrBox]) -> float:
    """The residual skew (degrees) of an upright page: the median angle of its long lines."""
    angles = [_quad_angle(b.quad) for b in boxes if _is_long(b.quad)]
    skew = float(np.median(angles)) if angles else 0.0
    return skew if abs(skew) < 15 else 0.0


def _is_line(quad: Quad) -> bool:
    """A long box, lying or standing."""
    a, b = _quad_size(quad)
    return max(a, b) > 3 * min(a, b) and max(a, b) > 30


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
        # a part of the page: read at the page's scale where the engine can (not enlarged as a photo)
        read = getattr(engine, "read_region", engine.read)
        boxes = read(suppress_ink(image[y0:y1, x0:x1]))
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
    # one reading of the page as it lies: its lines tell which way up it is and how skewed, and are
    # then moved to the upright, straightened page rather than read again
    boxes = engine.read(image)
    rotation = page_rotation(image, boxes, engine) if orient else 0
    turned = upright_quads(boxes, image.shape, rotation, 0.0)
    skew = page_skew(turned) if orient else 0.0
    work = upright_image(image, rotation, skew)
    lines = [_to_line(b) for b in (upright_quads(boxes, image.shape, rotation, skew) if abs(skew) >= 0.3 else turned)]
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
