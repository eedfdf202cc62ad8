"""The geometry of a seal's rim: an ellipse (round and oval seals) or a square (name seals) in
image pixels, points on it, how much of it carries ink, how full its inside is, and robust fits
of an ellipse or a circle through outline points. Pure functions of arrays.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def ellipse_frame(center: tuple[float, float], axes: tuple[float, float], angle: float
                   ) -> tuple[float, float, float, float, float, float]:
    cx, cy = center
    a, b = max(axes[0] / 2, 1.0), max(axes[1] / 2, 1.0)
    t = math.radians(angle)
    return cx, cy, a, b, math.cos(t), math.sin(t)


def norm_radius(points: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                 square: bool = False) -> np.ndarray:
    """Each point's distance from the centre in units of the rim (1 on the rim)."""
    cx, cy, a, b, c, s = ellipse_frame(center, axes, angle)
    dx, dy = points[:, 0] - cx, points[:, 1] - cy
    u = (dx * c + dy * s) / a
    v = (-dx * s + dy * c) / b
    if square:
        return np.maximum(np.abs(u), np.abs(v))
    return np.sqrt(u * u + v * v)


def rim_points(center: tuple[float, float], axes: tuple[float, float], angle: float, scale: float, n: int,
                square: bool = False) -> np.ndarray:
    """``n`` points round the rim scaled by ``scale``, in image coordinates (x, y)."""
    cx, cy, a, b, c, s = ellipse_frame(center, axes, angle)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    u, v = np.cos(t), np.sin(t)
    if square:
        m = np.maximum(np.abs(u), np.abs(v))
        u, v = u / m, v / m
    u, v = u * a * scale, v * b * scale
    return np.stack([cx + u * c - v * s, cy + u * s + v * c], axis=1)


def rim_coverage(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                  square: bool = False, n: int = 144, bridge: int = 0) -> tuple[float, float]:
    """(share of rim angles inside the image that carry ink, share of rim angles inside the image).
    ``bridge`` (odd, > 1): the ink grown by a disc of that diameter first, so a rim of dashes counts
    as whole; grown round the rim alone, which is all that is looked at."""
    h, w = mask.shape[:2]
    on_rim = rim_points(center, axes, angle, 1.0, n, square)
    inside = (on_rim[:, 0] >= 1) & (on_rim[:, 0] < w - 1) & (on_rim[:, 1] >= 1) & (on_rim[:, 1] < h - 1)
    samples = [rim_points(center, axes, angle, scale, n, square) for scale in (0.84, 0.88, 0.92, 0.96, 1.0, 1.04)]
    pts = np.concatenate(samples)
    xs = np.clip(pts[:, 0].round().astype(int), 0, w - 1)
    ys = np.clip(pts[:, 1].round().astype(int), 0, h - 1)
    if bridge > 1:
        # a dilation's value at a pixel depends on the ink within the disc round it: the window
        # holding every sample and a disc's reach round it dilates exactly as the whole image does
        reach = bridge // 2 + 1
        x0, y0 = max(0, int(xs.min()) - reach), max(0, int(ys.min()) - reach)
        x1, y1 = min(w, int(xs.max()) + reach + 1), min(h, int(ys.max()) + reach + 1)
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (bridge, bridge))
        hit = cv2.dilate(mask[y0:y1, x0:x1], disc)[ys - y0, xs - x0] > 0
    else:
        hit = mask[ys, xs] > 0
    covered = hit.reshape(len(samples), n).any(axis=0)
    n_in = int(inside.sum())
    if n_in == 0:
        return 0.0, 0.0
    return float((covered & inside).sum()) / n_in, n_in / n


def inside_fill(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                 square: bool) -> float:
    h, w = mask.shape[:2]
    x0, y0, x1, y1 = box_of(center, axes, angle, w, h, square)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    pts = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    r = norm_radius(pts, center, axes, angle, square).reshape(yy.shape)
    inner = r < 0.78
    total = int(inner.sum())
    return float((mask[y0:y1, x0:x1][inner] > 0).sum()) / total if total else 0.0


def box_of(center: tuple[float, float], axes: tuple[float, float], angle: float, w: int, h: int,
            square: bool = False) -> tuple[int, int, int, int]:
    pts = rim_points(center, axes, angle, 1.03, 72, square=square)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return max(0, int(x0)), max(0, int(y0)), min(w, int(math.ceil(x1))), min(h, int(math.ceil(y1)))


def fit_ellipse(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float], float, float, float] | None:
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
        r = norm_radius(pts, *fit)
        keep = pts[np.abs(r - 1) < tol]
    assert fit is not None
    r = norm_radius(pts, *fit)
    residual = float(np.median(np.abs(r - 1)))
    inliers = float(np.mean(np.abs(r - 1) < 0.07))
    return fit[0], fit[1], fit[2], residual, inliers


def hull_points(component: np.ndarray, offset: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """Points of the component's outer outline, less those on the image border (a seal cut by
    the page edge has a straight false edge there)."""
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2), np.float32)
    pts = np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float32)
    hull = cv2.convexHull(pts).reshape(-1, 2)
    # densify the hull so long edges (and protrusions) do not dominate by vertex count: a point
    # every 3 pixels along each edge (in float32, as the hull is)
    delta = np.roll(hull, -1, axis=0) - hull
    steps = np.maximum(1, (np.hypot(delta[:, 0], delta[:, 1]) // 3).astype(int))
    edge = np.repeat(np.arange(len(hull)), steps)
    k = np.arange(len(edge)) - np.repeat(np.cumsum(steps) - steps, steps)
    along = (k / steps[edge]).astype(np.float32)
    out = (hull[edge] + delta[edge] * along[:, None]) + np.array(offset, np.float32)
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


def fit_circle(points: np.ndarray) -> tuple[float, float, float, float]:
    """Least-squares circle (Kasa): centre x, y, radius, median relative residual."""
    x, y = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    a = np.stack([x, y, np.ones_like(x)], axis=1)
    sol, *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    cx, cy = sol[0] / 2, sol[1] / 2
    r = math.sqrt(max(1e-6, sol[2] + cx * cx + cy * cy))
    residual = float(np.median(np.abs(np.hypot(x - cx, y - cy) / r - 1)))
    return float(cx), float(cy), r, residual
