"""Layout helpers for the form-like documents: licences, contracts, certificates, the application form.

``extractors.layout`` finds *a* value after a label; these helpers yield every candidate in order of
preference (same line, the boxes to the right, the boxes below) so an extractor can reject the
hint text a blank form prints (``指公有云、私有云、混合云等``) or a sub-label (``姓名``) and take
the next one. They also read labels OCR breaks apart: spaced (``名　　称``), or with the first
character merged into a neighbouring box (``名类`` ... ``称苏州某某公司``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from extractors.layout import Hit, below, cy, height, right_of, sub_bbox, v_overlap
from extractors.text import normalize
from models.domain import BBox, PageText, TextLine, union_bbox

# what OCR and text layers print between a label and its value (colons, brackets, blanks, rules)
SEPARATORS = " \t:：;；,，、_＿|｜"
# leading numbering of clauses and table rows: "1、", "（一）", "一、"
_NUMBERING = r"(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)?"


@lru_cache(maxsize=1024)
def spaced(label: str) -> str:
    """A regex for ``label`` that tolerates blanks between its characters (``名 称``)."""
    return r"\s*".join(re.escape(c) for c in label if not c.isspace())


def any_label(labels: list[str]) -> str:
    """One regex for several labels, longest first, each tolerant of blanks."""
    return "(?:" + "|".join(spaced(lb) for lb in sorted(labels, key=len, reverse=True)) + ")"


def hit(page: PageText | int, line: TextLine, start: int = 0, end: int | None = None) -> Hit:
    """The characters ``[start, end)`` of ``line`` as a ``Hit`` with their approximate box."""
    page_no = page if isinstance(page, int) else page.page
    stop = len(line.text) if end is None else end
    return Hit(line.text[start:stop].strip(), sub_bbox(line, start, stop), line.confidence, page_no)


def strip_separators(text: str) -> tuple[str, int]:
    """``text`` without leading and trailing separators, and the offset where it now starts."""
    start = 0
    while start < len(text) and text[start] in SEPARATORS:
        start += 1
    return text[start:].rstrip(SEPARATORS), start


@dataclass(frozen=True)
class Candidate:
    """A possible value for a label: where the label is and the text that may be its value."""

    label: TextLine
    value: Hit
    where: str  # same_line | right | below


def label_candidates(
    page: PageText,
    label: str | re.Pattern[str],
    *,
    anchored: bool = True,
    look_right: bool = True,
    look_below: bool = False,
    max_gap: float | None = None,
    right_count: int = 3,
) -> Iterator[Candidate]:
    """Every text that may be the value of ``label`` on ``page``, best first for each label line.

    ``label`` is a regex; with ``anchored`` it must start the line (after clause numbering), which
    keeps ``名称`` from matching inside ``软件名称``.
    """
    body = label.pattern if isinstance(label, re.Pattern) else label
    rx = re.compile(rf"^\s*{_NUMBERING}(?:{body})" if anchored else body)
    for line in sorted(page.lines, key=lambda ln: (cy(ln.bbox), ln.bbox[0])):
        m = rx.search(line.text)
        if not m:
            continue
        rest, offset = strip_separators(line.text[m.end() :])
        if rest:
            start = m.end() + offset
            yield Candidate(line, hit(page, line, start, start + len(rest)), "same_line")
        if look_right:
            for other in right_of(page, line, max_gap)[:right_count]:
                text, off = strip_separators(other.text)
                if text:
                    yield Candidate(line, hit(page, other, off, off + len(text)), "right")
        if look_below:
            for other in below(page, line, max_gap)[:2]:
                text, off = strip_separators(other.text)
                if text:
                    yield Candidate(line, hit(page, other, off, off + len(text)), "below")


def first_value(
    pages: list[PageText],
    label: str | re.Pattern[str],
    accept: Callable[[str], str | None] = lambda s: s or None,
    **kwargs: object,
) -> tuple[str, Hit] | None:
    """The first candidate on ``pages`` that ``accept`` turns into a value (``accept`` returns the
    cleaned value, or None to reject the candidate)."""
    for page in pages:
        for cand in label_candidates(page, label, **kwargs):  # type: ignore[arg-type]
            value = accept(cand.value.text)
            if value:
                return value, cand.value
    return None


def above(page: PageText, line: TextLine, max_gap: float | None = None) -> list[TextLine]:
    """Lines just above ``line`` that overlap it horizontally, nearest first."""
    gap = max_gap if max_gap is not None else height(line.bbox) * 2
    out = [
        other
        for other in page.lines
        if other is not line
        and other.bbox[3] <= line.bbox[1] + height(line.bbox) * 0.3
        and line.bbox[1] - other.bbox[3] <= gap
        and min(other.bbox[2], line.bbox[2]) - max(other.bbox[0], line.bbox[0]) > 0
    ]
    return sorted(out, key=lambda ln: -ln.bbox[3])


def left_of(
    page: PageText, line: TextLine, max_gap: float | None = None, min_overlap: float = 0.3
) -> list[TextLine]:
    """Lines on the same row to the left of ``line``, nearest first."""
    gap = max_gap if max_gap is not None else page.width
    out = [
        other
        for other in page.lines
        if other is not line
        and other.bbox[2] <= line.bbox[0] + height(line.bbox) * 0.5
        and line.bbox[0] - other.bbox[2] <= gap
        and v_overlap(other.bbox, line.bbox) >= min_overlap
    ]
    return sorted(out, key=lambda ln: -ln.bbox[2])


def split_label_candidates(page: PageText, label: str) -> Iterator[Candidate]:
    """Values of a spaced label whose characters OCR put in different boxes.

    Licences print ``名　　称`` with wide gaps; OCR often reads ``名`` into a box of its own (or into
    a vertical box with the labels below it: ``名类住``) and glues ``称`` to the value:
    ``称苏州某某公司``. A line that starts with the label's last character counts when a box to
    its left holds the label's first character.
    """
    chars = [c for c in label if not c.isspace()]
    if len(chars) < 2:
        return
    head, tail = chars[0], chars[-1]
    for line in page.lines:
        text = line.text.lstrip(SEPARATORS + " ")
        if not text.startswith(tail):
            continue
        lefts = left_of(page, line, max_gap=height(line.bbox) * 6, min_overlap=0.2)
        if not any(head in other.text for other in lefts):
            continue
        start = line.text.find(tail) + 1
        rest, off = strip_separators(line.text[start:])
        if rest:
            yield Candidate(line, hit(page, line, start + off, start + off + len(rest)), "same_line")
        for other in right_of(page, line, height(line.bbox) * 6)[:2]:
            value, off = strip_separators(other.text)
            if value:
                yield Candidate(line, hit(page, other, off, off + len(value)), "right")


def continuation(page: PageText, first: Hit, stop: Callable[[TextLine], bool], max_lines: int = 12) -> Hit:
    """``first`` extended by the lines printed under it in the same column (a wrapped address or
    business scope), until ``stop`` says a line is the next label or the gap grows too wide."""
    texts = [first.text]
    boxes: list[BBox] = [first.bbox]
    last = first.bbox
    h = height(first.bbox)
    for line in sorted(page.lines, key=lambda ln: ln.bbox[1]):
        if len(texts) > max_lines:
            break
        if line.bbox[1] < last[3] - h * 0.4 or cy(line.bbox) <= cy(last):
            continue
        if line.bbox[1] - last[3] > h * 1.2:
            break
        if abs(line.bbox[0] - first.bbox[0]) > h * 1.5 or stop(line):
            continue
        texts.append(line.text.strip())
        boxes.append(line.bbox)
        last = line.bbox
    bbox = union_bbox(boxes)
    assert bbox is not None
    return Hit("".join(texts), bbox, first.confidence, first.page)


def topmost_heading(page: PageText, accept: Callable[[str], bool], top_share: float = 0.4) -> TextLine | None:
    """The heading of a page: among lines in its top part that ``accept``, the tallest, then highest."""
    limit = page.height * top_share if page.height else float("inf")
    cands = [ln for ln in page.lines if ln.bbox[1] <= limit and accept(normalize(ln.text))]
    if not cands:
        return None
    tallest = max(height(ln.bbox) for ln in cands)
    # OCR box heights vary a little; everything within 15 % of the tallest competes on position
    big = [ln for ln in cands if height(ln.bbox) >= tallest * 0.85]
    return min(big, key=lambda ln: (ln.bbox[1], ln.bbox[0]))


def reading_order(pages: list[PageText]) -> Iterator[tuple[PageText, TextLine]]:
    """Every line of ``pages``, page by page, top to bottom, left to right."""
    for page in pages:
        for line in sorted(page.lines, key=lambda ln: (cy(ln.bbox), ln.bbox[0])):
            yield page, line
