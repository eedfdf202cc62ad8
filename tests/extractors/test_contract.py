"""Contract reader: parties by role, amount in figures and words, dates, cloud wording."""

from __future__ import annotations

from extractors.contract import extract_contract
from models.domain import PageText, TextLine
from models.enums import TextSource

APPLICANT = "济南云帆信息科技有限公司"
APPLICANT_CODE = "91370102MA3C4K7P9Y"
PROVIDER = "浪潮云信息技术股份公司"


def L(text: str, x: float, y: float, h: float = 20, cw: float = 18) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + cw * len(text), y + h), confidence=0.99)


def contract_pages(
    *, cloud: bool = True, words: str = "叁万壹仟捌佰元整", code: str = APPLICANT_CODE
) -> list[PageText]:
    subject = "云服务器及对象存储等云服务" if cloud else "信息系统运行维护服务"
    p1 = [
        L("技术服务合同", 420, 120, h=40, cw=36),
        L("合同编号：LC-2020-0315", 700, 190),
        L(f"甲方（委托方）：{APPLICANT}", 120, 240),
        L(f"统一社会信用代码：{code}", 120, 270),
        L(f"乙方（受托方）：{PROVIDER}", 120, 310),
        L("统一社会信用代码：913701007286054750", 120, 340),
        L(f"一、服务内容：乙方向甲方提供{subject}。", 120, 400),
        L("二、服务期限：自2020年3月15日起至2021年3月14日止。", 120, 440),
        L(f"三、合同总金额：人民币¥31800.00元（大写：{words}）。", 120, 480),
    ]
    p2 = [
        L("四、本合同一式两份，双方盖章后生效。", 120, 200),
        L("甲方（盖章）：", 120, 1300),
        L("乙方（盖章）：", 760, 1300),
        L("代表人签字：", 120, 1350),
        L("代表人签字：", 760, 1350),
        L("日期：2020年3月15日", 120, 1400),
        L("日期：2020年3月16日", 760, 1400),
    ]
    return [
        PageText(page=5, width=1240, height=1754, lines=p1, text_source=TextSource.ocr),
        PageText(page=6, width=1240, height=1754, lines=p2, text_source=TextSource.ocr),
    ]


def test_fields() -> None:
    ex = extract_contract(contract_pages())
    f = ex.fields
    assert f["title"].value == "技术服务合同" and f["title"].page == 5
    assert f["party_a"].value == APPLICANT
    assert f["party_b"].value == PROVIDER
    assert ex.facts["party_roles"] == {"party_a": "甲方", "party_b": "乙方"}
    assert f["party_a_credit_code"].value == APPLICANT_CODE
    assert f["party_b_credit_code"].value == "913701007286054750"
    assert f["term_start"].value == "2020-03-15" and f["term_end"].value == "2021-03-14"
    # the words as printed; the figure they stand for is the finding's normalized value
    assert f["amount"].value == "31800.00" and f["amount_words"].value == "叁万壹仟捌佰元整"
    words = next(x for x in ex.findings if x.id == f["amount_words"].finding_id)
    assert words.normalized == "31800.00" and ex.facts["amount_words_value"] == "31800.00"
    # no labelled signing date: the latest date in the signature block on the last page
    assert f["signing_date"].value == "2020-03-16" and f["signing_date"].page == 6
    assert ex.facts["signature_page"] == 6
    assert all(fv.bbox is not None for fv in f.values())
    assert ex.facts["cloud_wording"] is True
    snippet = ex.facts["cloud_wording_snippets"][0]
    assert snippet["page"] == 5 and "云" in snippet["text"] and snippet["snippet"]
    assert ex.problems == []


def test_without_cloud_wording() -> None:
    ex = extract_contract(contract_pages(cloud=False))
    assert ex.facts["cloud_wording"] is False and ex.facts["cloud_wording_snippets"] == []
    [problem] = ex.problems
    assert problem.code == "contract_lacks_cloud_wording"
    assert problem.severity == "low"
    assert "上云情况说明" in problem.message and "双方盖章" in problem.message


