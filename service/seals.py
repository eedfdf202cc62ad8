"""Seals in the pipeline: find the impressions on each page image and judge whether each
document carries the seals it should.

The image work itself lives in ``extractors.seals`` (pure functions of pixels); this module
adds what needs the dossier: which documents need a seal, and whose.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from extractors.seals import detect_seals
from models.domain import Applicant, Document, PageText, RiskFlag, Seal
from models.enums import DocumentType, FlagCode, Severity
from service.ocr.engine import OcrEngine


def find_seals(image: np.ndarray, page: PageText, scale: float, engine: Callable[[], OcrEngine]) -> list[Seal]:
    """Seal impressions on one page image (``scale``: image pixels per page unit). ``engine``
    gives the OCR engine when reading a seal needs it (loaded on first use)."""
    return detect_seals(image, page.page, scale, page.lines)


def seal_flags(documents: list[Document], seals: list[Seal], applicant: Applicant) -> list[RiskFlag]:
    """Documents that should carry a seal and do not.

    A paper or PDF VAT invoice carries the seller's 发票专用章; a fully digital invoice (数电票)
    carries none by design.
    """
    flags: list[RiskFlag] = []
    for doc in documents:
        on_doc = [s for s in seals if s.page in doc.pages]
        needs_seal = doc.document_type == DocumentType.vat_invoice and doc.value("invoice_kind") not in (None, "fully_digital")
        if needs_seal and not on_doc:
            flags.append(RiskFlag(code=FlagCode.seal_missing, severity=Severity.medium, pages=doc.pages,
                                  message=f"第 {doc.pages[0]} 页发票未见销售方发票专用章", values={"document": doc.id}))
    return flags
