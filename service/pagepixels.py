"""What a text-layer page's pixels are for, taken where the page is drawn.

A PDF page read from its text layer is drawn only for what the text cannot say: the seals on it,
a QR code on an invoice, and the report's picture of the page. The decoder child draws it, so it
finds the seal impressions and encodes the preview there too (``take_page_pixels``), on the core
the check is not using, and sends the pixels on only where the check will look at them again: a
page with a seal, or one an image extractor can find something on (``WANTS``). Most pages of a
long contract or report then cost the checking process no pixel work at all. A page that draws
nothing in colour (``service.pdfdraw.shows_colour``) is drawn grey and not searched for seal ink,
and the images drawn where a seal is are identified, so the same seal image is read once.

Scanned pages are not touched here: their seals are found on the page turned upright by OCR.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from extractors.qr import may_hold_invoice_qr
from extractors.seals import Impression, find_impressions
from models.domain import PageText, ReportError
from service.ingest import RawPage
from service.pdfdraw import DrawnImage, drawn_images

log = logging.getLogger(__name__)

PREVIEW_MAX_SIDE = 1400
PREVIEW_QUALITY = 72

#: for each image extractor (``extractors.registry.IMAGE_EXTRACTORS``, by name): the pages of text
#: it can find anything on. A page none of them wants and with no seal keeps no pixels.
WANTS = {"qr": may_hold_invoice_qr}


def preview(image: np.ndarray, max_side: int = PREVIEW_MAX_SIDE) -> bytes:
    """The report's picture of a page: JPEG, at most ``max_side`` pixels a side."""
    h, w = image.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor < 1.0:
        image = cv2.resize(image, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_QUALITY])
    return buf.tobytes() if ok else b""


def take_page_pixels(item: RawPage | ReportError, *, previews: bool) -> RawPage | ReportError:
    """For a PDF page read from its text layer: its seal impressions (none on a page that draws
    nothing in colour), the images drawn where they are, and (with ``previews``) its preview; its
    pixels are dropped where nothing will look at them again, and kept in colour (BGR) where they
    are. Anything else is returned as it is; so is a page where this fails (the checking process
    then does it itself)."""
    if not (isinstance(item, RawPage) and item.kind == "pdf" and item.image is not None
            and item.text_layer is not None and item.text_layer.usable):
        return item
    try:
        # a grey page holds no seal ink (``service.pdfdraw.shows_colour``): nothing to look for
        impressions = [] if item.colourless else find_impressions(_bgr(item.image))
        drawn = _drawn(item, impressions)
        shown = preview(item.image) if previews else None
        text = PageText(page=item.file_page, width=item.width, height=item.height, lines=item.text_layer.lines)
        wanted = bool(impressions) or any(wants(text) for wants in WANTS.values())
    except Exception:  # noqa: BLE001 - the checking process finds them again and reports what fails
        log.exception("page pixels of %s page %s not taken here", item.file, item.file_page)
        item.image = _bgr(item.image)
        return item
    item.impressions, item.drawn, item.preview = impressions, drawn, shown
    item.image = _bgr(item.image) if wanted else None
    return item


def _drawn(item: RawPage, impressions: list[Impression]) -> list[DrawnImage]:
    """The images drawn where the impressions are: what lets a seal's reading be taken again for
    the same seal image elsewhere. Without them the seals are read all the same."""
    if not impressions or item.pdf_page_render is None:
        return []
    try:
        return drawn_images(item.pdf_page_render, item.image_scale, [imp.bbox for imp in impressions])
    except Exception:  # noqa: BLE001 - pdfium errors for one odd image object
        log.warning("images under the seals of %s page %s not identified", item.file, item.file_page, exc_info=True)
        return []


def _bgr(image: np.ndarray) -> np.ndarray:
    """A grey rendering (2-D) as the BGR image the checking process takes."""
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
