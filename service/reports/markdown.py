"""The report as Markdown: what a reviewer reads in a terminal or pastes into a ticket.

Everything a reviewer reads is Chinese; the stable codes of the report contract (statuses, flag
codes, item ids, error codes) stand beside the words in code spans, so a program or a colleague
can still search for them.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.domain import AnnexRow, Report
from models.enums import Severity, Status
from service.reports.labels import (
    ANNEX_BASIS_LABELS,
    APPLICANT_SOURCE_LABELS,
    SEVERITY_LABELS,
    SPENDING_STATUS_LABELS,
    STATUS_LABELS,
    label,
    risk_words,
)


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|") if text not in (None, "") else "—"


def _pages(pages: Iterable[int]) -> str:
    listed = "、".join(str(p) for p in pages)
    return f"第 {listed} 页" if listed else "—"


def _code(value: object) -> str:
    return f"`{getattr(value, 'value', value)}`"


def _status(status: Status) -> str:
    return f"{STATUS_LABELS[status]} {_code(status)}"


def _severity(severity: Severity) -> str:
    return f"{SEVERITY_LABELS[severity]} {_code(severity)}"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _claim(row: AnnexRow) -> str:
    if row.claimed is None:
        return "—"
    if not row.claimed:
        return "未勾选"
    return f"是（{_pages(row.claimed_pages)}）" if row.claimed_pages else "是"


def _on_cloud(row: AnnexRow) -> str:
    if not row.on_cloud:
        return "未找到佐证"
    basis = label(ANNEX_BASIS_LABELS, row.basis)
    return f"是（{basis}）" if basis else "是"


def render_markdown(report: Report) -> str:
    """Applicant, programme, summary, checklist by group, risk flags, spending, annex, errors."""
    s = report.summary
    applicant = report.applicant
    name = applicant.name or "（未识别）"
    lines: list[str] = [f"# 检查报告 — {name}", ""]
    lines.append(
        f"- 申报企业：{name}"
        + (f"（统一社会信用代码 {_code(applicant.credit_code)}）" if applicant.credit_code else "")
        + (f"，识别自{label(APPLICANT_SOURCE_LABELS, applicant.source)}" if applicant.source else "")
    )
    lines.append(f"- 申报项目：{report.programme_title}（{_code(report.programme)}，版本 {report.programme_version}）")
    lines.append(f"- 申报星级：{report.star if report.star is not None else '—'}")
    lines.append(f"- 检查日期：{report.checked_on.isoformat()}")
    if report.inputs:
        lines.append(f"- 输入材料：{'、'.join(_code(i) for i in report.inputs)}")
    lines.append(f"- 页数：{s.pages}；材料：{s.documents} 份")
    lines.append(
        f"- 检查项：{_status(Status.met)} {s.met} · {_status(Status.missing)} {s.missing}"
        f" · {_status(Status.needs_review)} {s.needs_review} · {_status(Status.failed)} {s.failed}"
        f" · {_status(Status.not_applicable)} {s.not_applicable}"
    )
    lines.append(f"- 风险提示：{s.risk_flags} 项；无法读取：{s.errors} 项")
    if report.risk is not None:
        lines.append(f"- {risk_words(report, spans=True)}")
    if s.partial:
        lines.append("- **部分结果**：有文件或页面未能读取（见“无法读取的材料”），检查结果可能不完整。")
    lines.append("")

    lines += ["## 检查结果", ""]
    groups: dict[str, list[list[object]]] = {}
    for c in report.checklist:
        groups.setdefault(c.group or "其他", []).append(
            [_status(c.status), f"{c.title}（{_code(c.item_id)}）", _pages(c.pages), c.reason]
        )
    if not groups:
        lines += ["无", ""]
    for group, rows in groups.items():
        lines += [f"### {group}", ""]
        lines += _table(["状态", "检查项", "页码", "说明"], rows)
        lines.append("")

    lines += ["## 风险提示", ""]
    if not report.risk_flags:
        lines.append("无")
    for f in report.risk_flags:
        lines.append(f"- **{_severity(f.severity)}** {_code(f.code)}（{_pages(f.pages)}）：{_cell(f.message)}")
    lines.append("")

    sp = report.spending
    # only programmes whose rule pack declares a spending section have one
    if sp is not None and (sp.since or sp.invoices):
        lines += [f"## 上云费用（{sp.since or '—'} 以来）", ""]
        excluded = sum(1 for i in sp.invoices if i.status == "excluded")
        lines.append(
            f"计入合计 **{sp.total}** 元，共 {sp.invoice_count} 张发票"
            f"（列出 {len(sp.invoices)} 张：计入 {sp.invoice_count}，不计入 {excluded}，待复核 {sp.needs_review_count}）。"
        )
        if sp.needs_review_count:
            lines.append("")
            lines.append(
                f"另有 {sp.needs_review_count} 张发票金额有疑义（价税合计共 {sp.needs_review_total} 元），"
                "未计入合计，请人工核对后再定。"
            )
        lines.append("")
        if sp.by_seller:
            lines += _table(["销售方", "计入金额（元）"], [[k, v] for k, v in sp.by_seller.items()])
            lines.append("")
        if sp.invoices:
            rows: list[list[object]] = [
                [
                    _code(i.invoice_key) if i.invoice_key else None,
                    i.issue_date,
                    i.seller_name,
                    i.grand_total,
                    f"{label(SPENDING_STATUS_LABELS, i.status)} {_code(i.status)}",
                    i.reason,
                    _pages(i.pages),
                ]
                for i in sp.invoices
            ]
            lines += _table(["发票", "开票日期", "销售方", "价税合计（元）", "是否计入", "原因", "页码"], rows)
            lines.append("")

    shown = [a for a in report.annex if a.on_cloud or a.claimed]
    if report.annex:
        lines += ["## 企业上云业务及应用表（已上云或企业勾选的项目）", ""]
    if shown:
        lines += _table(
            ["类", "子类", "域", "是否上云", "证明页码", "依据", "企业勾选"],
            [
                [
                    a.category,
                    a.subcategory,
                    a.domain,
                    _on_cloud(a),
                    _pages(a.pages),
                    a.source,
                    _claim(a),
                ]
                for a in shown
            ],
        )
    elif report.annex:
        lines.append("材料未能证明任何一项已上云。")
    lines.append("")

    lines += ["## 无法读取的材料", ""]
    if not report.errors:
        lines.append("无")
    for e in report.errors:
        where = _code(e.file) if e.file else "—"
        if e.page is not None:
            where += f" 第 {e.page} 页"
        lines.append(f"- {where} {_code(e.code)}：{_cell(e.message)}")
    lines.append("")
    return "\n".join(lines)
