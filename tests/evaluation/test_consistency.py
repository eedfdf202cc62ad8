"""Cross-document checks on synthetic documents: one applicant everywhere, contracts against
invoices, QR codes against print, and spending that counts each invoice once."""

from __future__ import annotations

from datetime import date
from typing import Any

from evaluation.analysis import invoice_flags_and_spending
from evaluation.consistency import (
    contract_invoice_flags,
    contract_party_flags,
    dossier_flags,
    form_licence_code_flags,
    qr_flags,
)
from models.domain import Applicant, Document, FieldValue, Finding
from models.enums import DocumentType, FlagCode

APPLICANT = "济南舜耕智能装备有限公司"
CODE = "91370102MA5Y4CL13P"
PROVIDER = "山东泺源云计算有限公司"
PROVIDER_CODE = "91370100MA949D4H6D"
OTHER = "济南泰和顺达商贸有限公司"


def doc(doc_type: DocumentType, pages: list[int], facts: dict[str, Any] | None = None, **fields: str) -> Document:
    return Document(
        id=f"d-{doc_type}-{pages[0]}", document_type=doc_type, pages=pages, facts=facts or {},
        fields={k: FieldValue(value=v, page=pages[0], bbox=(10, 10, 50, 20), finding_id=f"f-{k}-{pages[0]}")
                for k, v in fields.items()},
    )


def invoice(page: int, grand: str, *, buyer: str = APPLICANT, seller: str = PROVIDER, code: str = "037012000211",
            number: str = "32330792", **more: str) -> Document:
    return doc(DocumentType.vat_invoice, [page], facts={"invoice_key": f"{code}-{number}"}, invoice_code=code,
               invoice_number=number, buyer_name=buyer, buyer_tax_id=CODE, seller_name=seller,
               seller_tax_id=PROVIDER_CODE, grand_total=grand, issue_date="2020-04-15", **more)


def contract(page: int, amount: str, *, a: str = APPLICANT, b: str = PROVIDER, a_code: str = CODE) -> Document:
    return doc(DocumentType.contract, [page, page + 1], party_a=a, party_b=b, party_a_credit_code=a_code,
               party_b_credit_code=PROVIDER_CODE, amount=amount)


def licence(code: str = CODE) -> Document:
    return doc(DocumentType.business_license, [2], company_name=APPLICANT, credit_code=code)


def form(code: str = CODE) -> Document:
    return doc(DocumentType.application_form, [1], company_name=APPLICANT, credit_code=code)


APP = Applicant(name=APPLICANT, credit_code=CODE, source="application form")


def codes(flags: list[Any]) -> list[str]:
    return [f.code for f in flags]


# --- applicant identity ---------------------------------------------------------------------------


def test_a_clean_dossier_raises_nothing() -> None:
    docs = [form(), licence(), contract(3, "31800.00"), invoice(5, "21200.00"), invoice(6, "6360.00", number="1")]
    assert dossier_flags(docs, APP) == []


def test_form_and_licence_credit_codes_must_agree() -> None:
    flags = form_licence_code_flags([form("91370102MA5Y4CL14P"), licence()])
    assert codes(flags) == [FlagCode.applicant_mismatch]
    assert flags[0].values == {"form_credit_code": "91370102MA5Y4CL14P", "license_credit_code": CODE}
    assert flags[0].pages == [1, 2] and flags[0].evidence


def test_a_contract_between_two_other_companies_is_flagged() -> None:
    flags = contract_party_flags([licence(), contract(3, "1000.00", a=OTHER)], APP)
    assert codes(flags) == [FlagCode.contract_party_not_applicant]
    assert flags[0].values["party_a"] == OTHER and flags[0].values["applicant"] == APPLICANT
    assert "均不是申报企业" in flags[0].message


def test_a_contract_with_one_party_unread_is_not_flagged() -> None:
    c = contract(3, "1000.00", a=OTHER)
    del c.fields["party_b"]
    assert contract_party_flags([c], APP) == []


def test_the_applicants_credit_code_on_a_contract_must_be_the_licences() -> None:
    flags = contract_party_flags([licence(), contract(3, "1000.00", a_code="91370102MA5Y4CL14P")], APP)
    assert codes(flags) == [FlagCode.contract_party_credit_code_mismatch]
    assert flags[0].values == {"party": "party_a", "contract_credit_code": "91370102MA5Y4CL14P",
                               "license_credit_code": CODE}


def test_an_ocr_slip_in_the_applicants_name_still_finds_its_side() -> None:
    slip = APPLICANT.replace("舜", "顺")
    assert contract_party_flags([licence(), contract(3, "1000.00", a=slip)], APP) == []


def test_invoice_buyer_named_as_applicant_with_another_tax_id() -> None:
    inv = invoice(5, "100.00")
    inv.fields["buyer_tax_id"] = FieldValue(value="91370102MA5Y4CL14P", page=5, finding_id="f-b")
    assert codes(dossier_flags([inv], APP)) == [FlagCode.buyer_not_applicant]


