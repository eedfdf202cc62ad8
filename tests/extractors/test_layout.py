"""Where a part of a line lies: the box of a found value inside the line it was found in."""

from __future__ import annotations

import pytest

from extractors.layout import sub_bbox
from models.domain import TextLine
from tests.factories import set_width


def _line(text: str, em: float = 10.0) -> TextLine:
    """A line set as a Chinese page sets it: CJK a whole em, digits and Latin half of one."""
    return TextLine(text=text, bbox=(100.0, 50.0, 100.0 + set_width(text, em), 62.0), confidence=1.0)


@pytest.mark.parametrize(("text", "part"), [
    ("云服务期限自2020年3月1日起至2021年2月28日止", "2021年2月28日"),
    ("合同总金额为人民币（¥31,800.00），含6%增值税", "¥31,800.00"),
    ("乙方保证所提供云服务器ECS的可用性不低于99.95%", "云服务器"),
])
def test_a_value_box_lies_on_its_characters_in_a_line_of_mixed_widths(text: str, part: str) -> None:
    line = _line(text)
    start = text.index(part)
    x0, y0, x1, y1 = sub_bbox(line, start, start + len(part))
    before, value = _line(text[:start]), _line(part)
    expected_x0 = 100.0 + before.bbox[2] - before.bbox[0]
    assert (y0, y1) == (50.0, 62.0)
    # within a quarter of an em of where the characters are set (¥ is set full width here)
    assert abs(x0 - expected_x0) <= 2.5
    assert abs((x1 - x0) - (value.bbox[2] - value.bbox[0])) <= 2.5


def test_the_whole_line_is_the_line_box() -> None:
    line = _line("开票日期：2020年06月18日")
    assert sub_bbox(line, 0, len(line.text)) == pytest.approx(line.bbox)
