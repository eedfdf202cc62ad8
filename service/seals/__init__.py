"""Seals in the pipeline, with the OCR engine: ``read`` reads each impression the pipeline found on
a page (the name along the rim, the lines across it); ``confirm`` checks names and taxpayer ids
against what the dossier prints. Whose seal it is and what is wrong with it is judged in
``evaluation.seals``; the image work lives in ``extractors.seals``.
"""

from service.seals.confirm import confirm_names
from service.seals.read import SEAL_READER_VERSION, PageSeals, Rim, read_seals

__all__ = ["SEAL_READER_VERSION", "PageSeals", "Rim", "confirm_names", "read_seals"]
