"""More layout primitives: vertical labels, label chains, per-character positions in a row.

Forms such as VAT invoices print block labels vertically (``购买方`` one character per line in a
tall box) and split labels and values into several OCR boxes (``名`` ... ``称：某某公司``;
``开票日期：2019`` ``05 08``). These helpers complement ``extractors.layout``: they keep tall
vertical boxes out of rows, follow a label to the boxes on its right, and locate a word inside a
row whose characters were split across boxes (``金`` ``额``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.layout import cy, height, rows, v_overlap
from models.domain import BBox, PageText, TextLine, union_bbox


def char_width(line: TextLine) -> float:
    """Average width of one character of ``line``."""
    return max(1.0, (line.bbox[2] - line.bbox[0]) / max(1, len(line.text.strip()) or 1))


def is_vertical(line: TextLine) -> bool:
    """A box of text printed top to bottom (``购买方`` in the left margin of an invoice)."""
    w = line.bbox[2] - line.bbox[0]
    h = line.bbox[3] - line.bbox[1]
    n = len(line.text.strip())
    if n < 2:
        return False
    return h > 1.5 * w


def line_height(line: TextLine) -> float:
    """Height of a horizontal line (for a vertical box: its width)."""
    if is_vertical(line):
        return max(1.0, line.bbox[2] - line.bbox[0])
    return height(line.bbox)


def horizontal_page(page: PageText) -> PageText:
    """The page without its vertical boxes (they span several rows and glue them together)."""
    return page.model_copy(update={"lines": [ln for ln in page.lines if not is_vertical(ln)]})


def horizontal_rows(page: PageText, min_overlap: float = 0.5) -> list[list[TextLine]]:
    """Visual rows of the page's horizontal lines, top to bottom, each left to right."""
    return rows(horizontal_page(page), min_overlap)


def chain_right(
    lines: list[TextLine], start: TextLine, max_gap: float | None = None, min_overlap: float = 0.4
) -> list[TextLine]:
    """``start`` and the boxes that follow it on its row, each within ``max_gap`` of the previous.

    ``max_gap`` defaults to 2.5 line heights, wide enough for the space between a label and its
    value, narrow enough to stop at the next column of a form.
    """
    gap = max_gap if max_gap is not None else 2.5 * height(start.bbox)
    chain = [start]
    current = start
    used = {id(start)}
    while True:
        nxt = None
        for other in lines:
            if id(other) in used or is_vertical(other):
                continue
            if v_overlap(other.bbox, start.bbox) < min_overlap and v_overlap(other.bbox, current.bbox) < min_overlap:
                continue
            if other.bbox[0] < current.bbox[2] - 0.5 * height(current.bbox) or other.bbox[0] <= current.bbox[0]:
                continue
            if other.bbox[0] - current.bbox[2] > gap:
                continue
            if nxt is None or other.bbox[0] < nxt.bbox[0]:
                nxt = other
        if nxt is None:
            return chain
        chain.append(nxt)
        used.add(id(nxt))
        current = nxt


@dataclass(frozen=True)
class RowString:
    """The non-blank characters of a row of boxes, each with the horizontal span it occupies."""

    text: str
    spans: tuple[tuple[float, float], ...]
    owners: tuple[int, ...]  # index in ``lines`` of the box each character came from
    lines: tuple[TextLine, ...]

    def bbox(self, start: int, end: int) -> BBox | None:
        """Box of characters ``[start, end)``."""
        if start >= end or not self.spans:
            return None
        boxes = [self.lines[o].bbox for o in self.owners[start:end]]
        ub = union_bbox(boxes)
        assert ub is not None
        return (self.spans[start][0], ub[1], self.spans[end - 1][1], ub[3])

    def find(self, pattern: str | re.Pattern[str]) -> re.Match[str] | None:
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        return rx.search(self.text)

    def x_center(self, start: int, end: int) -> float:
        return (self.spans[start][0] + self.spans[end - 1][1]) / 2

    def text_between(self, x0: float, x1: float) -> str:
        return "".join(c for c, (a, b) in zip(self.text, self.spans, strict=True) if (a + b) / 2 >= x0 and (a + b) / 2 < x1)


