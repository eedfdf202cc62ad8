"""Finding seal impressions on a page image: round, oval and square seals, seals cut by the page
edge or worn into separate arcs, and the slices a riding-seam seal (骑缝章) leaves on each sheet.

A seal is found by its rim: an ellipse or a square whose outline is inked nearly all the way
round while its inside is mostly paper. That tells it from red table rules, red text, filled
logos and national emblems. No OCR, no I/O.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from extractors.seals.geometry import (
    box_of,
    fit_circle,
    fit_ellipse,
    hull_points,
    inside_fill,
    norm_radius,
    rim_coverage,
    rim_points,
)
from extractors.seals.ink import FAINT_INK, faint_ink_mask, ink_box, ink_mask, ink_strength, without_rules
from models.enums import SealColor, SealShape


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


@dataclass(frozen=True)
class _Candidate:
    mask: np.ndarray  # crop of the ink mask holding this candidate's pixels
    offset: tuple[int, int]


def _candidates(mask: np.ndarray, min_side: int) -> list[_Candidate]:
    """Ink components big enough for a seal, and clusters of nearby components (a faint or
    broken rim falls apart into arcs; a seal cut by the page edge too)."""
    h, w = mask.shape[:2]
    s = min(h, w)
    grows = (0, max(5, s // 90), max(9, s // 45))
    # the work is done round the ink alone, with room on every side for the closing and the
    # widest growing to reach as far as on the whole page (outside, the page is paper)
    box = ink_box(mask, 2 + grows[-1])
    if box is None:
        return []
    y0, y1, x0, x1 = box
    ink = mask[y0:y1, x0:x1]
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    out: list[_Candidate] = []
    seen: set[tuple[int, int, int, int]] = set()
    for grow in grows:
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
            key = ((x + x0) // 4, (y + y0) // 4, cw // 4, ch // 4)
            if key in seen:
                continue
            seen.add(key)
            comp = np.where((labels[y:y + ch, x:x + cw] == i) & (closed[y:y + ch, x:x + cw] > 0), 255, 0).astype(np.uint8)
            out.append(_Candidate(comp, (x + x0, y + y0)))
    return out


def _ink_of(cand: _Candidate) -> tuple[int, int, bytes]:
    """The candidate's ink where it lies on the page: what ``_judge`` looks at of it (the same
    pixels in a larger, emptier crop are the same candidate)."""
    rows, cols = np.flatnonzero(cand.mask.any(axis=1)), np.flatnonzero(cand.mask.any(axis=0))
    if not len(rows):
        return cand.offset[0], cand.offset[1], b""
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    ink = np.ascontiguousarray(cand.mask[y0:y1, x0:x1])
    return cand.offset[0] + x0, cand.offset[1] + y0, hashlib.blake2b(ink.tobytes() + bytes(str(ink.shape), "ascii"),
                                                                     digest_size=16).digest()


def _judge(cand: _Candidate, mask: np.ndarray, color: SealColor, min_side: int, squares: bool = True
           ) -> Impression | None:
    """The impression ``cand`` is, if its outline is a seal's rim; None otherwise."""
    h, w = mask.shape[:2]
    pts = hull_points(cand.mask, cand.offset, (h, w))
    if len(pts) < 12:
        return None
    best: Impression | None = None
    fit = fit_ellipse(pts)
    if fit is not None:
        center, axes, angle, residual, inliers = fit
        minor, major = min(axes), max(axes)
        if minor >= min_side * 0.8 and major >= 0.06 * max(h, w) and major / minor <= 1.9 and residual < 0.045 and inliers > 0.6 \
                and major < 3 * max(h, w):
            # a faint rim shows as dashes: bridge them before measuring how far round it goes
            bridge = 0 if squares else max(3, int(minor / 25) | 1)
            coverage, inside = rim_coverage(mask, center, axes, angle, bridge=bridge)
            fill = inside_fill(mask, center, axes, angle, False)
            if coverage >= 0.72 and inside >= 0.3 and 0.015 < fill < 0.5:
                shape = SealShape.round if major / minor < 1.12 else SealShape.oval
                best = Impression(center, axes, angle, shape, color, round(coverage, 3), round(fill, 3),
                                  round(inside, 3), box_of(center, axes, angle, w, h))
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
        box = ink_box(view[:, x_band:], 0)
        if box is None:
            continue
        top = box[0]
        n, _, stats, _ = cv2.connectedComponentsWithStats(view[top:box[1], x_band:], connectivity=8)
        # (left, top, bottom, right) of each piece of ink near the side
        pieces = [(int(stats[i, 0]) + x_band, int(stats[i, 1]) + top, int(stats[i, 1] + stats[i, 3]) + top,
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
    pts = hull_points(cand.mask, cand.offset, (h, w))
    if len(pts) < 12:
        return None
    cx, cy, r, residual = fit_circle(pts)
    if residual > 0.03 or not min_side <= r <= 0.3 * max(h, w) or np.ptp(pts[:, 1]) < 1.2 * r:
        return None
    center, axes = (cx, cy), (2 * r, 2 * r)
    coverage, inside = rim_coverage(mask, center, axes, 0.0)
    fill = inside_fill(mask, center, axes, 0.0, False)
    if coverage < 0.8 or inside < 0.1 or not 0.015 < fill < 0.5:
        return None
    return Impression(center, axes, 0.0, SealShape.round, color, round(coverage, 3), round(fill, 3), round(inside, 3),
                      box_of(center, axes, 0.0, w, h))


def _judge_square(pts: np.ndarray, mask: np.ndarray, color: SealColor, min_side: int) -> Impression | None:
    h, w = mask.shape[:2]
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts.astype(np.float32))
    if min(rw, rh) < min_side * 0.8 or max(rw, rh) / max(1.0, min(rw, rh)) > 1.3:
        return None
    if abs(((angle + 45) % 90) - 45) > 12:  # personal seals are stamped square to the page, more or less
        return None
    center, axes = (float(cx), float(cy)), (float(rw), float(rh))
    r = norm_radius(pts, center, axes, angle, square=True)
    if float(np.median(np.abs(r - 1))) > 0.04:
        return None
    coverage, inside = rim_coverage(mask, center, axes, angle, square=True)
    fill = inside_fill(mask, center, axes, angle, True)
    if coverage < 0.85 or inside < 0.9 or not 0.3 < fill < 0.65:
        return None
    # the border of a name seal is a solid frame; a QR code's edge is half modules, half paper
    on_frame = np.zeros(144, bool)
    for scale in (0.97, 0.94, 0.91):
        pts_on = rim_points(center, axes, angle, scale, 144, square=True)
        xs = np.clip(pts_on[:, 0].round().astype(int), 0, w - 1)
        ys = np.clip(pts_on[:, 1].round().astype(int), 0, h - 1)
        on_frame |= mask[ys, xs] > 0
    if float(on_frame.mean()) < 0.8:
        return None
    return Impression(center, axes, float(angle), SealShape.square, color, round(coverage, 3), round(fill, 3),
                      round(inside, 3), box_of(center, axes, angle, w, h, square=True))


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
        pts = hull_points(cand.mask, cand.offset, (h, w))
        if len(pts) < 12:
            continue
        if fit_circle(pts)[3] < 0.03:
            arcs.append(pts)
            seen.append(box)
    arcs = arcs[:10]
    found: list[Impression] = []
    for i in range(len(arcs)):
        for j in range(i + 1, len(arcs)):
            cx, cy, r, residual = fit_circle(np.concatenate([arcs[i], arcs[j]]))
            if residual > 0.02:
                continue
            members = [p for p in arcs if float(np.median(np.abs(np.hypot(p[:, 0] - cx, p[:, 1] - cy) / r - 1))) < 0.03]
            if len(members) < 3:
                continue
            cx, cy, r, residual = fit_circle(np.concatenate(members))
            center, axes = (cx, cy), (2 * r, 2 * r)
            if residual > 0.02 or r < min_side or r > 1.5 * max(h, w):
                continue
            coverage, inside = rim_coverage(mask, center, axes, 0.0)
            fill = inside_fill(mask, center, axes, 0.0, False)
            if coverage >= 0.85 and inside >= 0.3 and 0.015 < fill < 0.5:
                found.append(Impression(center, axes, 0.0, SealShape.round, color, round(coverage, 3), round(fill, 3),
                                        round(inside, 3), box_of(center, axes, 0.0, w, h)))
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
        strength = ink_strength(work, color)
        if cv2.minMaxLoc(strength)[1] <= FAINT_INK:
            continue  # not a pixel of this colour: no ink, faint or not (most pages of text)
        judged: list[tuple[Impression, int]] = []
        # a faint or worn stamping only shows in the second, more tolerant mask
        for rank, faint in enumerate((False, True)):
            raw = faint_ink_mask(work, color, strength) if faint else ink_mask(work, color, strength)
            if np.count_nonzero(raw) < min_side * 4:
                continue
            mask = without_rules(raw)
            candidates = _candidates(mask, min_side)
            # a component that no wider growing joined to anything is the same ink at every growth:
            # judged once, its verdict stands for each time it is a candidate
            verdicts: dict[tuple[int, int, bytes], Impression | None] = {}
            for cand in candidates:
                key = _ink_of(cand)
                if key not in verdicts:
                    verdicts[key] = _judge(cand, raw, color, min_side, squares=not faint)
                if (imp := verdicts[key]) is not None:
                    judged.append((imp, rank))
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
    x0, y0, x1, y1 = box_of(center, axes, imp.angle, w, h, square=imp.shape == SealShape.square)
    if imp.seam_cut:  # the sheet above hid the rest: keep the cut side where it was
        x0, x1 = max(x0, int(imp.bbox[0] * k)), min(x1, int(math.ceil(imp.bbox[2] * k)))
    return replace(imp, center=center, axes=axes, bbox=(x0, y0, x1, y1))
