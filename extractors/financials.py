"""Labelled figures in financial statements and audit reports: revenue, R&D spending, software
revenue, own-software revenue, staff counts (what software enterprise recognition measures).

Statements and the special audit report print these as table rows: a label cell (``一、营业收入``,
``其中：软件产品收入``) and the figure in the first numeric cell to its right (the current period
comes first in the usual layouts: 本期金额 before 上期金额, 本年 before 上年). Money is reported in
yuan whatever the table's unit: the unit comes from the cell itself (``1,200.00万元``), else the
page's ``单位：万元`` / ``金额单位：人民币元`` note or a ``(万元)`` column header, else 元.

The labels are data (``FIGURES``); a label matches a cell only as a whole (after numbering and a
unit in brackets), so ``软件收入`` does not match ``自主软件收入``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extractors.amounts import parse_amount
from extractors.base import Extraction
from extractors.layout import Hit, rows
from extractors.layout_docs import hit, label_candidates
from extractors.text import compact, normalize
from models.domain import PageText, TextLine
from models.enums import DocumentType

name = "financials"
document_types = (DocumentType.financial_statement, DocumentType.audit_report)


@dataclass(frozen=True)
class Figure:
    """One figure the programmes measure: its name in the report, its title in Chinese, the labels
    documents print for it (preferred first) and whether it is money (yuan) or a head count."""

    name: str
    title: str
    labels: tuple[str, ...]
    unit: str  # money | count


FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure("revenue", "营业收入", ("营业总收入", "营业收入", "主营业务收入", "年度总收入", "销售收入总额"), "money"),
        Figure("rd_expense", "研发费用", ("研发费用", "研究开发费用", "研究与开发费用", "研发经费", "研发投入"), "money"),
        Figure("software_revenue", "软件销售收入",
               ("软件产品收入", "软件销售收入", "软件收入", "软件业务收入", "软件产品开发销售收入"), "money"),
        Figure("own_software_revenue", "自主软件收入",
               ("自主软件收入", "自产软件收入", "自主开发软件收入", "自主软件产品收入", "自产软件产品收入"), "money"),
        Figure("staff_total", "职工总数", ("职工总数", "职工人数", "从业人员", "从业人数", "员工总数", "在职职工总数"), "count"),
        Figure("software_staff", "软件开发人员",
               ("从事软件开发和相应技术服务人员", "从事软件产品开发和技术服务人员", "软件开发及技术服务人员",
                "软件开发人员", "软件技术人员"), "count"),
    )
}

# numbering and joining words before a label: 一、 (一) 1. 其中： 加： 减：
_PREFIX = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]|其中[:：]?|加[:：]|减[:：]|[:：*#])+")
_PAGE_UNIT = re.compile(r"(?:金额)?单位[:：]?\s*(?:人民币)?\s*(万元|元)")
_HEADER_UNIT = re.compile(r"[（(]\s*(?:人民币)?\s*(万元|元)\s*[)）]")
_NUMBER = re.compile(r"^[-¥]?\s*\d{1,3}(?:,\d{3})+(?:\.\d+)?|^[-¥]?\s*\d+(?:\.\d+)?")
_COUNT = re.compile(r"^(\d{1,6})\s*(?:人|名)?$")
_LABEL_TO_FIGURE = {compact(label): (fig, i) for fig in FIGURES.values() for i, label in enumerate(fig.labels)}


def _label_of(text: str) -> tuple[Figure, int, int] | None:
    """The figure a label cell names, the label's preference rank, and where the label ends in
    ``text`` (a value may follow in the same cell: ``营业收入 1,200.00``)."""
    norm = compact(normalize(text))
    body = _PREFIX.sub("", norm)
    # the label, then optionally a unit in brackets, then optionally a figure in the same cell
    m = re.match(r"^([\u4e00-\u9fff、和与及]+)((?:[（(][^()（）]{0,8}[)）]|[:：])*)(.*)$", body)
    if not m:
        return None
    label = m.group(1)
    found = _LABEL_TO_FIGURE.get(label)
    if not found:
        return None
    fig, rank = found
    rest = m.group(3)
    # where the rest starts in the original text: count its characters from the end
    end = len(text.rstrip()) - len(rest) if rest else len(text)
    return fig, rank, max(0, end)


def _unit_of(page: PageText) -> str:
    text = normalize(page.text)
    m = _PAGE_UNIT.search(text) or _HEADER_UNIT.search(text)
    return m.group(1) if m else "元"


def _skip_columns(page: PageText) -> list[tuple[float, float]]:
    """x-ranges of columns that hold no figures: 行次 (line numbers), 附注 (note references)."""
    return [(ln.bbox[0], ln.bbox[2]) for ln in page.lines if compact(ln.text) in ("行次", "附注", "注释", "序号")]


def _in_skipped(line: TextLine, skipped: list[tuple[float, float]]) -> bool:
    mid = (line.bbox[0] + line.bbox[2]) / 2
    return any(x0 - 2 <= mid <= x1 + 2 for x0, x1 in skipped)


@dataclass
class FigureHit:
    figure: Figure
    rank: int
    value: Decimal
    printed: str
    unit: str  # 元 | 万元 | 人
    label: str
    page: int
    line: TextLine
    start: int
    end: int


def _value(text: str, fig: Figure, page_unit: str) -> tuple[Decimal, str] | None:
    """The figure in a value cell, and the unit it was printed in."""
    cell = compact(normalize(text))
    if fig.unit == "count":
        m = _COUNT.match(cell)
        return (Decimal(m.group(1)), "人") if m else None
    if not _NUMBER.match(cell):
        return None
    amount = parse_amount(cell)
    if amount is None or amount < 0:
        return None
    if "万" in cell:
        return amount, "万元"
    if page_unit == "万元":
        return amount * 10000, "万元"
    return amount, "元"


def find_figures(page: PageText) -> list[FigureHit]:
    """Every labelled figure on one page, in reading order."""
    out: list[FigureHit] = []
    page_unit = _unit_of(page)
    skipped = _skip_columns(page)
    for row in rows(page):
        for i, line in enumerate(row):
            labelled = _label_of(line.text)
            if not labelled:
                continue
            fig, rank, end = labelled
            # the rest of the label's own cell, then the cells to its right, nearest first
            cells: list[tuple[TextLine, int]] = []
            if line.text[end:].strip():
                cells.append((line, end))
            cells += [(other, 0) for other in row[i + 1:] if not _in_skipped(other, skipped)]
            for cell, offset in cells:
                if cell is not line and _label_of(cell.text):
                    break  # the next label on the row: this one has no figure
                found = _value(cell.text[offset:], fig, page_unit)
                if found:
                    value, unit = found
                    text = cell.text[offset:].strip()
                    start = cell.text.find(text, offset)
                    out.append(FigureHit(fig, rank, value, text, unit, compact(line.text[:end]), page.page, cell,
                                         start, start + len(text)))
                    break
    return out


# the statements whose title marks a page; a group's annual report prints each twice
_STATEMENT_TITLE = re.compile(r"(合并|母公司)?(利润表|损益表|资产负债表|现金流量表|利润及利润分配表)(?:[（(](合并|母公司)[)）])?")
_STATEMENT_TOP = 0.3  # share of the page height where a statement's title stands
# which statement a figure is best taken from: the group's consolidated one unless none is there
_SCOPE_ORDER = {"consolidated": 0, "statement": 1, "parent": 2, "other": 3}
_COMPANY_LABELS = r"编制单位|单位名称|企业名称|纳税人名称|公司名称"
_COMPANY = re.compile(r"[\u4e00-\u9fff（）()]{4,40}(?:有限公司|有限责任公司|股份公司|集团公司|公司)")
_REPORT_TITLE = re.compile(r"^(.{4,40}?(?:公司))\s*(?:\d{4}\s*年)?\s*(?:年度报告|年报|半年度报告|审计报告)")


def statement_scope(page: PageText) -> str | None:
    """``consolidated`` (合并利润表), ``parent`` (母公司利润表, 利润表（母公司）), ``statement`` (a
    single company's 利润表) when a statement's title heads the page; None otherwise."""
    for line in page.lines:
        if page.height and line.bbox[1] > page.height * _STATEMENT_TOP:
            continue
        text = compact(normalize(line.text))
        m = _STATEMENT_TITLE.match(text)
        if not m or len(text) > len(m.group(0)) + 12:
            continue
        which = m.group(1) or m.group(3)
        return {"合并": "consolidated", "母公司": "parent"}.get(which or "", "statement")
    return None


def _scopes(pages: list[PageText]) -> list[str]:
    """Each page's statement; a page without a title continues the statement of the page before
    (a long 利润表 runs over two pages), other pages of a long report are ``other``."""
    out: list[str] = []
    previous: str | None = None
    for page in pages:
        scope = statement_scope(page)
        if scope is None and previous is not None and find_figures(page):
            scope, previous = previous, None
        else:
            previous = scope
        out.append(scope or "other")
    return out


def _company(pages: list[PageText]) -> tuple[str, Hit] | None:
    """The company whose statements these are: 编制单位 on a statement, else an annual or audit
    report's cover title (某某股份有限公司2023年年度报告)."""
    for page in pages:
        for cand in label_candidates(page, _COMPANY_LABELS, anchored=False):
            m = _COMPANY.search(compact(normalize(cand.value.text)))
            if m:
                return m.group(0), cand.value
    for page in pages[:3]:
        for line in page.lines:
            m = _REPORT_TITLE.match(compact(normalize(line.text)))
            if m and _COMPANY.fullmatch(m.group(1)):
                return m.group(1), hit(page, line)
    return None


def extract_financials(pages: list[PageText]) -> Extraction:
    """The labelled figures of a financial statement or an audit report.

    Fields (money in yuan with two places, counts as integers): ``revenue``, ``rd_expense``,
    ``software_revenue``, ``own_software_revenue``, ``staff_total``, ``software_staff``. Each
    field's finding keeps the figure as printed. Facts: ``figure_units`` ({name: 元 | 万元 | 人},
    the unit the document printed), ``figure_labels`` ({name: the label printed}) and
    ``figure_statements`` ({name: consolidated | parent | statement | other}: the statement the
    figure came from). In a long report (an annual report's 利润表 is one page of many) a figure on
    a statement page beats one in the text, and a group's consolidated statement beats its parent
    company's; then the preferred label (营业收入 before 主营业务收入); then the first one read.
    ``company_name`` is the 编制单位 of the statements or the company on the report's cover.
    """
    ex = Extraction()
    best: dict[str, tuple[tuple[int, int], FigureHit, str]] = {}
    for page, scope in zip(pages, _scopes(pages), strict=True):
        for fh in find_figures(page):
            key = (_SCOPE_ORDER[scope], fh.rank)
            current = best.get(fh.figure.name)
            if current is None or key < current[0]:
                best[fh.figure.name] = (key, fh, scope)
    company = _company(pages)
    if company:
        value, h = company
        ex.set_field("company_name", value, h.page, h.bbox, h.confidence, name, raw=h.text)
    statements: dict[str, str] = {}
    units: dict[str, str] = {}
    labels: dict[str, str] = {}
    for fig_name in FIGURES:
        chosen = best.get(fig_name)
        if chosen is None:
            continue
        _, fh, statements[fig_name] = chosen
        value = f"{fh.value:.2f}" if fh.figure.unit == "money" else str(int(fh.value))
        h = hit(fh.page, fh.line, fh.start, fh.end)
        ex.set_field(fig_name, value, fh.page, h.bbox, fh.line.confidence, name, raw=fh.printed)
        units[fig_name] = fh.unit
        labels[fig_name] = fh.label
    ex.facts["figure_units"] = units
    ex.facts["figure_labels"] = labels
    ex.facts["figure_statements"] = statements
    return ex
