"""Image forensics: regions of a scan or photo whose noise differs from the rest of the page.

A camera or scanner leaves noise over the whole paper. A patch painted over an amount with a
flat colour (then written over) has almost none: among the paper-coloured blocks of a noisy page,
a compact group of nearly noiseless ones is worth a look. Only a pointer for a person: ink
(stamps, print) and glare change noise too, so the region is reported for review with its box,
never as proof on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BLOCK = 16  # pixels
MIN_PAGE_NOISE = 0.3  # grey levels: below this the page is a clean render; nothing to compare
FLAT_RATIO = 0.25  # a block this much quieter than the page's typical paper is 'flat' ...
FLAT_NOISE = 0.02  # ... and next to noiseless: paper a camera saw never is, even smoothed by JPEG
MIN_BLOCKS, MAX_AREA = 10, 0.08  # a region of at least 10 blocks (an amount at 150 dpi) and at most 8 % of the page
MAX_SIDE = 2000  # pixels: larger images are scaled down first


def _percentile(gray: np.ndarray, q: float) -> float:
    """``np.percentile(gray, q)`` of an 8-bit image, from its histogram (linear interpolation)."""
    counts = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    position = q / 100 * (counts[-1] - 1)
    low = int(np.searchsorted(counts, np.floor(position), side="right"))
    high = int(np.searchsorted(counts, np.ceil(position), side="right"))
    return low + (position - np.floor(position)) * (high - low)


@dataclass
class Region:
    bbox: tuple[float, float, float, float]  # in the image's pixels
    blocks: int
    noise: float  # the region's noise, grey levels
    page_noise: float


def flat_regions(image: np.ndarray) -> list[Region]:
    """Compact paper-coloured regions with far less noise than the page's paper (BGR or grey image)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, MAX_SIDE / max(gray.shape))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    g = gray.astype(np.float32)
    residual = np.abs(g - cv2.blur(g, (3, 3)))
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    rows, cols = g.shape[0] // BLOCK, g.shape[1] // BLOCK
    if rows < 4 or cols < 4:
        return []

    def blocks(a: np.ndarray) -> np.ndarray:  # rows x BLOCK x cols x BLOCK, a view
        return a[:rows * BLOCK, :cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)

    # paper: bright for the page, unclipped, no stroke or edge in the block; the median (the costly
    # part) is taken only of blocks the other two tests leave
    bright = _percentile(gray, 60)
    paper = (blocks(gray).max(axis=(1, 3)) < 250) & (blocks(grad).max(axis=(1, 3)) < 40)
    values = blocks(gray).swapaxes(1, 2)[paper].reshape(-1, BLOCK * BLOCK)
    paper[paper] = np.median(values, axis=1) >= bright - 25
    noise = blocks(residual).mean(axis=(1, 3), dtype=np.float32)
    if paper.sum() < 20:
        return []
    page_noise = float(np.median(noise[paper]))
    if page_noise < MIN_PAGE_NOISE:
        return []
    flat = paper & (noise < min(FLAT_NOISE, FLAT_RATIO * page_noise))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(flat.astype(np.uint8), connectivity=8)
    out = []
    for i in range(1, count):
        x, y, w, h, n = stats[i]
        if n < MIN_BLOCKS or n > MAX_AREA * rows * cols or n < 0.4 * w * h:
            continue
        if x == 0 or y == 0 or x + w >= cols or y + h >= rows:
            continue  # flat margins at the edge of a photo are the background, not a patch
        ring = cv2.dilate((labels == i).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~(labels == i)
        if (paper & ring).sum() < 0.25 * ring.sum():
            continue  # not surrounded by paper: part of a printed form, a stamp, a picture
        region_noise = float(noise[labels == i].mean())
        box = (x * BLOCK / scale, y * BLOCK / scale, (x + w) * BLOCK / scale, (y + h) * BLOCK / scale)
        out.append(Region(tuple(round(v, 1) for v in box), int(n), round(region_noise, 2), round(page_noise, 2)))  # type: ignore[arg-type]
    return out
