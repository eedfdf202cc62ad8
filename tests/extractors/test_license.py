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
    assert ex.facts == {"independent_legal_person": True, "division": "370102"}
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