def test_words_disagree_with_figures() -> None:
    ex = extract_contract(contract_pages(words="叁万壹仟元整"))
    codes = [p.code for p in ex.problems]
    assert codes == ["contract_amount_words_mismatch"]
    assert ex.problems[0].values == {"amount": "31800.00", "amount_words": "叁万壹仟元整",
                                     "amount_words_value": "31000.00"}
    assert ex.problems[0].message == "合同金额小写 31800.00 与大写“叁万壹仟元整”（31000.00）不一致"


def test_party_code_fails_check() -> None:
    bad = APPLICANT_CODE[:-1] + "X"
    ex = extract_contract(contract_pages(code=bad))
    [problem] = [p for p in ex.problems if p.code == "credit_code_invalid"]
    assert problem.fields == ["party_a_credit_code"] and problem.values["credit_code"] == bad
    assert problem.message.startswith(f"合同甲方统一社会信用代码 {bad} 校验不通过：校验位为 X，")


def test_buyer_seller_roles_and_labelled_signing_date() -> None:
    lines = [
        L("某某公司产品买卖框架合同", 100, 0, h=24),
        L("卖方：浙江某某新材料股份有限公司", 47, 44),
        L("买方：嘉兴某某织造股份有限公司", 48, 70),
        L("签订时间：2024年9月5日", 600, 96),
        L("卖方：浙江某某新材料股份有限公司", 46, 652),
        L("买方：嘉兴某某织造股份有限公司", 600, 652),
    ]
    ex = extract_contract([PageText(page=1, width=1000, height=738, lines=lines)])
    assert ex.fields["party_a"].value == "嘉兴某某织造股份有限公司"
    assert ex.fields["party_b"].value == "浙江某某新材料股份有限公司"
    assert ex.facts["party_roles"] == {"party_a": "买方", "party_b": "卖方"}
    assert ex.fields["signing_date"].value == "2024-09-05"
    assert ex.fields["title"].value == "某某公司产品买卖框架合同"
    assert ex.facts["signature_page"] == 1


# --- layout families: role words, system-generated orders, templates --------------------------------

SUPPLIER = "某某（厦门）卫浴有限公司"
BUYER = "上海某某网络科技有限公司"


def purchase_order(*, party_a: str = SUPPLIER, party_b: str = BUYER) -> list[PageText]:
    """A contract a sales system prints from a spreadsheet: 甲（供）方 / 乙（需）方 in the header,
    the goods table with its 合计 row, the words on a row of their own, and a signature block whose
    narrow column cuts the names at the line end."""
    p1 = [
        L("产品购销合同", 480, 136, h=32, cw=32),
        L(f"甲（供）方：{party_a}", 62, 248),
        L("签订地点：厦门", 816, 248),
        L(f"乙（需）方：{party_b}", 62, 282),
        L("合同编号：XS-2020082800052", 816, 282),
        L("签订日期：2020-06-24", 816, 316),
        *(L(t, x, 402) for t, x in (("品名", 58), ("规格型号", 194), ("数量", 328), ("含税单价", 462),
                                   ("税额", 732), ("价税合计金额", 866))),
        *(L(t, x, 430) for t, x in (("花洒", 58), ("WHS02", 194), ("10", 328), ("15.00", 462),
                                   ("17.26", 732), ("155.00", 866))),
        L("合计：", 58, 460), L("10", 328, 460), L("¥155.00", 866, 460),
        L("合计人民币金额(大写):", 58, 488), L("壹佰伍拾伍元", 328, 488),
        L("一、就乙方购买甲方产品事宜协商订立本合同。", 56, 540),
        L("甲方（公章）：某某（厦门）卫浴有限", 62, 1390),
        L("乙方（公章）：", 762, 1390),
        L("公司", 62, 1416),
        L(BUYER, 762, 1416),
    ]
    return [PageText(page=1, width=1190, height=1684, lines=p1, text_source=TextSource.text_layer)]


