"""A type is earned: look-alikes of every family the product met on unseen documents are
``other`` with a reason a person understands, named where the product can tell; the documents
they resemble, in other layouts, still get their type. All names and codes are invented; credit
codes carry valid check characters."""

from __future__ import annotations

import pytest

from extractors.classify import classify, group_documents
from extractors.codes import credit_code_check_char, credit_code_valid, org_code_check_char
from extractors.other_document import extract_other
from models.domain import PageText, TextLine
from models.enums import DocumentType, TextSource
from tests.extractors.invoice_pages import text_page

T = DocumentType


def code(prefix: str, division: str = "370102", org: str = "MA3C4K7P") -> str:
    """A credit code with both check characters right: 91 enterprise, 92 individual business,
    12 public institution, 51 social organisation."""
    first17 = prefix + division + org + org_code_check_char(org)
    full = first17 + credit_code_check_char(first17)
    assert credit_code_valid(full)
    return full


COMPANY = "济南云帆信息科技有限公司"
CODE = code("91")


# --- look-alikes: none of the product's types -----------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "resembles", "words"),
    [
        # an image that merely shows a document's name
        (["营业执照"], T.business_license, "统一社会信用代码或注册号"),
        (["营业执照", "办理营业执照 一站式服务", "咨询电话 400-123-4567"], T.business_license, "统一社会信用代码或注册号"),
        (["计算机软件著作权登记证书"], T.software_copyright_certificate, "证书号"),
        (["增值税专用发票"], T.vat_invoice, "发票号码"),
        # teaching material about invoicing and statements
        (["增值税发票的基本知识", "发票代码是10位或12位数字，发票号码是8位数字；数电发票的号码为20位。",
          "价税合计等于金额合计加税额合计，购买方和销售方的纳税人识别号必须填写完整。", "开票日期、校验码和密码区的含义"],
         T.vat_invoice, "发票号码"),
        (["第三章 财务报表分析", "一、资产负债表",
          "资产负债表是反映企业在某一特定日期财务状况的报表，利润表反映企业在一定会计期间的经营成果。",
          "资产负债表的基本结构：资产=负债+所有者权益。流动资产包括货币资金、应收账款等。",
          "利润表中，营业收入减去营业成本和各项费用，得出营业利润和净利润。"],
         T.financial_statement, "带数字的报表项目表格"),
        (["如何申请计算机软件著作权登记证书", "申请人向中国版权保护中心提交申请表、身份证明和源程序。",
          "审核通过后，由国家版权局颁发证书。"], T.software_copyright_certificate, "证书号"),
    ],
)
def test_a_page_lacking_the_defining_content_is_other_with_the_reason(
        texts: list[str], resembles: DocumentType, words: str) -> None:
    c = classify(text_page(*texts))
    assert c.document_type == T.other, c.reason
    assert c.resembles == resembles
    assert c.reason.startswith("像") and words in c.reason
    assert "other" in c.note() and c.reason in c.note()


