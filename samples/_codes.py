"""Identifiers and amounts for the sample generator: credit codes, invoice codes, upper-case money.

Kept independent of the checker's own code on purpose: the samples are ground truth for it.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

# GB 32100-2015: 31 symbols, no I O S V Z
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714: organisation code (characters 9-17 of a credit code)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

CENT = Decimal("0.01")


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def org_check_char(body8: str) -> str:
    """GB 11714 check character over the first 8 characters of an organisation code."""
    c = 11 - sum(_org_value(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character over the first 17 characters of a credit code."""
    s = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    return code[17] == uscc_check_char(code[:17]) and code[16] == org_check_char(code[8:16])


def make_uscc(rng: random.Random, division: str, *, new_style: bool = True) -> str:
    """A well-formed enterprise credit code (9 = market regulation, 1 = enterprise).

    Companies registered after 2015 get organisation codes of the form MA + 6 symbols.
    """
    pool = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        if new_style:
            body8 = "MA" + rng.choice("3456789") + "".join(rng.choice(pool) for _ in range(5))
        else:
            body8 = "".join(rng.choice("0123456789") for _ in range(8))
        org = body8 + org_check_char(body8)
        if org[-1] in USCC_ALPHABET:
            break
    body17 = "91" + division + org
    return body17 + uscc_check_char(body17)


def corrupt_check_char(code: str, rng: random.Random) -> str:
    """The same code with a wrong final check character (a planted defect)."""
    wrong = [ch for ch in USCC_ALPHABET if ch != code[17]]
    return code[:17] + rng.choice(wrong)


def money(value: str | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_of(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    """Decimal string with two places, as the report wants it ("31800.00")."""
    return f"{value:.2f}"


def fmt_thousands(value: Decimal) -> str:
    return f"{value:,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS4 = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿")


def _four(n: int) -> str:
    """0 < n < 10000 in upper-case digits, with inner zeros collapsed (一千零五)."""
    out = []
    zero = False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + _UNITS4[pos])
    return "".join(out)


def amount_in_words(value: Decimal, yuan: str = "圆") -> str:
    """Upper-case RMB amount as printed on invoices (圆) and contracts (元).

    31800.00 -> 叁万壹仟捌佰圆整; 10354.50 -> 壹万零叁佰伍拾肆圆伍角; 3180.06 -> 叁仟壹佰捌拾圆零陆分
    """
    value = money(value)
    cents = int(value * 100)
    integer, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    parts: list[str] = []
    if integer:
        groups = []
        n = integer
        while n:
            groups.append(n % 10000)
            n //= 10000
        need_zero = False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            if g == 0:
                need_zero = bool(parts)
                continue
            if parts and (need_zero or g < 1000):
                parts.append("零")
            parts.append(_four(g) + _GROUPS[gi])
            need_zero = False
        parts.append(yuan)
    if jiao == 0 and fen == 0:
        return ("".join(parts) or "零" + yuan) + "整"
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif integer:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    return "".join(parts)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))
