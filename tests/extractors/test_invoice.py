"""The invoice extractor: fields by layout, checks, and one problem per defect."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.base import Extraction
from extractors.invoice import code_year, extract_invoice, invoice_kind
from models.domain import PageText, TextLine
from models.enums import FlagCode, TextSource
from tests.extractors.invoice_pages import (
    BUYER_NAME,
    BUYER_TAX_ID,
    SELLER_NAME,
    SELLER_TAX_ID,
    DigitalSpec,
    InvoiceSpec,
    Item,
    digital_layout,
    paper_layout,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pagetext"


def values(ex: Extraction) -> dict[str, str]:
    return {k: v.value for k, v in ex.fields.items()}


def codes(ex: Extraction) -> list[str]:
    return [p.code for p in ex.problems]


def checks(ex: Extraction) -> dict[str, bool]:
    return {c["check"]: c["ok"] for c in ex.facts["checks"]}


def load(name: str) -> PageText:
    return PageText.model_validate_json((FIXTURES / name).read_text(encoding="utf-8"))


# --- a clean invoice ------------------------------------------------------------------------------


def test_clean_paper_invoice_reads_every_field_and_passes_every_check() -> None:
    ex = extract_invoice([paper_layout()])
    assert values(ex) == {
        "invoice_kind": "e_invoice_ordinary",
        "invoice_code": "037001900111",
        "invoice_number": "01359620",
        "issue_date": "2020-03-02",
        "check_code": "76939056883466677916",
        "buyer_name": BUYER_NAME,
        "buyer_tax_id": BUYER_TAX_ID,
        "seller_name": SELLER_NAME,
        "seller_tax_id": SELLER_TAX_ID,
        "amount_total": "10500.00",
        "tax_total": "630.00",
        "grand_total": "11130.00",
        "grand_total_words": "壹万壹仟壹佰叁拾圆整",
    }
    assert [(i.name, i.amount, i.tax_rate, i.tax) for i in ex.line_items] == [
        ("*信息技术服务*云服务费", "10000.00", "6%", "600.00"),
        ("*信息技术服务*对象存储", "500.00", "6%", "30.00"),
    ]
    assert ex.problems == []
    assert checks(ex) == {
        "line_amounts_sum_to_amount_total": True,
        "line_taxes_sum_to_tax_total": True,
        "amount_plus_tax_equals_total": True,
        "line_tax_matches_rate": True,
        "amount_words_equal_figures": True,
        "code_year_not_after_issue": True,
        "seller_tax_id_valid": True,
        "buyer_tax_id_valid": True,
    }
    assert ex.facts["invoice_key"] == "037001900111-01359620"


def test_every_field_has_a_finding_with_page_and_box() -> None:
    ex = extract_invoice([paper_layout(page=7)])
    by_id = {f.id: f for f in ex.findings}
    for name, fv in ex.fields.items():
        assert fv.page == 7, name
        assert fv.bbox is not None, name
        assert fv.finding_id in by_id, name
        assert by_id[fv.finding_id].field == name


def test_buyer_box_is_above_the_table_and_seller_box_below() -> None:
    ex = extract_invoice([paper_layout()])
    header_y = 292
    assert ex.fields["buyer_name"].bbox is not None and ex.fields["buyer_name"].bbox[3] < header_y
    assert ex.fields["seller_name"].bbox is not None and ex.fields["seller_name"].bbox[1] > 549


def test_amounts_printed_with_grand_total_words_keep_the_words_as_printed_without_mark() -> None:
    ex = extract_invoice([paper_layout()])
    assert ex.fields["grand_total_words"].value == "壹万壹仟壹佰叁拾圆整"
    assert ex.findings[0].extractor == "invoice"


def test_issue_date_split_over_boxes_is_joined() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(date_parts=("开票日期：2020", "03 02")))])
    assert ex.fields["issue_date"].value == "2020-03-02"


def test_name_label_in_one_box() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(split_name_label=False))])
    assert ex.fields["buyer_name"].value == BUYER_NAME
    assert ex.fields["seller_name"].value == SELLER_NAME


def test_skewed_photo_still_reads_the_totals() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(skew=14))])
    assert ex.fields["amount_total"].value == "10500.00"
    assert ex.fields["tax_total"].value == "630.00"
    assert ex.fields["grand_total"].value == "11130.00"
    assert ex.problems == []


def test_fully_digital_invoice_tells_buyer_and_seller_apart_by_side() -> None:
    ex = extract_invoice([digital_layout()])
    v = values(ex)
    assert v["invoice_kind"] == "fully_digital"
    assert "invoice_code" not in v
    assert v["buyer_name"] == BUYER_NAME and v["buyer_tax_id"] == BUYER_TAX_ID
    assert v["seller_name"] == SELLER_NAME and v["seller_tax_id"] == SELLER_TAX_ID
    assert v["grand_total"] == "1060.00"
    assert ex.facts["invoice_key"] == "25370000000012345678"
    assert ex.problems == []
    assert checks(ex)["number_year_matches_issue"] is True


# --- one defect, one problem ----------------------------------------------------------------------


def test_amount_plus_tax_not_grand_total() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(grand_total="11230.00", words="壹万壹仟贰佰叁拾圆整"))])
    assert codes(ex) == [FlagCode.invoice_arithmetic_mismatch]
    problem = ex.problems[0]
    assert problem.values["grand_total"] == "11230.00"
    assert problem.values["sum"] == "11130.00"
    assert set(problem.fields) == {"amount_total", "tax_total", "grand_total"}
    assert checks(ex)["amount_plus_tax_equals_total"] is False


def test_line_amounts_not_amount_total() -> None:
    items = [Item("*信息技术服务*云服务费", "10000.00", "6%", "600.00"), Item("*信息技术服务*对象存储", "400.00", "6%", "30.00")]
    ex = extract_invoice([paper_layout(InvoiceSpec(items=items))])
    # 400 x 6% = 24.00, not 30.00: the line tax check fails too
    assert sorted(codes(ex)) == [FlagCode.invoice_arithmetic_mismatch] * 2
    sums = next(p for p in ex.problems if "line_amounts_sum" in p.values)
    assert sums.values == {"line_amounts_sum": "10400.00", "amount_total": "10500.00"}


def test_line_taxes_not_tax_total() -> None:
    items = [Item("*信息技术服务*云服务费", "10000.00", "6%", "600.00"), Item("*信息技术服务*对象存储", "500.00", "0%", "0.00")]
    ex = extract_invoice([paper_layout(InvoiceSpec(items=items))])
    assert codes(ex) == [FlagCode.invoice_arithmetic_mismatch]
    assert ex.problems[0].values == {"line_taxes_sum": "600.00", "tax_total": "630.00"}


def test_line_tax_not_amount_times_rate() -> None:
    items = [Item("*信息技术服务*云服务费", "10000.00", "6%", "610.00"), Item("*信息技术服务*对象存储", "500.00", "6%", "20.00")]
    ex = extract_invoice([paper_layout(InvoiceSpec(items=items))])
    assert codes(ex) == [FlagCode.invoice_arithmetic_mismatch]
    bad = ex.problems[0].values["lines"]
    assert [(b["tax"], b["expected_tax"]) for b in bad] == [("610.00", "600.00"), ("20.00", "30.00")]


def test_line_tax_rounding_within_a_cent_is_fine() -> None:
    items = [Item("*信息技术服务*云服务费", "184.65", "3%", "5.54")]
    spec = InvoiceSpec(items=items, amount_total="184.65", tax_total="5.54", grand_total="190.19",
                       words="壹佰玖拾圆零壹角玖分")
    ex = extract_invoice([paper_layout(spec)])
    assert ex.problems == []


def test_words_not_figures() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(words="ⓧ壹万壹仟壹佰叁拾伍圆整"))])
    assert codes(ex) == [FlagCode.invoice_amount_words_mismatch]
    assert ex.problems[0].values["words_value"] == "11135.00"
    assert ex.problems[0].values["grand_total"] == "11130.00"


@pytest.mark.parametrize("words", ["ⓧ壹万壹仟来佰叁拾圆整", "ⓧ壹万壹仟壹佰叁"])
def test_words_cut_short_by_a_misread_character_are_no_amount_and_raise_no_flag(words: str) -> None:
    # 来 read for 柒 ends the numerals at 壹万壹仟: a fragment, which must not pass for a different amount
    ex = extract_invoice([paper_layout(InvoiceSpec(words=words))])
    assert "grand_total_words" not in ex.fields
    assert codes(ex) == []


def test_words_that_agree_with_the_figures_stand_without_their_money_unit() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(words="ⓧ壹万壹仟壹佰叁拾"))])  # 圆整 on a box of its own
    assert ex.fields["grand_total_words"].value == "壹万壹仟壹佰叁拾"
    assert codes(ex) == []


def test_code_year_after_issue_year() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(code="037002100111"))])  # stock of 2021, issued 2020
    assert codes(ex) == [FlagCode.invoice_code_year_after_issue]
    assert ex.problems[0].values["code_year"] == 2021


def test_paper_code_year_is_digits_five_and_six() -> None:
    assert code_year("3700194130") == 2019
    assert code_year("037001900111") == 2019
    assert code_year("12345") is None


def test_fully_digital_number_year_not_issue_year() -> None:
    ex = extract_invoice([digital_layout(DigitalSpec(number="26370000000012345678"))])
    assert codes(ex) == [FlagCode.invoice_code_year_after_issue]
    assert "数电" in ex.problems[0].message
    assert ex.problems[0].values["number_year"] == "26"


def test_invalid_seller_tax_id() -> None:
    ex = extract_invoice([paper_layout(InvoiceSpec(seller_tax_id="913701007286054751"))])
    assert codes(ex) == [FlagCode.tax_id_invalid]
    problem = ex.problems[0]
    assert problem.severity == "medium"
    assert problem.values == {"tax_id": "913701007286054751", "party": "seller"}
    assert ex.fields["seller_tax_id"].value == "913701007286054751"


def test_invalid_buyer_tax_id() -> None:
    ex = extract_invoice([digital_layout(DigitalSpec(buyer_tax_id="91370102MA3C4K7P9X"))])
    assert codes(ex) == [FlagCode.tax_id_invalid]
    assert ex.problems[0].values["party"] == "buyer"


def test_no_pages_no_fields() -> None:
    ex = extract_invoice([])
    assert ex.fields == {} and ex.problems == []


# --- kinds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "code", "number", "kind"),
    [
        ("山东增值税专用发票", "3700194130", "01359620", "vat_special"),
        ("山东增值税普通发票", "3700194320", "01359620", "vat_ordinary"),
        ("天津增值税电子普通发票 校验码", "012001800311", "33207675", "e_invoice_ordinary"),
        ("增值税电子专用发票", "037001900113", "01359620", "e_invoice_special"),
        ("电子发票（增值税专用发票）", None, "25370000000012345678", "fully_digital"),
        ("湖北增值税电子普通发票 通行费", "042001700112", "11162913", "toll"),
        ("广东省广州市国家税务局通用机打发票", "144011620721", "07050923", "machine_printed"),
        ("增值税普通发票（卷票）", "037001900106", "01359620", "roll"),
    ],
)
def test_invoice_kind(title: str, code: str | None, number: str, kind: str) -> None:
    assert invoice_kind(title, code, number) == kind


# --- trimmed real OCR output (no personal names) ----------------------------------------------------


def test_ocr_einvoice_with_split_date_and_list_item() -> None:
    ex = extract_invoice([load("einvoice_ocr_split_date.json")])
    v = values(ex)
    assert v["issue_date"] == "2019-05-08"
    assert v["invoice_code"] == "012001800311" and v["invoice_number"] == "33207675"
    assert v["check_code"] == "76939056883466677916"
    assert v["buyer_name"] == "个人"
    assert v["seller_name"] == "天津瑞佳讯贸易有限公司" and v["seller_tax_id"] == "91120222079642398Y"
    assert (v["amount_total"], v["tax_total"], v["grand_total"]) == ("46.62", "6.08", "52.70")
    assert v["grand_total_words"] == "伍拾贰圆柒角"
    # a 详见销货清单 line sums several list lines: its tax is not checked against its rate
    assert ex.problems == []


def test_ocr_skewed_photo_of_special_invoice_without_labels_for_code_and_number() -> None:
    ex = extract_invoice([load("vat_special_photo_skewed.json")])
    v = values(ex)
    assert v["invoice_kind"] == "vat_special"
    assert v["invoice_code"] == "4400154130" and v["invoice_number"] == "12270830"
    assert v["issue_date"] == "2016-06-12"
    assert v["buyer_name"] == "深圳市购机汇网络有限公司" and v["buyer_tax_id"] == "440300083885931"
    assert v["seller_name"] == "广州晶东贸易有限公司" and v["seller_tax_id"] == "91440101664041243T"
    assert (v["amount_total"], v["tax_total"], v["grand_total"]) == ("2987.18", "507.82", "3495.00")
    assert ex.problems == []


def test_ocr_fully_digital_invoice() -> None:
    ex = extract_invoice([load("fully_digital_ocr.json")])
    v = values(ex)
    assert v["invoice_number"] == "25437000000297554203"
    assert v["buyer_name"] == "南华大学" and v["buyer_tax_id"] == "124300004488048597"
    assert v["seller_name"] == "湖南顺丰速运有限公司" and v["seller_tax_id"] == "91430102727985656Y"
    assert v["grand_total"] == "17.00"
    assert ex.problems == []


def test_machine_number_in_its_own_box_is_not_taken_for_the_code() -> None:
    page = paper_layout(InvoiceSpec(code=None, title="山东增值税专用发票"))
    lines = [ln for ln in page.lines if not ln.text.startswith("机器编号")]
    lines += [
        ln.model_copy(update={"text": "机器编号：", "bbox": (46, 136, 150, 158)}) for ln in page.lines[:1]
    ] + [ln.model_copy(update={"text": "661619942171", "bbox": (160, 136, 300, 158)}) for ln in page.lines[:1]]
    ex = extract_invoice([page.model_copy(update={"lines": lines})])
    assert "invoice_code" not in ex.fields
    assert ex.fields["invoice_number"].value == "01359620"


# --- totals by arithmetic when labels are lost ------------------------------------------------------


def _without(page: PageText, *texts: str) -> PageText:
    return page.model_copy(update={"lines": [ln for ln in page.lines if ln.text not in texts]})


def _replace(page: PageText, old: str, new: str) -> PageText:
    return page.model_copy(update={"lines": [
        ln.model_copy(update={"text": new}) if ln.text == old else ln for ln in page.lines]})


def test_digital_invoice_whose_total_label_is_lost_reads_the_totals_that_add_up() -> None:
    # a large 数电 render: OCR reads 计 but loses 合, so no 合计 row is found
    ex = extract_invoice([_without(digital_layout(), "合")])
    v = values(ex)
    assert (v["amount_total"], v["tax_total"], v["grand_total"]) == ("1000.00", "60.00", "1060.00")
    assert checks(ex)["amount_plus_tax_equals_total"] is True
    # the boxes are those of the 合计 row (with ¥), not of the item row above it
    assert ex.fields["amount_total"].bbox[1] > 500


def test_scanned_special_invoice_without_total_labels_reads_totals_of_several_items() -> None:
    ex = extract_invoice([_without(paper_layout(InvoiceSpec(title="山东增值税专用发票", code="3700191130")), "合", "计")])
    v = values(ex)
    assert (v["amount_total"], v["tax_total"]) == ("10500.00", "630.00")


def test_unreadable_pretax_total_is_the_printed_figure_that_completes_the_sum() -> None:
    page = _replace(paper_layout(), "¥10500.00", "¥1O5OO.O0")  # smudged on a scan
    ex = extract_invoice([_replace(page, "10000.00", "1O000.00")])
    v = values(ex)
    assert "amount_total" not in v  # no printed figure equals 11130.00 - 630.00
    ex = extract_invoice([_replace(paper_layout(InvoiceSpec(items=[Item("*信息技术服务*云服务费", "10500.00", "6%",
                                                                         "630.00")])), "¥10500.00", "¥1O5OO.O0")])
    assert values(ex)["amount_total"] == "10500.00"  # the item row's amount completes the sum


def test_totals_are_not_guessed_when_two_pairs_add_up() -> None:
    spec = InvoiceSpec(items=[Item("*信息技术服务*云服务费", "1000.00", "6%", "130.00"),
                              Item("*信息技术服务*存储", "1100.00", "6%", "30.00")],
                       amount_total="2100.00", tax_total="160.00", grand_total="1130.00", words="壹仟壹佰叁拾圆整")
    ex = extract_invoice([_without(paper_layout(spec), "合", "计", "¥2100.00", "¥160.00")])
    assert "amount_total" not in values(ex) and "tax_total" not in values(ex)


def test_grand_total_without_its_label_is_the_figure_the_words_confirm() -> None:
    # roll and quota invoices: the figure stands alone, only the words carry a label
    def roll(words: str) -> PageText:
        page = _replace(paper_layout(), "（小写）¥11130.00", "¥11130.00")
        return _replace(_replace(page, "价税合计（大写）", "金额（大写）"), "ⓧ壹万壹仟壹佰叁拾圆整", words)

    assert values(extract_invoice([roll("壹万壹仟壹佰叁拾圆整")]))["grand_total"] == "11130.00"
    assert "grand_total" not in values(extract_invoice([roll("壹万壹仟壹佰叁拾壹圆整")]))


def _L(text: str, x: float, y: float, w: float | None = None, h: float = 20) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + (w or 18 * len(text)), y + h), confidence=0.97)


def test_roll_invoice_names_the_party_in_its_labels() -> None:
    # 卷票: seller first, both above the item table, the party word inside each label
    page = PageText(page=1, width=600, height=1200, text_source=TextSource.ocr, lines=[
        _L("浙江增值税普通发票（卷票）", 100, 40),
        _L("发票代码：033001900104", 40, 100), _L("发票号码：12345678", 40, 130),
        _L("销售方名称：杭州某某餐饮管理有限公司", 40, 220), _L(f"纳税人识别号：{SELLER_TAX_ID}", 40, 250),
        _L("开票日期：2020-05-06", 40, 280),
        _L(f"购买方名称：{BUYER_NAME}", 40, 310), _L(f"纳税人识别号：{BUYER_TAX_ID}", 40, 340),
        _L("项目", 40, 380), _L("单价", 200, 380), _L("数量", 300, 380), _L("金额", 420, 380),
        _L("餐费", 40, 410), _L("120.00", 200, 410), _L("1", 300, 410), _L("120.00", 420, 410),
        _L("合计金额(小写)：¥120.00", 40, 450), _L("合计金额(大写)：壹佰贰拾圆整", 40, 480),
    ])
    v = values(extract_invoice([page]))
    assert v["invoice_kind"] == "roll"
    assert v["seller_name"] == "杭州某某餐饮管理有限公司" and v["seller_tax_id"] == SELLER_TAX_ID
    assert v["buyer_name"] == BUYER_NAME and v["buyer_tax_id"] == BUYER_TAX_ID
    assert (v["grand_total"], v["grand_total_words"]) == ("120.00", "壹佰贰拾圆整")


def test_quota_invoice_value_is_its_denomination() -> None:
    lines = [
        _L("山东省济南市通用定额发票", 200, 30), _L("发票联", 330, 60),
        _L("发票代码 137011920601", 40, 100), _L("发票号码 01234567", 500, 100),
        _L("壹拾圆", 300, 180, w=200, h=60), _L("¥10.00", 330, 250),
    ]
    page = PageText(page=1, width=800, height=400, text_source=TextSource.ocr, lines=lines)
    ex = extract_invoice([page])
    v = values(ex)
    assert v["invoice_kind"] == "quota"
    assert (v["grand_total"], v["grand_total_words"]) == ("10.00", "壹拾圆")
    assert ex.fields["grand_total"].bbox == lines[-1].bbox  # the figure, which the words confirm
    # two denominations on one page (a photo of two tickets): none is taken
    page = page.model_copy(update={"lines": [*lines, _L("伍圆", 600, 180, w=100, h=60)]})
    assert "grand_total" not in values(extract_invoice([page]))


def test_a_name_cut_inside_its_bracket_is_completed_only_after_an_organisation_word() -> None:
    for printed, read in (("某某大学(深圳", "某某大学(深圳)"), ("某某大学（深圳）", "某某大学（深圳）"),
                          ("（某某科技有限公司）", "某某科技有限公司")):
        v = values(extract_invoice([paper_layout(InvoiceSpec(buyer_name=printed, split_name_label=False))]))
        assert v["buyer_name"] == read, printed
    # cut before the organisation's name ends: not reported
    v = values(extract_invoice([paper_layout(InvoiceSpec(buyer_name="某某（厦门", split_name_label=False))]))
    assert "buyer_name" not in v
