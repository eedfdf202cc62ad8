"""Report writers: one report, four renderings (JSON, Markdown, HTML, XLSX).

The pipeline calls `write_report` or `render`; the renderers are imported only when their format
is asked for, so writing JSON never loads openpyxl or jinja2.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from models.domain import Report
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


def render(report: Report, fmt: str, page_images: Mapping[int, bytes] | None = None) -> bytes:
    """The report in ``fmt`` (one of FORMATS) as the bytes of a file; page images serve only HTML."""
    if fmt == "json":
        from service.reports.json_report import render_json

        return render_json(report).encode("utf-8")
    if fmt == "md":
        from service.reports.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        from service.reports.html import render_html

        return render_html(report, page_images).encode("utf-8")
    if fmt == "xlsx":
        from service.reports.xlsx import render_xlsx

        return render_xlsx(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def write_report(
    report: Report, fmt: str, path: Path, page_images: Mapping[int, bytes] | None = None
) -> None:
    """Write the report to ``path`` atomically: readers see the old file or the whole new one."""
    # render before touching the disk, so an unknown format or a renderer bug leaves nothing behind
    atomic_write_bytes(Path(path), render(report, fmt, page_images))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``."""
    folder = path.parent
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


__all__ = [
    "ANNEX_BASIS_LABELS",
    "APPLICANT_SOURCE_LABELS",
    "DOCUMENT_TYPE_LABELS",
    "FINDING_KIND_LABELS",
    "FORMATS",
    "SPENDING_STATUS_LABELS",
    "TEXT_SOURCE_LABELS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "annex_spans",
    "atomic_write_bytes",
    "label",
    "page_list",
    "render",
    "severity_label",
    "status_label",
    "write_report",
]
