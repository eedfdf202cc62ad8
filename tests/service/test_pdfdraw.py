"""What a PDF page draws: whether anything on it can be in colour, and which image draws a seal
(``service.pdfdraw``), and a seal image drawn twice read once (``service.seals.read``)."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.seals import find_impressions
from service.pdfdraw import drawn_images, shows_colour
from service.seals import read_seals
from tests.fakes import NamingEngine


def _text(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, s: str, rgb: tuple[int, int, int], y: float) -> None:
    obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 12.0)
    units = (ctypes.c_ushort * (len(s) + 1))(*[ord(c) for c in s], 0)  # UTF-16, as pdfium takes text
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(units, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
    pdfium_c.FPDFPageObj_SetFillColor(obj, *rgb, 255)
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 72, y)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)


def _rule(page: pdfium.PdfPage, rgb: tuple[int, int, int]) -> None:
    path = pdfium_c.FPDFPageObj_CreateNewPath(72, 400)
    pdfium_c.FPDFPath_LineTo(path, 500, 400)
    pdfium_c.FPDFPageObj_SetStrokeColor(path, *rgb, 255)
    pdfium_c.FPDFPath_SetDrawMode(path, pdfium_c.FPDF_FILLMODE_NONE, 1)
    pdfium_c.FPDFPage_InsertObject(page.raw, path)


def _seal(side: int = 240, ring: int = 10, spoke: float = 0.0) -> np.ndarray:
    """A red ring with a bar across it (at ``spoke`` radians) on transparent paper, RGBA."""
    yy, xx = np.mgrid[:side, :side] - side / 2
    r = np.hypot(xx, yy)
    ink = (abs(r - side * 0.42) < ring / 2) | ((abs(xx * np.sin(spoke) - yy * np.cos(spoke)) < 6) & (r < side * 0.3))
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = 210, 30, 40
    rgba[..., 3] = ink * 230
    return rgba


def _image(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, rgba: np.ndarray, x: float, y: float, side: float) -> None:
    from PIL import Image

    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(pdfium.PdfBitmap.from_pil(Image.fromarray(rgba, "RGBA")))
    image.set_matrix(pdfium.PdfMatrix().scale(side, side).translate(x, y))
    page.insert_obj(image)


def _page(pdf: pdfium.PdfDocument, build: Any) -> pdfium.PdfPage:
    page = pdf.new_page(595, 842)
    build(page)
    page.gen_content()
    return page


def test_a_page_of_black_and_grey_print_shows_no_colour_and_anything_else_does() -> None:
    pdf = pdfium.PdfDocument.new()
    grey = _page(pdf, lambda p: (_text(pdf, p, "Total 1,200.00", (0, 0, 0), 700), _text(pdf, p, "page 2", (90, 92, 90), 60),
                                 _rule(p, (128, 128, 128))))
    red_rule = _page(pdf, lambda p: (_text(pdf, p, "Total", (0, 0, 0), 700), _rule(p, (200, 30, 30))))
    navy_text = _page(pdf, lambda p: _text(pdf, p, "Total", (0, 0, 60), 700))  # blue enough to be seal ink
    image = _page(pdf, lambda p: (_text(pdf, p, "Total", (0, 0, 0), 700), _image(pdf, p, _seal(), 300, 100, 120)))
    assert not shows_colour(grey)
    assert shows_colour(red_rule) and shows_colour(navy_text) and shows_colour(image)
    # what the answer stands for: no seal ink on the grey page's pixels, where the seal image has it
    assert find_impressions(grey.render(scale=110 / 72).to_numpy()) == []
    assert find_impressions(image.render(scale=110 / 72).to_numpy())


def test_one_seal_image_drawn_twice_is_known_for_the_same_and_another_is_not() -> None:
    pdf = pdfium.PdfDocument.new()
    seal, other = _seal(), _seal(spoke=1.2)  # the same red, another shape in the mask
    pages = [_page(pdf, lambda p: _image(pdf, p, seal, 300.25, 100.6, 120)),
             _page(pdf, lambda p: _image(pdf, p, seal, 90.7, 500.1, 120)),
             _page(pdf, lambda p: _image(pdf, p, other, 300.25, 100.6, 120)),
             _page(pdf, lambda p: _image(pdf, p, seal, 300.25, 100.6, 150))]  # drawn larger
    scale = 110 / 72
    found = []
    for page in pages:
        impressions = find_impressions(page.render(scale=scale).to_numpy())
        assert len(impressions) == 1
        [drawn] = drawn_images(page, scale, [impressions[0].bbox])
        assert drawn.holds(impressions[0].bbox)
        found.append(drawn.digest)
    assert found[0] == found[1]  # put elsewhere on another page: the same image
    assert len({found[0], found[2], found[3]}) == 3  # another mask, another size: not the same
    # an image far larger than the impression in it (a scanned page under a text layer) is no seal's
    assert drawn_images(pages[0], scale, [(200, 200, 210, 210)]) == []


def test_a_seal_image_drawn_on_two_pages_is_read_once(tmp_path: Any) -> None:
    from models.domain import PageText
    from service.ocr.reader import OcrCache

    pdf = pdfium.PdfDocument.new()
    seal = _seal()
    pages = [_page(pdf, lambda p, x=x: (_text(pdf, p, f"page {x}", (0, 0, 0), 760), _image(pdf, p, seal, x, 120.3, 120)))
             for x in (300.2, 120.9)]
    engine = NamingEngine()
    cache = OcrCache(tmp_path)
    scale = 110 / 72
    readings = []
    for n, page in enumerate(pages, start=1):
        image = page.render(scale=scale).to_numpy().copy()
        impressions = find_impressions(image)
        drawn = drawn_images(page, scale, [imp.bbox for imp in impressions])
        before = engine.recognized
        on_page = read_seals(image, impressions, PageText(page=n, width=595, height=842), scale, lambda: engine, cache,
                             drawn=drawn)
        readings.append((engine.recognized - before, [s.text for s in on_page.seals]))
    assert readings[0][0] > 0 and readings[1][0] == 0  # the second drawing of the image asks the engine nothing
    assert readings[0][1] == readings[1][1] and len(readings[1][1]) == 1


def test_identifying_the_images_keeps_no_page_alive() -> None:
    # a page left to the cyclic collector stays open in the decoder child until it exits
    import gc
    import weakref

    pdf = pdfium.PdfDocument.new()
    page = _page(pdf, lambda p: _image(pdf, p, _seal(), 300, 100, 120))
    gone = weakref.ref(page)
    impressions = find_impressions(page.render(scale=110 / 72).to_numpy())
    gc.disable()
    try:
        assert drawn_images(page, 110 / 72, [imp.bbox for imp in impressions])
        del page
        assert gone() is None
    finally:
        gc.enable()
