"""Seal impressions on page images: pure functions of pixels (no OCR, no I/O).

- ``ink``: how strongly a pixel shows seal ink, ink masks, black print told apart from ink
- ``geometry``: the rim as an ellipse or a square, fits through outline points
- ``detect``: finding impressions (round, oval, square, cut by the page edge, riding-seam slices)
- ``strips``: the crops reading needs (the ring unwrapped into strips, the lines inside, cells)
- ``fingerprint``: the normalised ink mask, its perceptual hash, how alike two masks are
- ``describe``: the report's Seal for an impression (kind, use, taxpayer id, confidence)

The service layer runs the OCR engine on the crops made here (``service.seals``); what the
seals mean for a dossier is judged in ``evaluation.seals``.
"""

from extractors.seals.describe import seal_confidence, seal_from_impression
from extractors.seals.detect import Impression, find_impressions
from extractors.seals.fingerprint import decode_mask, mask_similarity
from extractors.seals.strips import (
    NameStrip,
    arc_strips,
    center_lines,
    code_lines,
    inner_crop,
    local_view,
    name_strips,
    square_cells,
)

__all__ = [
    "Impression",
    "NameStrip",
    "arc_strips",
    "center_lines",
    "code_lines",
    "decode_mask",
    "find_impressions",
    "inner_crop",
    "local_view",
    "mask_similarity",
    "name_strips",
    "seal_confidence",
    "seal_from_impression",
    "square_cells",
]
