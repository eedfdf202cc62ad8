"""Text normalisation shared by the finders.

OCR engines and PDF text layers mix full-width and half-width forms (``２０２１``, ``：``, ``（``),
insert zero-width characters and split tokens with stray spaces. The finders match patterns on a
normalised string; ``normalize_with_offsets`` keeps, for every normalised character, where it came
from, so a match can be boxed on the original line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Invisible characters text layers carry (soft hyphen, BOM, zero-width joiners): they break regexes
# and are never content.
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")

# Both yen signs mean 人民币 on Chinese documents; one form keeps the money patterns simple.
_SPECIAL = {
    "\uffe5": "¥",  # ￥ FULLWIDTH YEN SIGN
    "\u3000": " ",  # ideographic space
    "\u00a0": " ",
}


def _fold_char(ch: str) -> str:
    """One character in its plain form; always exactly one character, so offsets survive."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        return chr(code - 0xFEE0)
    # OCR models sometimes emit Kangxi radicals or CJK compatibility ideographs (⼀ for 一, 年 for
    # 年); NFKC maps them to the ordinary ideograph.
    if 0x2F00 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1:
            return folded
    if ch.isspace():
        return " "
    return ch


@lru_cache(maxsize=32768)
def normalize_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """``normalize(text)`` together with, for each of its characters, the index in ``text``.

    Use it to match on clean text and report the span of the original characters:
    ``orig_start = offsets[start]``, ``orig_end = offsets[end - 1] + 1``. Kept for the lines
    read last: every finder normalises the same lines.
    """
    folded = text.translate(_FOLD)
    if len(folded) == len(text) and "  " not in folded and not folded.startswith(" ") and not folded.endswith(" "):
        return folded, tuple(range(len(folded)))  # nothing removed or collapsed: each character stays where it was
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        plain = _FOLD.get(ord(ch), ch)  # the same table as the fast path; None: a zero-width character
        if plain is None or (plain == " " and (not chars or chars[-1] == " ")):
            continue  # removed, or a run of whitespace collapsed and leading whitespace dropped
        chars.append(plain)
        offsets.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), tuple(offsets)


@lru_cache(maxsize=32768)
def compact_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """``compact(text)`` together with, for each of its characters, the index in ``text``: for
    matching phrases that OCR prints with blanks inside (云 服务) and reporting them where printed."""
    norm, offsets = normalize_with_offsets(text)
    if " " not in norm:  # the only blank a normalised text holds
        return norm, offsets
    keep = [i for i, ch in enumerate(norm) if ch != " "]
    return "".join(norm[i] for i in keep), tuple(offsets[i] for i in keep)


def _fold_table() -> dict[int, str | None]:
    """``_fold_char`` of every character it changes, and the zero-width ones removed: a table for
    ``str.translate``, which folds a page's text in C instead of character by character."""
    table: dict[int, str | None] = {ord(ch): None for ch in _ZERO_WIDTH}
    candidates = [*_SPECIAL, *(chr(c) for c in range(0xFF01, 0xFF5F)), *(chr(c) for c in range(0x2F00, 0x2FE0)),
                  *(chr(c) for c in range(0xF900, 0xFB00)), *(chr(c) for c in range(0x110000) if chr(c).isspace())]
    for ch in candidates:
        if ord(ch) not in table and _fold_char(ch) != ch:
            table[ord(ch)] = _fold_char(ch)
    return table


_FOLD = _fold_table()
_SPACES = re.compile(" {2,}")


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Full-width ASCII to half-width, ``￥``/``¥`` to ``¥``, zero-width characters removed,
    whitespace collapsed to single spaces and trimmed; CJK characters are kept as they are."""
    # what normalize_with_offsets(text)[0] is, without the offsets
    return _SPACES.sub(" ", text.translate(_FOLD)).strip(" ")


@lru_cache(maxsize=8192)
def compact(text: str) -> str:
    """``normalize`` and then remove all whitespace (for matching labels OCR splits: ``名 称``)."""
    return text.translate(_FOLD).replace(" ", "")


def original_span(offsets: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Map a span of a normalised string back to the original string (see ``normalize_with_offsets``)."""
    if end <= start:
        pos = offsets[start] if start < len(offsets) else (offsets[-1] + 1 if offsets else 0)
        return pos, pos
    return offsets[start], offsets[end - 1] + 1


_OPEN, _CLOSE = "(（", ")）"
# words an organisation's name ends with before a trailing qualifier in brackets: 某某大学(深圳)
_ORG_END = re.compile(r"(?:公司|大学|学院|医院|研究院|研究所|中心|集团|银行|分行|支行|事务所|店|厂)$")


def close_name(name: str) -> str | None:
    """A party's name whose brackets balance: as it is, or completed when a line or a box cut it
    inside a trailing qualifier (``某某大学(深圳`` → ``某某大学(深圳)``, the organisation's name
    ending before the bracket); None for a name cut anywhere else (``某某(厦门``), which cannot be
    reported."""
    depth = 0
    open_at = -1
    for i, ch in enumerate(name):
        if ch in _OPEN:
            depth += 1
            open_at = i
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return None
    if depth == 0:
        return name
    if depth == 1 and _ORG_END.search(name[:open_at]) and len(name) - open_at > 1:
        return name + _CLOSE[_OPEN.index(name[open_at])]
    return None
