"""Seal detection and the crops that reading and reuse checks work from (no OCR here).

Synthetic seals are drawn with OpenCV shapes only (no CJK font needed); real impressions come
from the committed sample dossier images.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from extractors.seals.describe import seal_kind, seal_use
from extractors.seals.detect import find_impressions
from extractors.seals.fingerprint import (
    MASK_SIDE,
    decode_mask,
    encode_mask,
    fingerprint,
    impression_mask,
    mask_similarity,
)
from extractors.seals.ink import arc_ink, sharp_ink
from extractors.seals.strips import (
    arc_strips,
    center_lines,
    code_lines,
    inner_crop,
    name_strips,
    square_cells,
)
from models.enums import SealColor, SealShape

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
RED = (40, 30, 215)  # BGR
BLUE = (190, 60, 50)


def page(h: int = 1000, w: int = 800) -> np.ndarray:
    return np.full((h, w, 3), 250, np.uint8)


def draw_seal(img: np.ndarray, center: tuple[int, int], axes: tuple[int, int], color: tuple[int, int, int] = RED,
              angle: float = 0.0, seed: int = 0, glyphs: int = 12) -> None:
    """A seal-like impression: a rim, blocky 'characters' round the top, a star, a bottom line."""
    rng = np.random.default_rng(seed)
    cx, cy = center
    a, b = axes
    thick = max(3, a // 20)
    cv2.ellipse(img, (cx, cy), (a, b), angle, 0, 360, color, thick)
    for k in range(glyphs):
        t = math.radians(angle - 200 + k * 220 / (glyphs - 1))
        x, y = cx + 0.72 * a * math.cos(t), cy + 0.72 * b * math.sin(t)
        s = max(4, a // 9)
        cv2.rectangle(img, (int(x - s / 2), int(y - s / 2)), (int(x + s / 2), int(y + s / 2)), color, 2)
        cv2.line(img, (int(x - s / 2), int(y)), (int(x + s / 2), int(y)), color, 2)
    star = np.array([[cx + 0.22 * a * math.cos(math.radians(-90 + 144 * i)),
                      cy + 0.22 * b * math.sin(math.radians(-90 + 144 * i))] for i in range(5)], np.int32)
    cv2.fillPoly(img, [star], color)
    cv2.rectangle(img, (cx - a // 3, cy + b // 2), (cx + a // 3, cy + b // 2 + max(4, b // 10)), color, 2)
    # ink texture: a stamping never inks every pixel
    holes = rng.random(img.shape[:2]) < 0.04
    img[holes] = np.maximum(img[holes], 200)


def test_a_round_red_seal_is_found_with_its_shape_and_colour() -> None:
    img = page()
    draw_seal(img, (400, 500), (110, 110))
    [imp] = find_impressions(img)
    assert imp.shape == SealShape.round and imp.color == SealColor.red
    x0, y0, x1, y1 = imp.bbox
    assert abs((x0 + x1) / 2 - 400) < 8 and abs((y0 + y1) / 2 - 500) < 8 and 200 < x1 - x0 < 260
    assert not imp.partial


def test_an_oval_blue_seal_is_found() -> None:
    img = page()
    draw_seal(img, (500, 700), (120, 80), color=BLUE)
    [imp] = find_impressions(img)
    assert imp.shape == SealShape.oval and imp.color == SealColor.blue


def test_two_seals_side_by_side_stay_two() -> None:
    img = page(700, 900)
    draw_seal(img, (300, 350), (120, 120), seed=1)
    draw_seal(img, (545, 350), (120, 120), seed=2)  # rims touch
    imps = find_impressions(img)
    assert len(imps) == 2 and all(i.shape == SealShape.round for i in imps)


def test_a_seal_cut_by_the_page_edge_is_found_and_marked_partial() -> None:
    img = page()
    draw_seal(img, (760, 400), (120, 120))  # a third of it off the page
    [imp] = find_impressions(img)
    assert imp.partial and imp.riding_seam(img.shape[1])


def _fanned_stack(pages: int, center_y: int = 400, radius: int = 110, w: int = 800) -> list[np.ndarray]:
    """The sheets of a ``pages``-sheet document across whose fanned right edges one round seal
    was stamped: sheet k shows the k-th vertical slice of the seal at its right edge, cut on the
    left by the edge of the sheet above (none for the first) and on the right by its own edge."""
    width = 2 * radius // pages
    sheets = []
    for k in range(pages):
        img = page(w=w)
        # the seal's left end lies (k * width) to the left of this sheet's edge ...
        cx = w - width + radius - k * width
        draw_seal(img, (cx, center_y), (radius, radius), seed=k)
        if k:  # ... and the sheet above hid everything left of its own edge
            img[:, : w - width] = 250
        sheets.append(img)
    return sheets


@pytest.mark.parametrize("pages", [2, 3, 4])
def test_every_slice_of_a_riding_seam_seal_is_found(pages: int) -> None:
    for k, sheet in enumerate(_fanned_stack(pages)):
        [imp] = find_impressions(sheet)
        assert imp.riding_seam(sheet.shape[1]), (pages, k)
        assert imp.bbox[2] >= 795 and imp.bbox[0] >= 800 - 2 * 110 // pages - 12  # the slice, not the whole seal
        assert abs(imp.center[1] - 400) < 8 and abs(max(imp.axes) / 2 - 110) < 12


def test_a_slice_at_the_left_edge_is_found_too() -> None:
    [sheet] = [s[:, ::-1].copy() for s in _fanned_stack(3)[1:2]]
    [imp] = find_impressions(sheet)
    assert imp.riding_seam(sheet.shape[1]) and imp.bbox[0] == 0


def test_red_text_stopping_along_one_line_near_the_edge_is_not_a_seam() -> None:
    img = page()
    for k in range(8):
        cv2.putText(img, "ABCD", (700, 300 + 30 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.8, RED, 2)
    cv2.rectangle(img, (690, 270), (799, 560), RED, 2)  # and a red frame round it
    assert find_impressions(img) == []


def test_a_square_name_seal_is_found() -> None:
    img = page()
    cv2.rectangle(img, (300, 300), (400, 400), RED, 8)
    for x, y in ((315, 315), (357, 315), (315, 357), (357, 357)):  # four blocky characters
        cv2.rectangle(img, (x, y), (x + 28, y + 28), RED, 5)
        cv2.line(img, (x, y + 14), (x + 28, y + 14), RED, 4)
    [imp] = find_impressions(img)
    assert imp.shape == SealShape.square


def test_red_rules_text_filled_logos_and_qr_codes_are_not_seals() -> None:
    img = page()
    # an invoice table in red-brown
    for y in range(100, 600, 60):
        cv2.line(img, (50, y), (750, y), RED, 2)
    for x in (50, 300, 500, 750):
        cv2.line(img, (x, 100), (x, 580), RED, 2)
    # red text rows
    for k in range(8):
        cv2.putText(img, "INVOICE 2020", (60 + k * 5, 130 + 60 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.8, RED, 2)
    # a filled round logo (an emblem is mostly ink, not a ring)
    cv2.circle(img, (650, 800), 80, RED, -1)
    # a red QR-like pattern
    rng = np.random.default_rng(3)
    for i in range(21):
        for j in range(21):
            if rng.random() < 0.5:
                cv2.rectangle(img, (100 + 5 * i, 700 + 5 * j), (104 + 5 * i, 704 + 5 * j), RED, -1)
    assert find_impressions(img) == []


def test_the_seals_of_the_sample_invoice_scan_are_found() -> None:
    img = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    imps = find_impressions(img)
    # the seller's 发票专用章 and the tax bureau's 监制 mark, both oval
    assert len(imps) == 2 and all(i.shape == SealShape.oval for i in imps)
    top, seller = sorted(imps, key=lambda i: i.center[1])
    assert top.center[1] < 0.25 * img.shape[0] < seller.center[1]


def test_the_licence_seal_of_the_sample_is_found() -> None:
    img = cv2.imread(str(SAMPLES / "02_营业执照.jpg"))
    [imp] = find_impressions(img)
    assert imp.shape == SealShape.round


def test_reading_crops_are_made_for_each_shape() -> None:
    img = page()
    draw_seal(img, (400, 500), (110, 110))
    [imp] = find_impressions(img)
    strips = arc_strips(img, imp)
    assert strips and all(s.shape[0] == 48 and s.shape[1] > 100 and s.ndim == 3 for s in strips)
    groups = name_strips(img, imp)
    assert all(s.image.shape[0] == 48 and s.image.ndim == 3 for g in groups for s in g)
    assert all(s.print_cover.shape == (s.image.shape[1],) and not s.print_cover.any() for g in groups for s in g)
    inner = inner_crop(img, imp)
    assert inner.shape == (480, 480, 3) and (inner < 128).any()
    square = page()
    cv2.rectangle(square, (300, 300), (400, 400), RED, 8)
    for x, y in ((315, 315), (357, 315), (315, 357), (357, 357)):
        cv2.rectangle(square, (x, y), (x + 28, y + 28), RED, 5)
        cv2.line(square, (x, y + 14), (x + 28, y + 14), RED, 4)
    [sq] = find_impressions(square)
    assert len(square_cells(square, sq)) == 4


def test_the_sharp_ink_keeps_stroke_detail_the_colour_blurs_but_not_black_print() -> None:
    img = np.full((60, 60, 3), 245, np.uint8)
    cv2.line(img, (10, 30), (50, 30), (120, 110, 230), 1)  # a thin stroke of light red ink
    cv2.line(img, (30, 10), (30, 50), (20, 20, 20), 3)  # black print across it
    # a photo's JPEG keeps colour at a lower resolution than brightness: smear the colour only
    ycc = cv2.cvtColor(img, cv2.COLOR_BGR2YCrCb)
    ycc[..., 1:] = cv2.GaussianBlur(ycc[..., 1:], (0, 0), 2.5)
    photo = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)
    plain = arc_ink(photo, SealColor.red, inpaint=False)
    sharp = sharp_ink(photo, SealColor.red, plain)
    assert (sharp >= plain - 1e-6).all()
    assert sharp[30, 15] > plain[30, 15] + 0.1  # the stroke comes back at full strength
    assert np.allclose(sharp[10:20, 29:32], plain[10:20, 29:32])  # black print is not seal ink


def test_the_mask_round_trips_and_the_fingerprint_is_stable() -> None:
    img = page()
    draw_seal(img, (400, 500), (110, 110))
    [imp] = find_impressions(img)
    mask = impression_mask(img, imp)
    assert mask.shape == (MASK_SIDE, MASK_SIDE) and 0.05 < mask.mean() < 0.6
    decoded = decode_mask(encode_mask(mask))
    assert decoded is not None and (decoded == mask).all()
    assert len(fingerprint(mask)) == 16 and fingerprint(mask) == fingerprint(decoded)


def _seal_crop() -> np.ndarray:
    img = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    seller = max(find_impressions(img), key=lambda i: i.center[1])
    x0, y0, x1, y1 = seller.bbox
    return img[y0 - 6:y1 + 6, x0 - 6:x1 + 6].copy()


def _paste(crop: np.ndarray, at: tuple[int, int], shape: tuple[int, int] = (900, 1200)) -> np.ndarray:
    target = np.full((*shape, 3), 248, np.uint8)
    x, y = at
    h, w = crop.shape[:2]
    target[y:y + h, x:x + w] = np.minimum(target[y:y + h, x:x + w], crop)  # ink multiplies with paper
    return target


def test_one_impression_pasted_twice_has_the_same_mask() -> None:
    crop = _seal_crop()
    a, b = _paste(crop, (100, 120)), _paste(crop, (640, 500))
    ma = impression_mask(a, find_impressions(a)[0])
    mb = impression_mask(b, find_impressions(b)[0])
    assert mask_similarity(ma, mb) > 0.95


def test_two_stampings_of_one_seal_differ() -> None:
    a, b = page(), page()
    draw_seal(a, (400, 500), (110, 110), seed=1)
    draw_seal(b, (380, 520), (112, 112), angle=4.0, seed=2)  # a little turned, pressed a little harder
    b = cv2.GaussianBlur(b, (3, 3), 0)
    ma = impression_mask(a, find_impressions(a)[0])
    mb = impression_mask(b, find_impressions(b)[0])
    assert mask_similarity(ma, mb) < 0.9


@pytest.mark.parametrize(("arc", "center", "shape", "top", "kind"), [
    ("山东泺源云计算有限公司", "91370100MA949D4H6D 发票专用章", SealShape.oval, False, "发票专用章"),
    ("全国统一发票监制章", "", SealShape.oval, True, "监制"),
    ("", "国家税务总局 山东省税务局", SealShape.oval, False, "监制"),
    ("济南舜耕智能装备有限公司", "合询专用章", SealShape.round, False, "合同专用章"),
    ("李国庆印", "", SealShape.square, False, "personal"),
    ("济南市历下区市场监督管理局", "", SealShape.round, False, "公章"),
])
def test_seal_kind(arc: str, center: str, shape: SealShape, top: bool, kind: str) -> None:
    assert seal_kind(arc, center, shape, top) == kind


def test_the_tax_id_line_is_cut_again_whole_and_widened() -> None:
    """An id across the middle, nearly rim to rim and straddling the centre line: the reading
    crop (``inner_crop``) loses its tops and ends to the blanked name band; ``code_lines`` keeps
    them and adds a widened copy for condensed digits."""
    img = page()
    cx, cy, a, b = 400, 500, 160, 110
    cv2.ellipse(img, (cx, cy), (a, b), 0, 0, 360, RED, 7)
    for k in range(12):
        t = math.radians(-200 + k * 20)
        x, y = cx + 0.75 * a * math.cos(t), cy + 0.72 * b * math.sin(t)
        cv2.rectangle(img, (int(x - 9), int(y - 9)), (int(x + 9), int(y + 9)), RED, 2)
    for k in range(18):  # the id's "digits"
        x = cx - 128 + k * 15
        cv2.rectangle(img, (x, cy - 22), (x + 10, cy - 2), RED, 2)
        cv2.line(img, (x, cy - 12), (x + 10, cy - 12), RED, 2)
    cv2.rectangle(img, (cx - 50, cy + 30), (cx + 50, cy + 50), RED, 2)  # the use line
    [imp] = find_impressions(img)
    groups = code_lines(img, imp)
    cut = center_lines(inner_crop(img, imp))
    assert len(groups) == len(cut) == 2
    plain, wide = groups[0]
    assert wide.shape[0] == plain.shape[0] and abs(wide.shape[1] - 1.5 * plain.shape[1]) <= 1

    def ink(crop: np.ndarray) -> int:
        return int((crop < 128).any(axis=2).sum())

    assert ink(plain) > 1.2 * ink(cut[0])


@pytest.mark.parametrize(("kind", "center", "use"), [
    ("发票专用章", "91370100MA949D4H6D 发需专用章", "发票专用章"),
    ("公章", "计算机软件著作权 登记专用章", "计算机软件著作权登记专用章"),
    ("公章", "", "公章"),
    ("personal", "", ""),
    ("监制", "国家税务总局 山东省税务局", ""),
])
def test_seal_use(kind: str, center: str, use: str) -> None:
    assert seal_use(kind, center) == use


# --- finding seals fast: the same impressions, for less work --------------------------------------


def test_a_page_without_seal_coloured_ink_costs_no_mask_work(monkeypatch: pytest.MonkeyPatch) -> None:
    img = page()
    for y in range(60, 940, 30):  # black and grey print, a grey table rule: no colour anywhere
        cv2.putText(img, "Contract clause 12: payment within 30 days", (40, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (20, 20, 20) if y % 60 else (120, 120, 120), 2)
    cv2.line(img, (40, 500), (760, 500), (90, 90, 90), 3)
    import extractors.seals.detect as detect

    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError("no ink mask is needed on a page without any seal-coloured pixel")

    monkeypatch.setattr(detect, "ink_mask", unexpected)
    monkeypatch.setattr(detect, "faint_ink_mask", unexpected)
    assert find_impressions(img) == []


def _reference_strength(image: np.ndarray, color: SealColor) -> np.ndarray:
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    s = np.minimum(r - g, r - b + 40) if color == SealColor.red else np.minimum(b - r, b - g)
    return np.clip(s, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("color", [SealColor.red, SealColor.blue])
def test_the_ink_strength_in_8_bit_arithmetic_is_the_signed_one(color: SealColor) -> None:
    from extractors.seals.ink import ink_strength

    levels = np.arange(0, 256, 5, dtype=np.uint8)  # every combination of 52 levels a channel
    colours = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 1, 3)
    assert np.array_equal(ink_strength(colours, color), _reference_strength(colours, color))


def test_the_masks_worked_round_the_ink_are_those_of_the_whole_page() -> None:
    from extractors.seals.ink import faint_ink_mask, without_rules

    img = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    for color in (SealColor.red, SealColor.blue):
        strength = _reference_strength(img, color)
        background = cv2.medianBlur(strength, 31)
        smooth = cv2.GaussianBlur(strength, (5, 5), 0)
        whole = np.where((cv2.subtract(smooth, background) > 10) | (strength > (30 if color == SealColor.red else 40)),
                         255, 0).astype(np.uint8)
        assert np.array_equal(faint_ink_mask(img, color), whole)
        h, w = whole.shape
        horizontal = cv2.morphologyEx(whole, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(100, w // 6), 1)))
        vertical = cv2.morphologyEx(whole, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(100, h // 8))))
        rules = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
        assert np.array_equal(without_rules(whole), cv2.bitwise_and(whole, cv2.bitwise_not(rules)))


def test_the_similarity_of_packed_masks_is_the_shifted_overlap() -> None:
    from extractors.seals.fingerprint import _packed_similarity

    def by_rolling(a: np.ndarray, b: np.ndarray, shift: int = 2) -> float:
        best = 0.0
        for dy in range(-shift, shift + 1):
            for dx in range(-shift, shift + 1):
                moved = np.roll(np.roll(b, dy, axis=0), dx, axis=1)
                union = int(np.count_nonzero(a | moved))
                if union:
                    best = max(best, int(np.count_nonzero(a & moved)) / union)
        return best

    rng = np.random.default_rng(3)
    for k in range(300):
        a = (rng.random((MASK_SIDE, MASK_SIDE)) < rng.uniform(0, 0.5)).astype(np.uint8)
        b = np.roll(a, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), axis=(0, 1)) if k % 2 else \
            (rng.random((MASK_SIDE, MASK_SIDE)) < 0.3).astype(np.uint8)
        assert _packed_similarity(a, b, 2) == by_rolling(a, b)
    empty = np.zeros((MASK_SIDE, MASK_SIDE), np.uint8)
    assert mask_similarity(empty, empty) == 0.0
