"""PDF text layers: read words with their boxes, group them into lines, and decide whether the
layer can be trusted or the page must be OCR'd instead.

A text layer is garbage when its glyphs do not map to real characters: ``(cid:N)`` codes from
fonts without a ToUnicode map, private-use or replacement characters, or CJK documents whose
text extracts as Latin noise. A page whose fonts are merely not embedded still has a usable layer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from models.domain import TextLine

_CID = re.compile(r"\(cid:\d+\)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# fonts whose presence says the page is meant to be Chinese
_CJK_FONT = re.compile(r"(song|sun|hei|kai|fang|ming|yahei|pingfang|noto.*cjk|sourcehan|stxihei|stsong|simsun|"
                       r"adobesong|wqy|[\u3400-\u9fff])", re.IGNORECASE)

MIN_TEXT_CHARS = 12  # fewer printable characters than this: an image-only page, OCR it


@dataclass
class TextLayer:
    lines: list[TextLine] = field(default_factory=list)
    problem: str | None = None  # why the layer cannot be trusted (None: usable)
    chars: int = 0
    image_coverage: float = 0.0  # share of the page covered by embedded images

    @property
    def usable(self) -> bool:
        """Trust the layer unless it is garbage, or the page is a scan carrying only a few words
        of text (a stamped page number, a file name) over its picture."""
        if self.problem is not None or self.chars == 0:
            return False
        return self.chars >= MIN_TEXT_CHARS or self.image_coverage < 0.5


def assess(text: str, fontnames: list[str]) -> str | None:
    """Why ``text`` (a page's extracted text) is not trustworthy, or None when it is."""
    cids = len(_CID.findall(text))
    stripped = _CID.sub("\x00", text)
    visible = [c for c in stripped if not c.isspace()]
    if not visible:
        return None
    bad = cids + sum(
        1 for c in visible
        if c in ("\x00", "\ufffd") or unicodedata.category(c) in ("Co", "Cc", "Cs")
    )
    if bad / len(visible) > 0.1:
        return f"{bad} of {len(visible)} glyphs have no Unicode mapping (fonts without a ToUnicode map)"
    cjk_fonts = sum(1 for name in fontnames if _CJK_FONT.search(name or ""))
    cjk_chars = len(_CJK.findall(stripped))
    letters = sum(1 for c in visible if c.isascii() and c.isalpha())
    # A page set in CJK fonts that yields no CJK at all but lots of Latin letters is a font with a
    # private encoding: the letters are glyph ids, not text.
    if cjk_fonts >= len(fontnames) * 0.5 and len(visible) > 40 and cjk_chars < len(visible) * 0.02 and letters > len(visible) * 0.4:
        return "text in CJK fonts extracts as Latin noise (custom font encoding)"
    return None


def _merge_words(words: list[dict[str, Any]]) -> list[TextLine]:
    """Group pdfplumber words into lines: same row, small horizontal gaps."""
    rows: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        h = max(1.0, w["bottom"] - w["top"])
        for row in rows:
            ref = row[-1]
            rh = max(1.0, ref["bottom"] - ref["top"])
            overlap = min(ref["bottom"], w["bottom"]) - max(ref["top"], w["top"])
            # relative to the taller word, so a large title does not swallow the small lines beside it
            if overlap > 0.5 * max(h, rh):
                row.append(w)
                break
        else:
            rows.append([w])
    lines: list[TextLine] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        current: list[dict[str, Any]] = [row[0]]
        for w in row[1:]:
            prev = current[-1]
            size = max(1.0, min(prev["bottom"] - prev["top"], w["bottom"] - w["top"]))
            if w["x0"] - prev["x1"] <= size * 1.2:
                current.append(w)
            else:
                lines.append(_line(current))
                current = [w]
        lines.append(_line(current))
    return lines


def _line(words: list[dict[str, Any]]) -> TextLine:
    text = ""
    for w in words:
        # join CJK without a space, Latin words with one
        if text and (text[-1].isascii() and text[-1].isalnum()) and (w["text"][0].isascii() and w["text"][0].isalnum()):
            text += " "
        text += w["text"]
    return TextLine(
        text=text,
        bbox=(
            float(min(w["x0"] for w in words)),
            float(min(w["top"] for w in words)),
            float(max(w["x1"] for w in words)),
            float(max(w["bottom"] for w in words)),
        ),
        confidence=1.0,
    )


def read_text_layer(page: Any) -> TextLayer:
    """Read one pdfplumber page's text layer into lines, with a verdict on its quality."""
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5, y_tolerance=2)
    # pdfplumber keeps glyphs outside the crop box; they are not on the page a person sees
    words = [w for w in words if w["x1"] > 0 and w["top"] < page.height and w["x0"] < page.width and w["bottom"] > 0]
    text = " ".join(w["text"] for w in words)
    fontnames = list({c.get("fontname", "") for c in page.chars})
    problem = assess(text, fontnames)
    visible = len(_CID.sub("x", text).replace(" ", ""))
    lines = [] if problem else _merge_words(words)
    area = max(1.0, float(page.width) * float(page.height))
    covered = sum(max(0.0, (min(i["x1"], page.width) - max(i["x0"], 0)) * (min(i["bottom"], page.height) - max(i["top"], 0)))
                  for i in page.images)
    return TextLayer(lines=lines, problem=problem, chars=visible, image_coverage=min(1.0, covered / area))
