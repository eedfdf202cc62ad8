"""Loading PageText dumps of the real documents (``EVIDENCE_REALDOCS_PAGETEXT``).

Dumps are named ``<folder>__<file>.p<N>.ocr.json`` (OCR of the page) or
``<folder>__<file>.p<N>.textlayer_words.json`` (raw pdfplumber words). The ingest groups words
into lines; for the words dumps this module does the same here, the simple way: words of one row
whose gap is under one character height become one line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from extractors.layout import rows
from models.domain import PageText, TextLine, union_bbox

ENV = "EVIDENCE_REALDOCS_PAGETEXT"
TRUTH_CANDIDATES = (
    Path(__file__).resolve().parents[3] / "shared" / "realdocs" / "truth.json",
    Path("/work/shared/realdocs/truth.json"),
)


def pagetext_dir() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value and Path(value).is_dir() else None


def truth_path() -> Path | None:
    for p in TRUTH_CANDIDATES:
        if p.is_file():
            return p
    return None


def group_words(page: PageText) -> PageText:
    """Words of one row, closer than a character height, joined into one line."""
    lines: list[TextLine] = []
    for row in rows(page):
        current: list[TextLine] = []
        for word in row:
            if "(cid:" in word.text:
                word = word.model_copy(update={"text": re.sub(r"\(cid:\d+\)", "\ufffd", word.text)})
            if current:
                prev = current[-1]
                h = max(1.0, prev.bbox[3] - prev.bbox[1])
                if word.bbox[0] - prev.bbox[2] > h:
                    lines.append(_join(current))
                    current = []
            current.append(word)
        if current:
            lines.append(_join(current))
    return page.model_copy(update={"lines": lines})


def _join(words: list[TextLine]) -> TextLine:
    text = ""
    for i, w in enumerate(words):
        if i and w.bbox[0] - words[i - 1].bbox[2] > 0.3 * max(1.0, w.bbox[3] - w.bbox[1]):
            text += " "
        text += w.text
    box = union_bbox([w.bbox for w in words])
    assert box is not None
    return TextLine(text=text, bbox=box, confidence=min(w.confidence for w in words))


def load_pagetext(path: str | Path) -> PageText:
    page = PageText.model_validate_json(Path(path).read_text(encoding="utf-8"))
    if str(path).endswith("textlayer_words.json"):
        page = group_words(page)
    return page


def source_key(path: str | Path) -> str:
    """``invoice_pdf__x.pdf.p1.ocr.json`` -> ``invoice_pdf/x.pdf`` (the truth file's name)."""
    name = Path(path).name
    m = re.match(r"(.+?)\.p\d+\.(?:ocr|textlayer_words)\.json$", name)
    base = m.group(1) if m else name
    return base.replace("__", "/", 1)
