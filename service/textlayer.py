"""PDF text layers: read words with their boxes, group them into lines, and decide whether the
layer can be trusted or the page must be OCR'd instead.

A text layer is garbage when its glyphs do not map to real characters: ``(cid:N)`` codes from
fonts without a ToUnicode map, private-use or replacement characters, or CJK documents whose
text extracts as Latin noise. A page whose fonts are merely not embedded still has a usable layer.

Two readers give the same lines: ``read_text_layer_pdfium`` takes the characters from pdfium
(C, ~10 ms a dense page) and groups them as pdfplumber groups its own; ``read_text_layer`` uses
pdfplumber (pdfminer, pure Python, ~150 ms a dense page), and reads the pages the first declines:
a rotated page or text, glyphs without Unicode, text that may be a private font encoding, a page
with next to no text (whose verdict turns on its images).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from models.domain import TextLine

_CID = re.compile(r"\(cid:\d+\)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# fonts whose presence says the page is meant to be Chinese
_CJK_FONT = re.compile(r"(song|sun|hei|kai|fang|ming|yahei|pingfang|noto.*cjk|sourcehan|stxihei|stsong|simsun|"
                       r"adobesong|wqy|[\u3400-\u9fff])", re.IGNORECASE)

# every character of the categories Co, Cc and Cs (and U+FFFD): a text none of which holds
# has no glyph without a mapping, and need not be looked at character by character
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")

_BLANK = re.compile(r"\s")  # what str.isspace is true for (both ask Py_UNICODE_ISSPACE)
_ASCII_LETTER = re.compile(r"[A-Za-z]")  # c.isascii() and c.isalpha()

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
    visible = len(stripped) - len(_BLANK.findall(stripped))
    if not visible:
        return None
    # the characters are looked at one by one only where one of them can have no mapping
    bad = cids + (sum(
        1 for c in stripped
        if not c.isspace() and (c in ("\x00", "\ufffd") or unicodedata.category(c) in ("Co", "Cc", "Cs"))
    ) if _SUSPECT.search(stripped) else 0)
    if bad / visible > 0.1:
        return f"{bad} of {visible} glyphs have no Unicode mapping (fonts without a ToUnicode map)"
    cjk_fonts = sum(1 for name in fontnames if _CJK_FONT.search(name or ""))
    # A page set in CJK fonts that yields no CJK at all but lots of Latin letters is a font with a
    # private encoding: the letters are glyph ids, not text.
    if cjk_fonts >= len(fontnames) * 0.5 and visible > 40 and len(_CJK.findall(stripped)) < visible * 0.02 \
            and len(_ASCII_LETTER.findall(stripped)) > visible * 0.4:
        return "text in CJK fonts extracts as Latin noise (custom font encoding)"
    return None


def _merge_words(words: list[dict[str, Any]]) -> list[TextLine]:
    """Group pdfplumber words into lines: same row, small horizontal gaps."""
    rows: list[list[dict[str, Any]]] = []
    spans: list[tuple[float, float]] = []  # (top, bottom) of each row's last word
    for w in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        top, bottom = w["top"], w["bottom"]
        h = max(1.0, bottom - top)
        for k, (ref_top, ref_bottom) in enumerate(spans):
            if ref_bottom <= top or bottom <= ref_top:
                continue  # no overlap at all (most rows): the test below cannot pass
            overlap = min(ref_bottom, bottom) - max(ref_top, top)
            # relative to the taller word, so a large title does not swallow the small lines beside it
            if overlap > 0.5 * max(h, ref_bottom - ref_top, 1.0):
                rows[k].append(w)
                spans[k] = (top, bottom)
                break
        else:
            rows.append([w])
            spans.append((top, bottom))
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
    x0, top, x1, bottom = words[0]["x0"], words[0]["top"], words[0]["x1"], words[0]["bottom"]
    for w in words:
        # join CJK without a space, Latin words with one
        if text and (text[-1].isascii() and text[-1].isalnum()) and (w["text"][0].isascii() and w["text"][0].isalnum()):
            text += " "
        text += w["text"]
        x0, top, x1, bottom = min(x0, w["x0"]), min(top, w["top"]), max(x1, w["x1"]), max(bottom, w["bottom"])
    return TextLine(text=text, bbox=(float(x0), float(top), float(x1), float(bottom)), confidence=1.0)


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


# pdfplumber's word grouping as ``read_text_layer`` asks for it (WordExtractor: x_tolerance 1.5,
# y_tolerance 2, blanks split words, no text flow)
_X_TOLERANCE = 1.5
_Y_TOLERANCE = 2.0


def read_text_layer_pdfium(page: Any) -> TextLayer | None:
    """Read one pypdfium2 page's text layer as ``read_text_layer`` reads it with pdfplumber, or
    None where this reading could differ from pdfplumber's (the caller then asks pdfplumber).

    Each character's box is pdfminer's: from its origin across its advance, and from the font's
    descent below the baseline up one font size (pdfium's own boxes are the glyph's ink). The
    characters are grouped into words as pdfplumber groups them (rows by the top of the box within
    ``_Y_TOLERANCE``, a gap over ``_X_TOLERANCE`` or a blank ends a word), then into lines.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = page.get_mediabox()
    if page.get_rotation() % 360 or left or bottom or page.get_cropbox() != (left, bottom, right, top):
        return None  # pdfplumber measures from a rotated or offset box
    height = top - bottom
    textpage = pdfium_c.FPDFText_LoadPage(page.raw)
    if not textpage:
        return None
    try:
        chars = _pdfium_chars(textpage, height, ctypes, pdfium_c)
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)
    if chars is None:
        return None
    text = "".join([c[0] for c in chars])
    visible = len(text) - len(_BLANK.findall(text))
    if visible < MIN_TEXT_CHARS:
        return None  # the verdict turns on the page's images, which pdfplumber measures
    cjk = len(_CJK.findall(text))
    letters = len(_ASCII_LETTER.findall(text))
    if cjk < visible * 0.02 and letters > visible * 0.4:
        return None  # Latin text: whether it is a private font encoding turns on the font names
    if assess(text, []) is not None:
        return None
    width = right - left
    words = [w for w in _words(chars) if w["x1"] > 0 and w["top"] < height and w["x0"] < width and w["bottom"] > 0]
    return TextLayer(lines=_merge_words(words), chars=visible)


