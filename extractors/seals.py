"""Seal impressions: where the red (or blue) ink blobs are, their shape and colour, and the
horizontal text read inside them.

This is presence detection by colour and shape; reading the arc text is done by unwrapping the
ring (a later stage). Pure functions of an image array: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.domain import BBox, Seal, TextLine, stable_id
from models.enums import SealColor, SealShape

SEAL_KINDS = ("发票专用章", "合同专用章", "财务专用章", "公章", "业务专用章", "监制")


@dataclass(frozen=True)
class InkBlob:
    bbox: tuple[int, int, int, int]  # image pixels
    color: SealColor
    shape: SealShape
    fill: float  # share of the bounding ellipse covered by ink


def _masks(image: np.ndarray) -> dict[SealColor, np.ndarray]:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    red = cv2.inRange(hsv, (0, 70, 60), (12, 255, 255)) | cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    blue = cv2.inRange(hsv, (95, 80, 50), (130, 255, 255))
    return {SealColor.red: red, SealColor.blue: blue}


def _without_rules(mask: np.ndarray) -> np.ndarray:
    """The mask less its long straight strokes: invoice forms print their table rules in the same
    red-brown as seals, and a seal touching a rule would otherwise merge with the whole table."""
    h, w = mask.shape[:2]
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, w // 25), 1)))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(25, h // 25))))
    rules = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(mask, cv2.bitwise_not(rules))


def _merge_boxes(boxes: list[tuple[int, int, int, int]], gap: int) -> list[tuple[int, int, int, int]]:
    """Union boxes that touch or lie within ``gap`` of each other, until none do."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        out: list[tuple[int, int, int, int]] = []
        for box in merged:
            for i, other in enumerate(out):
                if box[0] - gap <= other[2] and other[0] - gap <= box[2] and box[1] - gap <= other[3] and other[1] - gap <= box[3]:
                    out[i] = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    return merged


def ink_blobs(image: np.ndarray) -> list[InkBlob]:
    """Coloured blobs of seal size and shape: round, oval or square, not lines or text rows.

    The seal's ring, star and characters are separate strokes; closing the mask with a kernel
    scaled to the page and merging nearby parts puts them back together.
    """
    h, w = image.shape[:2]
    min_side = max(40, int(min(h, w) * 0.06))
    k = max(9, min(h, w) // 60)
    blobs: list[InkBlob] = []
    for color, raw_mask in _masks(image).items():
        mask = _without_rules(raw_mask)
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        parts = [cv2.boundingRect(c) for c in contours]
        boxes = _merge_boxes([(x, y, x + cw, y + ch) for x, y, cw, ch in parts if cw * ch >= (k * k)], k)
        for x0, y0, x1, y1 in boxes:
            cw, ch = x1 - x0, y1 - y0
            if cw < min_side or ch < min_side or cw > w * 0.98 or ch > h * 0.98:
                continue
            aspect = cw / ch
            if not 0.4 < aspect < 2.5:
                continue
            region = mask[y0:y1, x0:x1]
            ink = int(np.count_nonzero(region))
            fill = ink / max(1.0, np.pi * cw * ch / 4)
            # a seal is a ring with text: some ink, far from solid
            if fill < 0.04 or fill > 0.75:
                continue
            # ink concentrated at the rim (the ring) tells a seal from a block of red text
            ring = _ring_share(region)
            if ring < 0.2:
                continue
            if 0.85 <= aspect <= 1.18:
                shape = SealShape.round
            elif 1.18 < aspect < 2.0 or 0.5 < aspect < 0.85:
                shape = SealShape.oval
            else:
                shape = SealShape.other
            if ring > 0.55 and fill > 0.3:
                shape = SealShape.square
            blobs.append(InkBlob((x0, y0, x1, y1), color, shape, round(fill, 3)))
    return blobs


def _ring_share(region: np.ndarray) -> float:
    """Share of the ink lying in the outer band of the blob's inscribed ellipse."""
    h, w = region.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    ink = region > 0
    total = int(np.count_nonzero(ink))
    if total == 0:
        return 0.0
    band = (r > 0.7) & (r < 1.1)
    return float(np.count_nonzero(ink & band)) / total


def _inside(line: BBox, box: BBox) -> bool:
    cx, cy = (line[0] + line[2]) / 2, (line[1] + line[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def detect_seals(image: np.ndarray, page: int, scale: float, lines: list[TextLine]) -> list[Seal]:
    """Seals on one page image. ``scale`` is image pixels per page unit, to report page coordinates;
    ``lines`` (page coordinates) supply the horizontal text inside each seal."""
    seals = []
    for blob in ink_blobs(image):
        x0, y0, x1, y1 = (v / scale for v in blob.bbox)
        box: BBox = (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))
        inner = [ln for ln in lines if _inside(ln.bbox, box)]
        text = " ".join(ln.text for ln in inner)
        kind = next((k for k in SEAL_KINDS if k in text.replace(" ", "")), None)
        confidence = 0.6 + 0.3 * min(1.0, blob.fill * 4) if blob.shape != SealShape.other else 0.4
        seals.append(Seal(
            id=stable_id("s", page, tuple(round(v) for v in box)), page=page, bbox=box, shape=blob.shape,
            color=blob.color, text=text, kind=kind, confidence=round(confidence, 2),
        ))
    return seals