# --- contracts against invoices -------------------------------------------------------------------


def test_invoiced_within_five_percent_of_the_contract_is_fine() -> None:
    docs = [contract(3, "30000.00"), invoice(5, "31500.00")]
    assert contract_invoice_flags(docs, APP) == []


def test_invoiced_more_than_contracted_is_flagged_with_the_numbers() -> None:
    docs = [contract(3, "30000.00"), invoice(5, "21200.00"), invoice(6, "10600.00", number="2")]
    [flag] = contract_invoice_flags(docs, APP)
    assert flag.code == FlagCode.contract_invoice_amount_mismatch and flag.severity == "medium"
    assert flag.values["contract_total"] == "30000.00" and flag.values["invoice_total"] == "31800.00"
    assert flag.values["invoice_count"] == 2 and flag.values["excess"] == "1800.00"
    assert flag.values["excess_percent"] == "6.0"
    assert flag.pages == [3, 5, 6] and "31800.00" in flag.message and PROVIDER in flag.message


def test_contracts_with_the_same_provider_add_up_and_others_invoices_do_not_count() -> None:
    docs = [contract(3, "20000.00"), contract(7, "12000.00"), invoice(5, "31800.00"),
            invoice(9, "9000.00", number="3", buyer=OTHER), invoice(10, "9000.00", number="4", seller=OTHER)]
    assert contract_invoice_flags(docs, APP) == []


def test_the_same_invoice_twice_counts_once_against_the_contract() -> None:
    # the e-invoice PDF and a scan of its print-out: same code and number
    docs = [contract(3, "20000.00"), invoice(5, "19000.00"), invoice(6, "19000.00")]
    assert contract_invoice_flags(docs, APP) == []


# --- spending since the cut-off -------------------------------------------------------------------


def test_spending_counts_an_invoice_seen_twice_once() -> None:
    pdf, scan = invoice(5, "21200.00"), invoice(9, "21200.00")
    other = invoice(10, "6360.00", number="64862057")
    spending, flags = invoice_flags_and_spending([pdf, scan, other], APP, date(2020, 1, 1), date(2021, 1, 1))
    assert spending.total == "27560.00" and spending.invoice_count == 2
    assert [r.counted for r in spending.invoices] == [True, False, True]
    assert codes(flags) == [FlagCode.duplicate_invoice]


# --- QR codes against print -----------------------------------------------------------------------


def qr(page: int, **detail: str) -> Finding:
    base = {"type": "10", "code": "037012000211", "number": "32330792", "amount": "20000.00", "date": "2020-04-15",
            "check_code": "44026859952890786666", "crc": "8C29"}
    base |= detail
    payload = ",".join(["01", base["type"], base["code"], base["number"], base["amount"],
                        base["date"].replace("-", ""), base["check_code"], base["crc"]])
    return Finding(kind="qr_payload", value=payload, normalized=payload, page=page, bbox=(5, 5, 30, 30),
                   extractor="qr", valid=True, detail=base).with_id()


def qr_invoice() -> Document:
    return invoice(5, "21200.00", amount_total="20000.00", check_code="44026859952890786666")


def test_a_qr_code_that_matches_the_print_raises_nothing() -> None:
    assert qr_flags([qr_invoice()], [qr(5)]) == []


def test_a_qr_code_that_disagrees_with_the_print_is_flagged_with_both_values() -> None:
    [flag] = qr_flags([qr_invoice()], [qr(5, amount="2000.00", number="32330793")])
    assert flag.code == FlagCode.invoice_qr_mismatch and flag.severity == "high"
    assert flag.values["differences"] == {
        "invoice_number": {"printed": "32330792", "qr": "32330793"},
        "amount_total": {"printed": "20000.00", "qr": "2000.00"},
    }
    assert flag.pages == [5] and flag.evidence[0].startswith("f-")
    assert "发票号码 印刷 32330792，二维码 32330793" in flag.message


def test_a_qr_code_on_another_page_or_fields_not_read_raise_nothing() -> None:
    inv = qr_invoice()
    del inv.fields["issue_date"]
    assert qr_flags([inv], [qr(6, number="1"), qr(5, date="2021-01-01")]) == []


def test_a_fully_digital_payload_without_code_compares_the_number() -> None:
    inv = doc(DocumentType.vat_invoice, [4], invoice_number="25437000000297554203", amount_total="17.00",
              issue_date="2025-10-13")
    assert qr_flags([inv], [qr(4, code="", number="25437000000297554203", amount="17.00", date="2025-10-13",
                               check_code="")]) == []
    [flag] = qr_flags([inv], [qr(4, code="", number="25437000000297554209", amount="17.00",
                                 date="2025-10-13", check_code="")])
    assert list(flag.values["differences"]) == ["invoice_number"]


def test_dossier_flags_uses_the_findings_it_is_given() -> None:
    assert codes(dossier_flags([qr_invoice()], APP, [qr(5, date="2020-05-15")])) == [FlagCode.invoice_qr_mismatch]
    assert dossier_flags([qr_invoice()], APP) == []
