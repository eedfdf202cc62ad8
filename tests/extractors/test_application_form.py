"""Application form 星级上云企业评定申请表 and its annex table, as OCR boxes of the table cells."""

from __future__ import annotations

from extractors.application_form import extract_application_form
from models.domain import PageText, TextLine
from models.enums import TextSource

CODE = "91370102MA3C4K7P9Y"


def L(text: str, x: float, y: float, h: float = 22, cw: float = 18) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + cw * len(text), y + h), confidence=0.98)


def form_page(code: str = CODE) -> PageText:
    lines = [
        L("星级上云企业评定申请表", 400, 80, h=36, cw=30),
        L("中文名称", 150, 200),
        L("济南云帆信息科技有限公司", 400, 200),
        L("注册地址", 150, 240),
        L("济南市历下区经十路1号101室", 400, 240),
        L("统一社会信用代码", 150, 280),
        L(code, 400, 280, cw=12),
        L("注册资金(万元)", 700, 280),
        L("1000", 950, 280),
        L("法人代表", 150, 320),
        L("姓名", 300, 320),
        L("王某某", 400, 320),
        L("电话", 700, 320),
        L("0531-8888888", 800, 320),
        L("企业规模", 150, 360),
        L("总人数", 300, 360),
        L("120", 400, 360),
        L("人", 460, 360),
        L("申请评定星级", 150, 400),
        L("三星级", 400, 400),
        L("云服务部署模型", 150, 440),
        L("公有云", 400, 440),
        L("指公有云、私有云、混合云等", 600, 440, cw=12),
        L("上云合作机构", 150, 480),
        L("浪潮云信息技术股份公司", 400, 480),
        L("上云开始时间", 150, 520),
        L("2020年3月", 400, 520),
        L("所处行业", 150, 560),
        L("软件和信息技术服务业", 400, 560),
        L("真实性承诺", 150, 900),
        L("我单位申报的所有材料，均真实、完整，如有不实，愿承担相应的责任。", 300, 900, cw=12),
    ]
    return PageText(page=1, width=1240, height=1754, lines=lines, text_source=TextSource.ocr)


def annex_page() -> PageText:
    # columns: 类 | 子类 | 域 | 是否上云/满足 | 证明材料在申报书中的页码
    lines = [
        L("附表", 100, 60),
        L("企业上云业务及应用表", 400, 100, h=30),
        L("类", 110, 160),
        L("子类", 250, 160),
        L("域", 450, 160),
        L("是否上云/满足", 650, 160),
        L("证明材料在申报书中的页码", 900, 160, cw=12),
        L("基础系统上云", 90, 200),
        L("IT 资源", 250, 200),
        L("门户网站", 420, 200),
        L("√", 700, 200),
        L("14", 980, 200),
        L("数据库", 420, 240),
        L("存储资源", 420, 280),
        L("是", 700, 280),
        L("14、15", 980, 280),
        L("计算资源", 420, 320),
        L("√", 700, 320),
        L("12-13", 980, 320),
        # OCR merged a whole row into one box
        L("营销", 250, 360),
        L("营销   √                     18", 420, 360, cw=26),
        L("IT 运维", 420, 400),
        L("否", 700, 400),
    ]
    return PageText(page=2, width=1240, height=1754, lines=lines, text_source=TextSource.ocr)


def test_form_fields() -> None:
    ex = extract_application_form([form_page(), annex_page()])
    f = ex.fields
    assert f["company_name"].value == "济南云帆信息科技有限公司"
    assert f["credit_code"].value == CODE
    assert f["registered_capital"].value == "1000万元" and f["registered_capital"].page == 1
    assert f["legal_representative"].value == "王某某"
    assert f["staff_count"].value == "120"
    assert f["star_level"].value == "3"
    assert f["deployment_model"].value == "public"
    assert f["cloud_partner"].value == "浪潮云信息技术股份公司"
    assert f["cloud_start_date"].value == "2020-03-01"
    assert f["industry"].value == "软件和信息技术服务业"
    assert f["registered_address"].value == "济南市历下区经十路1号101室"
    assert all(fv.bbox is not None for fv in f.values())
    assert ex.facts["pledge_present"] is True
    assert ex.problems == []


def test_annex_table() -> None:
    ex = extract_application_form([form_page(), annex_page()])
    rows = {r["domain"]: r for r in ex.facts["annex_marked"]}
    assert ex.facts["annex_found"] is True
    assert rows["门户网站"]["marked"] is True and rows["门户网站"]["pages"] == [14]
    assert rows["数据库"]["marked"] is False and rows["数据库"]["pages"] == []
    assert rows["存储资源"]["pages"] == [14, 15]
    assert rows["计算资源"]["pages"] == [12, 13]
    assert rows["营销"]["marked"] is True and rows["营销"]["pages"] == [18]
    assert rows["营销"]["subcategory"] == "营销" and rows["营销"]["category"] == "业务上云"
    assert rows["IT 运维"]["marked"] is False
    assert all(r["page"] == 2 for r in rows.values())
    # rows come in the table's order
    assert [r["domain"] for r in ex.facts["annex_marked"]][:4] == [
        "门户网站",
        "数据库",
        "存储资源",
        "计算资源",
    ]


def test_blank_form_hints_are_not_values() -> None:
    page = PageText(
        page=1,
        width=1240,
        height=1754,
        lines=[
            L("云服务部署模型", 150, 440),
            L("指公有云、私有云、混合云等", 600, 440, cw=12),
            L("上云合作机构", 150, 480),
            L("指公有云、私有云等以及工业互联网平台服务商", 600, 480, cw=12),
        ],
    )
    ex = extract_application_form([page])
    assert "deployment_model" not in ex.fields and "cloud_partner" not in ex.fields
    assert ex.facts["annex_marked"] == [] and ex.facts["pledge_present"] is False


def test_bad_credit_code() -> None:
    ex = extract_application_form([form_page(code=CODE[:-1] + "X")])
    assert [p.code for p in ex.problems] == ["credit_code_invalid"]
