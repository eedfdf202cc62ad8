from models.domain import ReportError
from models.enums import ErrorCode
from service.reports.markdown import render_markdown
from tests.factories import make_report
from tests.reports.english import english_sentences


def test_header_has_applicant_programme_star_and_counts() -> None:
    report = make_report()
    md = render_markdown(report)
    assert md.startswith(f"# 检查报告 — {report.applicant.name}\n")
    assert f"`{report.applicant.credit_code}`" in md and "识别自申请表" in md
    assert report.programme_title in md and report.programme_version in md and f"`{report.programme}`" in md
    assert "- 申报星级：3" in md
    assert (
        "满足 `met` 5 · 缺失 `missing` 1 · 需人工复核 `needs_review` 1 · 不符合 `failed` 1 · 不适用 `not_applicable` 1"
        in md
    )
    assert "**部分结果**" in md


def test_checklist_is_grouped_with_status_label_pages_and_reason() -> None:
    report = make_report()
    md = render_markdown(report)
    assert md.index("### 申报条件") < md.index("### 申报材料")
    lines = md.splitlines()
    for item in report.checklist:
        (row,) = [line for line in lines if f"`{item.item_id}`" in line]
        assert f" `{item.status.value}` |" in row
        assert item.reason in row
        pages = f"第 {'、'.join(map(str, item.pages))} 页" if item.pages else "—"
        assert f"| {pages} |" in row
    assert "| 满足 `met` | 上云合同及发票（`materials.contracts_and_invoices`） | 第 3、4、5 页 |" in md
    assert "| 需人工复核 `needs_review` |" in md and "| 不适用 `not_applicable` |" in md


def test_risk_flags_with_severity_pages_and_message() -> None:
    report = make_report()
    md = render_markdown(report)
    assert "- **高 `high`** `buyer_not_applicant`（第 5 页）：发票购买方" in md
    assert "- **低 `low`** `text_layer_unreadable`（第 3、4 页）：" in md
    for flag in report.risk_flags:
        assert flag.message in md


def test_spending_annex_and_errors() -> None:
    report = make_report()
    md = render_markdown(report)
    assert "## 上云费用（2020-01-01 以来）" in md
    assert "**0.00** 元" in md
    assert (
        "| `01359620` | 2019-12-28 | 浪潮云信息技术股份公司 | 10600.00 | 不计入 `excluded` | 开票日期早于 2020-01-01 | 第 5 页 |"
        in md
    )
    annex = md[md.index("## 企业上云业务及应用表") : md.index("## 无法读取的材料")]
    for row in report.annex:
        assert (f"| {row.domain} |" in annex) == row.on_cloud
    assert "| 基础系统上云 | IT资源 | 计算资源 | 是 | 第 3、6 页 |" in annex
    assert "- `附件.zip` `archive_too_large`：压缩包解压后超过 500 MB" in md
    assert "- `申报书.pdf` 第 7 页 `corrupt_page`：" in md


def test_invoices_held_for_review_are_listed_and_said_apart_from_the_total() -> None:
    report = make_report()
    held = report.spending.invoices[0].model_copy(update={
        "status": "needs_review", "counted": False, "issue_date": "2020-09-16",
        "reason": "待人工复核，暂不计入：价税合计大写与小写不一致"})
    spending = report.spending.model_copy(update={"invoices": [held], "needs_review_count": 1,
                                                  "needs_review_total": "10600.00"})
    md = render_markdown(make_report(spending=spending))
    assert "| 待复核 `needs_review` | 待人工复核，暂不计入：价税合计大写与小写不一致 |" in md
    assert "另有 1 张发票金额有疑义（价税合计共 10600.00 元），未计入合计" in md


def test_a_claimed_row_without_proof_is_shown_as_such() -> None:
    report = make_report()
    claimed = report.annex[0].model_copy(update={"on_cloud": False, "pages": [], "claimed": True, "claimed_pages": [9]})
    md = render_markdown(make_report(annex=[claimed, *report.annex[1:]]))
    assert f"| {claimed.domain} | 未找到佐证 | — |" in md and "| 是（第 9 页） |" in md


def test_table_cells_stay_on_one_row() -> None:
    report = make_report()
    checklist = [report.checklist[0].model_copy(update={"reason": "a | b\nc"})]
    md = render_markdown(make_report(checklist=checklist, risk_flags=[], errors=[]))
    assert "| a \\| b c |" in md
    assert "## 风险提示\n\n无" in md
    assert "## 无法读取的材料\n\n无" in md


def test_no_english_sentence_outside_code_spans() -> None:
    errors = [ReportError(file="扫描件/缺页.pdf", page=3, code=ErrorCode.corrupt_page, message="第 3 页无法读取：EOF marker not found")]
    md = render_markdown(make_report(errors=errors))
    # the message of a library (pdfminer's words after the colon) is quoted from outside; the
    # report's own words are Chinese
    assert english_sentences(md) == ["EOF marker not found"]
    assert english_sentences(render_markdown(make_report())) == []


def test_what_counts_as_an_english_sentence() -> None:
    text = ("原因：the buyer is not the applicant；产品 Amazon Web Services、MySQL 5.7；"
            "`split it, or raise EVIDENCE_MAX_FILE_MB` 输入 samples/jinan/dossier counted")
    assert english_sentences(text) == ["the buyer is not the applicant"]
