"""What a PDF page draws, asked of pdfium's page objects instead of its pixels.

Two questions the decoder asks of a page read from its text layer:

- ``shows_colour``: can anything on the page come out in colour? A page that draws only black or
  grey text and rules (most pages of a contract, a report, a statement) cannot hold a seal
  impression, which is red or blue ink: such a page is rendered grey, no impression is looked for
  on it, and its preview is a grey JPEG (``service.pagepixels``). The answer errs towards colour:
  an image, a shading, an annotation or a colour pdfium cannot tell is colour.
- ``drawn_images``: where the page draws an image, and which image. An electronic seal is an
  image drawn over the print; the same image on another page, or in another dossier, is the same
  seal, and its reading is taken again instead of read again (``service.seals.read``).
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: a colour whose channels lie at most this far apart is grey. Seal ink is found by how far red
#: stands above green (or blue above red and green) and nowhere under ``FAINT_INK`` (10) of it:
#: blends of greys with the white paper and each other stay this close, so find no ink either
GREY_SPREAD = 8
#: the page objects (and form nesting) walked before the answer is left at "colour"
MAX_OBJECTS = 20_000
MAX_DEPTH = 8

_TEXT, _PATH, _IMAGE, _FORM = 1, 2, 3, 5  # FPDF_PAGEOBJ_*


def _objects(page: Any) -> Iterator[tuple[Any, int]]:
    """(object, type) of every object the pypdfium2 ``page`` draws, those inside form objects
    instead of the forms, in drawing order; ``(None, -1)`` last where the walk stopped short (an
    object pdfium cannot give, forms nested past ``MAX_DEPTH``, more than ``MAX_OBJECTS``).

    A stack, not recursion through a closure: a closure's cycle would keep the page alive until
    the collector came round (in a decoder child, open until it exited)."""
    import pypdfium2.raw as pdfium_c

    # (parent, its object count, the getter, depth, next index)
    stack = [(page.raw, pdfium_c.FPDFPage_CountObjects(page.raw), pdfium_c.FPDFPage_GetObject, 0, 0)]
    budget = MAX_OBJECTS
    while stack:
        parent, count, get, depth, i = stack.pop()
        if count < 0 or depth > MAX_DEPTH:
            yield None, -1
            return
        if i >= count:
            continue
        if budget <= 0:
            yield None, -1
            return
        stack.append((parent, count, get, depth, i + 1))
        budget -= 1
        obj = get(parent, i)
        if not obj:
            yield None, -1
            return
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == _FORM:
            stack.append((obj, pdfium_c.FPDFFormObj_CountObjects(obj), pdfium_c.FPDFFormObj_GetObject, depth + 1, 0))
        else:
            yield obj, kind


def shows_colour(page: Any) -> bool:
    """True unless every object the pypdfium2 ``page`` draws is grey text or grey paths (and it has
    no annotations): then its rendering holds no pixel of seal ink."""
    import pypdfium2.raw as pdfium_c

    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
        return True
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    for obj, kind in _objects(page):
        if kind not in (_TEXT, _PATH):
            return True  # an image or a shading (its pixels are not asked here), or a walk cut short
        for colour_of in (pdfium_c.FPDFPageObj_GetFillColor, pdfium_c.FPDFPageObj_GetStrokeColor):
            if not colour_of(obj, r, g, b, a):
                return True  # a pattern, or a colour space pdfium does not convert
            if max(r.value, g.value, b.value) - min(r.value, g.value, b.value) > GREY_SPREAD:
                return True
    return False


#: an image larger than this (pixels, at its own resolution) is a picture of a page, not a seal
MAX_SEAL_IMAGE_PIXELS = 4_000_000
#: how far (in rendered pixels) a seal impression may reach beyond the image that draws it
_REACH = 4.0
#: an image holding an impression is taken for the seal's own where it is at most this many times
#: the impression's area
_AROUND = 6.0


@dataclass(frozen=True)
class DrawnImage:
    """An image the page draws: where, in the pixels of the page rendered at ``scale``
    (x0, y0, x1, y1), and which (``digest``: its pixels with their mask at its own resolution,
    and how it is turned and sized on the page; not where it is put)."""

    bbox: tuple[float, float, float, float]
    digest: str

    def holds(self, box: tuple[int, int, int, int]) -> bool:
        """The impression in ``box`` lies within this image, and the image is not much more than it
        (not a scanned page under a text layer, whose identity says nothing of one seal)."""
        x0, y0, x1, y1 = self.bbox
        inside = box[0] >= x0 - _REACH and box[1] >= y0 - _REACH and box[2] <= x1 + _REACH and box[3] <= y1 + _REACH
        return inside and (x1 - x0) * (y1 - y0) <= _AROUND * max(1, (box[2] - box[0]) * (box[3] - box[1]))


def drawn_images(page: Any, scale: float, boxes: list[tuple[int, int, int, int]]) -> list[DrawnImage]:
    """The images the pypdfium2 ``page`` draws (also inside form objects) that hold one of
    ``boxes`` (rendered pixels at ``scale``), in drawing order: the later is drawn over the earlier."""
    import pypdfium2.raw as pdfium_c

    height = page.get_height()
    out: list[DrawnImage] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for obj, kind in _objects(page):
        if kind != _IMAGE or not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        box = (left.value * scale, (height - top.value) * scale, right.value * scale, (height - bottom.value) * scale)
        if any(DrawnImage(box, "").holds(b) for b in boxes):
            digest = _identity(page, obj, pdfium_c)
            if digest:
                out.append(DrawnImage(box, digest))
    return out


def _identity(page: Any, obj: Any, pdfium_c: Any) -> str | None:
    """The image's pixels with its mask applied, drawn at its own resolution and nowhere in
    particular, and how the page turns and sizes it: the same for every placement of one image."""
    w, h = ctypes.c_uint(), ctypes.c_uint()
    matrix = pdfium_c.FS_MATRIX()
    if not (pdfium_c.FPDFImageObj_GetImagePixelSize(obj, w, h) and pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)):
        return None
    if not 0 < w.value * h.value <= MAX_SEAL_IMAGE_PIXELS:
        return None
    placed = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
    native = pdfium_c.FS_MATRIX(float(w.value), 0.0, 0.0, float(h.value), 0.0, 0.0)
    if not pdfium_c.FPDFPageObj_SetMatrix(obj, native):
        return None
    try:
        bitmap = pdfium_c.FPDFImageObj_GetRenderedBitmap(page.pdf.raw, page.raw, obj)
    finally:
        pdfium_c.FPDFPageObj_SetMatrix(obj, pdfium_c.FS_MATRIX(*placed))
    if not bitmap:
        return None
    try:
        width, rows = pdfium_c.FPDFBitmap_GetWidth(bitmap), pdfium_c.FPDFBitmap_GetHeight(bitmap)
        stride, form = pdfium_c.FPDFBitmap_GetStride(bitmap), pdfium_c.FPDFBitmap_GetFormat(bitmap)
        buffer = pdfium_c.FPDFBitmap_GetBuffer(bitmap)
        if not buffer or width <= 0 or rows <= 0:
            return None
        digest = hashlib.sha256(ctypes.string_at(buffer, stride * rows))
    finally:
        pdfium_c.FPDFBitmap_Destroy(bitmap)
    # turned and sized as on the page, to a hundredth of a point
    digest.update(f"|{width}x{rows}/{stride}/{form}|{placed[0]:.2f},{placed[1]:.2f},{placed[2]:.2f},{placed[3]:.2f}".encode())
    return digest.hexdigest()
