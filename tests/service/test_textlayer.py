"""The two text-layer readers: pdfium's (fast) gives the lines pdfplumber's gives, and declines
the pages where it could not."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from service.ingest import SourceFile, iter_pages
from service.settings import Settings
from service.textlayer import read_text_layer, read_text_layer_pdfium

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TEXT_PDFS = sorted(SAMPLES.glob("*/dossier/*.pdf"))


def _both(data: bytes) -> list[tuple[object, object]]:
    document = pdfium.PdfDocument(data)
    with pdfplumber.open(io.BytesIO(data)) as plumber:
        return [(read_text_layer_pdfium(document[i]), read_text_layer(plumber.pages[i])) for i in range(len(document))]


def _assert_same(fast: object, slow: object) -> None:
    assert fast is not None
    assert [ln.text for ln in fast.lines] == [ln.text for ln in slow.lines]  # type: ignore[attr-defined]
    for a, b in zip(fast.lines, slow.lines, strict=True):  # type: ignore[attr-defined]
        # pdfium keeps widths as whole thousandths of the font size and descents as whole units:
        # boxes may differ by a fraction of a point, never by a character
        assert a.bbox == pytest.approx(b.bbox, abs=1.0)
    assert fast.chars == slow.chars and fast.usable == slow.usable and fast.problem is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", TEXT_PDFS, ids=lambda p: p.name)
def test_pdfium_reads_the_sample_text_layers_as_pdfplumber_does(path: Path) -> None:
    for fast, slow in _both(path.read_bytes()):
        if slow.chars == 0:  # type: ignore[attr-defined]
            assert fast is None  # a scan: nothing to read, pdfplumber says so (and measures its images)
        else:
            _assert_same(fast, slow)


def test_pdfium_reads_real_text_layers_as_pdfplumber_does(realdocs: Path) -> None:
    read = 0
    for path in sorted(realdocs.glob("*/*.pdf")):
        for fast, slow in _both(path.read_bytes()):
            if fast is not None:
                _assert_same(fast, slow)
                read += 1
    assert read >= 6  # most real pages are read by pdfium; the others below are declined


def test_pdfium_declines_what_only_pdfplumber_judges(realdocs: Path) -> None:
    # glyphs without a Unicode map: pdfplumber's (cid:N) are what the verdict counts
    garbled = (realdocs / "invoice_pdf" / "hz_zhejiang_e_invoice_2017_garbled_textlayer.pdf").read_bytes()
    assert read_text_layer_pdfium(pdfium.PdfDocument(garbled)[0]) is None
    # a page turned by /Rotate: pdfplumber reads its characters as turned
    rotated = (realdocs / "other" / "customs_import_declaration_2026.pdf").read_bytes()
    assert pdfium.PdfDocument(rotated)[0].get_rotation() == 90
    assert read_text_layer_pdfium(pdfium.PdfDocument(rotated)[0]) is None
    # a page of a few words: whether it is a scan turns on its images
    short = (realdocs / "contract" / "qiyuesuo_contract_template_unsigned_2018.pdf").read_bytes()
    assert read_text_layer_pdfium(pdfium.PdfDocument(short)[1]) is None


def test_declined_pages_are_still_read_by_pdfplumber(realdocs: Path) -> None:
    settings = Settings()
    short = realdocs / "contract" / "qiyuesuo_contract_template_unsigned_2018.pdf"
    pages = list(iter_pages(SourceFile(short.name, short.read_bytes()), settings))
    assert [p.text_layer.lines[0].text for p in pages] == ["合同模版", "附加条款"]  # type: ignore[union-attr]
    garbled = realdocs / "invoice_pdf" / "hz_zhejiang_e_invoice_2017_garbled_textlayer.pdf"
    (page,) = list(iter_pages(SourceFile(garbled.name, garbled.read_bytes()), settings))
    assert page.text_layer is not None and not page.text_layer.usable  # type: ignore[union-attr]


def test_a_rendered_page_is_the_bgr_image_pil_would_give() -> None:
    from service.ingest import RawPage, pil_to_bgr, render_pdf_page

    page = pdfium.PdfDocument((SAMPLES / "jinan" / "dossier" / "05_电子发票.pdf").read_bytes())[0]
    width, height = page.get_size()
    raw = RawPage(file="x.pdf", file_page=1, kind="pdf", width=width, height=height, pdf_page_render=page)
    image, scale = render_pdf_page(raw, 110, Settings())
    assert image.flags["C_CONTIGUOUS"] and image.shape[2] == 3
    assert (image == pil_to_bgr(page.render(scale=scale).to_pil())).all()
