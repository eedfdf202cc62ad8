"""What reading a seal needs, cut from the page image: the impression warped to a canonical
square, its ring unwrapped into straight strips of text (``arc_strips``; ``name_strips`` along the
rim's normals, with how much black print hides each column), the horizontal lines inside it
(``inner_crop``, ``center_lines``, ``code_lines``) and the characters of a square name seal
(``square_cells``). Dark ink on white, for the recogniser; no OCR here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from extractors.seals.detect import Impression
from extractors.seals.geometry import ellipse_frame
from extractors.seals.ink import arc_ink, black_print, ink_image, ink_top, sharp_ink
from models.enums import SealShape

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
    top = ink_top(image, imp.color) if page_contrast else None
    return canonical(ink_image(local, imp.color, top), moved, size)


def canonical(image: np.ndarray, imp: Impression, size: int = CANON) -> np.ndarray:
    """The impression warped onto a ``size`` square so that its rim becomes the circle (or square)
    inscribed in it, whatever the seal's size, oval stretch or the page's scale. The page's up
    stays up: the stretch is along the rim's own axes only."""
    cx, cy, a, b, c, s = ellipse_frame(imp.center, imp.axes, imp.angle)
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


def _band_maps(imp: Impression, d0: float, d1: float, n_cols: int, n_rows: int, t0: float = 0.0,
               turns: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Sampling grids (x, y) for ``cv2.remap`` of the band between ``d0`` and ``d1`` image pixels
    inside the rim (measured along the rim's normal, so an oval's band keeps its width), columns at
    equal arc length along the band's middle from rim parameter ``t0`` clockwise; and that length."""
    cx, cy, a, b, c, s = ellipse_frame(imp.center, imp.axes, imp.angle)

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
    plain = arc_ink(local, imp.color, inpaint=False)
    sharp = sharp_ink(local, imp.color, plain)
    covered = black_print(local, imp.color).astype(np.float32)
    filled = None
    groups = []
    for plan in _arc_plans(plain, moved):
        h = plan.text_in - plan.rim_in
        margin = int(0.8 * h / plan.px_per_col)
        span = min(plan.n, plan.length + 2 * margin)
        start = plan.start - (span - plan.length) // 2
        group = []
        # the likeliest readings first: a reader that stops once two variants agree (``read_arc``)
        # mostly reads the first two; filling in black print changes the glyphs most, so it comes late
        for source, lo, hi in (("sharp", 0.02, 0.06), ("sharp", 0.06, 0.16), ("sharp", -0.02, 0.0),
                               ("filled", 0.02, 0.06), ("plain", 0.02, 0.06)):
            if source == "filled" and filled is None:
                filled = arc_ink(local, imp.color, inpaint=True)
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
    r, upper = _disc(size)
    lower_limit = r_out - 0.04 if imp.shape == SealShape.oval else max(r_in + 0.02, r_out - 0.1)
    ink[(r > r_out + 0.02) | (upper & (r > r_in + 0.02)) | (~upper & (r > lower_limit))] = 255
    return ink


@lru_cache(maxsize=4)
def _disc(size: int) -> tuple[np.ndarray, np.ndarray]:
    """For a square of ``size``: each pixel's distance from the centre in radii, and whether it
    lies in the upper part (where the arc text runs down the sides). The same for every seal."""
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    upper = yy < size * 0.47
    r.flags.writeable = upper.flags.writeable = False
    return r, upper


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
