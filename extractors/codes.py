"""Registration codes with check characters: credit codes, 注册号, old taxpayer ids.

A wrong check character is one of the clearest signs of a fabricated licence or invoice (DOMAIN.md
§5), so the algorithms are implemented exactly:

* unified social credit code, GB 32100-2015: 18 characters, check character MOD 31; characters
  9-17 are a GB 11714 organisation code with its own MOD 11 check;
* 注册号 (registration number before 2015), GB 12403: 15 digits, ISO 7064 MOD 11,10;
* old taxpayer id: 6-digit division + 9-character organisation code.
"""

from __future__ import annotations

import re

from extractors.layout import sub_bbox
from extractors.text import normalize_with_offsets, original_span
from models.domain import Finding, PageText

# GB 32100: digits and upper-case letters without I, O, S, V, Z (too easily misread).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CARD_CHECK = "10X98765432"

# Letters OCR reads for digits where the credit-code alphabet leaves no doubt: O and I are not in
# it, so they can only be 0 and 1. S/5, Z/2, B/8 are left alone: B is a valid code character.
_OCR_FIXES = str.maketrans({"O": "0", "I": "1"})
_RX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]+(?![0-9A-Za-z])")
_RX_CODE_CHARS = re.compile(f"[{CREDIT_CODE_ALPHABET}]+")
# First two digits of GB/T 2260 division codes (provinces, plus 71 Taiwan, 81/82 Hong Kong and
# Macau) and 10 for codes issued nationally (100000). Bank accounts of 15 or 18 digits rarely
# start like this, so all-digit codes must, or every account number would be flagged as a forgery.
_PROVINCE_PREFIXES = frozenset(
    {"10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82"}
)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in first17):
        raise ValueError(f"need 17 characters of the credit-code alphabet, got {first17!r}")
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _org_char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    raise ValueError(f"not an organisation-code character: {c!r}")


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character for the first 8 characters of an organisation code."""
    if len(first8) != 8:
        raise ValueError(f"need 8 characters, got {first8!r}")
    total = sum(_org_char_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# what can be wrong with a credit code, in the reviewer's English and Chinese
_CREDIT_CODE_FAULTS = {
    "length": ("length is {0}, expected 18", "长度为 {0} 位，应为 18 位"),
    "alphabet": ("characters not allowed in a credit code: {0}", "含有统一社会信用代码不允许的字符 {0}"),
    "check": ("check character is {0}, expected {1}", "校验位为 {0}，按 GB 32100-2015 应为 {1}"),
    "org_check": ("organisation-code check character is {0}, expected {1}", "组织机构代码校验位为 {0}，应为 {1}"),
}


def _credit_code_faults(code: str) -> list[tuple[str, tuple[object, ...]]]:
    if len(code) != 18:
        return [("length", (len(code),))]
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return [("alphabet", ("".join(bad),))]
    faults: list[tuple[str, tuple[object, ...]]] = []
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        faults.append(("check", (code[17], expected)))
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        faults.append(("org_check", (code[16], org_expected)))
    return faults


def credit_code_problems(code: str) -> list[str]:
    """What is wrong with a credit code, in words a reviewer can check; [] when it is valid."""
    return [_CREDIT_CODE_FAULTS[kind][0].format(*args) for kind, args in _credit_code_faults(code)]


def credit_code_problem_words(code: str) -> str:
    """The same, in Chinese for the reviewer's message ("" when the code is valid)."""
    return "；".join(_CREDIT_CODE_FAULTS[kind][1].format(*args) for kind, args in _credit_code_faults(code))


def credit_code_valid(code: str) -> bool:
    """True when ``code`` is an 18-character credit code whose both check characters are right."""
    return not credit_code_problems(code)


def registration_number_valid(number: str) -> bool:
    """True when ``number`` is a 15-digit 注册号 with a correct ISO 7064 MOD 11,10 check digit."""
    if len(number) != 15 or not number.isdigit():
        return False
    product = 10
    for ch in number[:14]:
        s = (product + int(ch)) % 10 or 10
        product = s * 2 % 11
    return (product + int(number[14])) % 10 == 1


def _org_code_valid(code: str) -> bool:
    if len(code) != 9 or not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        return False
    return org_code_check_char(code[:8]) == code[8]


def _id_card_valid(number: str) -> bool:
    """A resident ID-card number (GB 11643): 6-digit division, birth date, MOD 11-2 check."""
    if not re.fullmatch(r"\d{17}[0-9X]", number):
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_CARD_WEIGHTS, strict=True))
    if _ID_CARD_CHECK[total % 11] != number[17]:
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def tax_id_valid(tax_id: str) -> bool | None:
    """Whether a taxpayer id checks out: 18 characters as a credit code, 15 characters as division +
    organisation code; None for any other length (a kind this module cannot check)."""
    tax_id = normalize_code(tax_id)
    if len(tax_id) == 18:
        return credit_code_valid(tax_id)
    if len(tax_id) == 15:
        return tax_id[:6].isdigit() and _org_code_valid(tax_id[6:])
    return None


def division_of(code: str) -> str | None:
    """The administrative division (characters 3-8) of an 18-character credit code."""
    code = normalize_code(code)
    if len(code) != 18 or not code[2:8].isdigit():
        return None
    return code[2:8]


def normalize_code(text: str) -> str:
    """A code as printed to its canonical form: half-width, upper case, no spaces or hyphens, and
    the letters O and I (never valid code characters) read as 0 and 1."""
    norm, _ = normalize_with_offsets(text)
    return re.sub(r"[\s\-]", "", norm).upper().translate(_OCR_FIXES)


