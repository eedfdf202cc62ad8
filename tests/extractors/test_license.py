"""Business licence reader on synthetic pages with the geometry of real OCR output."""

from __future__ import annotations

from extractors.license import extract_license
from models.domain import PageText, TextLine
from models.enums import TextSource

VALID_CODE = "91370102MA3C4K7P9Y"  # valid check characters, registered in 历下区 (370102)


def L(text: str, x: float, y: float, w: float | None = None, h: float = 18) -> TextLine:
    return TextLine(
        text=text, bbox=(x, y, x + (w if w is not None else 16 * len(text)), y + h), confidence=0.98
    )


def licence(
    code: str = VALID_CODE, entity_type: str = "有限责任公司", name: str = "济南云帆信息科技有限公司"
) -> PageText:
    # labels in a left column, spaced like the printed form; OCR merged the first label characters
    # into one tall box (名类) and glued 称 to the value, as it does on real scans
    lines = [
        L("营业执照", 130, 160, 270, 60),
        L(f"统一社会信用代码{code}", 230, 270, 220),
        L("名类", 90, 303, 18, 40),
        L(f"称{name}", 146, 303),
        L("型", 148, 324),
        L(entity_type, 170, 324),
        L("住", 91, 344),
        L("所", 148, 344),
        L("济南市历下区经十路1号101室", 170, 344),
        L("法定代表人", 90, 364),
        L("王某某", 170, 364),
        L("注册资本", 90, 384),
        L("1000万元整", 170, 384),
        L("成立日期", 90, 404),
        L("2018年03月05日", 170, 404),
        L("营业期限", 90, 424),
        L("2018年03月05日至长期", 170, 424),
        L("经营范围", 90, 444),
        L("软件开发；信息系统集成服务；云计算", 170, 444),
        L("服务。（依法须经批准的项目除外）", 170, 462),
        L("登记机关", 246, 592),
        L("济南市历下区市场监督管理局", 330, 560),
        L("2020年05月11日", 330, 633),
    ]
    return PageText(page=2, width=524, height=727, lines=lines, text_source=TextSource.ocr)


def test_fields_and_boxes() -> None:
    ex = extract_license([licence()])
    f = ex.fields
    assert f["credit_code"].value == VALID_CODE
    assert f["company_name"].value == "济南云帆信息科技有限公司"
    assert f["entity_type"].value == "有限责任公司"
    assert f["address"].value == "济南市历下区经十路1号101室"
    assert f["legal_representative"].value == "王某某"
    assert f["registered_capital"].value == "1000万元整"
    assert f["established_date"].value == "2018-03-05"
    assert f["business_term"].value == "2018-03-05至长期"
    assert f["business_scope"].value.startswith("软件开发") and f["business_scope"].value.endswith("除外)")
    assert f["registration_authority"].value == "济南市历下区市场监督管理局"
    assert f["issue_date"].value == "2020-05-11"
    for fv in f.values():
        assert fv.page == 2 and fv.bbox is not None and fv.finding_id
    # the name's box starts after the glued 称
    assert f["company_name"].bbox[0] > 146
    assert ex.facts == {"independent_legal_person": True, "is_individual_business": False, "division": "370102"}
    assert ex.problems == []


def test_bad_check_character() -> None:
    bad = VALID_CODE[:-1] + "X"
    ex = extract_license([licence(code=bad)])
    assert ex.fields["credit_code"].value == bad
    [problem] = ex.problems
    assert problem.code == "credit_code_invalid"
    assert problem.fields == ["credit_code"]
    assert problem.values["credit_code"] == bad and problem.values["problems"]


def test_branch_is_not_independent() -> None:
    ex = extract_license(
        [licence(entity_type="有限责任公司分公司", name="济南云帆信息科技有限公司历城分公司")]
    )
    assert ex.facts["independent_legal_person"] is False
    assert [p.code for p in ex.problems] == ["branch_not_independent"]


def test_old_registration_number() -> None:
    page = PageText(
        page=1,
        width=508,
        height=731,
        text_source=TextSource.ocr,
        lines=[
            L("注册号310110000759836", 233, 270, 170),
            L("名称", 90, 324),
            L("上海某某科技服务有限公司", 166, 324),
        ],
    )
    ex = extract_license([page])
    assert "credit_code" not in ex.fields
    assert ex.fields["registration_number"].value == "310110000759836"
    assert ex.fields["company_name"].value == "上海某某科技服务有限公司"
    assert ex.facts["division"] == "310110"
    assert ex.facts["independent_legal_person"] is None