@pytest.mark.parametrize(
    ("texts", "name"),
    [
        (["食品经营许可证", "经营者名称 济南某某餐饮管理有限公司", f"社会信用代码（身份证号码） {CODE}",
          "法定代表人（负责人） 王某", "住所 济南市历下区某路1号", "主体业态 餐饮服务经营者", "经营项目 热食类食品制售",
          "许可证编号 JY23701020012345", "发证机关 济南市历下区市场监督管理局", "有效期至 2025年06月30日"],
         "食品经营许可证"),
        (["开户许可证", "核准号：J4510000123401", "编号：4510-00123456", f"经审核，{COMPANY}符合开户条件，准予",
          "开立基本存款账户。", "法定代表人（单位负责人） 王某", "开户银行 中国工商银行股份有限公司济南历下支行",
          "账号 1602318609139099603"], "开户许可证"),
        (["税务登记证", f"鲁税字 370102{CODE[8:17]} 号", f"纳税人名称 {COMPANY}", "法定代表人（负责人） 王某",
          "地址 济南市历下区某路1号", "登记注册类型 有限责任公司", "经营范围 软件开发；信息技术咨询服务",
          "批准设立机关 济南市工商行政管理局", "发证机关 济南市历下区国家税务局"], "税务登记证"),
        (["医疗器械经营许可证", "企业名称 济南某某医疗器械有限公司", f"统一社会信用代码 {CODE}", "法定代表人 王某",
          "经营范围 第三类医疗器械", "许可证编号 鲁济食药监械经营许20190001号", "发证部门 济南市市场监督管理局"],
         "医疗器械经营许可证"),
        (["排污许可证", "单位名称 济南某某化工有限公司", f"统一社会信用代码 {CODE}", "法定代表人 王某",
          "行业类别 化学原料", f"证书编号 {CODE}001P", "发证机关 济南市生态环境局"], "排污许可证"),
        (["中华人民共和国", "组织机构代码证", f"代码 {CODE[8:16]}-{CODE[16]}", f"机构名称 {COMPANY}",
          "机构类型 企业法人", "法定代表人 王某", "地址 济南市历下区某路1号", "颁发单位 济南市质量技术监督局"],
         "组织机构代码证"),
        (["事业单位法人证书", f"统一社会信用代码 {code('12', '370100', 'ABCD1234')}", "名称 济南市某某研究院",
          "宗旨和业务范围 开展信息技术研究", "住所 济南市历下区某路1号", "法定代表人 王某", "经费来源 财政补助",
          "开办资金 500万元", "举办单位 济南市某某局", "登记管理机关 济南市事业单位登记管理局"], "事业单位法人证书"),
        (["社会团体法人登记证书", f"统一社会信用代码 {code('51', '370100', 'XYW01234')}", "名称 济南市某某行业协会",
          "业务范围 行业服务", "住所 济南市历下区某路1号", "法定代表人 王某", "登记管理机关 济南市民政局"],
         "社会团体法人登记证书"),
        (["增值税及附加税费申报表", "（一般纳税人适用）", f"纳税人识别号 {CODE}", f"纳税人名称 {COMPANY}",
          "法定代表人 王某", "注册地址 济南市历下区某路1号", "联系电话 0531-12345678", "销售额 100,000.00 税额 6,000.00"],
         "增值税及附加税费申报表"),
        (["某某商贸有限公司送货单", "收货单位：某公司", "名称 数量 单价 金额", "合计 583215.12"], "送货单"),
    ],
)
def test_other_licences_certificates_and_forms_are_named_as_what_they_are(texts: list[str], name: str) -> None:
    c = classify(text_page(*texts))
    assert c.document_type == T.other, c.reason
    assert c.name == name and name in c.reason and name in c.note()


def _box(text: str, x0: float, y0: float, x1: float, y1: float) -> TextLine:
    return TextLine(text=text, bbox=(x0, y0, x1, y1))


def customs_declaration() -> PageText:
    """The layout family of a customs declaration: labels in a row, values in the row below."""
    lines = [
        _box("中华人民共和国海关进口货物报关单", 276, 37, 564, 55),
        _box("预录入编号：021720260000012345", 40, 75, 166, 84), _box("海关编号：021720260000012345", 257, 75, 376, 84),
        _box(f"境内收货人({CODE})", 40, 90, 171, 99), _box("进境关别(0217)", 259, 90, 322, 99),
        _box("进口日期", 387, 90, 417, 97), _box("申报日期", 520, 90, 550, 97), _box("备案号", 640, 90, 663, 97),
        _box(COMPANY, 40, 101, 158, 110), _box("某某关", 259, 101, 295, 110),
        _box("20260316", 387, 101, 423, 110), _box("20260316", 520, 101, 556, 110),
        _box("合同协议号", 40, 160, 78, 167), _box("QGM3860", 40, 171, 72, 180),
        _box("随附单证：代理报关委托协议（电子）；发票；装箱单；提/运单；合同", 40, 217, 560, 226),
        _box("商品名称及规格型号", 174, 275, 242, 283), _box("数量及单位", 343, 275, 380, 283),
        _box("单价/总价/币制", 429, 275, 482, 283), _box("14175.00", 462, 299, 498, 308),
        _box("兹申明对以上内容承担如实申报、依法纳税之法律责任", 375, 511, 555, 519),
        _box(f"申报单位({CODE})某某供应链管理有限公司", 45, 529, 286, 538), _box("申报单位（签章）", 495, 527, 555, 535),
    ]
    return PageText(page=1, width=842, height=595, lines=lines, text_source=TextSource.text_layer)