# Characters OCR confuses with each other in codes (0/O/D, 1/I/L, 8/B, 5/S, 2/Z).
_CONFUSIONS = {"0": "D", "D": "0", "1": "L", "L": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "Z": "2"}
# Characters 3-8 (the division) and 2 (the entity type) of a credit code are digits.
_DIGIT_SLOTS = range(1, 8)
_TO_DIGIT = {"D": "0", "L": "1", "B": "8", "S": "5", "Z": "2"}


def repair_credit_code(code: str) -> str:
    """An 18-character credit code read by OCR, with near-miss confusions undone where the code
    itself proves them: a letter in a digit-only slot or outside the GB 32100 alphabet is replaced
    by the digit it resembles, and, failing that, one confusable character of the organisation code
    (characters 9-16, covered by both check characters) is swapped. The repair is kept only when
    exactly one candidate passes both checks; otherwise the reading is returned unchanged."""
    code = normalize_code(code)
    if len(code) != 18 or credit_code_valid(code):
        return code
    forced = "".join(
        _TO_DIGIT.get(c, c) if (i in _DIGIT_SLOTS or c not in CREDIT_CODE_ALPHABET) else c
        for i, c in enumerate(code)
    )
    if credit_code_valid(forced):
        return forced
    if any(c not in CREDIT_CODE_ALPHABET for c in forced):
        return code
    passing = {
        forced[:i] + _CONFUSIONS[c] + forced[i + 1 :]
        for i, c in enumerate(forced)
        if 8 <= i < 16 and c in _CONFUSIONS and _CONFUSIONS[c] in CREDIT_CODE_ALPHABET
    }
    passing = {cand for cand in passing if credit_code_valid(cand)}
    return passing.pop() if len(passing) == 1 else code


# Character 2 of a credit code: the entity type within the registering authority.
_ENTITY_TYPES = frozenset("1239")
_TAX_ID_LABELS = ("识别号", "税号", "纳税人")
_LABEL_REACH = 12  # characters before a code searched for its label


def _plausible_division(division: str) -> bool:
    return division.isdigit() and division[:2] in _PROVINCE_PREFIXES


def _classify(code: str, before: str) -> str | None:
    """The kind of code a token is, or None; ``before`` is the text preceding it (its label)."""
    if len(code) == 18 and _RX_CODE_CHARS.fullmatch(code) and sum(c.isdigit() for c in code) >= 8:
        if code.isdigit() and not (
            code[0] != "0" and code[1] in _ENTITY_TYPES and _plausible_division(code[2:8])
        ):
            return None  # an 18-digit account or serial number, not a code
        # An ID-card number has the same shape; it is personal data, not a company code.
        if _id_card_valid(code) and not credit_code_valid(code):
            return "id_card_number"
        return "credit_code"
    if len(code) == 15 and _plausible_division(code[:6]):
        if code.isdigit() and registration_number_valid(code):
            return "registration_number"
        if _org_code_valid(code[6:]):
            return "tax_id_15"
        if not code.isdigit():
            return "tax_id_15"  # letters: an organisation code, the check just failed
        # 15 digits that pass neither check are far more often bank accounts than forged codes;
        # report them only under their label.
        label = before[-_LABEL_REACH:]
        if "注册号" in label:
            return "registration_number"
        if any(word in label for word in _TAX_ID_LABELS):
            return "tax_id_15"
    return None


def find_codes(text: str) -> list[tuple[int, int, str, str]]:
    """Codes in ``text`` as ``(start, end, code, kind)``; the span indexes the original ``text``.

    ``kind`` is ``credit_code`` (18 characters of the GB 32100 alphabet, at least 8 digits),
    ``registration_number`` (15 digits), ``tax_id_15`` (division + organisation code) or
    ``id_card_number``. A code must be a whole token: 20-digit invoice numbers and bank accounts
    are never cut into codes.
    """
    norm, offsets = normalize_with_offsets(text)
    out = []
    for m in _RX_TOKEN.finditer(norm):
        code = m.group(0).translate(_OCR_FIXES)
        kind = _classify(code, norm[: m.start()])
        if kind:
            start, end = original_span(offsets, m.start(), m.end())
            out.append((start, end, code, kind))
    return out


def code_findings(page: PageText) -> list[Finding]:
    """Credit codes, registration numbers and old taxpayer ids on the page, each with ``valid``
    and ``detail={"problems": [...], "division": ...}``. ID-card numbers are not reported."""
    findings: list[Finding] = []
    for line in page.lines:
        for start, end, code, kind in find_codes(line.text):
            if kind == "credit_code":
                problems = credit_code_problems(code)
                division = division_of(code)
                finding_kind = "credit_code"
            elif kind == "registration_number":
                problems = (
                    [] if registration_number_valid(code) else ["check digit (ISO 7064 MOD 11,10) is wrong"]
                )
                division = code[:6]
                finding_kind = "registration_number"
            elif kind == "tax_id_15":
                problems = (
                    []
                    if tax_id_valid(code)
                    else [
                        f"organisation-code check character is {code[14]}, expected "
                        f"{org_code_check_char(code[6:14]) if re.fullmatch('[0-9A-Z]{8}', code[6:14]) else '?'}"
                    ]
                )
                division = code[:6]
                finding_kind = "tax_id"
            else:
                continue
            findings.append(
                Finding(
                    kind=finding_kind,
                    value=line.text[start:end],
                    normalized=code,
                    page=page.page,
                    bbox=sub_bbox(line, start, end),
                    confidence=round(line.confidence, 3),
                    extractor="codes",
                    valid=not problems,
                    detail={"problems": problems, "division": division},
                ).with_id()
            )
    return findings
