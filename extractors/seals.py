"""Seal impressions: find every red or blue seal on a page image, and cut out what reading it needs.

A seal is found by its rim: an ellipse (round and oval seals) or a square (personal name seals)
whose outline is inked nearly all the way round while its inside is mostly paper. That tells it
from red table rules, red text, filled logos and national emblems. Reading the arc text needs the
ring unwrapped into a straight strip (``arc_strips``); the horizontal lines inside the seal come
from ``inner_crop``; ``fingerprint`` and ``ink_mask_code`` describe the impression so that a pasted
copy of one impression can be told from a second genuine stamping. Pure functions of an image
array: no OCR, no I/O (the service layer runs the OCR engine on the crops made here).
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, replace

import cv2
import numpy as np
from rapidfuzz import fuzz

from extractors.codes import tax_id_valid
from models.domain import BBox, Seal, TextLine, stable_id
from models.enums import SealColor, SealShape

SEAL_KINDS = ("发票专用章", "合同专用章", "财务专用章", "业务专用章", "公章", "监制")
SUPERVISION_WORDS = ("监制", "税务局", "税务总局", "国家税务", "全国统一")

# the normalised mask kept on every Seal for reuse checks: MASK_SIDE x MASK_SIDE bits
MASK_SIDE = 64


@dataclass(frozen=True)
class InkBlob:
    bbox: tuple[int, int, int, int]  # image pixels
    color: SealColor
    shape: SealShape
    fill: float  # share of the impression's inside covered by ink


@dataclass(frozen=True)
class Impression:
    """One seal impression on a page image, in image pixels."""

    center: tuple[float, float]
    axes: tuple[float, float]  # full width and height of the rim (ellipse axes or square sides)
    angle: float  # degrees, OpenCV's sense (cv2.fitEllipse / minAreaRect)
    shape: SealShape
    color: SealColor
    coverage: float  # share of the rim (inside the image) that carries ink
    fill: float  # share of the inside that carries ink
    inside: float  # share of the rim that lies inside the image
    bbox: tuple[int, int, int, int]  # clipped to the image
    # cut by a straight vertical line inside the page: the edge of the sheet that lay on top when
    # a riding-seam seal was stamped across a fanned stack
    seam_cut: bool = False

    @property
    def partial(self) -> bool:
        return self.inside < 0.9

    def riding_seam(self, width: int) -> bool:
        """A 骑缝章 slice: cut by the edge of the sheet above it, or by the page's left or right
        edge with much of it off the page."""
        cx = self.center[0]
        half = max(self.axes) / 2
        return self.seam_cut or (self.inside < 0.75 and (cx - half < 0 or cx + half > width))


# --- ink ----------------------------------------------------------------------------------------


def ink_strength(image: np.ndarray, color: SealColor) -> np.ndarray:
    """How strongly each pixel shows seal ink of ``color`` (0 paper or black print, higher ink).

    Red ink is bright in the red channel and dark in the green one; black print is dark in all
    channels and cream paper nearly equal in red and green, so R - G measures red ink and little
    else. Pink (faded) ink keeps R - G while its blue rises; orange keeps it too. Blue ink is blue
    above both red and green; a cyan background is not (its green is as high as its blue).
    """
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    s = np.minimum(r - g, r - b + 40) if color == SealColor.red else np.minimum(b - r, b - g)
    return np.clip(s, 0, 255).astype(np.uint8)


_THRESHOLD = {SealColor.red: 30, SealColor.blue: 40}


def ink_mask(image: np.ndarray, color: SealColor) -> np.ndarray:
    """Binary mask (0/255) of seal-coloured ink."""
    return np.where(ink_strength(image, color) > _THRESHOLD[color], 255, 0).astype(np.uint8)


def _ink_top(image: np.ndarray, color: SealColor) -> float:
    """The strength of well-inked seal strokes on this page (90th percentile of the ink)."""
    s = ink_strength(image, color)
    ink = s[s > _THRESHOLD[color]]
    return max(40.0, float(np.percentile(ink, 90))) if ink.size else 40.0


def ink_image(image: np.ndarray, color: SealColor, top: float | None = None) -> np.ndarray:
    """A BGR image for OCR in which the seal ink is dark on white and black print has gone.
    ``top`` is the strength that maps to black (by default, that of this image's own ink)."""
    s = ink_strength(image, color).astype(np.float32)
    top = _ink_top(image, color) if top is None else top
    grey = 255 - np.clip((s - 12) * 255.0 / max(1.0, top - 12), 0, 255)
    return cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def faint_ink_mask(image: np.ndarray, color: SealColor) -> np.ndarray:
    """Binary mask of faint ink: a light or worn stamping whose colour barely clears the paper's.

    The paper's own tint (cream stock, uneven lighting in a photo) is removed by subtracting the
    local background (a wide median) before the low threshold.
    """
    strength = ink_strength(image, color)
    background = cv2.medianBlur(strength, 31)
    smooth = cv2.GaussianBlur(strength, (5, 5), 0)
    faint = (cv2.subtract(smooth, background) > 10) | (strength > _THRESHOLD[color])
    return np.where(faint, 255, 0).astype(np.uint8)


def _without_rules(mask: np.ndarray) -> np.ndarray:
    """The mask less its long straight strokes: invoice forms print their table rules in the same
    red-brown as seals, and a seal touching a rule would otherwise merge with the whole table."""
    h, w = mask.shape[:2]
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(100, w // 6), 1)))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(100, h // 8))))
    rules = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(mask, cv2.bitwise_not(rules))


# --- geometry -----------------------------------------------------------------------------------


def _ellipse_frame(center: tuple[float, float], axes: tuple[float, float], angle: float
                   ) -> tuple[float, float, float, float, float, float]:
    cx, cy = center
    a, b = max(axes[0] / 2, 1.0), max(axes[1] / 2, 1.0)
    t = math.radians(angle)
    return cx, cy, a, b, math.cos(t), math.sin(t)


def _norm_radius(points: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                 square: bool = False) -> np.ndarray:
    """Each point's distance from the centre in units of the rim (1 on the rim)."""
    cx, cy, a, b, c, s = _ellipse_frame(center, axes, angle)
    dx, dy = points[:, 0] - cx, points[:, 1] - cy
    u = (dx * c + dy * s) / a
    v = (-dx * s + dy * c) / b
    if square:
        return np.maximum(np.abs(u), np.abs(v))
    return np.sqrt(u * u + v * v)


def _rim_points(center: tuple[float, float], axes: tuple[float, float], angle: float, scale: float, n: int,
                square: bool = False) -> np.ndarray:
    """``n`` points round the rim scaled by ``scale``, in image coordinates (x, y)."""
    cx, cy, a, b, c, s = _ellipse_frame(center, axes, angle)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    u, v = np.cos(t), np.sin(t)
    if square:
        m = np.maximum(np.abs(u), np.abs(v))
        u, v = u / m, v / m
    u, v = u * a * scale, v * b * scale
    return np.stack([cx + u * c - v * s, cy + u * s + v * c], axis=1)


def _rim_coverage(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                  square: bool = False, n: int = 144) -> tuple[float, float]:
    """(share of rim angles inside the image that carry ink, share of rim angles inside the image)."""
    h, w = mask.shape[:2]
    on_rim = _rim_points(center, axes, angle, 1.0, n, square)
    inside = (on_rim[:, 0] >= 1) & (on_rim[:, 0] < w - 1) & (on_rim[:, 1] >= 1) & (on_rim[:, 1] < h - 1)
    covered = np.zeros(n, bool)
    for scale in (0.84, 0.88, 0.92, 0.96, 1.0, 1.04):
        pts = _rim_points(center, axes, angle, scale, n, square)
        xs = np.clip(pts[:, 0].round().astype(int), 0, w - 1)
        ys = np.clip(pts[:, 1].round().astype(int), 0, h - 1)
        covered |= mask[ys, xs] > 0
    n_in = int(inside.sum())
    if n_in == 0:
        return 0.0, 0.0
    return float((covered & inside).sum()) / n_in, n_in / n


def _inside_fill(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                 square: bool) -> float:
    h, w = mask.shape[:2]
    x0, y0, x1, y1 = _box_of(center, axes, angle, w, h, square)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    pts = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    r = _norm_radius(pts, center, axes, angle, square).reshape(yy.shape)
    inner = r < 0.78
    total = int(inner.sum())
    return float((mask[y0:y1, x0:x1][inner] > 0).sum()) / total if total else 0.0


def _outside_share(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                   square: bool = False) -> float:
    """Ink just outside the rim (1.1 to 1.35 radii) against ink on it: a seal's rim is its
    outermost ink, while an ellipse fitted through the middle of a text block has ink beyond it."""
    h, w = mask.shape[:2]
    big = (axes[0] * 1.35, axes[1] * 1.35)
    x0, y0, x1, y1 = _box_of(center, big, angle, w, h, square)
    if x1 <= x0 or y1 <= y0:
        return 1.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    pts = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    r = _norm_radius(pts, center, axes, angle, square).reshape(yy.shape)
    ink = mask[y0:y1, x0:x1] > 0
    rim = int((ink & (r > 0.85) & (r < 1.05)).sum())
    out = int((ink & (r > 1.1) & (r < 1.35)).sum())
    return out / max(1, rim)


def _box_of(center: tuple[float, float], axes: tuple[float, float], angle: float, w: int, h: int,
            square: bool = False) -> tuple[int, int, int, int]:
    pts = _rim_points(center, axes, angle, 1.03, 72, square=square)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return max(0, int(x0)), max(0, int(y0)), min(w, int(math.ceil(x1))), min(h, int(math.ceil(y1)))


def _fit_ellipse(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float], float, float, float] | None:
    """Robust ellipse through rim points: (centre, axes, angle, median residual, inlier share)."""
    pts = points.astype(np.float32)
    if len(pts) < 6:
        return None
    keep = pts
    fit = None
    for tol in (0.25, 0.12, 0.07):
        if len(keep) < 6:
            return None
        (cx, cy), (aw, ah), ang = cv2.fitEllipse(keep)
        if not (np.isfinite([cx, cy, aw, ah]).all()) or aw < 4 or ah < 4:
            return None
        fit = ((float(cx), float(cy)), (float(aw), float(ah)), float(ang))
        r = _norm_radius(pts, *fit)
        keep = pts[np.abs(r - 1) < tol]
    assert fit is not None
    r = _norm_radius(pts, *fit)
    residual = float(np.median(np.abs(r - 1)))
    inliers = float(np.mean(np.abs(r - 1) < 0.07))
    return fit[0], fit[1], fit[2], residual, inliers


def _hull_points(component: np.ndarray, offset: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """Points of the component's outer outline, less those on the image border (a seal cut by
    the page edge has a straight false edge there)."""
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2), np.float32)
    pts = np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float32)
    hull = cv2.convexHull(pts).reshape(-1, 2)
    # densify the hull so long edges (and protrusions) do not dominate by vertex count
    dense = []
    for i in range(len(hull)):
        p, q = hull[i], hull[(i + 1) % len(hull)]
        steps = max(1, int(np.hypot(*(q - p)) // 3))
        for k in range(steps):
            dense.append(p + (q - p) * (k / steps))
    out = np.array(dense, np.float32) + np.array(offset, np.float32)
    h, w = shape
    on_border = (out[:, 0] <= 2) | (out[:, 1] <= 2) | (out[:, 0] >= w - 3) | (out[:, 1] >= h - 3)
    # a hull edge that spans a gap in the outline (a chord across a cut-off seal) is false too:
    # keep only points close to the drawn outline
    outline = np.full(component.shape, 255, np.uint8)
    cv2.drawContours(outline, contours, -1, 0, 1)
    dist_map = cv2.distanceTransform(outline, cv2.DIST_L2, 3)
    lx = np.clip((out[:, 0] - offset[0]).round().astype(int), 0, component.shape[1] - 1)
    ly = np.clip((out[:, 1] - offset[1]).round().astype(int), 0, component.shape[0] - 1)
    dist = dist_map[ly, lx]
    return out[~on_border & (dist < 3)]


@dataclass(frozen=True)
class _Candidate:
    mask: np.ndarray  # crop of the ink mask holding this candidate's pixels
    offset: tuple[int, int]


def _candidates(mask: np.ndarray, min_side: int) -> list[_Candidate]:
    """Ink components big enough for a seal, and clusters of nearby components (a faint or
    broken rim falls apart into arcs; a seal cut by the page edge too)."""
    h, w = mask.shape[:2]
    s = min(h, w)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    out: list[_Candidate] = []
    seen: set[tuple[int, int, int, int]] = set()
    for grow in (0, max(5, s // 90), max(9, s // 45)):
        if grow:
            grown = cv2.dilate(closed, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
        else:
            grown = closed
        n, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
        for i in range(1, n):
            x, y, cw, ch, _area = (int(v) for v in stats[i])
            if max(cw, ch) < min_side or min(cw, ch) < min_side * 0.35:
                continue
            if cw * ch > 0.6 * h * w and not (cw >= w - 4 and ch >= h - 4 and s < 900):
                continue
            key = (x // 4, y // 4, cw // 4, ch // 4)
            if key in seen:
                continue
            seen.add(key)
            comp = np.where((labels[y:y + ch, x:x + cw] == i) & (closed[y:y + ch, x:x + cw] > 0), 255, 0).astype(np.uint8)
            out.append(_Candidate(comp, (x, y)))
    return out


def _judge(cand: _Candidate, mask: np.ndarray, color: SealColor, min_side: int, squares: bool = True
           ) -> Impression | None:
    """The impression ``cand`` is, if its outline is a seal's rim; None otherwise."""
    h, w = mask.shape[:2]
    pts = _hull_points(cand.mask, cand.offset, (h, w))
    if len(pts) < 12:
        return None
    best: Impression | None = None
    fit = _fit_ellipse(pts)
    if fit is not None:
        center, axes, angle, residual, inliers = fit
        minor, major = min(axes), max(axes)
        if minor >= min_side * 0.8 and major >= 0.06 * max(h, w) and major / minor <= 1.9 and residual < 0.045 and inliers > 0.6 \
                and major < 3 * max(h, w):
            rim_mask = mask
            if not squares:
                # a faint rim shows as dashes: bridge them before measuring how far round it goes
                k = max(3, int(minor / 25) | 1)
                rim_mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
            coverage, inside = _rim_coverage(rim_mask, center, axes, angle)
            fill = _inside_fill(mask, center, axes, angle, False)
            if coverage >= 0.72 and inside >= 0.3 and 0.015 < fill < 0.5:
                shape = SealShape.round if major / minor < 1.12 else SealShape.oval
                best = Impression(center, axes, angle, shape, color, round(coverage, 3), round(fill, 3),
                                  round(inside, 3), _box_of(center, axes, angle, w, h))
    if best is None and squares:
        best = _judge_square(pts, mask, color, min_side)
    return best


# a riding-seam slice reaches this close (share of the page width) to the side of its sheet, and
# lies within the outer SEAM_BAND of the page
SEAM_REACH = 0.06
SEAM_BAND = 0.2


def _seam_slices(mask: np.ndarray, color: SealColor, min_side: int) -> list[Impression]:
    """Riding-seam slices cut by the sheet above (``mask``: seal ink less straight rules).

    A 骑缝章 stamped across fanned sheets leaves on each sheet after the first a slice at its side
    whose other side is a straight vertical cut inside the page: the edge of the sheet that lay on
    top. Its ink near the side of the page stops along that line, where the rim's top and bottom
    arcs (and any characters between, often separate pieces) meet it far apart, whereas a whole
    seal's side is round. Everything on the sheet's side of the line is judged as one impression,
    the line counting as an edge (``_judge``; a narrow middle slice, too little rim for an ellipse,
    by ``_judge_slice``), and kept only if its topmost and bottommost ink lies on the rim. The left
    side of the page is looked at mirrored."""
    h, w = mask.shape[:2]
    found = []
    for flipped in (False, True):
        view = mask[:, ::-1] if flipped else mask
        x_band = int((1 - SEAM_BAND) * w)
        n, _, stats, _ = cv2.connectedComponentsWithStats(view[:, x_band:], connectivity=8)
        # (left, top, bottom, right) of each piece of ink near the side
        pieces = [(int(stats[i, 0]) + x_band, int(stats[i, 1]), int(stats[i, 1] + stats[i, 3]),
                   int(stats[i, 0] + stats[i, 2]) + x_band) for i in range(1, n) if stats[i, 4] >= 12]
        done: set[int] = set()
        for left, *_ in sorted(pieces):
            if left in done or left <= x_band:
                continue
            done.update(range(left - 2, left + 3))
            group = [p for p in pieces if abs(p[0] - left) <= 2]
            lo, hi = min(p[1] for p in group), max(p[2] for p in group)
            if not 2 * min_side <= hi - lo <= 0.4 * h or max(p[3] for p in group) < (1 - SEAM_REACH) * w:
                continue  # a slice reaches (nearly) to the side of its sheet; text lines stop at the margin
            rows = np.nonzero(view[lo:hi, left:left + 3].any(axis=1))[0]
            if len(rows) == 0 or rows[-1] - rows[0] < 0.5 * (hi - lo) or view[lo:hi, max(0, left - 3):left].any():
                continue  # not a straight cut: the ink's side is round, or runs on past the line
            part = view[:, left:]
            cand = _Candidate(part[lo:hi], (0, lo))
            imp = _judge(cand, part, color, min_side, squares=False) or _judge_slice(cand, part, color, min_side)
            if imp is None or not _ends_on_rim(part[lo:hi], imp, lo):
                continue
            (cx, cy), (bx0, by0, bx1, by1) = imp.center, imp.bbox
            imp = replace(imp, center=(cx + left, cy), bbox=(bx0 + left, by0, bx1 + left, by1), seam_cut=True)
            if flipped:
                (cx, cy), (bx0, by0, bx1, by1) = imp.center, imp.bbox
                imp = replace(imp, center=(w - 1 - cx, cy), bbox=(w - bx1, by0, w - bx0, by1), angle=-imp.angle)
            found.append(imp)
    return found


def _ends_on_rim(ink: np.ndarray, imp: Impression, top: int) -> bool:
    """Whether the topmost and bottommost ink of a slice (``ink``, whose first row is page row
    ``top``) is the rim of ``imp``: a seal's slice ends in rim arcs, a column of text does not."""
    ys, xs = np.nonzero(ink)
    if len(ys) < 24:
        return False
    r = np.hypot(xs - imp.center[0], ys + top - imp.center[1]) / (imp.axes[0] / 2)
    span = ys.max() - ys.min()
    for part in (ys < ys.min() + 0.1 * span, ys > ys.max() - 0.1 * span):
        if np.mean((r[part] > 0.85) & (r[part] < 1.08)) < 0.7:
            return False
    return True


def _judge_slice(cand: _Candidate, mask: np.ndarray, color: SealColor, min_side: int) -> Impression | None:
    """A narrow slice of a round seal, cut on both sides (a middle sheet of a fanned stack shows
    only the rim's top and bottom arcs and what lies between): too little rim for an ellipse, but
    those arcs lie on one circle whose rim within the slice is inked all along."""
    h, w = mask.shape[:2]
    pts = _hull_points(cand.mask, cand.offset, (h, w))
    if len(pts) < 12:
        return None
    cx, cy, r, residual = _fit_circle(pts)
    if residual > 0.03 or not min_side <= r <= 0.3 * max(h, w) or np.ptp(pts[:, 1]) < 1.2 * r:
        return None
    center, axes = (cx, cy), (2 * r, 2 * r)
    coverage, inside = _rim_coverage(mask, center, axes, 0.0)
    fill = _inside_fill(mask, center, axes, 0.0, False)
    if coverage < 0.8 or inside < 0.1 or not 0.015 < fill < 0.5:
        return None
    return Impression(center, axes, 0.0, SealShape.round, color, round(coverage, 3), round(fill, 3), round(inside, 3),
                      _box_of(center, axes, 0.0, w, h))


def _judge_square(pts: np.ndarray, mask: np.ndarray, color: SealColor, min_side: int) -> Impression | None:
    h, w = mask.shape[:2]
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts.astype(np.float32))
    if min(rw, rh) < min_side * 0.8 or max(rw, rh) / max(1.0, min(rw, rh)) > 1.3:
        return None
    if abs(((angle + 45) % 90) - 45) > 12:  # personal seals are stamped square to the page, more or less
        return None
    center, axes = (float(cx), float(cy)), (float(rw), float(rh))
    r = _norm_radius(pts, center, axes, angle, square=True)
    if float(np.median(np.abs(r - 1))) > 0.04:
        return None
    coverage, inside = _rim_coverage(mask, center, axes, angle, square=True)
    fill = _inside_fill(mask, center, axes, angle, True)
    if coverage < 0.85 or inside < 0.9 or not 0.3 < fill < 0.65:
        return None
    # the border of a name seal is a solid frame; a QR code's edge is half modules, half paper
    on_frame = np.zeros(144, bool)
    for scale in (0.97, 0.94, 0.91):
        pts_on = _rim_points(center, axes, angle, scale, 144, square=True)
        xs = np.clip(pts_on[:, 0].round().astype(int), 0, w - 1)
        ys = np.clip(pts_on[:, 1].round().astype(int), 0, h - 1)
        on_frame |= mask[ys, xs] > 0
    if float(on_frame.mean()) < 0.8:
        return None
    return Impression(center, axes, float(angle), SealShape.square, color, round(coverage, 3), round(fill, 3),
                      round(inside, 3), _box_of(center, axes, angle, w, h, square=True))


def _fit_circle(points: np.ndarray) -> tuple[float, float, float, float]:
    """Least-squares circle (Kasa): centre x, y, radius, median relative residual."""
    x, y = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    a = np.stack([x, y, np.ones_like(x)], axis=1)
    sol, *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    cx, cy = sol[0] / 2, sol[1] / 2
    r = math.sqrt(max(1e-6, sol[2] + cx * cx + cy * cy))
    residual = float(np.median(np.abs(np.hypot(x - cx, y - cy) / r - 1)))
    return float(cx), float(cy), r, residual


def _arc_unions(candidates: list[_Candidate], mask: np.ndarray, color: SealColor, min_side: int) -> list[Impression]:
    """Round seals whose rim is broken into separate arcs (cut by the page edge on several sides,
    or worn): arc-shaped components that lie on one circle."""
    h, w = mask.shape[:2]
    arcs: list[np.ndarray] = []
    seen: list[tuple[int, int, int, int]] = []
    for cand in candidates:
        ch, cw = cand.mask.shape
        if max(cw, ch) < 2 * min_side:
            continue
        box = (cand.offset[0], cand.offset[1], cand.offset[0] + cw, cand.offset[1] + ch)
        if any(_overlap(box, other) > 0.8 for other in seen):
            continue
        pts = _hull_points(cand.mask, cand.offset, (h, w))
        if len(pts) < 12:
            continue
        if _fit_circle(pts)[3] < 0.03:
            arcs.append(pts)
            seen.append(box)
    arcs = arcs[:10]
    found: list[Impression] = []
    for i in range(len(arcs)):
        for j in range(i + 1, len(arcs)):
            cx, cy, r, residual = _fit_circle(np.concatenate([arcs[i], arcs[j]]))
            if residual > 0.02:
                continue
            members = [p for p in arcs if float(np.median(np.abs(np.hypot(p[:, 0] - cx, p[:, 1] - cy) / r - 1))) < 0.03]
            if len(members) < 3:
                continue
            cx, cy, r, residual = _fit_circle(np.concatenate(members))
            center, axes = (cx, cy), (2 * r, 2 * r)
            if residual > 0.02 or r < min_side or r > 1.5 * max(h, w):
                continue
            coverage, inside = _rim_coverage(mask, center, axes, 0.0)
            fill = _inside_fill(mask, center, axes, 0.0, False)
            if coverage >= 0.85 and inside >= 0.3 and 0.015 < fill < 0.5:
                found.append(Impression(center, axes, 0.0, SealShape.round, color, round(coverage, 3), round(fill, 3),
                                        round(inside, 3), _box_of(center, axes, 0.0, w, h)))
    return found


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / small if small > 0 else 0.0


WORK_MAX_SIDE = 1600  # seals are large: find them on a reduced copy of big photos


def find_impressions(image: np.ndarray) -> list[Impression]:
    """Every red or blue seal impression on a page image, top to bottom."""
    h0, w0 = image.shape[:2]
    factor = min(1.0, WORK_MAX_SIDE / max(h0, w0))
    work = cv2.resize(image, (round(w0 * factor), round(h0 * factor)), interpolation=cv2.INTER_AREA) if factor < 1 else image
    h, w = work.shape[:2]
    min_side = max(36, int(min(h, w) * 0.035))
    found: list[Impression] = []
    for color in (SealColor.red, SealColor.blue):
        judged: list[tuple[Impression, int]] = []
        # a faint or worn stamping only shows in the second, more tolerant mask
        for rank, faint in enumerate((False, True)):
            raw = faint_ink_mask(work, color) if faint else ink_mask(work, color)
            if np.count_nonzero(raw) < min_side * 4:
                continue
            mask = _without_rules(raw)
            candidates = _candidates(mask, min_side)
            judged += [(imp, rank) for cand in candidates if (imp := _judge(cand, raw, color, min_side, squares=not faint))]
            judged += [(imp, rank) for imp in _arc_unions(candidates, raw, color, min_side)]
            judged += [(imp, rank) for imp in _seam_slices(mask, color, min_side)]
        judged.sort(key=lambda ir: (-round(ir[0].coverage, 2), ir[1], -ir[0].axes[0] * ir[0].axes[1]))
        for imp, _ in judged:
            if all(_overlap(imp.bbox, other.bbox) < 0.35 for other in found):
                found.append(imp)
    if factor < 1:
        found = [_rescale(imp, 1 / factor, w0, h0) for imp in found]
    found.sort(key=lambda imp: (imp.bbox[1], imp.bbox[0]))
    return found


def _rescale(imp: Impression, k: float, w: int, h: int) -> Impression:
    center = (imp.center[0] * k, imp.center[1] * k)
    axes = (imp.axes[0] * k, imp.axes[1] * k)
    x0, y0, x1, y1 = _box_of(center, axes, imp.angle, w, h, square=imp.shape == SealShape.square)
    if imp.seam_cut:  # the sheet above hid the rest: keep the cut side where it was
        x0, x1 = max(x0, int(imp.bbox[0] * k)), min(x1, int(math.ceil(imp.bbox[2] * k)))
    return replace(imp, center=center, axes=axes, bbox=(x0, y0, x1, y1))


def ink_blobs(image: np.ndarray) -> list[InkBlob]:
    """Seal regions on a page image (the OCR reader re-reads the print under them)."""
    return [InkBlob(imp.bbox, imp.color, imp.shape, imp.fill) for imp in find_impressions(image)]


# --- what reading a seal needs ------------------------------------------------------------------

CANON = 256  # the impression is warped so that its rim is a circle of this diameter


def local_view(image: np.ndarray, imp: Impression) -> tuple[np.ndarray, Impression]:
    """The part of the page round the impression, and the impression in its coordinates: all that
    reading the impression looks at (``name_strips(*local_view(image, imp))`` is
    ``name_strips(image, imp)``)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = imp.bbox
    pad = int(0.1 * max(x1 - x0, y1 - y0)) + 4
    x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    moved = replace(imp, center=(imp.center[0] - x0, imp.center[1] - y0), bbox=(0, 0, x1 - x0, y1 - y0))
    return image[y0:y1, x0:x1], moved


def seal_ink(image: np.ndarray, imp: Impression, size: int = CANON, page_contrast: bool = True) -> np.ndarray:
    """The impression's ink, dark on white, warped by ``canonical``. With ``page_contrast`` the
    darkest ink is that of the whole page (a faint seal is not stretched into noise); without, the
    seal's own (its small print stays legible however light the stamping)."""
    local, moved = local_view(image, imp)
    top = _ink_top(image, imp.color) if page_contrast else None
    return canonical(ink_image(local, imp.color, top), moved, size)


def canonical(image: np.ndarray, imp: Impression, size: int = CANON) -> np.ndarray:
    """The impression warped onto a ``size`` square so that its rim becomes the circle (or square)
    inscribed in it, whatever the seal's size, oval stretch or the page's scale. The page's up
    stays up: the stretch is along the rim's own axes only."""
    cx, cy, a, b, c, s = _ellipse_frame(imp.center, imp.axes, imp.angle)
    half = size / 2
    rot = np.array([[c, -s], [s, c]])  # rim frame -> page
    linear = rot @ np.diag([half / a, half / b]) @ rot.T
    m = np.zeros((2, 3))
    m[:, :2] = linear
    m[:, 2] = np.array([half, half]) - linear @ np.array([cx, cy])
    border = (255, 255, 255) if image.ndim == 3 else 0
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderValue=border)


def _radial_band(ink: np.ndarray) -> tuple[float, float]:
    """(inner, outer) radius of the arc text in a canonical ink image (ink bright), as shares of
    the rim radius. The text runs just inside the rim's inner edge; how far in it reaches is read
    off the top of the ring, where nothing but the name is (the seal's use and the taxpayer id sit
    lower down)."""
    half = ink.shape[0] / 2
    polar = cv2.warpPolar(ink, (int(half), 360), (half, half), half, cv2.WARP_POLAR_LINEAR).astype(np.float32)
    profile = polar.mean(axis=0)  # ink by radius
    n = len(profile)
    r = np.arange(n) / half
    rim_zone = (r > 0.8) & (r < 1.02)
    if not rim_zone.any() or profile[rim_zone].max() <= 0:
        return 0.55, 0.9
    peak = int(np.argmax(np.where(rim_zone, profile, -1)))
    inner_edge = peak
    while inner_edge > int(0.6 * half) and profile[inner_edge] > 0.35 * profile[peak]:
        inner_edge -= 1
    outer = min(0.97, inner_edge / half + 0.02)
    top = polar[230:310].mean(axis=0)  # rows are degrees clockwise from +x: 270 is straight up
    lo = max(1, inner_edge - int(0.45 * half))
    text_max = float(top[lo:inner_edge].max()) if inner_edge > lo else 0.0
    bottom = lo
    if text_max > 0:
        j = inner_edge
        stop = inner_edge - max(2, int(0.05 * half))
        while j > stop and top[j] >= 0.3 * text_max:  # the rim's inner slope
            j -= 1
        while j > lo and top[j] < 0.3 * text_max:  # the paper between the rim and the text
            j -= 1
        while j > lo and top[j] > 0.12 * text_max:  # the text
            j -= 1
        bottom = j
    inner = max(0.3, bottom / half - 0.03, outer - 0.4)
    return min(inner, outer - 0.15), outer


def arc_strips(image: np.ndarray, imp: Impression) -> list[np.ndarray]:
    """The ring of a round or oval seal unwrapped into straight strips of text for the recogniser,
    dark ink on white, one per likely start angle (stamps are turned every which way).

    The company name runs clockwise along the rim with the tops of the characters pointing out,
    from one side of the gap at the bottom round to the other. In OpenCV's polar transform the
    angle grows clockwise on the page, so the strip is the polar image from the gap onwards, turned
    so the angle runs left to right and the outer radius is at the top.
    """
    ink = 255 - cv2.cvtColor(seal_ink(image, imp), cv2.COLOR_BGR2GRAY)
    r_in, r_out = _radial_band(ink)
    half = CANON / 2
    n_angle = 1440
    polar = cv2.warpPolar(ink, (int(half * 2), n_angle), (half, half), half, cv2.WARP_POLAR_LINEAR)
    i0, i1 = int(r_in * polar.shape[1]), int(r_out * polar.shape[1])
    band = polar[:, i0:i1]  # rows: angle clockwise from +x; cols: radius outwards
    # where the arc text is not: the gap at the bottom, measured on the band's outer half (the
    # horizontal bottom line can reach into its inner half)
    # right under the rim there is nothing but the tops of the name's characters: the seal's use
    # and the taxpayer id stay further in, even where their ends reach into the band
    outer_half = polar[:, i1 - max(2, (i1 - i0) // 3):i1].astype(np.float32)
    bins = outer_half.reshape(72, -1).mean(axis=1)
    starts = _gap_middles(bins, n_angle) + [n_angle / 4]  # and straight down: a stamp set upright
    starts += [n_angle * k / 6 for k in range(6)]
    strips = []
    seen: set[int] = set()
    column_ink = outer_half.mean(axis=1)
    for start in starts:
        key = int(start) // (n_angle // 72)
        if key in seen:
            continue
        seen.add(key)
        rolled = np.roll(band, -int(start), axis=0)
        # trim the empty run at both ends (the gap) so the strip holds only the text
        cols = np.roll(column_ink, -int(start))
        inked = np.nonzero(cols > 0.08 * max(1.0, float(cols.max())))[0]
        if len(inked) == 0:
            continue
        lo, hi = max(0, inked[0] - 6), min(n_angle, inked[-1] + 7)
        strip = rolled[lo:hi].T[::-1]  # angle -> x, outer radius at the top
        # radii were sampled at the rim's scale: widen to keep the glyphs' aspect near 1
        mid_r = (r_in + r_out) / 2 * half
        width_px = (hi - lo) * 2 * np.pi * mid_r / n_angle
        target_h = 48
        target_w = max(8, int(width_px * target_h / max(1, strip.shape[0])))
        strip = cv2.resize(strip, (target_w, target_h), interpolation=cv2.INTER_AREA)
        strips.append(cv2.cvtColor(255 - strip, cv2.COLOR_GRAY2BGR))
    return strips


def black_print(image: np.ndarray, color: SealColor) -> np.ndarray:
    """Where print of another colour (black, dark grey) lies: dark even in the channel the seal's
    ink leaves bright (red for a red seal, blue for a blue one). Seal ink under it cannot be seen."""
    channel = image[..., 2 if color == SealColor.red else 0].astype(np.float32)
    return channel < 0.55 * float(np.percentile(channel, 75))


def _arc_ink(image: np.ndarray, color: SealColor, inpaint: bool) -> np.ndarray:
    """Seal ink strength 0..1 at the image's own resolution (1: well-inked stroke). Black print
    shows no seal colour, so where it crosses a character the stroke has a hole; ``inpaint``
    fills such holes from the ink round them (thin print only: a solid block stays empty)."""
    s = ink_strength(image, color).astype(np.float32)
    top = _ink_top(image, color)
    v = np.clip((s - 12) / max(1.0, top - 12), 0, 1)
    if inpaint:
        dark = black_print(image, color) & (s < 40)
        if dark.any():
            holes = cv2.dilate(dark.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
            filled = cv2.inpaint((v * 255).astype(np.uint8), holes, 2, cv2.INPAINT_TELEA).astype(np.float32) / 255
            v = np.where(holes > 0, np.minimum(filled, 0.85), v)
    return v


def _sharp_ink(image: np.ndarray, color: SealColor, v: np.ndarray) -> np.ndarray:
    """``v`` (``_arc_ink`` without inpainting) with the strokes' detail taken from the image's
    brightness. A photo's JPEG keeps colour at half resolution or less, so ink measured by colour
    alone blurs a small seal's strokes into blots; the brightness channel the ink darkens (green
    for red ink, red for blue) keeps them sharp. It is trusted only next to seal-coloured ink, and
    never on black print (dark in every channel), where the colour measure stands."""
    s = ink_strength(image, color)
    dark = image[..., 1 if color == SealColor.red else 2].astype(np.float32)
    inked = s > _THRESHOLD[color]
    paper = float(np.percentile(dark, 75))
    full = float(np.percentile(dark[inked], 10)) if np.count_nonzero(inked) > 50 else 0.0
    lum = np.clip((paper - dark) / max(1.0, paper - full), 0, 1)
    near = cv2.dilate((v > 0.15).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    near = cv2.GaussianBlur(near, (0, 0), 1.0)
    black = cv2.dilate(black_print(image, color).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(black, v, np.maximum(v, np.minimum(lum, near))).astype(np.float32)


def _band_maps(imp: Impression, d0: float, d1: float, n_cols: int, n_rows: int, t0: float = 0.0,
               turns: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Sampling grids (x, y) for ``cv2.remap`` of the band between ``d0`` and ``d1`` image pixels
    inside the rim (measured along the rim's normal, so an oval's band keeps its width), columns at
    equal arc length along the band's middle from rim parameter ``t0`` clockwise; and that length."""
    cx, cy, a, b, c, s = _ellipse_frame(imp.center, imp.axes, imp.angle)

    def frame(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        ct, st = np.cos(t), np.sin(t)
        nu, nv = b * ct, a * st  # outward normal of the ellipse in its own frame
        norm = np.hypot(nu, nv)
        return a * ct, b * st, nu / norm, nv / norm

    fine = t0 + np.linspace(0, 2 * np.pi * turns, int(2048 * turns) + 2)
    u, v, nu, nv = frame(fine)
    mid = (d0 + d1) / 2
    length = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(u - mid * nu), np.diff(v - mid * nv)))])
    t = np.interp(np.linspace(0, length[-1], n_cols, endpoint=False), length, fine)
    u, v, nu, nv = frame(t)
    d = np.linspace(d0, d1, n_rows)[:, None]
    uu, vv = u[None, :] - d * nu[None, :], v[None, :] - d * nv[None, :]
    return ((cx + uu * c - vv * s).astype(np.float32), (cy + uu * s + vv * c).astype(np.float32),
            float(length[-1]))


def _circular_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of the runs of True round a circular array, longest first."""
    n = len(flags)
    if flags.all():
        return [(0, n)]
    if not flags.any():
        return []
    first = int(np.argmin(flags))
    runs: list[tuple[int, int]] = []
    start, length = 0, 0
    for k in range(n + 1):
        i = (first + k) % n
        if k < n and flags[i]:
            if length == 0:
                start = i
            length += 1
        elif length:
            runs.append((start, length))
            length = 0
    return sorted(runs, key=lambda r: -r[1])


def _bridged(flags: np.ndarray, max_gap: int) -> np.ndarray:
    out = flags.copy()
    for start, length in _circular_runs(~flags):
        if length <= max_gap:
            out[(start + np.arange(length)) % len(flags)] = True
    return out


@dataclass(frozen=True)
class _ArcPlan:
    rim_in: float  # image pixels inside the rim where the paper under the rim begins
    text_in: float  # ... and where the name's characters end
    start: int  # first column (of ``n``) of the name, clockwise
    length: int  # columns the name spans
    n: int
    px_per_col: float


def _arc_plans(v: np.ndarray, imp: Impression, n: int = 720) -> list[_ArcPlan]:
    """Where the name may lie round the ring: the longest runs of angles inked just under the rim
    (the gaps between characters bridged, the wide gap at the bottom not), with the depth of the
    characters measured in the middle of each run."""
    radius = min(imp.axes) / 2
    d0, d1 = -0.04 * radius, 0.6 * radius
    rows = max(60, int(d1 - d0))
    x, y, length = _band_maps(imp, d0, d1, n, rows)
    ring = cv2.remap(v, x, y, cv2.INTER_LINEAR, borderValue=0)
    depth = np.linspace(d0, d1, rows)
    profile = ring.mean(axis=1)
    peak = int(np.argmax(np.where(depth < 0.2 * radius, profile, -1)))
    j = peak
    while j < rows - 1 and profile[j] > 0.12 * profile[peak]:
        j += 1
    rim_in = float(depth[j])
    px_per_col = length / n
    char = 0.22 * radius / px_per_col  # a character's width in columns, roughly
    tops = ring[(depth >= rim_in) & (depth < rim_in + 0.2 * radius)]
    if tops.size == 0:
        return []
    angular = tops.max(axis=0)
    win = max(3, int(char / 4))
    smooth = np.convolve(np.concatenate([angular[-win:], angular, angular[:win]]), np.ones(win) / win, "same")[win:-win]
    high = smooth > 0.25 * float(np.percentile(smooth, 90))
    runs: list[tuple[int, int]] = []
    for gap in (0.6, 1.2):
        for start, span in _circular_runs(_bridged(high, int(gap * char)))[:2]:
            if span == n:  # ink all round: start where there is least
                start = int(np.argmin(smooth))
            if span >= 2 * char and all(abs(start - s2) > char / 2 or abs(span - l2) > char / 2 for s2, l2 in runs):
                runs.append((start, span))
    plans = []
    zone = (depth > rim_in) & (depth < rim_in + 0.45 * radius)
    for start, span in runs:
        cols = (start + np.arange(int(span * 0.2), int(span * 0.8))) % n
        across = ring[:, cols].mean(axis=1)
        top = float(across[zone].max()) if zone.any() else 0.0
        on = np.nonzero(zone & (across > 0.15 * top))[0]
        if top <= 0 or not len(on):
            continue
        blocks: list[list[int]] = []
        for r in on.tolist():
            if blocks and r - blocks[-1][1] <= 3:
                blocks[-1][1] = r
            else:
                blocks.append([r, r])
        tall = [bl for bl in blocks if depth[bl[1]] - depth[bl[0]] >= 0.08 * radius] or blocks
        text_in = float(depth[tall[0][1]])
        if text_in - rim_in < 0.08 * radius:
            continue
        plans.append(_ArcPlan(rim_in, text_in, start, span, n, px_per_col))
    return plans


@dataclass(frozen=True)
class NameStrip:
    """The seal's name unwrapped into a straight strip for the recogniser (dark ink on white), and
    for each of its columns the share of the band hidden under black print, so that a character
    the recogniser cannot see can be told from one that is not there."""

    image: np.ndarray
    print_cover: np.ndarray


def name_strips(image: np.ndarray, imp: Impression) -> list[list[NameStrip]]:
    """The name along the rim of a round or oval seal as whole strips, one group per place the
    name may lie (best guess first), each group a few variants of one strip (band depth, ink by
    colour or sharpened by brightness, black print filled in or not) for the recogniser to vote
    over.

    The ring is unwrapped from the image's own pixels along the rim's normals (an oval's band
    stays as wide all round, glyphs keep their aspect), starting in the gap before the name's
    first character so the whole name lies in one strip with a margin at each end.
    """
    local, moved = local_view(image, imp)
    plain = _arc_ink(local, imp.color, inpaint=False)
    sharp = _sharp_ink(local, imp.color, plain)
    covered = black_print(local, imp.color).astype(np.float32)
    filled = None
    groups = []
    for plan in _arc_plans(plain, moved):
        h = plan.text_in - plan.rim_in
        margin = int(0.8 * h / plan.px_per_col)
        span = min(plan.n, plan.length + 2 * margin)
        start = plan.start - (span - plan.length) // 2
        group = []
        for source, lo, hi in (("sharp", 0.02, 0.06), ("filled", 0.02, 0.06), ("sharp", 0.06, 0.16),
                               ("sharp", -0.02, 0.0), ("plain", 0.02, 0.06)):
            if source == "filled" and filled is None:
                filled = _arc_ink(local, imp.color, inpaint=True)
            d0, d1 = plan.rim_in - lo * h, plan.text_in + hi * h
            _, _, length = _band_maps(moved, d0, d1, 8, 2, 2 * np.pi * start / plan.n, span / plan.n)
            cols = int(np.clip(length * 48 / max(1.0, d1 - d0), 16, 1800))
            x, y, _ = _band_maps(moved, d0, d1, cols, 48, 2 * np.pi * start / plan.n, span / plan.n)
            ink = {"sharp": sharp, "filled": filled, "plain": plain}[source]
            band = cv2.remap(ink, x, y, cv2.INTER_CUBIC, borderValue=0)
            grey = (255 - np.clip(band, 0, 1) * 255).astype(np.uint8)
            cover = cv2.remap(covered, x, y, cv2.INTER_LINEAR, borderValue=0).mean(axis=0)
            group.append(NameStrip(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), cover))
        groups.append(group)
    return groups


def _gap_middles(bins: np.ndarray, n_angle: int, count: int = 3) -> list[float]:
    """Middles (in polar rows) of the ``count`` longest empty runs of the angular ink profile."""
    empty = bins <= max(1e-6, 0.08 * float(bins.max()))
    if empty.all():
        return []
    n = len(bins)
    return [((start + length / 2) % n) * n_angle / n for start, length in _circular_runs(empty)[:count]]


def inner_crop(image: np.ndarray, imp: Impression, size: int = 480) -> np.ndarray:
    """The inside of the seal less its rim and arc text, dark ink on white, upright as on the
    page: the taxpayer id across the middle and the seal's use (合同专用章 …) under the centre.

    The arc text fills the upper part of the band inside the rim; below the centre line the
    horizontal lines reach further out (an invoice seal's taxpayer id runs nearly rim to rim), so
    less is blanked there.
    """
    ink = seal_ink(image, imp, size, page_contrast=False)
    r_in, r_out = _radial_band(255 - cv2.cvtColor(seal_ink(image, imp), cv2.COLOR_BGR2GRAY))
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    upper = yy < size * 0.47
    lower_limit = r_out - 0.04 if imp.shape == SealShape.oval else max(r_in + 0.02, r_out - 0.1)
    ink[(r > r_out + 0.02) | (upper & (r > r_in + 0.02)) | (~upper & (r > lower_limit))] = 255
    return ink


def center_bands(crop: np.ndarray) -> list[tuple[int, int]]:
    """(top, bottom) rows of each horizontal line in ``inner_crop``'s crop, top to bottom: runs of
    rows the ink fills, a run too tall for one line (the star and a line under it, or two lines
    touching) split where the ink thins; specks and the star left out."""
    ink = (255 - cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)) > 80
    size = crop.shape[0]
    profile = np.convolve(ink.mean(axis=1), np.ones(5) / 5, mode="same")
    bands = []
    todo = line_runs(ink.mean(axis=1) > 0.004, min_gap=4)
    while todo:
        y0, y1 = todo.pop(0)
        if y1 - y0 > int(0.3 * size):
            lo, hi = y0 + (y1 - y0) // 5, y1 - (y1 - y0) // 5
            cut = lo + int(np.argmin(profile[lo:hi]))
            todo[:0] = [(y0, cut), (cut, y1)]
        else:
            bands.append((y0, y1))
    return [(y0, y1) for y0, y1 in bands if 12 <= y1 - y0 <= int(0.3 * size)]


def center_lines(crop: np.ndarray) -> list[np.ndarray]:
    """Each horizontal line of ``inner_crop``'s crop cut out with a margin, top to bottom."""
    ink = (255 - cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)) > 80
    size = crop.shape[0]
    lines = []
    for y0, y1 in center_bands(crop):
        cols = np.nonzero(ink[y0:y1].any(axis=0))[0]
        x0, x1 = int(cols[0]), int(cols[-1]) + 1
        pad = max(4, (y1 - y0) // 4)
        lines.append(crop[max(0, y0 - pad):min(size, y1 + pad), max(0, x0 - pad):min(size, x1 + pad)])
    return lines


# condensed digits (a taxpayer id squeezed into the seal's width) read better widened
CODE_STRETCH = 1.5


def code_lines(image: np.ndarray, imp: Impression, size: int = 480) -> list[list[np.ndarray]]:
    """The horizontal lines inside the seal cut again for a second reading of the taxpayer id,
    one group of variants per line (as cut, and widened).

    ``inner_crop`` blanks the name band above the middle, which can take the tops off an id that
    straddles it and the ends off one that runs nearly rim to rim. Here the rows of each line come
    from that crop but its pixels from the whole inside (only the rim blanked), and the line runs
    from the middle to where a gap wider than its height parts it from the name's characters.
    """
    crop = inner_crop(image, imp, size)
    whole = seal_ink(image, imp, size, page_contrast=False)
    _, r_out = _radial_band(255 - cv2.cvtColor(seal_ink(image, imp), cv2.COLOR_BGR2GRAY))
    yy, xx = np.mgrid[0:size, 0:size]
    whole[np.hypot(xx - size / 2, yy - size / 2) / (size / 2) > r_out - 0.01] = 255
    ink = (255 - cv2.cvtColor(whole, cv2.COLOR_BGR2GRAY)) > 80
    groups = []
    for y0, y1 in center_bands(crop):
        runs = line_runs(ink[y0:y1].any(axis=0), min_gap=int(0.6 * (y1 - y0)))
        if not runs:
            continue
        x0, x1 = min(runs, key=lambda r: 0 if r[0] <= size // 2 < r[1] else min(abs(r[0] - size // 2), abs(r[1] - size // 2)))
        pad = max(4, (y1 - y0) // 4)
        line = whole[max(0, y0 - pad):min(size, y1 + pad), max(0, x0 - pad):min(size, x1 + pad)]
        groups.append([line, cv2.resize(line, None, fx=CODE_STRETCH, fy=1.0, interpolation=cv2.INTER_CUBIC)])
    return groups


def line_runs(flags: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True, joining runs separated by fewer than ``min_gap``."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, on in enumerate([*flags.tolist(), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            if runs and start - runs[-1][1] < min_gap:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((start, i))
            start = None
    return runs


def square_cells(image: np.ndarray, imp: Impression) -> list[np.ndarray]:
    """The characters of a square name seal, one crop each, in reading order: the top row right to
    left, then the next (a four-character seal reads 李国 / 庆印 as 李国庆印)."""
    ink = seal_ink(image, imp, 200)
    inner = ink[24:176, 24:176]  # inside the frame
    grey = 255 - cv2.cvtColor(inner, cv2.COLOR_BGR2GRAY)
    cols = grey.mean(axis=0)
    rows = grey.mean(axis=1)
    n_cols = 2 if _has_valley(cols) else 1
    n_rows = 2 if _has_valley(rows) else 1
    h, w = inner.shape[:2]
    cells = []
    for ri in range(n_rows):
        for ci in reversed(range(n_cols)):
            cell = inner[ri * h // n_rows:(ri + 1) * h // n_rows, ci * w // n_cols:(ci + 1) * w // n_cols]
            cells.append(cv2.copyMakeBorder(cell, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=(255, 255, 255)))
    return cells


def _has_valley(profile: np.ndarray) -> bool:
    n = len(profile)
    middle = profile[int(n * 0.4):int(n * 0.6)].min()
    sides = min(profile[:int(n * 0.4)].max(), profile[int(n * 0.6):].max())
    return bool(middle < 0.35 * sides)


# --- what identifies an impression -------------------------------------------------------------


def impression_mask(image: np.ndarray, imp: Impression) -> np.ndarray:
    """The impression's ink as a MASK_SIDE x MASK_SIDE binary image, centred and scaled to its
    rim: independent of where it sits on the page and of the page's resolution."""
    ink = 255 - cv2.cvtColor(seal_ink(image, imp, MASK_SIDE * 4), cv2.COLOR_BGR2GRAY)
    small = cv2.resize(ink, (MASK_SIDE, MASK_SIDE), interpolation=cv2.INTER_AREA)
    return (small > 96).astype(np.uint8)


def encode_mask(mask: np.ndarray) -> str:
    return base64.b64encode(np.packbits(mask.astype(bool).ravel()).tobytes()).decode("ascii")


def decode_mask(code: str) -> np.ndarray | None:
    try:
        bits = np.unpackbits(np.frombuffer(base64.b64decode(code), np.uint8))
    except (ValueError, TypeError):
        return None
    if len(bits) < MASK_SIDE * MASK_SIDE:
        return None
    return bits[:MASK_SIDE * MASK_SIDE].reshape(MASK_SIDE, MASK_SIDE)


def fingerprint(mask: np.ndarray) -> str:
    """A 64-bit perceptual hash of the normalised ink mask (hex): equal for copies of one image,
    near for stampings of one seal, far for different seals."""
    small = cv2.resize(mask.astype(np.float32), (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def mask_similarity(a: np.ndarray, b: np.ndarray, shift: int = 2) -> float:
    """Best intersection-over-union of two normalised masks over small shifts (the rim fit can be
    off by a pixel or two between copies of one image)."""
    best = 0.0
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            moved = np.roll(np.roll(b, dy, axis=0), dx, axis=1)
            inter = int(np.count_nonzero(a & moved))
            union = int(np.count_nonzero(a | moved))
            if union:
                best = max(best, inter / union)
    return best


def crop_png(image: np.ndarray, imp: Impression, max_side: int = 96) -> str:
    """A small PNG of the impression as it looks on the page (base64), for the report."""
    x0, y0, x1, y1 = imp.bbox
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return ""
    k = min(1.0, max_side / max(crop.shape[:2]))
    if k < 1:
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * k)), max(1, int(crop.shape[0] * k))), interpolation=cv2.INTER_AREA)
    # a scan's grain makes a photo-like PNG large; 16 levels a channel keep the look at a third
    crop = (crop // 16) * 16 + 8
    ok, buf = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return base64.b64encode(buf.tobytes()).decode("ascii") if ok else ""


# --- what the text says ------------------------------------------------------------------------

TAX_ID = re.compile(r"[0-9A-Z]{15,20}")


def seal_kind(arc_text: str, center_text: str, shape: SealShape, supervision_position: bool) -> str | None:
    """What the seal is for, from its words (and, for the tax bureau's mark, where it sits)."""
    words = (arc_text + center_text).replace(" ", "")
    if any(w in words for w in SUPERVISION_WORDS) or (supervision_position and "公司" not in arc_text):
        return "监制"
    for kind in SEAL_KINDS:
        if kind in words:
            return kind
    for kind in SEAL_KINDS[:4]:  # one character misread: 合询专用章, 发需专用章
        if fuzz.partial_ratio(kind, words) >= 80:
            return kind
    if shape == SealShape.oval and TAX_ID.search(center_text.replace(" ", "").upper()):
        return "发票专用章"  # an oval seal with a taxpayer id across is the seller's, however its use reads
    if shape == SealShape.square:
        return "personal"
    if arc_text:
        return "公章"
    return None


def detect_seals(image: np.ndarray, page: int, scale: float, lines: list[TextLine]) -> list[Seal]:
    """Seals on one page image without OCR of their own: shape, colour, fingerprint, and the
    horizontal text of ``lines`` (page coordinates) that falls inside each. ``scale`` is image
    pixels per page unit."""
    seals = []
    for imp in find_impressions(image):
        seals.append(seal_from_impression(image, imp, page, scale, lines))
    return seals


def seal_from_impression(image: np.ndarray, imp: Impression, page: int, scale: float, lines: list[TextLine],
                         arc_text: str = "", center_text: str = "", arc_confidence: float = 0.0,
                         arc_hidden: list[int] | None = None) -> Seal:
    """The report's Seal for one impression, with what was read from it (``arc_hidden``: positions
    in ``arc_text`` of characters hidden under print, confirmed against a printed name)."""
    x0, y0, x1, y1 = (v / scale for v in imp.bbox)
    box: BBox = (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))
    if not center_text:
        # the page's own lines inside the box are mostly print under the seal: keep only what a
        # seal says (its use, a taxpayer id)
        inner = [ln.text for ln in lines if _inside(ln.bbox, box) and not _mostly_same(ln.text, arc_text)]
        center_text = " ".join(t for t in inner if any(k in t.replace(" ", "") for k in SEAL_KINDS)
                               or TAX_ID.fullmatch(t.replace(" ", "").upper()))
    tax_id = _tax_id_in(center_text)
    h, w = image.shape[:2]
    cx, cy = imp.center
    supervision_position = imp.shape == SealShape.oval and cy < 0.22 * h and abs(cx - w / 2) < 0.2 * w
    kind = seal_kind(arc_text, center_text, imp.shape, supervision_position)
    # the seal's use in its proper words even where one character was misread (合询专用章)
    use = kind if kind in SEAL_KINDS[:4] else _kind_words(center_text)
    text = " ".join(t for t in (arc_text, use) if t).strip() or center_text
    mask = impression_mask(image, imp)
    return Seal(
        id=stable_id("s", page, tuple(round(v) for v in box)), page=page, bbox=box, shape=imp.shape,
        color=imp.color, text=text, kind=kind, confidence=seal_confidence(imp, arc_text, arc_confidence),
        arc_text=arc_text, arc_hidden=arc_hidden or [], center_text=center_text, tax_id=tax_id,
        name=arc_text, use=seal_use(kind, center_text),
        partial=imp.partial, riding_seam=imp.riding_seam(w),
        fingerprint=fingerprint(mask), mask=encode_mask(mask), crop_png=crop_png(image, imp),
    )


def seal_use(kind: str | None, center_text: str) -> str:
    """What the seal is for, in the words it would be stamped with: a special-purpose seal's
    proper name (发票专用章 even where one character was misread), other 专用章 words the seal
    carries (登记专用章), 公章 for a company's general seal; "" for a name seal or the tax
    bureau's mark."""
    if kind in SEAL_KINDS[:4]:
        return kind
    words = re.findall(r"[\u4e00-\u9fff]*专用章", center_text.replace(" ", ""))
    if words:
        return max(words, key=len)
    return kind if kind == "公章" else ""


def seal_confidence(imp: Impression, arc_text: str, arc_confidence: float) -> float:
    """How sure the report is of a seal: of the impression (its rim inked all round and inside
    the page) and, when its name was read, of the reading."""
    base = 0.5 + 0.4 * imp.coverage * min(1.0, imp.inside / 0.9)
    return round(base if not arc_text else 0.5 * base + 0.5 * arc_confidence, 2)


def _tax_id_in(center_text: str) -> str | None:
    """The taxpayer id across the seal: a code whose check character holds if there is one (an
    id read right), else the longest code-like run (shown, but too unsure to judge by)."""
    runs = TAX_ID.findall(center_text.replace(" ", "").upper())
    for run in runs:
        for length in (18, 20, 15):
            for i in range(len(run) - length + 1):
                if tax_id_valid(run[i:i + length]):
                    return run[i:i + length]
    return max(runs, key=len)[:20] if runs else None


def _kind_words(center_text: str) -> str:
    """The centre text less the taxpayer id (which has its own field)."""
    return " ".join(TAX_ID.sub("", center_text).split())


def _mostly_same(a: str, b: str) -> bool:
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return bool(a and b) and (a in b or b in a)


def _inside(line: BBox, box: BBox) -> bool:
    cx, cy = (line[0] + line[2]) / 2, (line[1] + line[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