def test_a_declaration_of_another_authority_is_no_contract_and_keeps_its_principal_date() -> None:
    page = customs_declaration()
    c = classify(page)
    assert c.document_type == T.other and c.name == "海关进口货物报关单", c.reason
    ex = extract_other([page])
    assert ex.fields["title"].value == "海关进口货物报关单"
    assert ex.fields["issue_date"].value == "2026-03-16" and ex.facts["issue_date_label"] == "申报日期"


def test_disagreeing_labelled_dates_give_no_principal_date() -> None:
    page = text_page("某某单", "申报日期 2026年03月16日", "填发日期 2026年04月01日")
    assert "issue_date" not in extract_other([page]).fields
    one = text_page("某某单", "日期：2024-9-4")
    assert extract_other([one]).fields["issue_date"].value == "2024-09-04"


# --- the documents they resemble still get their type ---------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # an individual business's licence is a business licence
        (["营业执照", "统一社会信用代码", code("92", "310116", "MAG1QRDJ"), "名称 济南市历下区某某便利店（个体工商户）",
          "类型 个体工商户", "经营者 王某", "组成形式 个人经营", "经营场所 济南市历下区某路1号", "注册日期 2025年10月24日",
          "登记机关"], T.business_license),
        # an old licence with a 注册号 and a holder but no 名称 label on the OCR line
        (["营 业 执 照", "注册号 370102000012345", "济南某某商贸有限公司", "住所 济南市", "法定代表人 张某"],
         T.business_license),
        # contracts under other role words
        (["产品购销合同", "甲（供）方：某某卫浴有限公司", "乙（需）方：某某网络科技有限公司", "合同编号：ABC-2020-0001",
          "双方协商订立本合同"], T.contract),
        (["建筑设计合同", "委托方：某某置业有限公司", "设计方：某某建筑设计院有限公司", "本合同自双方签字盖章之日起生效"],
         T.contract),
        (["产品买卖框架合同", "卖方：某某新材料股份有限公司", "买方：某某织造股份有限公司", "签订时间：2024年9月5日"],
         T.contract),
        # a quota invoice prints no parties by design
        (["山东省通用定额发票", "发票联", "发票代码 137011920100", "发票号码 01234567", "壹拾元", "金额 10.00"], T.vat_invoice),
        # a 数电 invoice: the 20-digit number
        (["电子发票（普通发票）", "发票号码：25437000000297554203", "开票日期：2025年10月13日",
          f"购名称：{COMPANY}", "销名称：某某速运有限公司", f"统一社会信用代码/纳税人识别号：{CODE}",
          "价税合计（大写） 壹拾柒圆整 （小写）¥17.00"], T.vat_invoice),
        # a statement page of an annual report: the running header names the report, the title the statement
        (["某某股份有限公司2023年年度报告", "合并利润表", "2023年1-12月 单位：元", "项目 附注 本期发生额 上期发生额",
          "一、营业总收入 1,234,567,890.12 1,100,000,000.00", "其中：营业收入 1,234,567,890.12 1,100,000,000.00",
          "五、净利润 98,765,432.10 87,654,321.00"], T.financial_statement),
    ],
)
def test_the_real_thing_in_other_layouts_keeps_its_type(texts: list[str], expected: DocumentType) -> None:
    c = classify(text_page(*texts))
    assert c.document_type == expected, c.reason
    assert c.evidence and "具备" in c.reason


# --- grouping -------------------------------------------------------------------------------------


def _typed(pages: list[PageText], file: str = "a.pdf") -> list[tuple[PageText, DocumentType, str]]:
    return [(p, classify(p).document_type, file) for p in pages]


