"""Small, realistic test data: a checked Jinan dossier as a `Report`, and page images.

`make_report()` gives a six-page dossier (application form, licence, two-page contract, invoice,
console screenshot) with findings that carry boxes, seals, one checklist item of every status,
annex rows, risk flags, spending and errors. Pass any `Report` field to replace it; the summary is
recomputed from the result unless `summary` itself is given.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PIL import Image, ImageDraw

from models.domain import (
    AnnexRow,
    Applicant,
    BBox,
    CheckResult,
    Document,
    FieldValue,
    Finding,
    LineItem,
    PageInfo,
    Report,
    ReportError,
    RiskFlag,
    Seal,
    Spending,
    SpendingInvoice,
    Summary,
    stable_id,
)
from models.enums import (
    DocumentType,
    ErrorCode,
    FlagCode,
    SealColor,
    SealShape,
    Severity,
    Status,
    TextSource,
)

APPLICANT_NAME = "济南云帆信息科技有限公司"
APPLICANT_CREDIT_CODE = "91370102MA3C4K7P9Y"  # valid check characters, registered in 历下区
SELLER_NAME = "浪潮云信息技术股份公司"
SELLER_TAX_ID = "913701007286054750"

# A4 in PDF points for text-layer pages; a 150 dpi scan in pixels for OCR'd pages.
A4_POINTS = (595.0, 842.0)
A4_PIXELS = (1240.0, 1754.0)

# The annex table of the Jinan 2020 notice (first rows), in the form's order.
ANNEX_DOMAINS: list[tuple[str, str, str]] = [
    ("基础系统上云", "IT资源", "门户网站"),
    ("基础系统上云", "IT资源", "数据库"),
    ("基础系统上云", "IT资源", "存储资源"),
    ("基础系统上云", "IT资源", "计算资源"),
    ("基础系统上云", "安全防护", "内容安全"),
    ("基础系统上云", "安全防护", "业务安全"),
    ("基础系统上云", "安全防护", "网络安全"),
    ("基础系统上云", "办公协同", "工作文件存储和备份"),
    ("基础系统上云", "办公协同", "协同工作工具"),
    ("管理上云", "财务管理", "费用管理"),
    ("管理上云", "财务管理", "税务管理"),
    ("管理上云", "信息管理", "IT运维"),
]


def set_width(text: str, em: float = 20.0) -> float:
    """How wide ``text`` is set on a Chinese page: ideographs and full-width punctuation an em,
    digits, Latin letters and ASCII punctuation half of one."""
    return sum(em if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else em / 2 for ch in text)


def make_page_image(width: int, height: int) -> bytes:
    """A JPEG of a blank page with a few grey 'text lines', like a small rendered page."""
    img = Image.new("RGB", (max(1, width), max(1, height)), "white")
    draw = ImageDraw.Draw(img)
    step = max(4, height // 20)
    for y in range(step, height - step, step):
        draw.rectangle((width // 10, y, width - width // 10, y + max(1, step // 4)), fill=(200, 200, 200))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=60)
    return buf.getvalue()


def _finding(kind: str, value: str, page: int, bbox: BBox | None, **kw: Any) -> Finding:
    return Finding(
        kind=kind, value=value, page=page, bbox=bbox, extractor=kw.pop("extractor", "test"), **kw
    ).with_id()


def _fv(f: Finding) -> FieldValue:
    return FieldValue(
        value=f.normalized or f.value, page=f.page, bbox=f.bbox, confidence=f.confidence, finding_id=f.id
    )


def summarize(report_fields: dict[str, Any]) -> Summary:
    """The summary counts of a report's content (what the pipeline computes)."""
    checklist: list[CheckResult] = report_fields["checklist"]
    counts = {s: sum(1 for c in checklist if c.status == s) for s in Status}
    errors: list[ReportError] = report_fields["errors"]
    return Summary(
        pages=len(report_fields["pages"]),
        documents=len(report_fields["documents"]),
        met=counts[Status.met],
        missing=counts[Status.missing],
        needs_review=counts[Status.needs_review],
        failed=counts[Status.failed],
        not_applicable=counts[Status.not_applicable],
        risk_flags=len(report_fields["risk_flags"]),
        errors=len(errors),
        partial=bool(errors),
    )


