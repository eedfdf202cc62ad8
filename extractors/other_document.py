"""Documents that are none of the product's types: what they are and their principal date.

A page the classifier could not give a type (``extractors.classify``) may still be a document a
reviewer recognises: a customs declaration, another authority's licence, a delivery note. Naming
it and giving its principal date (the 申报日期 of a declaration, the 发证日期 of a licence) lets the
reviewer see at a glance what was submitted in place of the material a rule asks for. Only dates
printed beside a 日期 label are read, and only when they agree: a wrong date is worse than none.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from extractors.base import Extraction
from extractors.classify import PageView, near_miss_name
from extractors.dates import find_dates
from extractors.layout import below, right_of, sub_bbox
from models.domain import BBox, PageText

NAME = "other_document"
_DATE_LABEL = re.compile(r"([\u4e00-\u9fff]{0,4})日期")
# labels that date the document itself (when it was declared, issued, signed), not an event in it
_ISSUING = re.compile(r"申报|签发|发证|开具|开票|出具|填发|制单|签订|填表|打印")


class LabelledDate(NamedTuple):
    label: str  # 申报日期
    value: str  # ISO date
    page: int
    bbox: BBox
    confidence: float
    raw: str  # as printed


def labelled_dates(page: PageText) -> list[LabelledDate]:
    """Every date printed after a 日期 label: on the same line, in the box to its right or in the
    box below."""
    out = []
    for line in page.lines:
        m = _DATE_LABEL.search(line.text)
        if not m:
            continue
        label = m.group(0)
        candidates = [(line, m.end())] + [(o, 0) for o in right_of(page, line)[:1] + below(page, line)[:1]]
        for other, start in candidates:
            found = [d for d in find_dates(other.text) if d[0] >= start]
            if found:
                s, e, value = found[0]
                out.append(LabelledDate(label, value.isoformat(), page.page, sub_bbox(other, s, e),
                                        other.confidence, other.text[s:e]))
                break
    return out


def extract_other(pages: list[PageText]) -> Extraction:
    """The name of a known document of another kind (``title``) and its principal date
    (``issue_date``): the date its labelled date fields agree on, issuing labels (申报日期, 发证日期
    …) first."""
    ex = Extraction()
    if not pages:
        return ex
    first = pages[0]
    name = near_miss_name(PageView(first))
    if name:
        line = next((ln for ln in first.lines if name in re.sub(r"\s", "", ln.text)), None)
        ex.set_field("title", name, first.page, line.bbox if line else None, line.confidence if line else 0.8, NAME)
    dated = [d for p in pages for d in labelled_dates(p)]
    issuing = [d for d in dated if _ISSUING.search(d.label)]
    for group in (issuing, dated):
        values = {d.value for d in group}
        if len(values) == 1:
            d = group[0]
            ex.set_field("issue_date", d.value, d.page, d.bbox, d.confidence, NAME, raw=d.raw)
            ex.facts["issue_date_label"] = d.label
            break
        if len(values) > 1:
            break  # the labelled dates disagree: no principal date rather than a guess
    return ex
