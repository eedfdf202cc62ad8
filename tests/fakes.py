"""A fake OCR engine for logic tests: it "reads" the lines it was given for an image.

Lines are registered per image (by content hash); an unknown image reads as empty. It counts
calls, so tests can prove the cache spared the engine.
"""

from __future__ import annotations

import numpy as np

from service.ocr.engine import OcrBox, Quad
from service.ocr.reader import image_hash


class FakeEngine:
    id = "fake-1"

    def __init__(self) -> None:
        self.pages: dict[str, list[OcrBox]] = {}
        self.reads = 0
        self.detects = 0

    def register(self, image: np.ndarray, lines: list[tuple[str, tuple[float, float, float, float]]]) -> None:
        self.pages[image_hash(image)] = [
            OcrBox([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], text, 0.99) for text, (x0, y0, x1, y1) in lines
        ]

    def detect(self, image: np.ndarray) -> list[Quad]:
        self.detects += 1
        return [b.quad for b in self.pages.get(image_hash(image), [])]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        return "", 0.5

    def read(self, image: np.ndarray) -> list[OcrBox]:
        self.reads += 1
        return list(self.pages.get(image_hash(image), []))


class NamingEngine(FakeEngine):
    """Reads every crop as one company's name, counting the crops it was asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.recognized = 0

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        self.recognized += 1
        return "济南云帆信息技术有限公司", 0.95
