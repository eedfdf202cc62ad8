"""The Zhengzhou call's form fields and agreement facts (synthetic pages, no OCR)."""

from __future__ import annotations

from extractors.base import Extraction
from extractors.programme_forms import combined, extract_agreement, extract_programme_form
from models.domain import PageText, TextLine
from models.enums import TextSource


def L(text: str, x: float, y: float, h: float = 12) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + 10 * len(text), y + h), confidence=0.98)


def page(lines: list[TextLine], n: int = 1) -> PageText:
    return PageText(page=n, width=595, height=842, lines=lines, text_source=TextSource.text_layer)


def test_ticked_kind_and_submission_date() -> None:
    p = page([
        L("郑州市首批企业上云服务商申报表", 150, 60),
        L("申报单位", 80, 120), L("郑州中原数云科技有限公司", 170, 120),
        L("申报类别", 80, 140), L("□综合云平台服务商 ■行业云平台服务商 □云应用服务商", 170, 140),
        L("申报日期：2018年5月9日", 320, 600),
    ])
    ex = extract_programme_form([p])
    assert ex.fields["applicant_kind"].value == "platform"
    assert ex.facts["applicant_kind_detail"] == "industry"
    assert ex.fields["submission_date"].value == "2018-05-09"
    assert ex.facts["summary_table_pages"] == []


def test_kind_named_alone_the_last_box_ticked_and_nothing_ticked() -> None:
    named = page([L("申报类别：云应用服务商", 80, 140)])
    assert extract_programme_form([named]).fields["applicant_kind"].value == "application"
    last = page([L("申报类别", 80, 140), L("□综合云平台服务商□行业云平台服务商■云应用服务商", 170, 140)])
    assert extract_programme_form([last]).facts["applicant_kind_detail"] == "application"
    blank = page([L("申报类别", 80, 140), L("□综合云平台服务商□行业云平台服务商□云应用服务商", 170, 140)])
    assert "applicant_kind" not in extract_programme_form([blank]).fields


def test_summary_table_page() -> None:
    p = page([L("郑州市企业上云服务商申报汇总表", 150, 60), L("企业名称", 80, 100)], n=2)
    assert extract_programme_form([p]).facts["summary_table_pages"] == [2]


def test_authorisation_letter_and_agency_agreement() -> None:
    letter = page([
        L("授权书", 260, 60),
        L("授权人：中国某某通信集团河南有限公司", 60, 100),
        L("被授权人：中国某某通信集团河南有限公司郑州分公司", 60, 120),
        L("兹授权被授权人在郑州市开展互联网数据中心及云计算业务。", 60, 140),
    ])
    ex = extract_agreement([letter])
    assert ex.facts["agreement_kind"] == "authorisation"
    assert ex.fields["grantor"].value == "中国某某通信集团河南有限公司"
    assert ex.fields["grantee"].value == "中国某某通信集团河南有限公司郑州分公司"
    agency = page([L("云服务业务合作代理协议", 200, 60), L("甲方：济南某某云有限公司", 60, 100)])
    assert extract_agreement([agency]).facts["agreement_kind"] == "agency"
    plain = page([L("云服务采购合同", 200, 60)])
    assert extract_agreement([plain]).facts["agreement_kind"] is None


def test_combined_keeps_the_first_extractors_fields() -> None:
    def first(pages: list[PageText]) -> Extraction:
        ex = Extraction()
        ex.set_field("company_name", "甲", 1, None, 1.0, "a")
        ex.facts["x"] = 1
        return ex

    def second(pages: list[PageText]) -> Extraction:
        ex = Extraction()
        ex.set_field("company_name", "乙", 1, None, 1.0, "b")
        ex.set_field("applicant_kind", "platform", 1, None, 1.0, "b")
        ex.facts["x"] = 2
        ex.facts["y"] = 3
        return ex

    ex = combined(first, second)([page([])])
    assert ex.fields["company_name"].value == "甲" and ex.fields["applicant_kind"].value == "platform"
    assert ex.facts == {"x": 1, "y": 3} and len(ex.findings) == 3
