"""QR codes on invoices: the payload the tax system printed, decoded from the page image.

Paper invoices since 2017 and e-invoices carry a QR code (top left) that encodes
``01,<type>,<code>,<number>,<amount before tax>,<YYYYMMDD>,<check code>,<crc>`` (DOMAIN.md §3).
The decoded fields are reported as a ``qr_payload`` finding; ``evaluation.consistency`` compares them
with the printed ones, because a QR that disagrees with the print is a strong forgery sign.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import cv2
import numpy as np

from extractors.amounts import format_money
from extractors.classify import classify, may_be_invoice_page
from extractors.text import compact
from models.domain import Finding, PageText

name = "qr"

# QR type field -> the invoice kind ``extractors.invoice.invoice_kind`` reports
QR_TYPES: dict[str, str] = {
    "01": "vat_special",
    "04": "vat_ordinary",
    "10": "e_invoice_ordinary",
    "11": "roll",
    "14": "toll_e_invoice",
    "31": "fully_digital",
    "32": "fully_digital",
}
# the code and number may be empty (数电票 have no code); everything else is digits
_CODE = re.compile(r"^\d{10,12}$|^$")
_NUMBER = re.compile(r"^\d{8}$|^\d{20}$")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# an upscaled crop is tried when the whole page gives nothing; below this many pixels on the long
# side a page image is upscaled as a whole too (small thumbnails, e-invoice renders at 72 dpi)
_CROP_UPSCALE = 2.0
_SMALL_PAGE = 1400


@dataclass(frozen=True)
class InvoiceQr:
    """The fields of an invoice QR payload, in the report's value formats."""

    type: str
    code: str
    number: str
    amount: str  # amount before tax, "718.00"
    date: str  # ISO
    check_code: str
    crc: str

    def as_detail(self) -> dict[str, str]:
        return asdict(self)


def parse_invoice_qr(payload: str) -> InvoiceQr | None:
    """The fields of an invoice QR payload, or None if the text is not one.

    >>> parse_invoice_qr("01,10,037001900111,01359620,20000.00,20200315,12345678901234567890,8C29,").number
    '01359620'
    """
    parts = [p.strip() for p in payload.strip().split(",")]
    if len(parts) < 6 or parts[0] != "01":
        return None
    kind, code, number, amount_text, date_text = parts[1:6]
    check = parts[6] if len(parts) > 6 else ""
    crc = parts[7] if len(parts) > 7 else ""
    if not re.fullmatch(r"\d{2}", kind) or not _CODE.match(code) or not _NUMBER.match(number):
        return None
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        return None
    m = _DATE.match(date_text)
    if not m:
        return None
    try:
        issued = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return InvoiceQr(type=kind, code=code, number=number, amount=format_money(amount), date=issued.isoformat(),
                     check_code=check, crc=crc)


def _decode(image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every decodable QR code in ``image``: (payload, 4x2 corner points in image pixels)."""
    detector = cv2.QRCodeDetector()
    out: list[tuple[str, np.ndarray]] = []
    try:
        ok, texts, points, _ = detector.detectAndDecodeMulti(image)
    except cv2.error:
        ok, texts, points = False, (), None
    if ok and points is not None:
        out = [(t, p.reshape(4, 2)) for t, p in zip(texts, points, strict=False) if t]
    if not out:
        # the multi detector misses some single codes the plain one reads
        try:
            text, pts, _ = detector.detectAndDecode(image)
        except cv2.error:
            text, pts = "", None
        if text and pts is not None:
            out = [(text, pts.reshape(4, 2))]
    return out


def decode_qr_codes(image_bgr: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Decode the QR codes on a page image: the whole page first, then an upscaled crop of the
    top-left quadrant, where invoices print theirs. Points are in ``image_bgr`` pixels."""
    gray = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape[:2]
    attempts: list[tuple[np.ndarray, float, int, int]] = []  # (image, factor, x offset, y offset)
    if max(h, w) < _SMALL_PAGE:
        factor = _SMALL_PAGE / max(h, w) * 1.5
        attempts.append((cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), factor, 0, 0))
    else:
        attempts.append((gray, 1.0, 0, 0))
    crop = gray[: max(1, h // 2), : max(1, w // 2)]
    attempts.append((cv2.resize(crop, None, fx=_CROP_UPSCALE, fy=_CROP_UPSCALE, interpolation=cv2.INTER_CUBIC),
                     _CROP_UPSCALE, 0, 0))
    # binarised crop: photos with uneven light and coloured print confuse the detector
    _, binary = cv2.threshold(attempts[-1][0], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    attempts.append((binary, _CROP_UPSCALE, 0, 0))
    for img, factor, ox, oy in attempts:
        found = _decode(img)
        if found:
            return [(text, pts / factor + np.array([ox, oy], dtype=np.float32)) for text, pts in found]
    return []


def may_hold_invoice_qr(page: PageText) -> bool:
    """Whether ``qr_findings`` can find anything on ``page``: it mentions 发票 and can belong to an
    invoice document. Asked where the page is drawn, before its pixels are kept for it: a contract
    page whose payment clause names 发票 keeps none."""
    return "发票" in compact(page.text) and may_be_invoice_page(page, classify(page))


def qr_findings(image_bgr: np.ndarray, page: PageText, scale: float) -> list[Finding]:
    """``qr_payload`` findings for the QR codes on an invoice page.

    ``scale`` is image pixels per page unit; boxes are returned in page units. Only pages that can
    be an invoice's are decoded (decoding a page that has no code costs ~100 ms): whose text
    mentions 发票 and that can belong to an invoice document (``classify.may_be_invoice_page``),
    not a contract page whose payment clause names 发票: nothing compares a payload read there
    with the print (``evaluation.consistency.qr_flags``).
    The detail holds the parsed fields (type, code, number, amount, date, check_code, crc) when the
    payload is an invoice payload; ``valid`` says whether it is.
    """
    if not may_hold_invoice_qr(page):
        return []
    findings = []
    for text, pts in decode_qr_codes(image_bgr):
        parsed = parse_invoice_qr(text)
        x0, y0 = (float(v) / scale for v in pts.min(axis=0))
        x1, y1 = (float(v) / scale for v in pts.max(axis=0))
        bbox = (max(0.0, x0), max(0.0, y0), min(page.width, x1) if page.width else x1,
                min(page.height, y1) if page.height else y1)
        detail: dict[str, object] = parsed.as_detail() if parsed else {}
        if parsed:
            detail["invoice_kind"] = QR_TYPES.get(parsed.type)
        findings.append(Finding(
            kind="qr_payload", value=text, normalized=text.strip(), page=page.page, bbox=bbox, confidence=1.0,
            extractor=name, valid=parsed is not None, detail=detail,
        ).with_id())
    return findings


qr_findings.name = name  # type: ignore[attr-defined]
