"""The report as a workbook: the annex table 企业上云业务及应用表 filled in, like the paper form.

Sheets: 企业上云业务及应用表 (the form, category and sub-category cells merged as printed),
检查结果 (the checklist), 风险提示 (risk flags), 上云费用 (spending).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.domain import Report, as_date, as_money
from models.enums import Status
from service.files import atomic_write_bytes
from service.reports.labels import (
    SEVERITY_LABELS,
    SPENDING_STATUS_LABELS,
    STATUS_LABELS,
    annex_spans,
    label,
    page_list,
)

ANNEX_SHEET = "企业上云业务及应用表"
CHECKLIST_SHEET = "检查结果"
FLAGS_SHEET = "风险提示"
SPENDING_SHEET = "上云费用"
ANNEX_TITLE = "附表 企业上云业务及应用表"
ANNEX_HEADER = ("类", "子类", "域", "是否上云/满足", "证明材料在申报书中的页码")

_FONT = "宋体"  # what the programme's own form uses; Excel falls back where it is missing
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_STATUS_FILL = {
    Status.met: "E2F0D9",
    Status.missing: "FCE4D6",
    Status.needs_review: "DDEBF7",
    Status.failed: "F8CBAD",
    Status.not_applicable: "F2F2F2",
}


def _display_width(text: object) -> int:
    """Column units a string needs: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text or ""))


def _fit_columns(ws: Worksheet, first_row: int, minimum: Sequence[int], maximum: int = 60) -> None:
    for idx, floor in enumerate(minimum, start=1):
        letter = get_column_letter(idx)
        widest = max(
            (_display_width(c.value) for (c,) in ws.iter_rows(min_row=first_row, min_col=idx, max_col=idx)),
            default=0,
        )
        ws.column_dimensions[letter].width = min(maximum, max(floor, widest + 2))


def _header(ws: Worksheet, row: int, titles: Sequence[str]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BORDER


def _body(ws: Worksheet, row: int, values: Sequence[object]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            # text read off a dossier is never a formula (openpyxl would store "=..." as one)
            cell.data_type = "s"
        cell.font = Font(name=_FONT)
        cell.alignment = _WRAP
        cell.border = _BORDER


def _annex_sheet(ws: Worksheet, report: Report) -> None:
    ncols = len(ANNEX_HEADER)
    ws.cell(row=1, column=1, value=ANNEX_TITLE).font = Font(name=_FONT, bold=True, size=14)
    ws.cell(row=1, column=1).alignment = _CENTRE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 28
    applicant = report.applicant.name or "（未识别）"
    ws.cell(row=2, column=1, value=f"申报企业：{applicant}").font = Font(name=_FONT)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    _header(ws, 3, ANNEX_HEADER)
    first = 4
    rows = report.annex
    for i, r in enumerate(rows):
        _body(
            ws,
            first + i,
            (r.category, r.subcategory, r.domain, "是" if r.on_cloud else None, page_list(r.pages) or None),
        )
        ws.cell(row=first + i, column=4).alignment = _CENTRE
    for col, spans in (
        (1, annex_spans([(r.category,) for r in rows])),
        (2, annex_spans([(r.category, r.subcategory) for r in rows])),
    ):
        for i, span in enumerate(spans):
            cell = ws.cell(row=first + i, column=col)
            cell.alignment = _CENTRE
            if span > 1:
                ws.merge_cells(
                    start_row=first + i, start_column=col, end_row=first + i + span - 1, end_column=col
                )
    ws.freeze_panes = ws.cell(row=first, column=1)
    ws.print_title_rows = "3:3"
    _fit_columns(ws, 3, (10, 14, 20, 14, 26))


def _checklist_sheet(ws: Worksheet, report: Report) -> None:
    _header(ws, 1, ("项目编号", "分组", "项目", "状态", "页码", "说明"))
    for i, c in enumerate(report.checklist, start=2):
        _body(
            ws,
            i,
            (
                c.item_id,
                c.group,
                c.title,
                f"{STATUS_LABELS[c.status]} {c.status.value}",
                page_list(c.pages) or None,
                c.reason,
            ),
        )
        ws.cell(row=i, column=4).fill = PatternFill("solid", fgColor=_STATUS_FILL[c.status])
    ws.freeze_panes = "A2"
    _fit_columns(ws, 1, (16, 10, 20, 14, 8, 30))


def _flags_sheet(ws: Worksheet, report: Report) -> None:
    _header(ws, 1, ("等级", "代码", "页码", "说明"))
    for i, f in enumerate(report.risk_flags, start=2):
        _body(
            ws,
            i,
            (
                f"{SEVERITY_LABELS[f.severity]} {f.severity.value}",
                str(f.code),
                page_list(f.pages) or None,
                f.message,
            ),
        )
    ws.freeze_panes = "A2"
    _fit_columns(ws, 1, (8, 16, 8, 40))


MONEY_FORMAT = "#,##0.00"  # yuan with two places, summable in the sheet
DATE_FORMAT = "yyyy-mm-dd"


def _money(value: str | None) -> Decimal | str | None:
    """A report money string as a number for the sheet (openpyxl writes a Decimal as a number);
    text that is not a number stays text rather than vanish."""
    number = as_money(value)
    return value if number is None else number


def _spending_sheet(ws: Worksheet, report: Report) -> None:
    sp = report.spending
    assert sp is not None
    ws.cell(row=1, column=1, value=f"{sp.since} 以来上云费用合计（元）").font = Font(name=_FONT, bold=True)
    total = ws.cell(row=1, column=2, value=_money(sp.total))
    total.font, total.number_format = Font(name=_FONT, bold=True), MONEY_FORMAT
    ws.cell(row=1, column=3, value=f"计入发票 {sp.invoice_count} 张").font = Font(name=_FONT)
    if sp.needs_review_count:
        ws.cell(row=2, column=1, value="金额待复核、未计入（元）").font = Font(name=_FONT)
        held = ws.cell(row=2, column=2, value=_money(sp.needs_review_total))
        held.font, held.number_format = Font(name=_FONT), MONEY_FORMAT
        ws.cell(row=2, column=3, value=f"待复核发票 {sp.needs_review_count} 张").font = Font(name=_FONT)
    _header(ws, 3, ("发票", "开票日期", "销售方", "价税合计（元）", "是否计入", "原因", "页码"))
    for i, inv in enumerate(sp.invoices, start=4):
        _body(
            ws,
            i,
            (
                inv.invoice_key,
                as_date(inv.issue_date) or inv.issue_date,
                inv.seller_name,
                _money(inv.grand_total),
                f"{label(SPENDING_STATUS_LABELS, inv.status)} {inv.status}",
                inv.reason,
                page_list(inv.pages) or None,
            ),
        )
        ws.cell(row=i, column=2).number_format = DATE_FORMAT
        ws.cell(row=i, column=4).number_format = MONEY_FORMAT
    _fit_columns(ws, 3, (14, 12, 20, 14, 14, 24, 8))


def render_xlsx(report: Report) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    wb = Workbook()
    annex = wb.active
    assert annex is not None
    annex.title = ANNEX_SHEET
    _annex_sheet(annex, report)
    _checklist_sheet(wb.create_sheet(CHECKLIST_SHEET), report)
    _flags_sheet(wb.create_sheet(FLAGS_SHEET), report)
    if report.spending is not None:  # a section only programmes with a spending rule have
        _spending_sheet(wb.create_sheet(SPENDING_SHEET), report)
    wb.properties.title = ANNEX_TITLE
    wb.properties.subject = report.applicant.name or ""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to ``path`` atomically."""
    atomic_write_bytes(Path(path), render_xlsx(report))