def _invoice_page(n: int, page_mark: str) -> PageText:
    return text_page("电子发票（增值税专用发票）", "发票号码：25437000000297554203", f"购名称：{COMPANY}",
                     f"统一社会信用代码/纳税人识别号：{CODE}", "项目名称 金额 税额", "*信息技术服务*云服务费 100.00 6.00",
                     page_mark, page=n)


def test_a_multi_page_invoice_is_one_document_and_a_second_copy_is_not() -> None:
    pages = [_invoice_page(1, "共2页 第1页"), _invoice_page(2, "共2页 第2页")]
    assert group_documents(_typed(pages)) == [[1, 2]]
    copies = [_invoice_page(1, "价税合计 ¥106.00"), _invoice_page(2, "价税合计 ¥106.00")]
    assert group_documents(_typed(copies)) == [[1], [2]]


def test_statements_inside_an_annual_report_are_documents_of_their_own() -> None:
    header = "某某股份有限公司2023年年度报告"
    figures = ["货币资金 1,234,567.89 1,000,000.00", "应收账款 2,345,678.90 2,000,000.00", "资产总计 9,876,543.21 9,000,000.00"]
    pages = [
        text_page(header, "第十节 财务报告", "一、审计报告", "某某会计师事务所（特殊普通合伙）", "审计意见",
                  "我们审计了某某股份有限公司财务报表", page=1),
        text_page(header, "合并资产负债表", "2023年12月31日 单位：元", "项目 期末余额 期初余额", *figures, page=2),
        text_page(header, "合并资产负债表（续）", "项目 期末余额 期初余额", *figures, page=3),
        text_page(header, "合并利润表", "项目 本期发生额 上期发生额", "营业收入 5,432,100.00 4,321,000.00",
                  "营业成本 3,210,000.00 2,100,000.00", "净利润 543,210.00 432,100.00", page=4),
        text_page(header, "合并现金流量表", "项目 本期发生额 上期发生额", "销售商品收到的现金 1,000,000.00 900,000.00",
                  "经营活动现金流量净额 200,000.00 150,000.00", "期末现金余额 300,000.00 250,000.00", page=5),
        text_page(header, "审计报告（续）", "某某会计师事务所", "中国注册会计师：张某", page=6),
    ]
    typed = _typed(pages)
    assert [t for _, t, _ in typed][1:5] == [T.financial_statement] * 4
    assert group_documents(typed) == [[1], [2, 3], [4], [5], [6]]


def test_a_page_that_resembles_the_document_before_it_continues_it() -> None:
    pages = [
        text_page("专项审计报告", "某某会计师事务所有限公司", "审计意见", "豫某审字〔2018〕第080号", page=1),
        text_page("专项审计报告", "软件企业认定专项审计明细表（一）", "营业收入 1,250.00", page=2),
        customs_declaration().model_copy(update={"page": 3}),
    ]
    typed = _typed(pages)
    assert [t for _, t, _ in typed] == [T.audit_report, T.other, T.other]
    assert group_documents(typed) == [[1, 2], [3]]


def test_named_documents_of_other_kinds_stay_apart() -> None:
    pages = [
        text_page("开户许可证", "核准号：J4510000123401", page=1),
        text_page("税务登记证", "纳税人名称 某公司", page=2),
        text_page("杂项说明", page=3),
        text_page("附图", page=4),
    ]
    assert group_documents(_typed(pages)) == [[1], [2], [3, 4]]


def test_parties_named_in_the_preamble_and_a_misread_code_after_its_label() -> None:
    preamble = text_page("技术服务合同", "某某信息科技有限公司（以下简称“甲方”）与某某云计算有限公司（以下简称“乙方”）",
                         "经友好协商，就云服务事宜签订本合同。")
    assert classify(preamble).document_type == T.contract
    # OCR read the last 2 as Z: not the credit-code alphabet, but the label says what it is
    misread = text_page("营业执照", f"统一社会信用代码 {CODE[:17]}Z", f"名称 {COMPANY}", "法定代表人 王某")
    assert classify(misread).document_type == T.business_license
