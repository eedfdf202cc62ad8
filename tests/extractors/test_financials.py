"""Labelled figures in financial statements and audit reports (synthetic table rows, no OCR)."""

from __future__ import annotations

from extractors.financials import extract_financials, find_figures
from models.domain import PageText, TextLine
from models.enums import TextSource


def L(text: str, x: float, y: float, w: float | None = None, h: float = 12) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + (w or 10 * len(text)), y + h), confidence=0.98)


def page(lines: list[TextLine], n: int = 5) -> PageText:
    return PageText(page=n, width=595, height=842, lines=lines, text_source=TextSource.text_layer)


def statement(unit: str = "单位：元") -> PageText:
    return page([
        L("利润表", 260, 60),
        L(unit, 480, 100),
        L("项目", 60, 130), L("行次", 250, 130), L("本期金额", 320, 130), L("上期金额", 450, 130),
        L("一、营业收入", 60, 150), L("1", 255, 150), L("12,500,000.00", 320, 150), L("9,860,000.00", 450, 150),
        L("减：营业成本", 60, 170), L("2", 255, 170), L("6,420,000.00", 320, 170), L("5,310,000.00", 450, 170),
        L("研发费用", 60, 190), L("5", 255, 190), L("1,060,000.00", 320, 190), L("820,000.00", 450, 190),
        L("四、净利润", 60, 210), L("20", 255, 210), L("1,795,200.00", 320, 210), L("1,108,400.00", 450, 210),
    ])


def test_statement_in_yuan_takes_the_current_period_and_skips_the_line_number_column() -> None:
    ex = extract_financials([statement()])
    assert ex.fields["revenue"].value == "12500000.00"
    assert ex.fields["rd_expense"].value == "1060000.00"
    assert ex.facts["figure_units"] == {"revenue": "元", "rd_expense": "元"}
    fv = ex.fields["revenue"]
    assert fv.page == 5 and fv.bbox is not None and fv.bbox[0] >= 320
    raw = next(f for f in ex.findings if f.id == fv.finding_id)
    assert raw.value == "12,500,000.00"


def test_table_in_wan_yuan_is_reported_in_yuan_and_remembers_its_unit() -> None:
    p = page([
        L("软件企业认定专项审计明细表", 100, 40), L("金额单位：人民币万元", 400, 70),
        L("营业收入", 60, 100), L("1,250.00", 300, 100),
        L("其中：软件产品收入", 60, 120), L("520.00", 300, 120),
        L("其中：自主软件收入", 60, 140), L("300.00", 300, 140),
        L("研究开发费用", 60, 160), L("106.00", 300, 160),
    ])
    ex = extract_financials([p])
    assert {k: v.value for k, v in ex.fields.items()} == {
        "revenue": "12500000.00", "rd_expense": "1060000.00", "software_revenue": "5200000.00",
        "own_software_revenue": "3000000.00",
    }
    assert set(ex.facts["figure_units"].values()) == {"万元"}


def test_staff_counts_and_a_value_in_the_label_cell() -> None:
    p = page([
        L("职工总数", 60, 100), L("120", 300, 100), L("100.00%", 400, 100),
        L("从事软件开发和相应技术服务人员", 60, 120, w=200), L("59人", 300, 120), L("49.17%", 400, 120),
        L("营业收入（万元） 1,200.00", 60, 140, w=220),
    ])
    ex = extract_financials([p])
    assert ex.fields["staff_total"].value == "120"
    assert ex.fields["software_staff"].value == "59"
    assert ex.fields["revenue"].value == "12000000.00"


def test_a_label_inside_a_longer_label_is_not_matched_and_sentences_are_ignored() -> None:
    p = page([
        L("自主软件收入", 60, 100), L("300.00", 300, 100),
        L("营业收入增长主要来自软件销售", 60, 120, w=200), L("35%", 300, 120),
        L("营业收入", 60, 140), L("—", 300, 140),
    ])
    hits = find_figures(p)
    assert [(h.figure.name, str(h.value)) for h in hits] == [("own_software_revenue", "300.00")]


def test_the_preferred_label_wins_over_a_later_fallback() -> None:
    p = page([
        L("主营业务收入", 60, 100), L("11,000,000.00", 300, 100),
        L("营业收入", 60, 120), L("12,000,000.00", 300, 120),
    ])
    assert extract_financials([p]).fields["revenue"].value == "12000000.00"


def _income_statement(title: str, revenue: str, n: int, company: str = "编制单位：苏州某某科技股份有限公司") -> PageText:
    return page([
        L(title, 240, 60),
        L(company, 60, 100), L("单位：元", 480, 100),
        L("项目", 60, 130), L("附注", 250, 130), L("2023年度", 320, 130), L("2022年度", 450, 130),
        L("一、营业总收入", 60, 150), L(revenue, 320, 150), L("1,000.00", 450, 150),
        L("研发费用", 60, 170), L("300.00", 320, 170), L("200.00", 450, 170),
    ], n)


def test_annual_report_takes_the_consolidated_statement_and_says_so() -> None:
    cover = page([L("苏州某某科技股份有限公司2023年年度报告", 100, 300, h=24)], 1)
    # the management discussion quotes revenue in its text tables, before the statements
    discussion = page([L("主要会计数据", 60, 60), L("营业收入", 60, 100), L("9,999.00", 320, 100)], 2)
    pages = [
        cover, discussion,
        _income_statement("合并利润表", "5,000.00", 3, company="编制单位：苏州某某科技股份有限公司"),
        _income_statement("母公司利润表", "2,000.00", 4),
    ]
    ex = extract_financials(pages)
    assert ex.fields["revenue"].value == "5000.00" and ex.fields["revenue"].page == 3
    assert ex.facts["figure_statements"]["revenue"] == "consolidated"
    assert ex.fields["company_name"].value == "苏州某某科技股份有限公司"
    # without the consolidated statement the parent company's is taken, and named as such
    ex = extract_financials([cover, discussion, _income_statement("利润表（母公司）", "2,000.00", 4)])
    assert ex.fields["revenue"].value == "2000.00"
    assert ex.facts["figure_statements"]["revenue"] == "parent"
    # a report with no statement page still gives its figure, marked as read outside a statement
    ex = extract_financials([cover, discussion])
    assert ex.fields["revenue"].value == "9999.00" and ex.facts["figure_statements"]["revenue"] == "other"
    assert ex.fields["company_name"].value == "苏州某某科技股份有限公司"
