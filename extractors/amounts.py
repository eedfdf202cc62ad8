"""Money amounts: figures (``¥10,600.00``, ``1.06万元``) and upper-case words (``壹万零陆佰圆整``).

Invoices print the grand total both ways (价税合计 大写 / 小写) and contracts usually do too; the
two must agree, so both are read into ``Decimal`` and the words can be regenerated from a figure
(``amount_to_words``) to compare like with like.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from extractors.layout import sub_bbox
from extractors.text import normalize_with_offsets, original_span
from models.domain import Finding, PageText

CENT = Decimal("0.01")

_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
# other forms of the upper-case digits that templates print and OCR models read: the traditional
# 貳 參 陸, and 参 (the common form of 參) for 叁; each with the standard form it stands for
UPPER_VARIANTS = {"貳": "贰", "參": "叁", "参": "叁", "陸": "陆"}
# the upper-case digits 壹 to 玖 in every form they are read in
UPPER_DIGITS = _UPPER_DIGITS[1:] + "".join(UPPER_VARIANTS)
_STANDARD_FORMS = str.maketrans(UPPER_VARIANTS)
_UNITS_SMALL = {"拾": 10, "佰": 100, "仟": 1000, "十": 10, "百": 100, "千": 1000}
# fmt: off
_DIGIT_VALUES = {
    **{c: i for i, c in enumerate(_UPPER_DIGITS)},
    **{c: _UPPER_DIGITS.index(standard) for c, standard in UPPER_VARIANTS.items()},
    # lower-case numerals: a fallback for contracts typed by hand
    "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
# fmt: on
_WAN = "万萬"
_YI = "亿億"
_YUAN = "圆元圓"
_JIAO = "角"
_FEN = "分"
_END = "整正"
_WORD_CHARS = "".join(_DIGIT_VALUES) + "".join(_UNITS_SMALL) + _WAN + _YI + _YUAN + _JIAO + _FEN + _END
_RX_WORDS = re.compile(f"[{_WORD_CHARS}]+")
# A finding needs an upper-case digit: boilerplate such as 超过拾万元无效 has none.
_RX_UPPER_DIGIT = re.compile(f"[{UPPER_DIGITS}]")
_RX_MONEY_UNIT = re.compile(f"[{_YUAN}{_JIAO}{_FEN}]")
_RX_UPPER_FORM = re.compile(f"[{UPPER_DIGITS}拾佰仟]")


def names_money_unit(words: str) -> bool:
    """Whether upper-case amount words run to a money unit (元, 圆, 角 or 分), as every printed
    amount in words does: a run that stops short of one was cut by a misread character."""
    return bool(_RX_MONEY_UNIT.search(words))


def standard_numerals(text: str) -> str:
    """``text`` with the upper-case digits in the forms every invoice prints (参 read for 叁 as 叁)."""
    return text.translate(_STANDARD_FORMS)

# sign, currency mark, number (with or without thousands separators), 万, 元; not glued to letters,
# other digits, percent signs or a further decimal part (IP addresses, versions, dates).
_RX_FIGURE = re.compile(
    r"(?<![0-9A-Za-z.,])"
    r"(?P<sign1>-)?(?P<yen>¥)?\s?(?P<sign2>-)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?![0-9A-Za-z%‰]|[.,]\d)"
    r"(?:\s?(?P<wan>万)?\s?(?P<yuan>[元圆])|\s?(?P<wan_only>万)(?![0-9A-Za-z]))?"
)


def _figure_value(m: re.Match[str]) -> Decimal:
    number = m["int"].replace(",", "")
    if m["frac"]:
        number += "." + m["frac"]
    value = Decimal(number)
    if m["wan"] or m["wan_only"]:
        value *= 10000
    if m["sign1"] or m["sign2"]:
        value = -value
    return value


def parse_amount(text: str) -> Decimal | None:
    """The first money figure in ``text``: ``¥10,600.00``, ``10600元``, ``1.06万元`` (10600),
    ``100万元整``, ``-12.50``, ``(小写)¥52.70``; None when there is no number."""
    norm, _ = normalize_with_offsets(text)
    m = _RX_FIGURE.search(norm)
    if not m:
        return None
    try:
        return _figure_value(m)
    except InvalidOperation:
        return None


def _parse_integer_words(text: str) -> int | None:
    """壹万零陆佰 -> 10600; None when the characters do not form a number."""
    total = 0  # everything above the current 万 section
    section = 0  # the current section below 万 (or below 亿)
    digit: int | None = None
    previous_was_digit = False
    for ch in text:
        if ch in _DIGIT_VALUES:
            value = _DIGIT_VALUES[ch]
            if previous_was_digit and value and digit:
                return None  # 壹贰: two digits without a unit is not a number
            if value:
                digit = value
            previous_was_digit = value != 0
            continue
        previous_was_digit = False
        if ch in _UNITS_SMALL:
            # a bare 拾 at the start means 壹拾 (拾万元 = 100000)
            section += (digit if digit is not None else 1) * _UNITS_SMALL[ch]
        elif ch in _WAN:
            total += (section + (digit or 0)) * 10_000
            section = 0
        elif ch in _YI:
            total = (total + section + (digit or 0)) * 100_000_000
            section = 0
        else:
            return None
        digit = None
    return total + section + (digit or 0)


def parse_amount_words(text: str) -> Decimal | None:
    """An upper-case Chinese amount: ``壹万零陆佰元整`` = 10600, ``伍拾贰圆柒角`` = 52.70,
    ``叁万捌仟伍佰元零伍分`` = 38500.05.

    Leading marks (``⊗``, ``ⓧ``, ``×``), the prefix ``人民币`` and text around the amount are
    ignored; lower-case numerals (``一万元``) are accepted as a fallback. None when no amount.
    """
    norm, _ = normalize_with_offsets(text)
    norm = norm.replace(" ", "")
    runs = [m.group(0).rstrip(_END) for m in _RX_WORDS.finditer(norm)]
    runs = [r for r in runs if any(c in _DIGIT_VALUES or c in _UNITS_SMALL for c in r)]
    if not runs:
        return None
    # prefer a run that names a money unit over a stray numeral (第十二条 ... 壹万元)
    best = next((r for r in runs if _RX_MONEY_UNIT.search(r)), runs[0])
    if not _RX_MONEY_UNIT.search(best) and not _RX_UPPER_FORM.search(best):
        return None  # 十一、 is a clause number: lower-case numerals count only with 元/角/分
    integer_part, jiao, fen = best, 0, 0
    for unit in _YUAN:
        if unit in best:
            integer_part, _, rest = best.partition(unit)
            break
    else:
        rest = ""
        if _JIAO in best or _FEN in best:
            integer_part, rest = "", best
    if rest:
        jiao_text, has_jiao, fen_text = rest.partition(_JIAO)
        if not has_jiao:
            jiao_text, fen_text = "", rest
        jiao_digits = [_DIGIT_VALUES[c] for c in jiao_text if c in _DIGIT_VALUES and _DIGIT_VALUES[c]]
        fen_digits = [
            _DIGIT_VALUES[c] for c in fen_text.rstrip(_FEN) if c in _DIGIT_VALUES and _DIGIT_VALUES[c]
        ]
        if len(jiao_digits) > 1 or len(fen_digits) > 1:
            return None
        if any(c not in _DIGIT_VALUES for c in jiao_text) or any(
            c not in _DIGIT_VALUES for c in fen_text.rstrip(_FEN)
        ):
            return None
        jiao = jiao_digits[0] if jiao_digits else 0
        fen = fen_digits[0] if fen_digits else 0
    integer = _parse_integer_words(integer_part) if integer_part else 0
    if integer is None:
        return None
    return Decimal(integer) + Decimal(jiao) / 10 + Decimal(fen) / 100


def amount_to_words(value: Decimal) -> str:
    """The upper-case amount as tax-system invoices print it: 10600 -> ``壹万零陆佰圆整``,
    52.70 -> ``伍拾贰圆柒角``, 0.05 -> ``伍分``, 1001.01 -> ``壹仟零壹圆零壹分``."""
    cents = int(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    sign = "负" if cents < 0 else ""
    cents = abs(cents)
    integer, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零圆整"
    words: list[str] = []
    if integer:
        digits = str(integer)
        n = len(digits)
        pending_zero = False
        group_has_digit = False
        for i, ch in enumerate(digits):
            position = n - 1 - i  # 0 = units
            d = int(ch)
            if d == 0:
                pending_zero = pending_zero or bool(words)
            else:
                if pending_zero:
                    words.append("零")
                    pending_zero = False
                words.append(_UPPER_DIGITS[d] + ("", "拾", "佰", "仟")[position % 4])
                group_has_digit = True
            if position % 4 == 0 and position > 0:
                if position % 8 == 4:
                    if group_has_digit:
                        words.append("万")
                elif group_has_digit or words[-1].endswith("万"):
                    words.append("亿")  # 壹万亿: the 万 above a 亿 boundary still needs its 亿
                group_has_digit = False
        words.append("圆")
    if jiao == 0 and fen == 0:
        words.append("整")
    else:
        if jiao:
            if integer % 10 == 0 and integer:
                # the tax system writes 壹佰玖拾元零壹角玖分 when the 元 digit is 0; GB rules
                # allow either form, so compare amounts by value, not by these strings
                words.append("零")
            words.append(_UPPER_DIGITS[jiao] + "角")
        elif integer:
            words.append("零")
        if fen:
            words.append(_UPPER_DIGITS[fen] + "分")
    return sign + "".join(words)


def format_money(value: Decimal) -> str:
    """Two decimal places, no separators: ``10600.00`` (the report's money format)."""
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def _is_money(m: re.Match[str]) -> bool:
    """Only figures that say they are money: a currency mark, 元 / 万元, or exactly two decimals.

    Bare integers are years, quantities, phone numbers or item counts far more often than money.
    """
    return bool(m["yen"] or m["yuan"] or (m["frac"] is not None and len(m["frac"]) == 2))


def amount_findings(page: PageText) -> list[Finding]:
    """Money on the page: ``amount`` findings for figures, ``amount_words`` for upper-case words.

    Both are normalized to ``format_money`` (``"10600.00"``); ``detail`` says whether the figure
    carried a currency mark or a 万 multiplier.
    """
    findings: list[Finding] = []
    for line in page.lines:
        norm, offsets = normalize_with_offsets(line.text)
        for m in _RX_FIGURE.finditer(norm):
            if not _is_money(m):
                continue
            try:
                value = _figure_value(m)
            except InvalidOperation:
                continue
            start, end = original_span(offsets, m.start(), m.end())
            findings.append(
                Finding(
                    kind="amount",
                    value=line.text[start:end],
                    normalized=format_money(value),
                    page=page.page,
                    bbox=sub_bbox(line, start, end),
                    confidence=round(line.confidence, 3),
                    extractor="amounts",
                    detail={"currency_mark": bool(m["yen"]), "wan": bool(m["wan"] or m["wan_only"])},
                ).with_id()
            )
        for m in _RX_WORDS.finditer(norm):
            run = m.group(0)
            if not (_RX_UPPER_DIGIT.search(run) and (_RX_MONEY_UNIT.search(run) or run[-1] in _END)):
                continue
            words_value = parse_amount_words(run)
            if words_value is None:
                continue
            start, end = original_span(offsets, m.start(), m.end())
            findings.append(
                Finding(
                    kind="amount_words",
                    value=line.text[start:end],
                    normalized=format_money(words_value),
                    page=page.page,
                    bbox=sub_bbox(line, start, end),
                    confidence=round(line.confidence, 3),
                    extractor="amounts",
                ).with_id()
            )
    return findings
