import random
from decimal import Decimal

import pytest

from extractors.amounts import (
    amount_findings,
    amount_to_words,
    format_money,
    parse_amount,
    parse_amount_words,
)
from models.domain import PageText, TextLine
from tests.factories import set_width


def _page(*texts: str) -> PageText:
    lines = [
        TextLine(text=t, bbox=(10.0, 10.0 + 30 * i, 10.0 + set_width(t), 35.0 + 30 * i), confidence=0.9)
        for i, t in enumerate(texts)
    ]
    return PageText(page=5, width=1240, height=1754, lines=lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥10,600.00", "10600.00"),
        ("￥10600", "10600"),
        ("10600元", "10600"),
        ("10,600.00元", "10600.00"),
        ("1.06万元", "10600"),
        ("2万元", "20000"),
        ("100万元整", "1000000"),
        ("注册资本 人民币100.0000万元整", "1000000"),
        ("-12.50", "-12.50"),
        ("¥-12.50", "-12.50"),
        ("(小写)¥52.70", "52.70"),
        ("（小写）￥７５６．６３", "756.63"),
        ("合计(小写)：879.00", "879.00"),
        ("¥ 46.62", "46.62"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "价税合计", "壹万元整", "(元/吨)"])
def test_parse_amount_none(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("壹万零陆佰元整", "10600"),
        ("伍拾贰圆柒角", "52.70"),
        ("⊗伍拾贰圆柒角", "52.70"),
        ("ⓧ壹佰玖拾叁圆整", "193"),
        ("×壹佰玖拾叁圆整", "193"),
        ("壹拾万元整", "100000"),
        ("拾万元整", "100000"),
        ("叁万捌仟伍佰元零伍分", "38500.05"),
        ("人民币壹拾柒圆整", "17"),
        ("柒佰伍拾陆元陆角叁分", "756.63"),
        ("壹佰玖拾元零壹角玖分", "190.19"),
        ("壹万零叁佰伍拾肆元伍角", "10354.50"),
        ("伍分", "0.05"),
        ("壹亿贰仟万元整", "120000000"),
        ("壹亿零伍万圆正", "100050000"),
        ("价税合计（大写） 叁仟肆佰玖拾伍圆整", "3495"),
        ("壹 万 零 陆 佰 元 整", "10600"),  # OCR spaced the characters
        ("一万零六百元整", "10600"),  # lower-case fallback
        ("壹万零陆佰", "10600"),  # no 元 printed: still upper-case money
        ("第十二条 合同金额为人民币伍万元整", "50000"),
        ("陆仟参佰陆拾圆整", "6360"),  # 参, the common form of 參, printed or read for 叁
    ],
)
def test_parse_amount_words(text: str, expected: str) -> None:
    assert parse_amount_words(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "价税合计(大写)", "壹贰叁元", "发票专用章", "十一、本合同经双方盖章生效"]
)
def test_parse_amount_words_none(text: str) -> None:
    assert parse_amount_words(text) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("10600", "壹万零陆佰圆整"),
        ("52.70", "伍拾贰圆柒角"),
        ("0.05", "伍分"),
        ("1001.01", "壹仟零壹圆零壹分"),
        ("193", "壹佰玖拾叁圆整"),
        ("17", "壹拾柒圆整"),
        ("190.19", "壹佰玖拾圆零壹角玖分"),
        ("100000", "壹拾万圆整"),
        ("10000100", "壹仟万零壹佰圆整"),
        ("100010000", "壹亿零壹万圆整"),
        ("120000000", "壹亿贰仟万圆整"),
        ("1000000000000", "壹万亿圆整"),
        ("0", "零圆整"),
        ("-12.50", "负壹拾贰圆伍角"),
        ("10.50", "壹拾圆零伍角"),
        ("10.05", "壹拾圆零伍分"),
    ],
)
def test_amount_to_words(value: str, words: str) -> None:
    assert amount_to_words(Decimal(value)) == words


def test_words_round_trip() -> None:
    rng = random.Random(20200101)
    values = [Decimal(c) / 100 for c in range(0, 20000)]
    values += [Decimal(rng.randrange(0, 10**12)) / 100 for _ in range(5000)]
    values += [Decimal(10**k) for k in range(0, 12)] + [Decimal(10**k + 1) for k in range(0, 12)]
    for value in values:
        assert parse_amount_words(amount_to_words(value)) == value, (value, amount_to_words(value))


def test_format_money() -> None:
    assert format_money(Decimal("10600")) == "10600.00"
    assert format_money(Decimal("52.7")) == "52.70"
    assert format_money(Decimal("1234567.891")) == "1234567.89"
    assert format_money(Decimal("0.005")) == "0.01"
    assert format_money(Decimal("-12.5")) == "-12.50"


class TestAmountFindings:
    def test_invoice_totals(self) -> None:
        page = _page("价税合计(大写)", "⊗伍拾贰圆柒角", "(小写)¥52.70", "合 计", "¥46.62", "¥6.08")
        found = [(f.kind, f.value, f.normalized) for f in amount_findings(page)]
        assert found == [
            ("amount_words", "伍拾贰圆柒角", "52.70"),
            ("amount", "¥52.70", "52.70"),
            ("amount", "¥46.62", "46.62"),
            ("amount", "¥6.08", "6.08"),
        ]

    def test_finding_fields(self) -> None:
        page = _page("合同总价：10,600.00元")
        [f] = amount_findings(page)
        assert f.kind == "amount"
        assert f.normalized == "10600.00"
        assert f.value == "10,600.00元"
        assert f.extractor == "amounts"
        assert f.page == 5
        assert f.confidence == 0.9
        assert f.id
        assert f.bbox is not None and f.bbox[0] == pytest.approx(10 + 5 * 20)

    def test_wan_yuan(self) -> None:
        [f] = amount_findings(_page("注册资本 1000万元整"))
        assert f.normalized == "10000000.00"
        assert f.detail["wan"] is True

    def test_skips_non_money_numbers(self) -> None:
        page = _page(
            "开票日期：2021年03月15日",
            "数量 300 单价 16.0377358491 税率 13%",
            "电话：0571-86587088",
            "IP 8.137.97.69 (公) 10.251.13.12",
            "联通 1.5G本地流量",
            "共3条数据 20条/页",
            "本发票开具合计金额超过拾万元无效",
            "发票号码：25437000000297554203",
        )
        assert amount_findings(page) == []

    def test_full_width_yen_and_words_with_spaces(self) -> None:
        page = _page("（小写）￥１０６００．００", "壹万零陆佰圆整")
        assert [(f.kind, f.normalized) for f in amount_findings(page)] == [
            ("amount", "10600.00"),
            ("amount_words", "10600.00"),
        ]
