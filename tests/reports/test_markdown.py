from service.reports.markdown import render_markdown
from tests.factories import make_report


def test_header_has_applicant_programme_star_and_counts() -> None:
    report = make_report()
    md = render_markdown(report)
    assert md.startswith(f"# 检查报告 Check report — {report.applicant.name}\n")
    assert report.applicant.credit_code in md
    assert report.programme_title in md and report.programme_version in md and report.programme in md
    assert "- 星级 Star: 3" in md
    assert (
        "met 满足 5 · missing 缺失 1 · needs_review 需人工复核 1 · failed 不符合 1 · not_applicable 不适用 1"
        in md
    )
    assert "Partial" in md


def test_checklist_is_grouped_with_status_label_pages_and_reason() -> None:
    report = make_report()
    md = render_markdown(report)
    assert md.index("### 申报条件") < md.index("### 申报材料")
    lines = md.splitlines()
    for item in report.checklist:
        (row,) = [line for line in lines if f"`{item.item_id}`" in line]
        assert f"| {item.status.value} " in row
        assert item.reason in row
        pages = f"p. {', '.join(map(str, item.pages))}" if item.pages else "—"
        assert f"| {pages} |" in row
    assert "| met 满足 | 上云合同及发票 (`materials.contracts_and_invoices`) | p. 3, 4, 5 |" in md
    assert "| needs_review 需人工复核 |" in md and "| not_applicable 不适用 |" in md


def test_risk_flags_with_severity_pages_and_message() -> None:
    report = make_report()
    md = render_markdown(report)
    assert "- **高 high** `buyer_not_applicant` (p. 5): 发票购买方" in md
    assert "- **低 low** `text_layer_unreadable` (p. 3, 4):" in md
    for flag in report.risk_flags:
        assert flag.message in md


def test_spending_annex_and_errors() -> None:
    report = make_report()
    md = render_markdown(report)
    assert "## 上云费用 Spending since 2020-01-01" in md
    assert "**0.00** 元" in md
    assert (
        "| 01359620 | 2019-12-28 | 浪潮云信息技术股份公司 | 10600.00 | 不计入 not counted | 开票日期早于 2020-01-01 | p. 5 |"
        in md
    )
    annex = md[md.index("## 企业上云业务及应用表") : md.index("## 错误")]
    for row in report.annex:
        assert (f"| {row.domain} |" in annex) == row.on_cloud
    assert "| 基础系统上云 | IT资源 | 计算资源 | p. 3, 6 |" in annex
    assert "- 附件.zip `archive_too_large`: 压缩包解压后超过 500 MB" in md
    assert "- 申报书.pdf p. 7 `corrupt_page`:" in md


def test_table_cells_stay_on_one_row() -> None:
    report = make_report()
    checklist = [report.checklist[0].model_copy(update={"reason": "a | b\nc"})]
    md = render_markdown(make_report(checklist=checklist, risk_flags=[], errors=[]))
    assert "| a \\| b c |" in md
    assert "## 风险提示 Risk flags\n\n(none)" in md
    assert "## 错误 Errors\n\n(none)" in md
