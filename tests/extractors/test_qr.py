"""QR payloads on invoices: parsing the tax system's format and decoding codes off page images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.qr import decode_qr_codes, parse_invoice_qr, qr_findings
from models.domain import PageText, TextLine
from models.enums import TextSource
from tests.extractors.invoice_pages import paper_layout, text_page

PAYLOAD = "01,10,037012000211,32330792,20000.00,20200415,44026859952890786666,8C29,"


def qr_image(payload: str, module_px: int = 4) -> np.ndarray:
    code = cv2.QRCodeEncoder.create().encode(payload)
    return cv2.resize(code, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


def invoice_page_image(payload: str, at: tuple[int, int] = (40, 30), size: tuple[int, int] = (1600, 930),
                       module_px: int = 4) -> np.ndarray:
    """A white page the size of an invoice scan with the QR code in the top-left corner."""
    page = np.full((size[1], size[0], 3), 255, np.uint8)
    code = cv2.cvtColor(qr_image(payload, module_px), cv2.COLOR_GRAY2BGR)
    x, y = at
    page[y:y + code.shape[0], x:x + code.shape[1]] = code
    cv2.putText(page, "INVOICE 12345678", (700, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
    return page


def page_text(width: float, height: float, text: str | None = None) -> PageText:
    """The text of an invoice page (``text``: of a page with that one line instead)."""
    lines = paper_layout().lines if text is None else [TextLine(text=text, bbox=(200, 10, 400, 30))]
    return PageText(page=5, width=width, height=height, text_source=TextSource.text_layer, lines=lines)


def test_parse_an_e_invoice_payload() -> None:
    qr = parse_invoice_qr(PAYLOAD)
    assert qr is not None
    assert (qr.type, qr.code, qr.number, qr.amount, qr.date, qr.check_code, qr.crc) == (
        "10", "037012000211", "32330792", "20000.00", "2020-04-15", "44026859952890786666", "8C29")


def test_parse_a_fully_digital_payload_without_code_or_check_code() -> None:
    qr = parse_invoice_qr("01,32,,25437000000297554203,17,20251013,,9D0B")
    assert qr is not None
    assert (qr.code, qr.number, qr.amount, qr.date, qr.check_code) == ("", "25437000000297554203", "17.00",
                                                                         "2025-10-13", "")


@pytest.mark.parametrize("payload", [
    "https://example.com/invoice?id=1",
    "02,10,037012000211,32330792,20000.00,20200415,1,2",  # not version 01
    "01,10,037012000211,32330792,abc,20200415,1,2",  # amount not a number
    "01,10,037012000211,32330792,1.00,20201345,1,2",  # no such date
    "01,10,0370,32330792,1.00,20200415,1,2",  # code too short
    "01,10,037012000211",
])
def test_parse_rejects_what_is_not_an_invoice_payload(payload: str) -> None:
    assert parse_invoice_qr(payload) is None


def test_decode_a_qr_code_on_a_page_image() -> None:
    found = decode_qr_codes(invoice_page_image(PAYLOAD))
    assert [text for text, _ in found] == [PAYLOAD]


def test_a_small_code_is_found_in_the_upscaled_top_left_quadrant() -> None:
    # 2 pixels a module on a large page: too fine for the whole-page pass
    image = invoice_page_image(PAYLOAD, at=(60, 40), size=(2400, 1400), module_px=2)
    assert [text for text, _ in decode_qr_codes(image)] == [PAYLOAD]


def test_the_finding_carries_the_parsed_fields_and_its_box_in_page_units() -> None:
    image = invoice_page_image(PAYLOAD, at=(40, 30))
    scale = 2.0  # image pixels per page unit, as for a PDF page rendered at 144 dpi
    findings = qr_findings(image, page_text(800, 465), scale)
    assert len(findings) == 1
    f = findings[0]
    assert f.kind == "qr_payload" and f.value == PAYLOAD and f.valid and f.page == 5 and f.id
    assert f.detail["number"] == "32330792" and f.detail["date"] == "2020-04-15"
    assert f.detail["amount"] == "20000.00" and f.detail["invoice_kind"] == "e_invoice_ordinary"
    side = qr_image(PAYLOAD).shape[0] / scale
    x0, y0, x1, y1 = f.bbox  # type: ignore[misc]
    # the detector's corners are the finder patterns' outer edges, inside the quiet zone
    assert 20 <= x0 <= 20 + side * 0.2 and 15 <= y0 <= 15 + side * 0.2
    assert 20 + side * 0.8 <= x1 <= 20 + side and 15 + side * 0.8 <= y1 <= 15 + side


def test_pages_that_are_not_invoices_are_not_decoded() -> None:
    image = invoice_page_image(PAYLOAD)
    assert qr_findings(image, page_text(1600, 930, text="营业执照"), 1.0) == []
    # a contract's payment clause names 发票, but a contract page never joins an invoice document
    contract = text_page("云服务采购合同", "甲方：济南舜耕智能装备有限公司", "乙方：山东泺源云计算有限公司",
                         "经双方协商一致，签订本合同。乙方收款后五个工作日内开具增值税普通发票。")
    assert qr_findings(image, contract, 1.0) == []
    # a 销货清单 page may continue the invoice before it: its code is read
    listing = text_page("销售货物或者提供应税劳务清单", "购买方名称：济南舜耕智能装备有限公司", "增值税电子普通发票")
    assert [f.value for f in qr_findings(image, listing, 1.0)] == [PAYLOAD]


def test_a_code_that_is_not_an_invoice_payload_is_reported_as_invalid() -> None:
    image = invoice_page_image("https://inv-veri.chinatax.gov.cn/")
    [f] = qr_findings(image, page_text(1600, 930), 1.0)
    assert f.valid is False and f.detail == {}
