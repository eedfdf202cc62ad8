"""Seal ink: how strongly each pixel shows red or blue seal ink, masks of it, the ink as a clean
image for the recogniser, and black print told apart from it (or the ink faded out, so the
print under a seal can be read). Pure functions of an image array.
"""

from __future__ import annotations

import cv2
import numpy as np

from models.enums import SealColor


def ink_strength(image: np.ndarray, color: SealColor) -> np.ndarray:
    """How strongly each pixel shows seal ink of ``color`` (0 paper or black print, higher ink).

    Red ink is bright in the red channel and dark in the green one; black print is dark in all
    channels and cream paper nearly equal in red and green, so R - G measures red ink and little
    else. Pink (faded) ink keeps R - G while its blue rises; orange keeps it too. Blue ink is blue
    above both red and green; a cyan background is not (its green is as high as its blue).
    """
    b, g, r = cv2.split(np.ascontiguousarray(image[..., :3]))
    # in saturating 8-bit arithmetic (cv2.subtract clips at 0 and 255), ten times faster than in
    # int16 and the same: for red, r - (b - 40) is r + 40 - b where b >= 40; where b < 40 it is r,
    # and either way no less than r - g, which then decides the minimum
    if color == SealColor.red:
        return cv2.min(cv2.subtract(r, g), cv2.subtract(r, cv2.subtract(b, 40)))
    return cv2.min(cv2.subtract(b, r), cv2.subtract(b, g))


_THRESHOLD = {SealColor.red: 30, SealColor.blue: 40}


def ink_mask(image: np.ndarray, color: SealColor, strength: np.ndarray | None = None) -> np.ndarray:
    """Binary mask (0/255) of seal-coloured ink (``strength``: ``ink_strength`` of the image, when
    the caller has it)."""
    strength = ink_strength(image, color) if strength is None else strength
    return cv2.threshold(strength, _THRESHOLD[color], 255, cv2.THRESH_BINARY)[1]


def ink_top(image: np.ndarray, color: SealColor) -> float:
    """The strength of well-inked seal strokes on this page (90th percentile of the ink)."""
    s = ink_strength(image, color)
    ink = s[s > _THRESHOLD[color]]
    return max(40.0, float(np.percentile(ink, 90))) if ink.size else 40.0


def ink_image(image: np.ndarray, color: SealColor, top: float | None = None) -> np.ndarray:
    """A BGR image for OCR in which the seal ink is dark on white and black print has gone.
    ``top`` is the strength that maps to black (by default, that of this image's own ink)."""
    s = ink_strength(image, color).astype(np.float32)
    top = ink_top(image, color) if top is None else top
    grey = 255 - np.clip((s - 12) * 255.0 / max(1.0, top - 12), 0, 255)
    return cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR)


# how far faint ink rises above the local background: a page whose ink is nowhere stronger has
# no seal ink at all, faint or not
FAINT_INK = 10
_BACKGROUND_WINDOW = 31


