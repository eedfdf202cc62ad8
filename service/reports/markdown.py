"""The report as Markdown: what a reviewer reads in a terminal or pastes into a ticket."""

from __future__ import annotations

from collections.abc import Iterable

from models.domain import Report
from service.reports import page_list, severity_label, status_label


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|") if text not in (None, "") else "—"


def _pages(pages: Iterable[int]) -> str:
    listed = page_list(pages)
    return f"p. {listed}" if listed else "—"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(report: Report) -> str:
    """Applicant, programme, summary, checklist by group, risk flags, spending, annex, errors."""
    s = report.summary
    applicant = report.applicant
    name = applicant.name or "（未识别 unknown）"
    lines: list[str] = [f"# 检查报告 Check report — {name}", ""]
    lines.append(
        f"- 申报企业 Applicant: {name}"
        + (f" ({applicant.credit_code})" if applicant.credit_code else "")
        + (f" — from {applicant.source}" if applicant.source else "")
    )
    lines.append(
        f"- 项目 Programme: {report.programme_title} (`{report.programme}`, version {report.programme_version})"
    )
    lines.append(f"- 星级 Star: {report.star if report.star is not None else '—'}")
    lines.append(f"- 检查日期 Checked on: {report.checked_on.isoformat()}")
    if report.inputs:
        lines.append(f"- 输入 Inputs: {', '.join(report.inputs)}")
    lines.append(f"- 页数 Pages: {s.pages}; 文件 Documents: {s.documents}")
    lines.append(
        f"- 检查项 Checklist: met 满足 {s.met} · missing 缺失 {s.missing} · needs_review 需人工复核 {s.needs_review}"
        f" · failed 不符合 {s.failed} · not_applicable 不适用 {s.not_applicable}"
    )
    lines.append(f"- 风险提示 Risk flags: {s.risk_flags}; 错误 Errors: {s.errors}")
    if s.partial:
        lines.append(
            "- **部分结果 Partial**: some input could not be read (see Errors); the checklist may be incomplete."
        )
    lines.append("")

    lines += ["## 检查结果 Checklist", ""]
    groups: dict[str, list[list[object]]] = {}
    for c in report.checklist:
        groups.setdefault(c.group or "其他 Other", []).append(
            [status_label(c.status), f"{c.title} (`{c.item_id}`)", _pages(c.pages), c.reason]
        )
    if not groups:
        lines += ["(none)", ""]
    for group, rows in groups.items():
        lines += [f"### {group}", ""]
        lines += _table(["状态 Status", "项目 Item", "页码 Pages", "说明 Reason"], rows)
        lines.append("")

    lines += ["## 风险提示 Risk flags", ""]
    if not report.risk_flags:
        lines.append("(none)")
    for f in report.risk_flags:
        lines.append(f"- **{severity_label(f.severity)}** `{f.code}` ({_pages(f.pages)}): {_cell(f.message)}")
    lines.append("")

    sp = report.spending
    counted = sum(1 for i in sp.invoices if i.counted)
    # programmes without a spending cut-off (double soft, Zhengzhou) have no spending section
    if sp.since or sp.invoices:
        lines += [f"## 上云费用 Spending since {sp.since}", ""]
        lines.append(
            f"Total 合计: **{sp.total}** 元 over {sp.invoice_count} invoice(s) counted "
            f"({counted} of {len(sp.invoices)} listed)."
        )
        lines.append("")
        if sp.by_seller:
            lines += _table(["销售方 Seller", "金额 Amount"], [[k, v] for k, v in sp.by_seller.items()])
            lines.append("")
        if sp.invoices:
            rows: list[list[object]] = [
                [
                    i.invoice_key,
                    i.issue_date,
                    i.seller_name,
                    i.grand_total,
                    "计入 counted" if i.counted else "不计入 not counted",
                    i.reason,
                    _pages(i.pages),
                ]
                for i in sp.invoices
            ]
            lines += _table(
                [
                    "发票 Invoice",
                    "开票日期 Date",
                    "销售方 Seller",
                    "价税合计 Total",
                    "计入 Counted",
                    "原因 Why",
                    "页码 Pages",
                ],
                rows,
            )
            lines.append("")

    on_cloud = [a for a in report.annex if a.on_cloud]
    if report.annex:
        lines += ["## 企业上云业务及应用表 Annex (on cloud)", ""]
    if on_cloud:
        lines += _table(
            ["类", "子类", "域", "页码 Pages", "依据 Source"],
            [[a.category, a.subcategory, a.domain, _pages(a.pages), a.source] for a in on_cloud],
        )
    elif report.annex:
        lines.append("(no domain proved on cloud)")
    lines.append("")

    lines += ["## 错误 Errors", ""]
    if not report.errors:
        lines.append("(none)")
    for e in report.errors:
        where = e.file or "—"
        if e.page is not None:
            where += f" p. {e.page}"
        lines.append(f"- {_cell(where)} `{e.code}`: {_cell(e.message)}")
    lines.append("")
    return "\n".join(lines)