def _pdfium_chars(textpage: Any, height: float, ctypes: Any, pdfium_c: Any
                  ) -> list[tuple[str, float, float, float, float]] | None:
    """(text, x0, x1, top, bottom) of every character the content stream draws, in its order;
    None when one is rotated, mirrored or skewed, or has no Unicode (pdfminer's ``(cid:N)``)."""
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count < 0:
        return None
    unicode_of, generated, map_error, object_at, origin_of, box_of = _per_character(ctypes, pdfium_c)
    handle = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    at_x, at_y, into_box = ctypes.byref(ox), ctypes.byref(oy), ctypes.byref(box)
    matrix = pdfium_c.FS_MATRIX()
    # per text object: the height of a box, the descent, the standard font's widths, the width scale
    objects: dict[int, tuple[float, float, dict[str, int] | None, float]] = {}
    fonts: dict[int | None, tuple[float, dict[str, int] | None]] = {}
    last_key, last_y, top, bottom = None, None, 0.0, 0.0  # the last character's run, with its rounded box
    up = down = scale = 0.0
    widths: dict[str, int] | None = None
    text: list[str] = []
    lefts: list[float] = []
    rights: list[float] = []
    tops: list[float] = []
    bottoms: list[float] = []
    for i in range(count):
        code = unicode_of(handle, i)
        if (code < 0x21 or code == 0x3000) and generated(handle, i) == 1:
            continue  # pdfium's own word and line breaks (blank, CR, LF), not in the content
        if code == 0 or 0xD800 <= code < 0xE000 or map_error(handle, i) == 1:
            return None
        key = object_at(handle, i) or 0
        if key != last_key:
            if key not in objects:
                obj = pdfium_c.FPDFText_GetTextObject(textpage, i)
                font = pdfium_c.FPDFTextObj_GetFont(obj) if obj else None
                if not font or not pdfium_c.FPDFText_GetMatrix(textpage, i, matrix):
                    return None
                if not (matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and matrix.d > 0):
                    return None  # rotated or mirrored: pdfplumber groups such text its own way
                objects[key] = _font_metrics(font, pdfium_c.FPDFText_GetFontSize(textpage, i), matrix, ctypes,
                                             pdfium_c, fonts)
            up, down, widths, scale = objects[key]
        if not origin_of(handle, i, at_x, at_y):
            return None
        char, x0, y = chr(code), ox.value, oy.value
        if widths is not None:
            x1 = round(x0 + widths.get(char, 0) * scale, 3)
        elif box_of(handle, i, into_box):
            right = box.right
            x1 = right if right > x0 else x0
        else:
            return None
        # pdfium computes in single precision: rounded, a box the content puts at 105.25 is at
        # 105.25 as in pdfminer, so rows whose tops lie exactly the tolerance apart group alike
        if key != last_key or y != last_y:  # characters of one run share their baseline and box height
            last_key, last_y = key, y
            y0 = y + down
            top, bottom = round(height - (y0 + up), 3), round(height - y0, 3)
        text.append(char)
        lefts.append(x0)
        rights.append(x1)
        tops.append(top)
        bottoms.append(bottom)
    # the lefts and rights are single-precision values (pdfium's), or already rounded: scaled by
    # 1000 they are exact in double precision, so rounding them all at once to the nearest even
    # thousandth is what round(x, 3) does to each
    return list(zip(text, np.round(lefts, 3).tolist(), np.round(rights, 3).tolist(), tops, bottoms, strict=True))