def test_empty_page() -> None:
    ex = extract_license([PageText(page=1, width=100, height=100)])
    assert ex.fields == {} and ex.facts["independent_legal_person"] is None


INDIVIDUAL_CODE = "92320506MA7K2Q5L34"  # valid; characters 1-2 "92": registered as a 个体工商户


def individual_licence(date_rows: list[TextLine] | None = None) -> PageText:
    """A 个体工商户 licence as phone photos read it: two columns of labels (类型 | 组成形式,
    经营者 | 经营场所), the issue date under the registration seal split into boxes, with the
    fragments re-read under the seal ink inside the longer box."""
    lines = [
        L("营业执照", 500, 220, 430, 120),
        L("统一社会信用代码", 170, 260, 220, 32),
        L(INDIVIDUAL_CODE, 170, 300, 190, 26),
        L("组成形式家庭经营", 840, 430, 230, 29),
        L("名", 170, 430, 20, 38),
        L("称 苏州市吴中区某某小吃店（个体工商户）", 264, 434, 420, 29),
        L("类", 174, 486, 36, 34),
        L("注册日期 2021年03月08日", 838, 486, 290, 30),
        L("型个体工商户", 263, 487, 143, 30),
        L("经营者李某某", 170, 538, 200, 34),
        L("经营场所 苏州市吴中区木渎镇金山路1号", 835, 539, 475, 34),
        L("经营范围", 167, 595, 132, 30),
        L("餐饮服务；食品销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）", 297, 598, 500, 27),
        L("登记机关", 920, 784, 165, 36),
        *(date_rows if date_rows is not None else [
            L("2021年03月", 1079, 877, 192, 43),
            L("21", 1116, 885, 36, 29),
            L("03月", 1202, 881, 66, 33),
            L("15日", 1286, 887, 65, 36),
        ]),
        L("市场主体应当于每年1月1日至6月30日通过国", 719, 976, 331, 32),
    ]
    return PageText(page=1, width=1475, height=1043, lines=lines, text_source=TextSource.ocr)


def test_individual_business_licence_reads_type_form_operator_place_and_dates() -> None:
    ex = extract_license([individual_licence()])
    f = {k: v.value for k, v in ex.fields.items()}
    # 类型 is the entity type; 组成形式 (how the business is run) is a field of its own
    assert f["entity_type"] == "个体工商户"
    assert f["composition"] == "家庭经营"
    assert f["legal_representative"] == "李某某"  # the 经营者
    assert f["address"] == "苏州市吴中区木渎镇金山路1号"  # the 经营场所
    assert f["established_date"] == "2021-03-08"
    # 2021年03月 | 15日 under the seal, without the fragments 21 and 03月 read inside the first box
    assert f["issue_date"] == "2021-03-15"
    assert ex.facts["is_individual_business"] is True
    assert ex.facts["independent_legal_person"] is False


def test_issue_date_in_words_under_the_seal() -> None:
    rows = [L("二〇二一年三月", 1079, 877, 190, 43), L("十五日", 1280, 880, 90, 40)]
    ex = extract_license([individual_licence(rows)])
    assert ex.fields["issue_date"].value == "2021-03-15"


def test_credit_code_registered_as_individual_business_is_one_without_the_words() -> None:
    page = licence(code=INDIVIDUAL_CODE, entity_type="个人经营", name="苏州市吴中区某某小吃店")
    assert extract_license([page]).facts["is_individual_business"] is True


def test_credit_code_read_with_a_confusable_letter_is_repaired_only_when_the_checks_prove_it() -> None:
    # O/I are no code characters, S/Z are not either; the division must be digits
    ex = extract_license([licence(code=VALID_CODE.replace("0102", "OIO2"))])
    assert ex.fields["credit_code"].value == VALID_CODE
    assert not ex.problems
    # a wrong character that is no OCR confusion is reported as printed, with its problem
    wrong = VALID_CODE[:-1] + "X"
    ex = extract_license([licence(code=wrong)])
    assert ex.fields["credit_code"].value == wrong
    assert [p.code for p in ex.problems] == ["credit_code_invalid"]


def test_established_date_split_into_boxes_by_an_overlay() -> None:
    page = licence()
    lines = [ln for ln in page.lines if ln.text != "2018年03月05日"]
    # a sticker or a drawn box over the date: OCR returns 2018年03 | 月05日, and a fragment of it
    lines += [L("2018年03", 170, 404), L("03", 218, 405, 20), L("月05日", 310, 404)]
    ex = extract_license([page.model_copy(update={"lines": lines})])
    assert ex.fields["established_date"].value == "2018-03-05"
