"""Page classification by weighted cues, and grouping pages into documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.classify import CUES, classify_page, group_documents
from models.domain import PageText
from models.enums import DocumentType
from tests.extractors.invoice_pages import digital_layout, paper_layout, text_page

T = DocumentType
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pagetext"


def load(name: str) -> PageText:
    return PageText.model_validate_json((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["营业执照", "统一社会信用代码 91370102MA3C4K7P9Y", "名称 济南云帆信息科技有限公司", "住所 济南市历下区",
          "法定代表人 王某", "经营范围 软件开发", "登记机关"], T.business_license),
        (["营 业 执 照", "注册号 370102000012345", "住所 济南市", "法定代表人 张某"], T.business_license),
        (["云服务采购合同", "甲方：济南云帆信息科技有限公司", "乙方：浪潮云信息技术股份公司",
          "第一条 服务内容", "第五条 违约责任", "签订日期：2020年3月2日"], T.contract),
        (["技术服务协议书", "委托方：某公司", "受托方：某公司", "本协议自双方签字盖章之日起生效"], T.contract),
        (["阿里云 控制台", "云服务器 ECS / 实例", "实例ID/名称 状态 可用区", "运行中 华北2(北京)"], T.cloud_console),
        (["天翼云", "云主机列表", "虚拟机 运行中", "地域 济南"], T.cloud_console),
        (["星级上云企业评定申请表", "申请单位基本情况", "企业名称", "统一社会信用代码"], T.application_form),
        (["附表", "企业上云业务及应用表", "门户网站 数据库 存储资源 计算资源", "页码"], T.application_form),
        (["计算机软件著作权登记证书", "证书号：软著登字第7625599号", "软件名称：某系统V1.0", "著作权人：某公司"],
         T.software_copyright_certificate),
        (["软件产品登记证书", "证书编号：鲁RC-2018-0123", "软件名称", "申请企业", "山东省软件行业协会"],
         T.software_product_certificate),
        (["中华人民共和国", "增值电信业务经营许可证", "经营许可证编号：B1-20180001", "业务种类"], T.telecom_license),
        (["软件测试报告", "委托单位", "测试结论"], T.test_report),
        (["专项审计报告", "某会计师事务所", "审计意见"], T.audit_report),
        (["资产负债表", "项目 期末余额 年初余额", "流动资产", "货币资金 1,234,567.89 1,000,000.00",
          "负债和所有者权益 5,432,100.00 4,900,000.00"], T.financial_statement),
        (["中国银行 电子回单", "付款人 某公司", "收款人 某公司", "转账 交易金额 10600.00"], T.bank_receipt),
        (["上云情况说明", "我公司的业务系统部署在浪潮云", "特此说明", "申请单位（盖章） 云服务商（盖章）"],
         T.deployment_statement),
        (["云服务部署说明", "特此说明"], T.deployment_statement),
        (["某某公司送货单", "收货单位：某公司", "名称 数量 单价 金额", "合计 583215.12"], T.other),
        (["公司公章", "财务专用章", "法人代表章"], T.other),
        (["发票专用章"], T.other),
        (["会议纪要", "时间：2020年3月2日"], T.other),
    ],
)
def test_classify_page(texts: list[str], expected: DocumentType) -> None:
    dtype, confidence, reason = classify_page(text_page(*texts))
    assert dtype == expected, reason
    assert 0 < confidence <= 1
    assert reason


def test_invoices_are_invoices_and_the_reason_names_the_cues() -> None:
    for page in (paper_layout(), digital_layout(), load("einvoice_ocr_split_date.json"),
                 load("vat_special_photo_skewed.json"), load("fully_digital_ocr.json")):
        dtype, confidence, reason = classify_page(page)
        assert dtype == T.vat_invoice, reason
        assert confidence > 0.8
    assert "价税合计" in classify_page(paper_layout())[2]


def test_delivery_note_with_amounts_and_company_names_is_other() -> None:
    dtype, _, reason = classify_page(load("delivery_note_ocr.json"))
    assert dtype == T.other
    assert "送货单" in reason


def test_ocr_spacing_and_one_misread_character_still_match() -> None:
    assert classify_page(text_page("星 级 上 云 企 业 评 定 申 请 表"))[0] == T.application_form
    # 评 read as 平: the long cue still matches fuzzily
    assert classify_page(text_page("星级上云企业平定申请表", "申请单位"))[0] == T.application_form


def test_cues_are_data() -> None:
    assert set(CUES) <= set(DocumentType)
    assert all(w != 0 for cues in CUES.values() for w in cues.values())


# --- grouping -------------------------------------------------------------------------------------


def _p(n: int, *texts: str) -> PageText:
    return text_page(*texts, page=n)


def test_consecutive_pages_of_one_file_and_type_form_one_document() -> None:
    pages = [
        (_p(1, "星级上云企业评定申请表"), T.application_form, "a.pdf"),
        (_p(2, "申请单位基本情况"), T.application_form, "a.pdf"),
        (_p(3, "营业执照"), T.business_license, "a.pdf"),
        (_p(4, "合同"), T.contract, "a.pdf"),
        (_p(5, "第三条"), T.contract, "a.pdf"),
    ]
    assert group_documents(pages) == [[1, 2], [3], [4, 5]]


def test_every_invoice_page_is_its_own_document() -> None:
    pages = [
        (paper_layout(page=1), T.vat_invoice, "a.pdf"),
        (digital_layout(page=2), T.vat_invoice, "a.pdf"),
        (paper_layout(page=3), T.vat_invoice, "a.pdf"),
    ]
    assert group_documents(pages) == [[1], [2], [3]]


def test_sales_list_continues_its_invoice() -> None:
    pages = [
        (paper_layout(page=1), T.vat_invoice, "a.pdf"),
        (_p(2, "销售货物或者提供应税劳务、服务清单", "发票代码 037001900111 发票号码 01359620", "共 2 页 第 2 页"),
         T.vat_invoice, "a.pdf"),
        (_p(3, "销货清单 续页"), T.other, "a.pdf"),
        (paper_layout(page=4), T.vat_invoice, "a.pdf"),
    ]
    assert group_documents(pages) == [[1, 2, 3], [4]]


def test_a_list_with_another_invoice_number_is_not_a_continuation() -> None:
    pages = [
        (paper_layout(page=1), T.vat_invoice, "a.pdf"),
        (_p(2, "销货清单", "发票号码：99999999"), T.vat_invoice, "a.pdf"),
    ]
    assert group_documents(pages) == [[1], [2]]


def test_other_page_between_contract_pages_joins_the_contract() -> None:
    pages = [
        (_p(1, "云服务合同"), T.contract, "c.pdf"),
        (_p(2, "技术参数"), T.other, "c.pdf"),
        (_p(3, "附件二"), T.other, "c.pdf"),
        (_p(4, "甲方（盖章） 乙方（盖章）"), T.contract, "c.pdf"),
        (_p(5, "照片"), T.other, "c.pdf"),
    ]
    assert group_documents(pages) == [[1, 2, 3, 4], [5]]


def test_pages_of_different_files_never_merge() -> None:
    pages = [
        (_p(1, "合同"), T.contract, "c1.pdf"),
        (_p(2, "备注"), T.other, "c2.pdf"),
        (_p(3, "合同"), T.contract, "c2.pdf"),
        (_p(4, "合同"), T.contract, "c3.pdf"),
        (_p(5, "截图"), T.cloud_console, "s1.png"),
        (_p(6, "截图"), T.cloud_console, "s2.png"),
    ]
    assert group_documents(pages) == [[1], [2], [3], [4], [5], [6]]


def test_a_form_page_that_reads_like_a_console_stays_with_its_form() -> None:
    # page 2 of an application form describes the cloud products in use; it is still the form
    pages = [
        (_p(1, "星级上云企业评定申请表"), DocumentType.application_form, "form.pdf"),
        (_p(2, "上云范围及内容简介：云服务器 ECS、对象存储 OSS"), DocumentType.cloud_console, "form.pdf"),
        (_p(3, "企业上云业务及应用表"), DocumentType.application_form, "form.pdf"),
        (_p(4, "阿里云 云服务器 ECS 实例"), DocumentType.cloud_console, "console.png"),
    ]
    assert group_documents(pages) == [[1, 2, 3], [4]]


def test_an_invoice_inside_a_bound_contract_file_is_not_swallowed() -> None:
    pages = [
        (_p(1, "合同"), DocumentType.contract, "bound.pdf"),
        (_p(2, "发票"), DocumentType.vat_invoice, "bound.pdf"),
        (_p(3, "合同"), DocumentType.contract, "bound.pdf"),
    ]
    assert group_documents(pages) == [[1], [2], [3]]


def test_a_page_without_cues_after_a_contract_page_continues_it() -> None:
    pages = [
        (_p(1, "合同 甲方 乙方"), DocumentType.contract, "c.pdf"),
        (_p(2, "附加条款 1 2 3"), DocumentType.other, "c.pdf"),
        (_p(3, "送货单"), DocumentType.other, "d.png"),
    ]
    assert group_documents(pages) == [[1, 2], [3]]


@pytest.mark.parametrize("label", ["No", "No.", "Nº ", "N° ", "№"])
def test_an_invoice_numbered_under_any_printed_form_of_no_is_an_invoice(label: str) -> None:
    """Paper invoices print the number after "No" set as Nº or №; OCR reads any of these."""
    page = paper_layout()
    lines = [ln.model_copy(update={"text": f"{label}{ln.text.split('：')[1]}"}) if ln.text.startswith("发票号码")
             else ln for ln in page.lines]
    dtype, _, reason = classify_page(page.model_copy(update={"lines": lines}))
    assert dtype == T.vat_invoice, reason
