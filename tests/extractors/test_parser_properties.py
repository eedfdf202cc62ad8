"""Property tests of the parsers every finding rests on: dates, amounts, upper-case amounts,
credit codes. Round trips where a value can be written and read back; "never raises" on any text,
since OCR and hostile text layers can hand them anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractors.amounts import amount_to_words, format_money, parse_amount, parse_amount_words
from extractors.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    credit_code_problem_words,
    credit_code_problems,
    credit_code_valid,
    find_codes,
    normalize_code,
    org_code_check_char,
    repair_credit_code,
    tax_id_valid,
)
from extractors.dates import MAX_YEAR, MIN_YEAR, find_dates, parse_date

FUZZ = settings(max_examples=300, deadline=None)

# text the parsers meet: digits, the money and date vocabulary, full-width forms, noise
_VOCAB = "0123456789０１２３４５６７８９.,，。:：-/年月日元圆角分整¥￥万亿零壹贰叁肆伍陆柒捌玖拾佰仟〇一二三四五六七八九十小写大写人民币 OI"
nasty_text = st.one_of(st.text(), st.text(alphabet=_VOCAB, max_size=60))

dates = st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31))
_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    tens, units = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN[tens] + "十")) + (_CN[units] if units else "")


# --- dates -------------------------------------------------------------------------------------


@given(dates, st.sampled_from(["{y}年{m:02d}月{d:02d}日", "{y}年{m}月{d}日", "{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}",
                                "{y}.{m:02d}.{d:02d}", "{y} {m:02d} {d:02d}"]),
       st.sampled_from(["", "开票日期：", "签订日期 ", "（", "至 "]), st.sampled_from(["", "。", " 止", "）"]))
@FUZZ
def test_a_printed_date_reads_back(when: date, form: str, before: str, after: str) -> None:
    text = before + form.format(y=when.year, m=when.month, d=when.day) + after
    assert parse_date(text) == when
    [(start, end, value)] = find_dates(text)
    assert value == when and parse_date(text[start:end]) == when


@given(dates)
@FUZZ
def test_a_date_in_chinese_numerals_reads_back(when: date) -> None:
    year = "".join(_CN[int(c)] for c in str(when.year))
    assert parse_date(f"{year}年{_cn_small(when.month)}月{_cn_small(when.day)}日") == when


@given(nasty_text)
@FUZZ
@example("2021年02月30日")
@example("9999-99-99")
def test_date_parsing_never_raises_and_spans_hold_their_date(text: str) -> None:
    value = parse_date(text)
    assert value is None or MIN_YEAR <= value.year <= MAX_YEAR
    for start, end, when in find_dates(text):
        assert 0 <= start < end <= len(text)
        assert isinstance(when, date)


# --- amounts -----------------------------------------------------------------------------------

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2,
                    allow_nan=False, allow_infinity=False)


@given(money, st.sampled_from(["¥{v}", "￥{v}", "{v}元", "(小写)¥{v}", "合计：{v}", "¥ {c}", "{c}元"]))
@FUZZ
def test_a_printed_amount_reads_back(value: Decimal, form: str) -> None:
    text = form.format(v=format_money(value), c=f"{value:,.2f}")
    assert parse_amount(text) == value


@given(money)
@FUZZ
@example(Decimal("10600.00"))
@example(Decimal("100000000.01"))
@example(Decimal("1000000000000.00") - Decimal("0.01"))
def test_upper_case_amounts_round_trip(value: Decimal) -> None:
    words = amount_to_words(value)
    assert parse_amount_words(words) == value
    assert parse_amount_words(f"人民币{words}") == value
    assert parse_amount_words(f"价税合计（大写）ⓧ{words}") == value


@given(nasty_text)
@FUZZ
@example("壹贰叁")
@example("拾拾拾元")
@example("角分整")
@example("亿亿万万")
def test_amount_parsing_never_raises(text: str) -> None:
    for value in (parse_amount(text), parse_amount_words(text)):
        assert value is None or isinstance(value, Decimal)


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False))
@FUZZ
def test_amount_to_words_never_raises(value: Decimal) -> None:
    assert amount_to_words(value)
    assert format_money(value)


# --- credit codes ------------------------------------------------------------------------------

_ALPHA = st.sampled_from(CREDIT_CODE_ALPHABET)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """A valid code: registration authority and type, division, organisation code with its own
    check character, and the GB 32100 check character."""
    head = draw(st.sampled_from(["91", "92", "93", "12", "52", "Y1"])) + draw(st.text("0123456789", min_size=6, max_size=6))
    org = draw(st.text(CREDIT_CODE_ALPHABET, min_size=8, max_size=8))
    first17 = head + org + org_code_check_char(org)
    return first17 + credit_code_check_char(first17)


@given(credit_codes())
@FUZZ
def test_a_valid_credit_code_checks_out_and_survives_normalising_and_repair(code: str) -> None:
    assert credit_code_valid(code) and credit_code_problems(code) == [] and credit_code_problem_words(code) == ""
    assert tax_id_valid(code) is True
    assert normalize_code(f" {code[:6]} {code[6:]} ") == code
    assert repair_credit_code(code) == code


@given(credit_codes(), st.integers(0, 17), _ALPHA)
@FUZZ
def test_any_single_wrong_character_is_caught(code: str, at: int, char: str) -> None:
    if code[at] == char:
        return
    assert not credit_code_valid(code[:at] + char + code[at + 1:])


@given(credit_codes(), st.integers(0, 15))
@FUZZ
def test_any_swap_of_two_neighbours_is_caught(code: str, at: int) -> None:
    if code[at] == code[at + 1]:
        return
    assert not credit_code_valid(code[:at] + code[at + 1] + code[at] + code[at + 2:])


@given(nasty_text)
@FUZZ
@example("91370100MA3C4L8X2" + "O")
@example("ＩＯ" * 9)
def test_code_parsing_never_raises(text: str) -> None:
    assert isinstance(credit_code_valid(text), bool)
    credit_code_problems(text)
    assert tax_id_valid(text) in (True, False, None)
    assert normalize_code(normalize_code(text)) == normalize_code(text)
    repair_credit_code(text)
    for start, end, code, kind in find_codes(text):
        assert 0 <= start < end <= len(text) and code and kind