def test_bracketed_side_in_the_role_word_and_the_total_row_of_the_goods_table() -> None:
    ex = extract_contract(purchase_order())
    f = {k: v.value for k, v in ex.fields.items()}
    assert f["party_a"] == "某某(厦门)卫浴有限公司" and f["party_b"] == BUYER
    # 甲 is the supplier here: the bracket says so
    assert ex.facts["customer_party"] == "party_b"
    assert f["contract_number"] == "XS-2020082800052"
    # no labelled contract amount: the 合计 row's figure, which the words confirm
    assert f["amount"] == "155.00" and ex.facts["amount_words_value"] == "155.00"
    assert not [p for p in ex.problems if p.code == "contract_amount_words_mismatch"]


def test_a_name_cut_at_the_line_end_is_completed_from_the_next_line_or_not_reported() -> None:
    # the header lost: only the signature block's names, cut by the narrow column
    pages = purchase_order()
    lines = [ln for ln in pages[0].lines if not ln.text.startswith(("甲（供）方", "乙（需）方"))]
    ex = extract_contract([pages[0].model_copy(update={"lines": lines})])
    assert ex.fields["party_a"].value == "某某(厦门)卫浴有限公司"
    # a name cut inside its bracket before it ends, with nothing below to complete it, is no name
    lines = [ln.model_copy(update={"text": "甲方（公章）：某某(厦门"}) if ln.text.startswith("甲方（公章）")
             else ln for ln in lines if ln.text != "公司"]
    ex = extract_contract([pages[0].model_copy(update={"lines": lines})])
    assert "party_a" not in ex.fields


def test_template_placeholders_are_never_parties() -> None:
    for blank in ("____________", "[甲方名称]", "XXX有限公司", "【供方全称】"):
        ex = extract_contract(purchase_order(party_a=blank))
        assert ex.fields.get("party_a") is None or ex.fields["party_a"].value == "某某(厦门)卫浴有限公司", blank


def test_role_word_families() -> None:
    for customer, supplier in (("委托方", "设计方"), ("买方", "卖方"), ("需方", "供方"), ("采购方", "供应方"),
                               ("委托方", "受托方"), ("发包人", "承包人")):
        page = PageText(page=1, width=1240, height=1754, text_source=TextSource.text_layer, lines=[
            L("设计服务合同", 420, 120, h=40, cw=36),
            L(f"{supplier}：{PROVIDER}", 120, 240),
            L(f"{customer}：{APPLICANT}", 120, 280),
            L("合同金额：人民币50000.00元", 120, 340),
        ])
        ex = extract_contract([page])
        assert ex.fields["party_a"].value == APPLICANT, customer
        assert ex.fields["party_b"].value == PROVIDER, supplier
        assert ex.facts["customer_party"] == "party_a"


def test_development_period_is_the_term() -> None:
    page = PageText(page=1, width=1240, height=1754, text_source=TextSource.text_layer, lines=[
        L("软件开发合同", 420, 120, h=40, cw=36),
        L(f"甲方（委托方）：{APPLICANT}", 120, 240),
        L(f"乙方（受托方）：{PROVIDER}", 120, 280),
        L("第二条 开发周期", 120, 340),
        L("乙方应于2020年4月1日开始开发，于2020年8月31日前完成全部功能并交付甲方验收。", 140, 366),
    ])
    f = extract_contract([page]).fields
    assert (f["term_start"].value, f["term_end"].value) == ("2020-04-01", "2020-08-31")


def test_a_name_cut_inside_a_trailing_qualifier_is_closed() -> None:
    pages = purchase_order(party_b="某某大学(深圳")
    assert extract_contract(pages).fields["party_b"].value == "某某大学(深圳)"


def test_spreadsheet_form_labels_name_the_party_with_a_noun_and_cells_hold_the_values() -> None:
    page = PageText(page=1, width=1240, height=1754, text_source=TextSource.text_layer, lines=[
        L("云服务订购单", 420, 120, h=40, cw=36),
        L("需方单位名称", 120, 240), L(APPLICANT, 400, 240),
        L("供方单位名称", 120, 280), L(PROVIDER, 400, 280),
        L("甲方名称：______________", 120, 320),
    ])
    ex = extract_contract([page])
    assert ex.fields["party_a"].value == APPLICANT and ex.fields["party_b"].value == PROVIDER
    assert ex.facts["party_roles"] == {"party_a": "需方", "party_b": "供方"}
