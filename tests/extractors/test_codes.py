import pytest

from extractors.codes import (
    CREDIT_CODE_ALPHABET,
    code_findings,
    credit_code_check_char,
    credit_code_problems,
    credit_code_valid,
    division_of,
    find_codes,
    normalize_code,
    org_code_check_char,
    registration_number_valid,
    repair_credit_code,
    tax_id_valid,
)
from models.domain import PageText, TextLine
from tests.factories import set_width

# Real codes printed on public invoices and licences: all check characters right.
VALID = [
    "91120222079642398Y",
    "91440101664041243T",
    "911201163409833307",
    "91420000722084584J",
    "91330100673964613D",
    "124300004488048597",  # a public institution (1 = 机构编制)
    "91370102MA3C4K7P9Y",
]
# Demo values printed on sample invoices: wrong check characters.
INVALID = ["917107277650880665", "91500106MA2CE71F65"]


def _page(*texts: str) -> PageText:
    lines = [
        TextLine(text=t, bbox=(0.0, 30.0 * i, set_width(t), 30.0 * i + 25), confidence=0.97)
        for i, t in enumerate(texts)
    ]
    return PageText(page=2, width=1240, height=1754, lines=lines)


def test_alphabet() -> None:
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert not set("IOSVZ") & set(CREDIT_CODE_ALPHABET)


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code: str) -> None:
    assert credit_code_valid(code)
    assert credit_code_problems(code) == []
    assert credit_code_check_char(code[:17]) == code[17]
    assert org_code_check_char(code[8:16]) == code[16]
    assert tax_id_valid(code) is True


def test_known_invalid_demo_values() -> None:
    assert credit_code_problems("917107277650880665") == [
        "check character is 5, expected A",
        "organisation-code check character is 6, expected 7",
    ]
    # the organisation code inside is fine; only the final check character is wrong
    assert credit_code_problems("91500106MA2CE71F65") == ["check character is 5, expected 6"]
    for code in INVALID:
        assert not credit_code_valid(code)
        assert tax_id_valid(code) is False


def test_single_character_typos_are_caught() -> None:
    code = "91120222079642398Y"
    for i in range(17):
        for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if replacement == code[i]:
                continue
            typo = code[:i] + replacement + code[i + 1 :]
            # MOD 31 catches every single substitution
            assert not credit_code_valid(typo), typo


def test_problems_for_bad_shape() -> None:
    assert credit_code_problems("9112022207964239") == ["length is 16, expected 18"]
    assert credit_code_problems("91120222O79642398Y") == ["characters not allowed in a credit code: O"]
    with pytest.raises(ValueError):
        credit_code_check_char("9112")


def test_org_code_check_char_x_and_zero() -> None:
    # sum mod 11 == 1 -> check 10 -> X; sum mod 11 == 0 -> check 11 -> 0
    assert org_code_check_char("00000030") == "X"  # 3 x 4 = 12, 12 mod 11 = 1, 11 - 1 = 10
    assert org_code_check_char("00000001") == "9"
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("34098333") == "0"  # inside 911201163409833307


def test_registration_number() -> None:
    assert registration_number_valid("310110000759836")
    assert not registration_number_valid("310110000759835")
    assert not registration_number_valid("31011000075983")
    assert not registration_number_valid("31011000075983A")


def test_tax_id_kinds() -> None:
    assert tax_id_valid("440300083885931") is True  # old 15-character taxpayer id
    assert tax_id_valid("440300083885932") is False
    assert tax_id_valid("9351099411892126") is None  # 16 characters: unknown kind
    assert tax_id_valid("9112 0222 0796 4239 8Y") is True


def test_division_of() -> None:
    assert division_of("91370102MA3C4K7P9Y") == "370102"
    assert division_of("91120222079642398Y") == "120222"
    assert division_of("310110000759836") is None


def test_normalize_code() -> None:
    assert normalize_code(" 9112-0222 O796 4239 8y ") == "91120222079642398Y"
    assert normalize_code("９１１２０２２２０７９６４２３９８Ｙ") == "91120222079642398Y"
    assert normalize_code("91I20222079642398Y") == "91120222079642398Y"
    # B is a valid code character: never turned into 8
    assert normalize_code("91370102MA3C4K7B9Y") == "91370102MA3C4K7B9Y"


