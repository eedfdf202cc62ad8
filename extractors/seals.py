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


def ink_blobs(image: np.ndarray) -> list[InkBlob]:
    """Coloured blobs of seal size and shape: round, oval or square, not lines or text rows."""
    h, w = image.shape[:2]
    min_side = max(40, int(min(h, w) * 0.06))
    blobs: list[InkBlob] = []
    for color, mask in _masks(image).items():
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, cw, ch = cv2.boundingRect(c)
            if cw < min_side or ch < min_side or cw > w * 0.6 or ch > h * 0.6:
                continue
            aspect = cw / ch
            if not 0.4 < aspect < 2.5:
                continue
            ink = int(np.count_nonzero(mask[y:y + ch, x:x + cw]))
            fill = ink / max(1.0, np.pi * cw * ch / 4)
            # a seal is a ring with text: some ink, far from solid; a table of red lines is sparse
            if fill < 0.04:
                continue
            hull = cv2.convexHull(c)
            solidity = cv2.contourArea(c) / max(1.0, cv2.contourArea(hull))
            rect_fill = cv2.contourArea(hull) / max(1.0, cw * ch)
            if rect_fill > 0.9 and solidity > 0.8:
                shape = SealShape.square
            elif 0.85 <= aspect <= 1.18:
                shape = SealShape.round
            elif 1.18 < aspect < 2.0 or 0.5 < aspect < 0.85:
                shape = SealShape.oval
            else:
                shape = SealShape.other
            blobs.append(InkBlob((x, y, x + cw, y + ch), color, shape, round(fill, 3)))
    return blobs


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
