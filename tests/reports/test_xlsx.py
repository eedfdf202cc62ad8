import io
from pathlib import Path

import openpyxl

from service.reports.xlsx import ANNEX_HEADER, render_xlsx, write_xlsx
from tests.factories import make_report


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_annex_sheet_reproduces_the_form() -> None:
    report = make_report()
    wb = load(render_xlsx(report))
    assert wb.sheetnames[:3] == ["企业上云业务及应用表", "检查结果", "风险提示"]
    ws = wb["企业上云业务及应用表"]
    assert ws["A1"].value == "附表 企业上云业务及应用表"
    assert report.applicant.name in ws["A2"].value
    assert tuple(c.value for c in ws[3]) == ANNEX_HEADER
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(report.annex)
    for values, row in zip(rows, report.annex, strict=True):
        assert values[2] == row.domain
        assert values[3] == ("是" if row.on_cloud else None)
        assert values[4] == (", ".join(map(str, row.pages)) or None)
    assert rows[3][4] == "3, 6"


def test_category_and_subcategory_are_merged_vertically() -> None:
    wb = load(render_xlsx(make_report()))
    ws = wb["企业上云业务及应用表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged == {"A1:E1", "A2:E2", "A4:A12", "B4:B7", "B8:B10", "B11:B12", "A13:A15", "B13:B14"}
    assert ws["A4"].value == "基础系统上云" and ws["A13"].value == "管理上云"
    assert ws["B8"].value == "安全防护" and ws["B15"].value == "信息管理"
    assert ws["A4"].alignment.vertical == "center"


def test_columns_are_wide_enough_for_chinese() -> None:
    ws = load(render_xlsx(make_report()))["企业上云业务及应用表"]
    # "工作文件存储和备份" is 9 CJK characters: 18 units
    assert ws.column_dimensions["C"].width >= 18
    assert ws.column_dimensions["E"].width >= 24


def test_checklist_and_flags_sheets() -> None:
    report = make_report()
    wb = load(render_xlsx(report))
    checklist = list(wb["检查结果"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in checklist] == [c.item_id for c in report.checklist]
    assert checklist[5][:5] == (
        "materials.contracts_and_invoices",
        "申报材料",
        "上云合同及发票",
        "满足 met",
        "3, 4, 5",
    )
    assert {r[3] for r in checklist} == {
        "满足 met",
        "缺失 missing",
        "需人工复核 needs_review",
        "不符合 failed",
        "不适用 not_applicable",
    }
    flags = list(wb["风险提示"].iter_rows(min_row=2, values_only=True))
    assert flags[0] == ("高 high", "buyer_not_applicant", "5", report.risk_flags[0].message)
    assert [r[2] for r in flags] == ["5", "5", "3, 4"]


def test_dossier_text_never_becomes_a_formula(tmp_path: Path) -> None:
    report = make_report()
    checklist = [report.checklist[0].model_copy(update={"reason": '=HYPERLINK("x","y")'})]
    path = tmp_path / "r.xlsx"
    write_xlsx(make_report(checklist=checklist), path)
    cell = openpyxl.load_workbook(path)["检查结果"]["F2"]
    assert cell.value == '=HYPERLINK("x","y")' and cell.data_type == "s"


def test_amounts_are_numbers_with_two_places_and_dates_are_dates() -> None:
    import datetime
    from decimal import Decimal

    report = make_report()
    held = report.spending.invoices[0].model_copy(update={
        "invoice_key": "K2", "status": "needs_review", "counted": False, "grand_total": "3180.60",
        "issue_date": "2020-09-16", "reason": "待人工复核，暂不计入：价税合计大写与小写不一致"})
    spending = report.spending.model_copy(update={
        "total": "24380.60", "invoices": [*report.spending.invoices, held],
        "needs_review_count": 1, "needs_review_total": "3180.60"})
    ws = load(render_xlsx(make_report(spending=spending)))["上云费用"]
    assert ws["B1"].data_type == "n" and Decimal(str(ws["B1"].value)) == Decimal("24380.60")
    assert ws["B1"].number_format == "#,##0.00"
    assert ws["B2"].value == 3180.6 and ws["B2"].number_format == "#,##0.00"
    rows = list(ws.iter_rows(min_row=4))
    assert [r[0].value for r in rows] == ["01359620", "K2"]
    for row, date, amount in zip(rows, ("2019-12-28", "2020-09-16"), (10600, 3180.6), strict=True):
        assert row[1].is_date and row[1].value == datetime.datetime.fromisoformat(date)
        assert row[1].number_format == "yyyy-mm-dd"
        assert row[3].data_type == "n" and row[3].value == amount and row[3].number_format == "#,##0.00"
    assert rows[1][4].value == "待复核 needs_review" and rows[0][4].value == "不计入 excluded"