class TestFindCodes:
    def test_labelled_codes(self) -> None:
        text = "统一社会信用代码91320506061841057Q（1/1）"
        [(s, e, code, kind)] = find_codes(text)
        assert text[s:e] == code == "91320506061841057Q"
        assert kind == "credit_code"

    def test_registration_and_old_tax_id(self) -> None:
        assert [(c, k) for _, _, c, k in find_codes("注册号310110000759836")] == [
            ("310110000759836", "registration_number")
        ]
        assert [(c, k) for _, _, c, k in find_codes("纳税人识别号：440300083885931")] == [
            ("440300083885931", "tax_id_15")
        ]

    def test_ocr_letter_o_fixed(self) -> None:
        [(_, _, code, _)] = find_codes("纳税人识别号:9112O222O79642398Y")
        assert code == "91120222079642398Y"

    @pytest.mark.parametrize(
        "text",
        [
            "发票号码：25437000000297554203",  # 20-digit 数电 invoice number
            "开户行及账号：中国建设银行股份有限公司天津武清区支行12001720800052531259",
            "开户行及账号：CDE银行203845432526710",  # 15-digit account, no province prefix
            "农行杭三路支行19-020401040015428",
            "招商银行天津自由贸易试验区分行122905939910401",
            "证照编号 10000000201508190002",
            "编号320506000201805110388",
            "订单号:94859303935",
            "实例 ID:i-2vce7h83cpid8eezzka5",
            "ABC银行 9911015260873749",
        ],
    )
    def test_longer_numbers_and_accounts_are_not_codes(self, text: str) -> None:
        assert find_codes(text) == []

    def test_fifteen_digits_failing_both_checks_need_a_label(self) -> None:
        assert find_codes("账号 310110000759835") == []
        assert [k for _, _, _, k in find_codes("注册号:310110000759835")] == ["registration_number"]
        assert [k for _, _, _, k in find_codes("纳税人识别号：440300083885932")] == ["tax_id_15"]

    def test_id_card_number_is_not_a_credit_code(self) -> None:
        assert [k for _, _, _, k in find_codes("身份证号 11010519491231002X")] == ["id_card_number"]


class TestCodeFindings:
    def test_valid_and_invalid(self) -> None:
        page = _page(
            "纳税人识别号：917107277650880665",
            "统一社会信用代码 91370102MA3C4K7P9Y",
            "注册号310110000759836",
            "身份证号 11010519491231002X",
        )
        found = {f.normalized: f for f in code_findings(page)}
        assert set(found) == {"917107277650880665", "91370102MA3C4K7P9Y", "310110000759836"}
        bad = found["917107277650880665"]
        assert bad.kind == "credit_code"
        assert bad.valid is False
        assert bad.detail["problems"][0] == "check character is 5, expected A"
        good = found["91370102MA3C4K7P9Y"]
        assert good.valid is True
        assert good.detail == {"problems": [], "division": "370102"}
        assert good.extractor == "codes"
        assert good.page == 2
        assert good.id
        reg = found["310110000759836"]
        assert reg.kind == "registration_number"
        assert reg.valid is True
        assert reg.detail["division"] == "310110"

    def test_old_tax_id_finding(self) -> None:
        [f] = code_findings(_page("纳税人识别号：440300083885932"))
        assert f.kind == "tax_id"
        assert f.valid is False
        assert f.detail["problems"] == ["organisation-code check character is 2, expected 1"]

    def test_box_covers_the_code(self) -> None:
        [f] = code_findings(_page("识别号:91120222079642398Y"))
        # after 识别号 (three ems) and the ASCII colon (half of one); eighteen half-em characters
        assert f.bbox == pytest.approx((70.0, 0.0, 250.0, 25.0))


def test_repair_undoes_ocr_confusions_only_where_the_checks_prove_them() -> None:
    code = "91320506MA1P3K8B3P"  # valid; B and 8 both in the organisation code
    assert credit_code_valid(code)
    assert repair_credit_code(code) == code
    # letters in the digit-only division, characters outside the alphabet
    assert repair_credit_code("91320S0GMA1P3K8B3P".replace("G", "6")) == code
    assert repair_credit_code("913Z0506MA1P3K8B3P".replace("Z", "2")) == code
    assert repair_credit_code("91320SO6MA1P3K8B3P") == code
    # one confusable character of the organisation code, both check characters agreeing
    assert repair_credit_code("91320506MA1P3KBB3P") == code
    assert repair_credit_code("91320506MA1P3K883P") == code
    # a wrong character that is no confusion stays as read (its check fails and is reported)
    assert repair_credit_code("91320506MA1P3K8B3Q") == "91320506MA1P3K8B3Q"
    assert repair_credit_code("91320506MA1P4K8B3P") == "91320506MA1P4K8B3P"
