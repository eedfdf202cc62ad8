from datetime import date

import pytest

from extractors.dates import date_findings, find_dates, parse_date
from extractors.text import compact, normalize
from models.domain import PageText, TextLine
from tests.factories import set_width


def _page(*texts: str, confidence: float = 0.95) -> PageText:
    lines = [
        TextLine(text=t, bbox=(10.0, 10.0 + 30 * i, 10.0 + set_width(t), 35.0 + 30 * i), confidence=confidence)
        for i, t in enumerate(texts)
    ]
    return PageText(page=3, width=1240, height=1754, lines=lines)


class TestText:
    def test_full_width_to_half_width(self) -> None:
        assert normalize("开票日期：２０２１年０３月１５日") == "开票日期:2021年03月15日"
        assert normalize("（小写）￥５２．７０") == "(小写)¥52.70"
        assert normalize("¥10") == "¥10"

    def test_zero_width_and_whitespace(self) -> None:
        assert normalize("  名\u200b称\u3000\u3000某某  公司\n") == "名称 某某 公司"
        assert compact("名 称：济南 云帆") == "名称:济南云帆"

    def test_cjk_kept(self) -> None:
        assert normalize("浪潮云信息技术股份公司") == "浪潮云信息技术股份公司"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年3月15日", date(2021, 3, 15)),
        ("2021年03月15日", date(2021, 3, 15)),
        ("开票日期：2021年 03 月 15 日", date(2021, 3, 15)),
        ("2021-03-15", date(2021, 3, 15)),
        ("2021/3/15", date(2021, 3, 15)),
        ("2021.3.15", date(2021, 3, 15)),
        ("2020-06-1810:27", date(2020, 6, 18)),  # OCR dropped the space before the time
        ("创建时间 2020-08-09 10:23", date(2020, 8, 9)),
        ("2021 03 15", date(2021, 3, 15)),
        ("二〇二一年三月十五日", date(2021, 3, 15)),
        ("二零二一年三月十五日", date(2021, 3, 15)),
        ("二○二○年十二月三十一日", date(2020, 12, 31)),
        ("二〇二〇年一月二十日", date(2020, 1, 20)),
        ("二〇一九年十月十日", date(2019, 10, 10)),
        ("20210315", date(2021, 3, 15)),
        ("２０２１年３月１５日", date(2021, 3, 15)),
        ("签订时间：2024年9月5", date(2024, 9, 5)),  # OCR dropped 日
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021-02-30",
        "2021年13月1日",
        "1900年1月1日",
        "2101-01-01",
        "二〇二一年二月三十日",
        "",
        "无日期",
        "20211340",
        "2020-06-1810",  # a day of three digits, not a day and a time
    ],
)
def test_parse_date_rejects_impossible(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_spans_index_original_text() -> None:
    text = "营业期限 2013年01月29日至2023年01月28日"
    found = find_dates(text)
    assert [(text[s:e], d) for s, e, d in found] == [
        ("2013年01月29日", date(2013, 1, 29)),
        ("2023年01月28日", date(2023, 1, 28)),
    ]


def test_find_dates_full_width_spans() -> None:
    text = "日期：２０２０－０７－１３　１７:２０"
    [(s, e, d)] = find_dates(text)
    assert text[s:e] == "２０２０－０７－１３"
    assert d == date(2020, 7, 13)


@pytest.mark.parametrize(
    "text",
    [
        "纳税人识别号：91120222079642398Y",
        "统一社会信用代码/纳税人识别号：124300004488048597",
        "发票号码：25437000000297554203",
        "开户行及账号：中国建设银行12001720800052531259",
        "电话：0573-88489199",
        "机器编号：661619942171",
        "实例IP 172.20.132.165 版本 2.2021.3.15",
        "校验码:76939 05688 34666 77916",
        "金额 20210315.00",
    ],
)
def test_no_dates_inside_codes_numbers_and_amounts(text: str) -> None:
    assert find_dates(text) == []


def test_embedded_date_in_contract_number() -> None:
    text = "合同号：FY-HY20240905"
    [(s, e, d)] = find_dates(text)
    assert text[s:e] == "20240905"
    assert d == date(2024, 9, 5)


def test_standalone_eight_digits_toll_invoice() -> None:
    assert find_dates("通行日期起 20180212 20180212") == [
        (6, 14, date(2018, 2, 12)),
        (15, 23, date(2018, 2, 12)),
    ]


def test_parse_date_prefers_printed_date_over_embedded() -> None:
    assert parse_date("编号HT20190101 签订日期2020年5月6日") == date(2020, 5, 6)
    assert parse_date("HT20190101") == date(2019, 1, 1)


class TestDateFindings:
    def test_finding_fields(self) -> None:
        page = _page("开票日期：2021年03月15日")
        [f] = date_findings(page)
        assert f.kind == "date"
        assert f.value == "2021年03月15日"
        assert f.normalized == "2021-03-15"
        assert f.page == 3
        assert f.extractor == "dates"
        assert f.confidence == 0.95
        assert f.id.startswith("f-")
        assert f.detail == {}
        # the box covers the date characters only (from the 6th character to the end)
        assert f.bbox is not None
        line_box = page.lines[0].bbox
        assert f.bbox[0] == pytest.approx(line_box[0] + 5 * 20)
        assert f.bbox[2] == pytest.approx(line_box[2])

    def test_embedded_finding_marked_and_weaker(self) -> None:
        [f] = date_findings(_page("合同号：FY-HY20240905"))
        assert f.detail == {"embedded_in_code": True}
        assert f.confidence == pytest.approx(0.95 * 0.8)
        assert f.normalized == "2024-09-05"

    def test_ids_are_stable(self) -> None:
        assert [f.id for f in date_findings(_page("2020-07-13"))] == [
            f.id for f in date_findings(_page("2020-07-13"))
        ]

    def test_date_split_over_two_boxes_of_a_row(self) -> None:
        page = PageText(
            page=1,
            width=1000,
            height=800,
            lines=[
                TextLine(text="开票日期：2019", bbox=(600, 100, 760, 125), confidence=0.99),
                TextLine(text="05 08", bbox=(770, 100, 830, 125), confidence=0.9),
            ],
        )
        [f] = date_findings(page)
        assert f.normalized == "2019-05-08"
        assert f.bbox is not None
        assert f.bbox[2] == pytest.approx(830)
        assert f.confidence < 0.9

    def test_ocr_noise_page(self) -> None:
        page = _page(
            "发票代码:012001800311",
            "发票号码：33207675",
            "校验码:76939 05688 34666 77916",
            "纳税人识别号:91120222079642398Y",
            "开户行及账号：中国建设银行股份有限公司天津武清区支行12001720800052531259",
            "首页 / 云主机 创建时间 2020-07-13 17:20:34",
        )
        assert [f.normalized for f in date_findings(page)] == ["2020-07-13"]
