"""What the report renderers share: the Chinese words for the report's codes, and small formatters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from models.enums import Severity, Status

FORMATS = ("json", "md", "html", "xlsx")

# Chinese labels of the contract's vocabulary, as the programme's forms word them.
STATUS_LABELS: dict[Status, str] = {
    Status.met: "满足",
    Status.missing: "缺失",
    Status.needs_review: "需人工复核",
    Status.failed: "不符合",
    Status.not_applicable: "不适用",
}
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.high: "高",
    Severity.medium: "中",
    Severity.low: "低",
}
DOCUMENT_TYPE_LABELS: dict[str, str] = {
    "business_license": "营业执照",
    "vat_invoice": "增值税发票",
    "contract": "合同",
    "cloud_console": "云服务控制台截图",
    "application_form": "申请表",
    "software_copyright_certificate": "计算机软件著作权登记证书",
    "software_product_certificate": "软件产品登记证书",
    "telecom_license": "增值电信业务经营许可证",
    "test_report": "软件测试报告",
    "audit_report": "审计报告",
    "financial_statement": "财务报表",
    "bank_receipt": "银行回单",
    "deployment_statement": "云端部署/应用说明",
    "other": "其他材料",
}
TEXT_SOURCE_LABELS: dict[str, str] = {
    "text_layer": "PDF 文本层",
    "ocr": "OCR 识别",
    "ofd_xml": "OFD 文件内文字",
    "none": "未能读取",
}
SPENDING_STATUS_LABELS: dict[str, str] = {
    "counted": "计入",
    "excluded": "不计入",
    "needs_review": "待复核",
}
APPLICANT_SOURCE_LABELS: dict[str, str] = {
    "command line": "命令行指定",
    "application form": "申请表",
    "application_form": "申请表",
    "business licence": "营业执照",
    "business_license": "营业执照",
    "not found": "未找到",
}
ANNEX_BASIS_LABELS: dict[str, str] = {
    "proven": "材料证明",
    "claimed": "企业自报",
    "none": "",
}
FINDING_KIND_LABELS: dict[str, str] = {
    "field": "字段",
    "date": "日期",
    "amount": "金额",
    "amount_words": "大写金额",
    "credit_code": "统一社会信用代码",
    "tax_id": "纳税人识别号",
    "cloud_wording": "上云字样",
    "qr": "二维码",
}


def label(labels: Mapping[str, str], code: object) -> str:
    """The Chinese word for a stable code, or the code itself when the vocabulary has grown."""
    key = getattr(code, "value", code)
    return labels.get(str(key), str(key))


def status_label(status: Status) -> str:
    """'满足 met': the Chinese word a reviewer reads and the stable code a program reads."""
    return f"{STATUS_LABELS[status]} {status.value}"


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_LABELS[severity]} {severity.value}"


def page_list(pages: Iterable[int]) -> str:
    """Dossier page numbers as a form writes them: '3, 4' (empty for none)."""
    return ", ".join(str(p) for p in pages)


def annex_spans(keys: list[tuple[str, ...]]) -> list[int]:
    """How many rows each cell spans when equal neighbouring keys are merged, as on the paper form.

    The first row of a run gets the run's length, the rows it covers get 0.
    """
    spans = [0] * len(keys)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            spans[start] = i - start
            start = i
    return spans




def risk_words(report: object, *, spans: bool = False) -> str:
    """The report's risk score in a line: '风险分 50（高 high）：buyer_not_applicant 8、…' (codes in
    Markdown code spans with ``spans``)."""
    risk = getattr(report, "risk", None)
    if risk is None:
        return ""
    level = SEVERITY_LABELS.get(Severity(risk.level), risk.level)
    def code(c: str) -> str:
        return f"`{c}`" if spans else c

    reasons = "、".join(f"{code(r.code)} {r.points:g}" + (f"×{r.count}" if r.count > 1 else "") for r in risk.reasons)
    return f"风险分 {risk.score}（{level} {code(risk.level)}）" + (f"：{reasons}" if reasons else "")