def make_report(**overrides: Any) -> Report:
    """A realistic checked dossier; keyword arguments replace `Report` fields."""
    w, h = A4_POINTS
    pw, ph = A4_PIXELS
    pages = [
        PageInfo(
            page=1,
            file="申报书.pdf",
            file_page=1,
            width=w,
            height=h,
            document_type=DocumentType.application_form,
            text_source=TextSource.text_layer,
        ),
        PageInfo(
            page=2,
            file="申报书.pdf",
            file_page=2,
            width=pw,
            height=ph,
            document_type=DocumentType.business_license,
            text_source=TextSource.ocr,
            rotation=90,
            skew=0.4,
            ocr_cached=False,
        ),
        PageInfo(
            page=3,
            file="申报书.pdf",
            file_page=3,
            width=w,
            height=h,
            document_type=DocumentType.contract,
            text_source=TextSource.text_layer,
        ),
        PageInfo(
            page=4,
            file="申报书.pdf",
            file_page=4,
            width=w,
            height=h,
            document_type=DocumentType.contract,
            text_source=TextSource.text_layer,
        ),
        PageInfo(
            page=5,
            file="发票/inv-01359620.pdf",
            file_page=1,
            width=w,
            height=h * 0.47,
            document_type=DocumentType.vat_invoice,
            text_source=TextSource.text_layer,
        ),
        PageInfo(
            page=6,
            file="截图/ecs.png",
            file_page=1,
            width=1920.0,
            height=1080.0,
            document_type=DocumentType.cloud_console,
            text_source=TextSource.ocr,
            notes=["screenshot <控制台> & bill"],
        ),
    ]

    f_form_name = _finding(
        "field",
        APPLICANT_NAME,
        1,
        (120.0, 140.0, 330.0, 158.0),
        field="company_name",
        extractor="application_form",
    )
    f_lic_name = _finding(
        "field",
        APPLICANT_NAME,
        2,
        (380.0, 610.0, 900.0, 660.0),
        field="company_name",
        confidence=0.96,
        extractor="licence",
    )
    f_lic_code = _finding(
        "credit_code",
        APPLICANT_CREDIT_CODE,
        2,
        (380.0, 520.0, 860.0, 560.0),
        field="credit_code",
        valid=True,
        confidence=0.98,
        extractor="licence",
    )
    f_lic_addr = _finding(
        "field",
        "济南市历下区经十路 9999 号",
        2,
        (380.0, 700.0, 1000.0, 740.0),
        field="address",
        confidence=0.91,
        extractor="licence",
    )
    f_con_party_b = _finding(
        "field", SELLER_NAME, 3, (90.0, 120.0, 300.0, 136.0), field="party_b", extractor="contract"
    )
    f_con_wording = _finding(
        "cloud_wording", "云服务器", 3, (90.0, 300.0, 140.0, 314.0), extractor="contract"
    )
    f_con_amount = _finding(
        "amount",
        "¥10,600.00",
        4,
        (200.0, 210.0, 280.0, 224.0),
        normalized="10600.00",
        field="amount",
        extractor="contract",
    )
    f_con_date = _finding(
        "date",
        "2020年3月2日",
        4,
        (360.0, 700.0, 460.0, 714.0),
        normalized="2020-03-02",
        field="signing_date",
        extractor="contract",
    )
    f_inv_number = _finding(
        "field",
        "01359620",
        5,
        (470.0, 30.0, 540.0, 42.0),
        field="invoice_number",
        confidence=0.97,
        extractor="invoice",
    )
    f_inv_date = _finding(
        "date",
        "2019年12月28日",
        5,
        (470.0, 48.0, 560.0, 60.0),
        normalized="2019-12-28",
        field="issue_date",
        extractor="invoice",
    )
    f_inv_buyer = _finding(
        "field", "济南云帆科技有限公司", 5, (80.0, 70.0, 260.0, 82.0), field="buyer_name", extractor="invoice"
    )
    f_inv_total = _finding(
        "amount",
        "¥10600.00",
        5,
        (420.0, 330.0, 500.0, 344.0),
        normalized="10600.00",
        field="grand_total",
        extractor="invoice",
    )
    f_inv_words = _finding(
        "amount_words",
        "壹万零陆佰圆整",
        5,
        (150.0, 330.0, 300.0, 344.0),
        normalized="10600.00",
        field="grand_total_words",
        extractor="invoice",
    )
    f_console_vendor = _finding(
        "field", "浪潮云", 6, (20.0, 10.0, 140.0, 50.0), field="vendor", confidence=0.88, extractor="console"
    )
    f_console_ecs = _finding(
        "cloud_wording", "云服务器 ECS", 6, (300.0, 200.0, 520.0, 240.0), confidence=0.9, extractor="console"
    )
    f_console_oss = _finding(
        "cloud_wording", "对象存储 OSS", 6, (300.0, 260.0, 520.0, 300.0), confidence=0.87, extractor="console"
    )
    # a finding without a box: it must still be listed, never drawn
    f_console_date = _finding("date", "2020-04-01", 6, None, normalized="2020-04-01", extractor="console")
    findings = [
        f_form_name,
        f_lic_name,
        f_lic_code,
        f_lic_addr,
        f_con_party_b,
        f_con_wording,
        f_con_amount,
        f_con_date,
        f_inv_number,
        f_inv_date,
        f_inv_buyer,
        f_inv_total,
        f_inv_words,
        f_console_vendor,
        f_console_ecs,
        f_console_oss,
        f_console_date,
    ]

    documents = [
        Document(
            id="d-form",
            document_type=DocumentType.application_form,
            pages=[1],
            title="星级上云企业评定申请表",
            fields={"company_name": _fv(f_form_name)},
        ),
        Document(
            id="d-licence",
            document_type=DocumentType.business_license,
            pages=[2],
            title="营业执照",
            fields={
                "company_name": _fv(f_lic_name),
                "credit_code": _fv(f_lic_code),
                "address": _fv(f_lic_addr),
            },
        ),
        Document(
            id="d-contract",
            document_type=DocumentType.contract,
            pages=[3, 4],
            title="云服务采购合同",
            fields={
                "party_b": _fv(f_con_party_b),
                "amount": _fv(f_con_amount),
                "signing_date": _fv(f_con_date),
            },
            facts={"cloud_wording": True},
        ),
        Document(
            id="d-invoice",
            document_type=DocumentType.vat_invoice,
            pages=[5],
            title="增值税电子普通发票",
            fields={
                "invoice_number": _fv(f_inv_number),
                "issue_date": _fv(f_inv_date),
                "buyer_name": _fv(f_inv_buyer),
                "grand_total": _fv(f_inv_total),
                "grand_total_words": _fv(f_inv_words),
            },
            line_items=[
                LineItem(
                    name="*信息技术服务*云服务费",
                    amount="10000.00",
                    tax_rate="6%",
                    tax="600.00",
                    page=5,
                    bbox=(40.0, 160.0, 560.0, 176.0),
                )
            ],
            facts={"invoice_kind": "电子普通发票"},
        ),
        Document(
            id="d-console",
            document_type=DocumentType.cloud_console,
            pages=[6],
            title="浪潮云控制台",
            fields={"vendor": _fv(f_console_vendor)},
            list_fields={"products": [_fv(f_console_ecs), _fv(f_console_oss)]},
            facts={"public_cloud": True},
        ),
    ]

    seals = [
        Seal(
            id=stable_id("s", 3, "party_b"),
            page=4,
            bbox=(380.0, 620.0, 500.0, 740.0),
            shape=SealShape.round,
            color=SealColor.red,
            text=f"{SELLER_NAME}合同专用章",
            kind="合同专用章",
            confidence=0.86,
        ),
        Seal(
            id=stable_id("s", 5, "invoice"),
            page=5,
            bbox=(250.0, 10.0, 340.0, 70.0),
            shape=SealShape.oval,
            color=SealColor.red,
            text=f"{SELLER_NAME} {SELLER_TAX_ID} 发票专用章",
            kind="发票专用章",
            confidence=0.8,
        ),
    ]

    checklist = [
        CheckResult(
            item_id="eligibility.registered_in_jinan",
            title="注册地在济南市",
            group="申报条件",
            status=Status.met,
            pages=[2],
            evidence=[f_lic_code.id, f_lic_addr.id],
            reason="统一社会信用代码 3-8 位 370102（历下区），住所在济南市",
        ),
        CheckResult(
            item_id="eligibility.independent_legal_person",
            title="独立法人（非分公司）",
            group="申报条件",
            status=Status.met,
            pages=[2],
            evidence=[f_lic_name.id],
            reason="企业类型为有限责任公司",
        ),
        CheckResult(
            item_id="eligibility.credit",
            title="财务状况良好、信用良好",
            group="申报条件",
            status=Status.needs_review,
            reason="无法从申报材料判断，需人工复核",
        ),
        CheckResult(
            item_id="eligibility.spending_since_cutoff",
            title="2020年1月1日以来有实际上云支出",
            group="申报条件",
            status=Status.failed,
            pages=[5],
            evidence=[f_inv_date.id],
            reason="唯一的发票开票日期 2019-12-28 早于 2020-01-01 <截止日>",
        ),
        CheckResult(
            item_id="materials.application_form",
            title="星级上云企业评定申请表及附表",
            group="申报材料",
            status=Status.met,
            pages=[1],
            evidence=[f_form_name.id],
            reason="第 1 页为申请表",
        ),
        CheckResult(
            item_id="materials.contracts_and_invoices",
            title="上云合同及发票",
            group="申报材料",
            status=Status.met,
            pages=[3, 4, 5],
            evidence=[f_con_amount.id, f_inv_total.id],
            reason="合同金额 10600.00 与发票价税合计一致",
        ),
        CheckResult(
            item_id="materials.deployment_statement",
            title="云部署情况说明（双方盖章）",
            group="申报材料",
            status=Status.not_applicable,
            reason="合同含“云服务器”字样，无需说明",
        ),
        CheckResult(
            item_id="materials.audit_report",
            title="专业机构审计报告",
            group="申报材料",
            status=Status.missing,
            reason="未找到审计报告",
        ),
        CheckResult(
            item_id="materials.console_screenshots",
            title="云服务使用截图",
            group="申报材料",
            status=Status.met,
            pages=[6],
            evidence=[f_console_ecs.id],
            reason="浪潮云控制台截图",
        ),
    ]

    on_cloud: dict[str, tuple[list[int], list[str], str]] = {
        "数据库": ([6], [f_console_ecs.id], "控制台截图"),
        "存储资源": ([6], [f_console_oss.id], "对象存储 OSS"),
        "计算资源": ([3, 6], [f_con_wording.id, f_console_ecs.id], "合同“云服务器”、ECS 截图"),
        "网络安全": ([6], [], "安全中心"),
        "IT运维": ([6], [], "云监控"),
    }
    annex = []
    for category, subcategory, domain in ANNEX_DOMAINS:
        pages_, evidence, source = on_cloud.get(domain, ([], [], ""))
        annex.append(
            AnnexRow(
                category=category,
                subcategory=subcategory,
                domain=domain,
                on_cloud=domain in on_cloud,
                pages=pages_,
                evidence=evidence,
                source=source,
            )
        )

    risk_flags = [
        RiskFlag(
            code=FlagCode.buyer_not_applicant,
            severity=Severity.high,
            pages=[5],
            evidence=[f_inv_buyer.id],
            message=f"发票购买方“济南云帆科技有限公司”与申报企业“{APPLICANT_NAME}”不一致",
            values={"buyer_name": "济南云帆科技有限公司", "applicant": APPLICANT_NAME},
        ).with_id(),
        RiskFlag(
            code=FlagCode.date_before_cutoff,
            severity=Severity.medium,
            pages=[5],
            evidence=[f_inv_date.id],
            message="开票日期 2019-12-28 早于 2020-01-01",
            values={"date": "2019-12-28"},
        ).with_id(),
        RiskFlag(
            code=FlagCode.text_layer_unreadable,
            severity=Severity.low,
            pages=[3, 4],
            evidence=[],
            message="文本层有乱码，已改用 OCR <check>",
            values={},
        ).with_id(),
    ]

    spending = Spending(
        since="2020-01-01",
        total="0.00",
        invoice_count=0,
        by_seller={},
        invoices=[
            SpendingInvoice(
                document_id="d-invoice",
                pages=[5],
                invoice_key="01359620",
                issue_date="2019-12-28",
                grand_total="10600.00",
                seller_name=SELLER_NAME,
                counted=False,
                reason="开票日期早于 2020-01-01",
            ),
        ],
    )

    errors = [
        ReportError(
            file="附件.zip", page=None, code=ErrorCode.archive_too_large, message="压缩包解压后超过 500 MB"
        ),
        ReportError(file="申报书.pdf", page=7, code=ErrorCode.corrupt_page, message="第 7 页无法解析"),
    ]

    fields: dict[str, Any] = {
        "programme": "jinan-star-cloud-2020",
        "programme_version": "1.0.0",
        "programme_title": "济南市星级上云企业评定（济工信信数字〔2020〕2号）",
        "star": 3,
        "checked_on": date(2024, 5, 20),
        "applicant": Applicant(
            name=APPLICANT_NAME, credit_code=APPLICANT_CREDIT_CODE, source="application_form"
        ),
        "inputs": ["申报书.pdf", "发票/inv-01359620.pdf", "截图/ecs.png", "附件.zip"],
        "pages": pages,
        "documents": documents,
        "findings": findings,
        "seals": seals,
        "checklist": checklist,
        "annex": annex,
        "risk_flags": risk_flags,
        "spending": spending,
        "errors": errors,
    }
    fields.update(overrides)
    if "summary" not in fields:
        fields["summary"] = summarize(fields)
    return Report(**fields)


def make_page_images(report: Report, scale: float = 0.25) -> dict[int, bytes]:
    """Small JPEGs for every page of ``report``, keyed by dossier page number."""
    return {
        p.page: make_page_image(max(1, int(p.width * scale)), max(1, int(p.height * scale)))
        for p in report.pages
    }
