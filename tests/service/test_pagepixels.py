"""A text-layer page's pixels: seals and preview taken where the page is drawn, the pixels kept only
where the check looks at them again, and the check's result the same either way."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import service.pagepixels as pagepixels
from extractors import registry
from service.ingest import RawPage, SourceFile, iter_pages
from service.pipeline import CheckOptions, check_dossier
from service.settings import Settings
from tests.fakes import FakeEngine

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STATEMENT = SAMPLES / "double_soft" / "dossier" / "05_利润表.pdf"  # text layer, no seal, no 发票
INVOICE = SAMPLES / "jinan" / "dossier" / "05_电子发票.pdf"  # text layer, the seller's seal
SCANNED_PDF = SAMPLES / "jinan" / "dossier" / "04_软件开发合同.pdf"  # pages without a text layer


def _first_page(path: Path, *, render: bool = False) -> RawPage:
    page = next(iter_pages(SourceFile(path.name, path.read_bytes()), Settings(), render=render))
    assert isinstance(page, RawPage)
    return page


def test_a_page_without_seal_or_invoice_keeps_its_preview_not_its_pixels() -> None:
    page = pagepixels.take_page_pixels(_first_page(STATEMENT), previews=True)
    assert isinstance(page, RawPage)
    assert page.image is None and page.impressions == []
    assert page.preview is not None and page.preview[:2] == b"\xff\xd8"  # a JPEG


def test_a_sealed_invoice_page_keeps_its_pixels_and_impressions() -> None:
    page = pagepixels.take_page_pixels(_first_page(INVOICE), previews=False)
    assert isinstance(page, RawPage)
    assert page.image is not None and page.impressions and page.preview is None


def test_a_page_to_be_read_by_ocr_is_left_alone() -> None:
    raw = _first_page(SCANNED_PDF, render=True)
    assert raw.image is not None
    page = pagepixels.take_page_pixels(raw, previews=True)
    assert page is raw and raw.image is not None and raw.impressions is None and raw.preview is None


def test_a_failure_leaves_the_page_to_the_checking_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_image: object) -> bytes:
        raise ValueError("an encoder bug")

    monkeypatch.setattr(pagepixels, "preview", broken)
    for path in (STATEMENT, INVOICE):
        page = pagepixels.take_page_pixels(_first_page(path), previews=True)
        assert isinstance(page, RawPage)
        assert page.image is not None and page.impressions is None and page.preview is None
        assert page.image.ndim == 3  # in colour, as the checking process takes a page


def test_a_page_drawn_in_black_and_grey_is_not_searched_for_seals(monkeypatch: pytest.MonkeyPatch) -> None:
    def searched(_image: object) -> list[object]:
        raise AssertionError("a grey page searched for seal ink")

    monkeypatch.setattr(pagepixels, "find_impressions", searched)
    raw = _first_page(STATEMENT)
    assert raw.colourless and raw.image is not None and raw.image.ndim == 2
    drawn = raw.image.shape
    page = pagepixels.take_page_pixels(raw, previews=True)
    assert isinstance(page, RawPage) and page.impressions == [] and page.image is None
    shown = cv2.imdecode(np.frombuffer(page.preview or b"", np.uint8), cv2.IMREAD_UNCHANGED)
    assert shown.ndim == 2 and shown.shape == drawn  # a grey JPEG of the whole page
    # the invoice draws its seal in red: it is searched, and its pixels are kept in colour
    monkeypatch.undo()
    invoice = pagepixels.take_page_pixels(_first_page(INVOICE), previews=False)
    assert isinstance(invoice, RawPage) and not invoice.colourless
    assert invoice.impressions and invoice.image is not None and invoice.image.ndim == 3


def test_every_image_extractor_says_which_pages_it_needs() -> None:
    # an image extractor missing here would never see the pages whose pixels are dropped
    assert {name for name, _ in registry.IMAGE_EXTRACTORS} == set(pagepixels.WANTS)


def test_the_check_is_the_same_in_the_decoder_child_and_in_process(tmp_path: Path) -> None:
    outcomes = []
    for isolate in (True, False):
        settings = Settings(data_dir=tmp_path / str(isolate), isolate_decoders=isolate)
        outcomes.append(check_dossier([STATEMENT, INVOICE], CheckOptions(), settings, engine=FakeEngine()))
    child, here = outcomes
    assert sorted(child.page_images) == sorted(here.page_images) == [1, 2]
    assert [(s.page, s.bbox) for s in child.report.seals] == [(s.page, s.bbox) for s in here.report.seals]
    assert len(child.report.seals) == 1 and child.report.seals[0].page == 2
    assert child.report.model_dump() == here.report.model_dump()
