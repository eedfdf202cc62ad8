"""Layout primitives: rows, labels and the value that belongs to a label.

Forms print a label and its value either in the same text line (``名称：某某公司``), in the next
box on the same row, or in the box below. These helpers find the value by geometry, so the
extractors never rely on joining all text into one string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models.domain import BBox, PageText, TextLine

# Characters OCR and text layers print between a label and its value.
_SEPARATORS = " \t:：;；,，、()（）[]【】"


@dataclass(frozen=True)
class Hit:
    """A value found on a page: its text, where it is and how sure the reader was."""

    text: str
    bbox: BBox
    confidence: float
    page: int


def cy(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def height(b: BBox) -> float:
    return max(1.0, b[3] - b[1])


def v_overlap(a: BBox, b: BBox) -> float:
    """Vertical overlap of two boxes as a share of the smaller height."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, inter) / min(height(a), height(b))


def rows(page: PageText, min_overlap: float = 0.5) -> list[list[TextLine]]:
    """Group lines into visual rows (top to bottom), each row sorted left to right."""
    result: list[list[TextLine]] = []
    boxes: list[BBox] = []  # each row's union box, kept as lines join it
    # the lines come by their middles, so no line's top is above its middle less half the tallest
    # line: a row ending above that for one line ends above every later line's top, and is not
    # looked at again (``first``: the rows before it all are such rows)
    reach = max((height(line.bbox) for line in page.lines), default=0.0) / 2
    first = 0
    for line in sorted(page.lines, key=lambda ln: (cy(ln.bbox), ln.bbox[0])):
        b = line.bbox
        if min_overlap > 0:
            while first < len(boxes) and boxes[first][3] <= cy(b) - reach:
                first += 1
        for k in range(first, len(boxes)):
            ref = boxes[k]
            if min_overlap > 0 and (ref[3] <= b[1] or ref[1] >= b[3]):
                continue  # a row wholly above or below the line: no overlap to speak of
            if v_overlap(ref, b) >= min_overlap and abs(cy(ref) - cy(b)) < height(b):
                result[k].append(line)
                boxes[k] = (min(ref[0], b[0]), min(ref[1], b[1]), max(ref[2], b[2]), max(ref[3], b[3]))
                break
        else:
            result.append([line])
            boxes.append(b)
    for row in result:
        row.sort(key=lambda ln: ln.bbox[0])
    return result


def row_text(row: list[TextLine]) -> str:
    return " ".join(line.text for line in row)


def find_lines(page: PageText, pattern: str | re.Pattern[str]) -> list[tuple[TextLine, re.Match[str]]]:
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    hits = []
    for line in page.lines:
        m = rx.search(line.text)
        if m:
            hits.append((line, m))
    return hits


def right_of(page: PageText, line: TextLine, max_gap: float | None = None) -> list[TextLine]:
    """Lines on the same row to the right of ``line``, nearest first."""
    gap = max_gap if max_gap is not None else page.width
    out = [
        other
        for other in page.lines
        if other is not line
        and other.bbox[0] >= line.bbox[2] - height(line.bbox) * 0.5
        and other.bbox[0] - line.bbox[2] <= gap
        and v_overlap(other.bbox, line.bbox) >= 0.4
    ]
    return sorted(out, key=lambda ln: ln.bbox[0])


def below(page: PageText, line: TextLine, max_gap: float | None = None) -> list[TextLine]:
    """Lines just below ``line`` that overlap it horizontally, nearest first."""
    gap = max_gap if max_gap is not None else height(line.bbox) * 3
    out = [
        other
        for other in page.lines
        if other is not line
        and other.bbox[1] >= line.bbox[3] - height(line.bbox) * 0.3
        and other.bbox[1] - line.bbox[3] <= gap
        and min(other.bbox[2], line.bbox[2]) - max(other.bbox[0], line.bbox[0]) > 0
    ]
    return sorted(out, key=lambda ln: ln.bbox[1])


def _advance(ch: str) -> float:
    """How wide a character is set, in ems: CJK and full-width forms (and the ambiguous ones, which
    Chinese fonts set full width: “ ” · ×) take a whole em; digits, Latin letters and spaces
    about half."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


def sub_bbox(line: TextLine, start: int, end: int) -> BBox:
    """Approximate box of characters [start, end) of a line: the line's width shared out by how
    wide each character is set (a date's digits take half the room of the 年 after them)."""
    x0, y0, x1, y1 = line.bbox
    widths = [_advance(ch) for ch in line.text] or [1.0]
    scale = (x1 - x0) / sum(widths)
    before = sum(widths[:start])
    return (x0 + scale * before, y0, x0 + scale * (before + sum(widths[start:end])), y1)


def value_after_label(
    page: PageText,
    label: str | re.Pattern[str],
    value: str | re.Pattern[str] = r".+",
    *,
    look_right: bool = True,
    look_below: bool = False,
    max_gap: float | None = None,
) -> Hit | None:
    """The value printed after a label: in the same line, to its right, or (optionally) below.

    ``value`` is matched against the text that follows the label (separators stripped); the first
    place where it matches wins, nearest first.
    """
    label_rx = re.compile(label) if isinstance(label, str) else label
    value_rx = re.compile(value) if isinstance(value, str) else value
    for line, m in find_lines(page, label_rx):
        rest_start = m.end()
        while rest_start < len(line.text) and line.text[rest_start] in _SEPARATORS:
            rest_start += 1
        vm = value_rx.search(line.text, rest_start)
        if vm and vm.group(0).strip():
            return Hit(vm.group(0).strip(), sub_bbox(line, vm.start(), vm.end()), line.confidence, page.page)
        candidates: list[TextLine] = []
        if look_right:
            candidates += right_of(page, line, max_gap)[:3]
        if look_below:
            candidates += below(page, line, max_gap)[:2]
        for other in candidates:
            text = other.text.strip(_SEPARATORS)
            vm = value_rx.search(text)
            if vm and vm.group(0).strip():
                offset = other.text.find(text)
                return Hit(
                    vm.group(0).strip(),
                    sub_bbox(other, offset + vm.start(), offset + vm.end()),
                    other.confidence,
                    page.page,
                )
    return None


def search(page: PageText, pattern: str | re.Pattern[str], group: int | str = 0) -> list[Hit]:
    """Every match of ``pattern`` inside single lines, with the box of the matched characters."""
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    hits = []
    for line in page.lines:
        for m in rx.finditer(line.text):
            start, end = m.span(group)
            hits.append(Hit(m.group(group), sub_bbox(line, start, end), line.confidence, page.page))
    return hits
