"""Dates in every form dossier documents print them.

Invoices print ``2021年03月15日``, contracts ``二〇二一年三月十五日``, consoles ``2021-03-15``, toll
invoices ``20210315``; OCR splits ``2021 03 15``. Contract and licence numbers often embed the date
(``FY-HY20240905``); those are reported too, flagged ``embedded_in_code`` and with a lower
confidence, because a date read out of a code is weaker evidence than a printed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from extractors.layout import rows, sub_bbox
from extractors.text import normalize_with_offsets, original_span
from models.domain import BBox, Finding, PageText, TextLine, union_bbox

MIN_YEAR = 1949
MAX_YEAR = 2100
# A date read out of a longer code is only believable inside this window (codes with such dates
# are modern: contract numbers, licence serials).
EMBEDDED_MIN_YEAR = 2000
EMBEDDED_MAX_YEAR = 2099
EMBEDDED_CONFIDENCE = 0.8
CROSS_LINE_CONFIDENCE = 0.9

# fmt: off
_CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "◯": 0, "O": 0, "o": 0, "0": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
# fmt: on
_CN_YEAR = "〇零○◯Oo0一二三四五六七八九"
_CN_SMALL = "一二三四五六七八九十"

_RX_CJK = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})(?:\s*日|(?!\d))")
_RX_CJK_WORDS = re.compile(
    rf"([{_CN_YEAR}]{{4}})\s*年\s*([{_CN_SMALL}]{{1,2}})\s*月\s*([{_CN_SMALL}]{{1,3}})\s*日"
)
# 2021-03-15, 2021/3/15, 2021.3.15: the separator must repeat; not part of a version or IP address.
# A two-digit day may run into a time when OCR drops the space: 2020-06-1810:27.
_RX_SEP = re.compile(r"(?<![0-9A-Za-z.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
                     r"(?:(?![0-9A-Za-z]|[-/.]\d)|(?<=\d\d)(?=\d{1,2}:\d{2}(?!\d)))")
# OCR splitting 2021 03 15 into three tokens.
_RX_SPACED = re.compile(r"(?<![0-9A-Za-z.,])(\d{4}) (\d{1,2}) (\d{1,2})(?![0-9A-Za-z]|[.,]\d)")
_RX_TOKEN = re.compile(r"[0-9A-Za-z]+")
_RX_ANY_DIGIT = re.compile(r"\d")
_RX_DIGIT_RUN = re.compile(r"\d{8,}")
_RX_DECIMAL_BEFORE = re.compile(r"\d[.,]$")
_RX_DECIMAL_AFTER = re.compile(r"[.,]\d")
# Digit-only runs of these lengths are tax ids, ID-card numbers, invoice codes and numbers, bank
# accounts or phone numbers; an 8-digit window inside them is chance, not a date.
_MAX_PLAIN_DIGITS_WITHOUT_DATES = 20
_CREDIT_CODE_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}")


def _make_date(
    year: int, month: int, day: int, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR
) -> date | None:
    if not (min_year <= year <= max_year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cn_small_number(text: str) -> int | None:
    """一 … 三十一 (month and day numbers written in words)."""
    if not text:
        return None
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return None
    t = _CN_DIGITS.get(tens, -1) if tens else 1
    u = _CN_DIGITS.get(units, -1) if units else 0
    if t < 1 or u < 0:
        return None
    return t * 10 + u


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    value: date
    embedded: bool = False


def _find_normalized(text: str) -> list[_Match]:
    """Dates in an already normalised string, earliest first, without overlaps."""
    if "年" not in text and not _RX_ANY_DIGIT.search(text):
        return []  # every form but 二〇二〇年…, and every code, holds a digit: most lines of prose do not
    found: list[_Match] = []

    def add(start: int, end: int, value: date | None, embedded: bool = False) -> None:
        if value is None:
            return
        if any(start < m.end and m.start < end for m in found):
            return
        found.append(_Match(start, end, value, embedded))

    # Most explicit forms first, so a weaker reading never claims their characters.
    for m in _RX_CJK.finditer(text):
        add(m.start(), m.end(), _make_date(int(m[1]), int(m[2]), int(m[3])))
    for m in _RX_CJK_WORDS.finditer(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
        month, day = _cn_small_number(m[2]), _cn_small_number(m[3])
        if month is not None and day is not None:
            add(m.start(), m.end(), _make_date(year, month, day))
    for m in _RX_SEP.finditer(text):
        add(m.start(), m.end(), _make_date(int(m[1]), int(m[3]), int(m[4])))
    for m in _RX_SPACED.finditer(text):
        add(m.start(), m.end(), _make_date(int(m[1]), int(m[2]), int(m[3])))
    for tok in _RX_TOKEN.finditer(text):
        token = tok.group(0)
        if len(token) == 8 and token.isdigit():
            if _RX_DECIMAL_BEFORE.search(text, 0, tok.start()) or _RX_DECIMAL_AFTER.match(text, tok.end()):
                continue  # the integer or fraction part of an amount
            add(tok.start(), tok.end(), _make_date(int(token[:4]), int(token[4:6]), int(token[6:])))
            continue
        if token.isdigit() and len(token) <= _MAX_PLAIN_DIGITS_WITHOUT_DATES:
            continue
        if _CREDIT_CODE_SHAPE.fullmatch(token.upper()):
            continue
        for run in _RX_DIGIT_RUN.finditer(token):
            digits = run.group(0)
            base = tok.start() + run.start()
            for i in range(len(digits) - 7):
                window = digits[i : i + 8]
                value = _make_date(
                    int(window[:4]), int(window[4:6]), int(window[6:]), EMBEDDED_MIN_YEAR, EMBEDDED_MAX_YEAR
                )
                if value is not None:
                    add(base + i, base + i + 8, value, embedded=True)
                    break  # one date per digit run: overlapping windows are the same digits
    found.sort(key=lambda m: m.start)
    return found


@lru_cache(maxsize=32768)
def _find(text: str) -> tuple[tuple[int, int, date, bool], ...]:
    """(start, end, date, embedded) of every date in ``text``: a function of the text alone, kept
    for the lines the page pass, the split-date pass over a row and the document extractors all
    read."""
    norm, offsets = normalize_with_offsets(text)
    out = []
    for m in _find_normalized(norm):
        start, end = original_span(offsets, m.start, m.end)
        out.append((start, end, m.value, m.embedded))
    return tuple(out)


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """Every date in ``text`` as ``(start, end, date)``; the span indexes the original ``text``.

    Includes dates embedded in longer codes (see ``date_findings`` for how they are marked);
    digits inside credit codes, tax ids, invoice numbers and bank accounts are not read as dates.
    """
    return [(start, end, value) for start, end, value, _ in _find(text)]


def parse_date(text: str) -> date | None:
    """The date ``text`` holds (the first printed one, else one embedded in a code), or None."""
    found = _find(text)
    for _, _, value, embedded in found:
        if not embedded:
            return value
    return found[0][2] if found else None


def _finding(
    page: PageText, value: str, when: date, bbox: BBox, confidence: float, embedded: bool
) -> Finding:
    return Finding(
        kind="date",
        value=value,
        normalized=when.isoformat(),
        page=page.page,
        bbox=bbox,
        confidence=round(confidence * (EMBEDDED_CONFIDENCE if embedded else 1.0), 3),
        extractor="dates",
        detail={"embedded_in_code": True} if embedded else {},
    ).with_id()


def _cross_line_findings(page: PageText) -> list[Finding]:
    """Dates OCR split over neighbouring boxes of one row (``开票日期：2019`` | ``05 08``)."""
    out: list[Finding] = []
    for row in rows(page):
        if len(row) < 2:
            continue
        starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for line in row:
            starts.append(pos)
            parts.append(line.text)
            pos += len(line.text) + 1
        joined = " ".join(parts)
        # spans the single lines already gave, in joined coordinates: never report those twice
        single = [
            (line_start + s, line_start + e)
            for line, line_start in zip(row, starts, strict=True)
            for s, e, _, _ in _find(line.text)
        ]
        for start, end, when, embedded in _find(joined):
            if any(start < e and s < end for s, e in single):
                continue
            touched: list[tuple[TextLine, int, int]] = []
            for line, line_start in zip(row, starts, strict=True):
                line_end = line_start + len(line.text)
                if start < line_end and line_start < end:
                    touched.append(
                        (line, max(start, line_start) - line_start, min(end, line_end) - line_start)
                    )
            if len(touched) < 2:
                continue  # found within one line already
            bbox = union_bbox([sub_bbox(line, s, e) for line, s, e in touched])
            assert bbox is not None
            confidence = min(line.confidence for line, _, _ in touched) * CROSS_LINE_CONFIDENCE
            out.append(_finding(page, joined[start:end], when, bbox, confidence, embedded))
    return out


def date_findings(page: PageText) -> list[Finding]:
    """Every date on the page as a ``date`` finding (normalized ISO ``YYYY-MM-DD``).

    A date embedded in a longer code gets ``detail={"embedded_in_code": True}`` and 0.8 of the
    line's confidence; one split across two boxes of a row gets 0.9 and the union of their boxes.
    """
    findings: list[Finding] = []
    for line in page.lines:
        for start, end, when, embedded in _find(line.text):
            findings.append(
                _finding(
                    page, line.text[start:end], when, sub_bbox(line, start, end), line.confidence, embedded
                )
            )
    findings.extend(_cross_line_findings(page))
    return findings