@lru_cache(maxsize=1)
def _per_character(ctypes: Any, pdfium_c: Any) -> tuple[Any, ...]:
    """pdfium's per-character calls as the loop above makes them hundreds of times a page: without
    ctypes' conversion of each argument (about half the cost of a call). Each takes the text page
    as a ``c_void_p`` and the index as an int; out-parameters come ``byref``. The text object
    comes back as its address, an int: comparable, and a third of the cost of a handle."""
    def bare(function: Any, restype: Any) -> Any:
        call = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
        call.restype = restype
        return call

    return (bare(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint), bare(pdfium_c.FPDFText_IsGenerated, ctypes.c_int),
            bare(pdfium_c.FPDFText_HasUnicodeMapError, ctypes.c_int), bare(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p),
            bare(pdfium_c.FPDFText_GetCharOrigin, ctypes.c_int), bare(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int))


def _font_metrics(font: Any, size: float, matrix: Any, ctypes: Any, pdfium_c: Any,
                  fonts: dict[int | None, tuple[float, dict[str, int] | None]]
                  ) -> tuple[float, float, dict[str, int] | None, float]:
    """What a character's box takes from its font as pdfminer takes it: the box's height (the font
    size) and the descent below the baseline, in page units, and for a standard font named in the
    PDF (Helvetica, Times-Roman, Arial ...) its own metrics' widths (per 1000, with their scale)
    where pdfium would use its substitute's. ``fonts`` keeps what each font says (by its handle)
    for the text objects of a page that share it."""
    address = ctypes.cast(font, ctypes.c_void_p).value
    if address not in fonts:
        fonts[address] = _font_facts(font, ctypes, pdfium_c)
    own, widths = fonts[address]
    return size * matrix.d, own * size / 1000 * matrix.d, widths, size * matrix.a / 1000


def _font_facts(font: Any, ctypes: Any, pdfium_c: Any) -> tuple[float, dict[str, int] | None]:
    """The font's descent per 1000 units, and the widths of a standard font's own metrics."""
    from pdfminer.fontmetrics import FONT_METRICS

    descent = ctypes.c_float()
    own = descent.value if pdfium_c.FPDFFont_GetDescent(font, 1000.0, descent) else 0.0
    metrics = None
    length = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
    if 0 < length <= 128:
        name = ctypes.create_string_buffer(length)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, length)
        metrics = FONT_METRICS.get(name.value.decode("latin-1"))
    if metrics is not None:
        own = float(metrics[0].get("Descent") or 0)
    return own, metrics[1] if metrics else None


def _words(chars: list[tuple[str, float, float, float, float]]) -> list[dict[str, Any]]:
    """pdfplumber's words (``WordExtractor.extract_words``) of upright characters."""
    # rows: the tops clustered within the tolerance, each value to its cluster (cluster_objects)
    tops = sorted({c[3] for c in chars})
    cluster: dict[float, int] = {}
    n, last = 0, None
    for value in tops:
        if last is not None and value > last + _Y_TOLERANCE:
            n += 1
        cluster[value] = n
        last = value
    rows: dict[int, list[tuple[str, float, float, float, float]]] = {}
    for c in chars:  # each row keeps the content order
        rows.setdefault(cluster[c[3]], []).append(c)
    words: list[dict[str, Any]] = []
    for n in sorted(rows):
        current: list[tuple[str, float, float, float, float]] = []
        for char in sorted(rows[n], key=itemgetter(1)):
            if char[0].isspace():
                if current:
                    words.append(_word(current))
                current = []
            elif current and (char[1] < current[-1][1] or char[1] > current[-1][2] + _X_TOLERANCE
                              or abs(char[3] - current[-1][3]) > _Y_TOLERANCE):
                words.append(_word(current))
                current = [char]
            else:
                current.append(char)
        if current:
            words.append(_word(current))
    return words


def _word(chars: list[tuple[str, float, float, float, float]]) -> dict[str, Any]:
    text, x0s, x1s, tops, bottoms = zip(*chars, strict=True)
    return {"text": "".join(text).translate(_LIGATURES), "x0": min(x0s), "x1": max(x1s), "top": min(tops),
            "bottom": max(bottoms)}


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"})