def row_string(row: list[TextLine]) -> RowString:
    """Characters of a row's boxes, left to right, blanks dropped, with their x spans."""
    chars: list[str] = []
    spans: list[tuple[float, float]] = []
    owners: list[int] = []
    ordered = sorted(row, key=lambda ln: ln.bbox[0])
    for i, line in enumerate(ordered):
        n = max(1, len(line.text))
        w = (line.bbox[2] - line.bbox[0]) / n
        for j, ch in enumerate(line.text):
            if ch.isspace():
                continue
            chars.append(ch)
            spans.append((line.bbox[0] + w * j, line.bbox[0] + w * (j + 1)))
            owners.append(i)
    return RowString("".join(chars), tuple(spans), tuple(owners), tuple(ordered))


@dataclass(frozen=True)
class Token:
    """A whitespace-separated piece of a box, with its approximate box."""

    text: str
    bbox: BBox
    line: TextLine

    @property
    def cx(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def tokens(line: TextLine) -> list[Token]:
    """The whitespace-separated pieces of ``line`` with boxes by character share."""
    n = max(1, len(line.text))
    x0, y0, x1, y1 = line.bbox
    w = (x1 - x0) / n
    return [
        Token(m.group(0), (x0 + w * m.start(), y0, x0 + w * m.end(), y1), line)
        for m in re.finditer(r"\S+", line.text)
    ]


def lines_in(page: PageText, y0: float = float("-inf"), y1: float = float("inf"),
             x0: float = float("-inf"), x1: float = float("inf")) -> list[TextLine]:
    """Lines whose centre lies inside the given band."""
    out = []
    for ln in page.lines:
        cx_ = (ln.bbox[0] + ln.bbox[2]) / 2
        if y0 <= cy(ln.bbox) < y1 and x0 <= cx_ < x1:
            out.append(ln)
    return out


def sub_page(page: PageText, lines: list[TextLine]) -> PageText:
    """The same page restricted to ``lines`` (for running layout helpers on one block)."""
    return page.model_copy(update={"lines": list(lines)})


def without_nested(lines: list[TextLine]) -> list[TextLine]:
    """``lines`` without the boxes that lie inside a longer box of the same row: text re-read under
    a seal or a glare comes back as fragments of a line already read (``2025年10月`` and ``10月``)."""

    def inside(a: TextLine, b: TextLine) -> bool:
        overlap = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
        width = a.bbox[2] - a.bbox[0]
        return (
            a is not b
            and len(a.text) < len(b.text)
            and width > 0
            and overlap >= 0.8 * width
            and v_overlap(a.bbox, b.bbox) >= 0.5
        )

    return [a for a in lines if not any(inside(a, b) for b in lines)]


def median_height(lines: list[TextLine]) -> float:
    hs = sorted(height(ln.bbox) for ln in lines if not is_vertical(ln))
    return hs[len(hs) // 2] if hs else 1.0


def text_rows(page: PageText, tall_factor: float = 2.5) -> list[list[TextLine]]:
    """Visual rows of ordinary horizontal text, top to bottom, each sorted left to right.

    Unlike ``layout.rows`` a row never grows: a line joins the row whose centre line it sits on,
    and vertical boxes and boxes much taller than the page's text (seal impressions read as text,
    logos) stay out, so they cannot glue two rows of a form together.
    """
    med = median_height(page.lines)
    kept = [ln for ln in page.lines if not is_vertical(ln) and height(ln.bbox) <= tall_factor * med]
    result: list[list[TextLine]] = []
    centres: list[float] = []
    heights: list[float] = []
    for line in sorted(kept, key=lambda ln: (cy(ln.bbox), ln.bbox[0])):
        h = height(line.bbox)
        best = None
        for i, row in enumerate(result):
            ref = (row[0].bbox[0], centres[i] - heights[i] / 2, row[0].bbox[2], centres[i] + heights[i] / 2)
            if v_overlap(ref, line.bbox) >= 0.5 and abs(centres[i] - cy(line.bbox)) < 0.6 * max(h, heights[i]):
                dist = abs(centres[i] - cy(line.bbox))
                if best is None or dist < best[0]:
                    best = (dist, i)
        if best is None:
            result.append([line])
            centres.append(cy(line.bbox))
            heights.append(h)
        else:
            i = best[1]
            result[i].append(line)
            n = len(result[i])
            centres[i] = (centres[i] * (n - 1) + cy(line.bbox)) / n
            heights[i] = (heights[i] * (n - 1) + h) / n
    order = sorted(range(len(result)), key=lambda i: centres[i])
    return [sorted(result[i], key=lambda ln: ln.bbox[0]) for i in order]