def faint_ink_mask(image: np.ndarray, color: SealColor, strength: np.ndarray | None = None) -> np.ndarray:
    """Binary mask of faint ink: a light or worn stamping whose colour barely clears the paper's
    (``strength``: ``ink_strength`` of the image, when the caller has it).

    The paper's own tint (cream stock, uneven lighting in a photo) is removed by subtracting the
    local background (a wide median) before the low threshold.
    """
    strength = ink_strength(image, color) if strength is None else strength
    smooth = cv2.GaussianBlur(strength, (5, 5), 0)
    faint = cv2.threshold(strength, _THRESHOLD[color], 255, cv2.THRESH_BINARY)[1]
    # only where the smoothed ink clears the threshold can it clear the background by as much
    # (the median is never negative): the median, the costly part, is taken round those pixels
    # alone, with the window's reach on every side, so each value is what it is on the whole image
    box = ink_box(smooth > FAINT_INK, _BACKGROUND_WINDOW // 2)
    if box is not None:
        y0, y1, x0, x1 = box
        background = cv2.medianBlur(strength[y0:y1, x0:x1], _BACKGROUND_WINDOW)
        above = cv2.threshold(cv2.subtract(smooth[y0:y1, x0:x1], background), FAINT_INK, 255, cv2.THRESH_BINARY)[1]
        faint[y0:y1, x0:x1] |= above
    return faint


def ink_box(where: np.ndarray, margin: int) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) round the nonzero pixels of ``where`` (a mask), ``margin`` wider
    on every side within the image; None when there are none."""
    rows, cols = np.flatnonzero(where.any(axis=1)), np.flatnonzero(where.any(axis=0))
    if not len(rows):
        return None
    h, w = where.shape[:2]
    return (max(0, int(rows[0]) - margin), min(h, int(rows[-1]) + 1 + margin),
            max(0, int(cols[0]) - margin), min(w, int(cols[-1]) + 1 + margin))


def without_rules(mask: np.ndarray) -> np.ndarray:
    """The mask less its long straight strokes: invoice forms print their table rules in the same
    red-brown as seals, and a seal touching a rule would otherwise merge with the whole table."""
    h, w = mask.shape[:2]
    out = np.zeros_like(mask)
    box = ink_box(mask > 0, 1)
    if box is None:
        return out
    y0, y1, x0, x1 = box
    # a one-row (one-column) opening works row by row (column by column): on the rows (columns)
    # that carry ink alone, whole, it is what it is on the page; everything else is paper
    rules = np.zeros((y1 - y0, x1 - x0), np.uint8)
    rules |= cv2.morphologyEx(mask[y0:y1], cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (max(100, w // 6), 1)))[:, x0:x1]
    rules |= cv2.morphologyEx(mask[:, x0:x1], cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(100, h // 8))))[y0:y1]
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    out[y0:y1, x0:x1] = cv2.bitwise_and(mask[y0:y1, x0:x1], cv2.bitwise_not(rules))
    return out


def black_print(image: np.ndarray, color: SealColor) -> np.ndarray:
    """Where print of another colour (black, dark grey) lies: dark even in the channel the seal's
    ink leaves bright (red for a red seal, blue for a blue one). Seal ink under it cannot be seen."""
    channel = image[..., 2 if color == SealColor.red else 0].astype(np.float32)
    return channel < 0.55 * float(np.percentile(channel, 75))


def arc_ink(image: np.ndarray, color: SealColor, inpaint: bool) -> np.ndarray:
    """Seal ink strength 0..1 at the image's own resolution (1: well-inked stroke). Black print
    shows no seal colour, so where it crosses a character the stroke has a hole; ``inpaint``
    fills such holes from the ink round them (thin print only: a solid block stays empty)."""
    s = ink_strength(image, color).astype(np.float32)
    top = ink_top(image, color)
    v = np.clip((s - 12) / max(1.0, top - 12), 0, 1)
    if inpaint:
        dark = black_print(image, color) & (s < 40)
        if dark.any():
            holes = cv2.dilate(dark.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
            filled = cv2.inpaint((v * 255).astype(np.uint8), holes, 2, cv2.INPAINT_TELEA).astype(np.float32) / 255
            v = np.where(holes > 0, np.minimum(filled, 0.85), v)
    return v


def sharp_ink(image: np.ndarray, color: SealColor, v: np.ndarray) -> np.ndarray:
    """``v`` (``arc_ink`` without inpainting) with the strokes' detail taken from the image's
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


def suppress_ink(crop: np.ndarray) -> np.ndarray:
    """A grey image where red (and blue) seal ink fades into the paper and black print stays.

    In the red channel red ink is as bright as paper; in the blue channel blue ink is. Taking the
    brighter of the two at each pixel keeps black text, which is dark in every channel.
    """
    b, _, r = cv2.split(crop)
    grey = cv2.max(r, b)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
