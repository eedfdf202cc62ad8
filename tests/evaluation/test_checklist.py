"""The Jinan checklist and the dossier-wide analysis, on hand-built documents (no OCR)."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation import analysis, checklist
from models.domain import CheckResult, Document, FieldValue, PageText, Seal, TextLine
from models.enums import DocumentType, FlagCode, Status
from service import rulepacks

PACK = rulepacks.load("jinan-star-cloud-2020")
T = DocumentType


def doc(doc_type: DocumentType, pages: list[int], facts: dict | None = None, **fields: str) -> Document:
    return Document(
        id=f"d{pages[0]}", document_type=doc_type, pages=pages, facts=facts or {},
        fields={k: FieldValue(value=v, page=pages[0], finding_id=f"f-{k}-{pages[0]}") for k, v in fields.items()},
    )


APPLICANT = "济南舜耕智能装备有限公司"
CODE = "91370102MA5Y4CL13P"


def licence(**overrides: str) -> Document:
    fields = {"company_name": APPLICANT, "credit_code": CODE, "address": "济南市历下区经十路1号",
              "entity_type": "有限责任公司"}
    fields.update(overrides)
    facts = {"division": fields["credit_code"][2:8], "independent_legal_person": "分公司" not in fields["entity_type"]}
    return doc(T.business_license, [2], facts, **fields)


def invoice(page: int, issue: str, total: str, buyer: str = APPLICANT, key: str | None = None) -> Document:
    return doc(T.vat_invoice, [page], {"invoice_key": key or f"K{page}"}, issue_date=issue, grand_total=total,
               buyer_name=buyer, seller_name="山东泺源云计算有限公司", invoice_kind="e_invoice_ordinary")


def dossier(documents: list[Document], seals: list[Seal] | None = None, star: int = 3,
            pages: list[PageText] | None = None) -> analysis.Dossier:
    applicant = analysis.identify_applicant(documents, None)
    spending, flags = analysis.invoice_flags_and_spending(documents, applicant, PACK.cutoff_date, date(2021, 6, 1))
    return analysis.Dossier(pack=PACK, star=star, today=date(2021, 6, 1), declared={}, pages=pages or [],
                            documents=documents, seals=seals or [], applicant=applicant, spending=spending, flags=flags)


def status(d: analysis.Dossier, item_id: str) -> Status:
    return next(r.status for r in checklist.evaluate(d) if r.item_id == item_id)


def test_every_item_of_the_pack_has_its_condition() -> None:
    checklist.validate_pack(PACK)
    # the annex table comes from the same data the form extractor reads: all 53 domains, in order
    assert len(PACK.annex) == 53 and PACK.annex[0].domain == "门户网站" and PACK.annex[-1].domain == "其他应用"
    assert {i.id for i in PACK.items} >= {"eligibility.registered_in_jinan", "materials.04_deployment_statement"}


def test_registered_in_jinan_by_division_including_former_laiwu() -> None:
    assert status(dossier([licence()]), "eligibility.registered_in_jinan") == Status.met
    laiwu = licence(credit_code="91371202MA3C4L5X0Q")
    assert status(dossier([laiwu]), "eligibility.registered_in_jinan") == Status.met
    zhengzhou = licence(credit_code="91410100MA3X4L5X0Q", address="郑州市金水区")
    assert status(dossier([zhengzhou]), "eligibility.registered_in_jinan") == Status.failed
    flags = analysis.region_flags([zhengzhou], PACK)
    assert [f.code for f in flags] == [FlagCode.not_registered_in_region]


def test_a_branch_is_not_an_independent_legal_person() -> None:
    branch = licence(entity_type="有限责任公司分公司")
    assert status(dossier([branch]), "eligibility.independent_legal_person") == Status.failed
    assert status(dossier([]), "eligibility.independent_legal_person") == Status.missing


def test_spending_counts_each_invoice_once_and_only_since_the_cutoff() -> None:
    docs = [licence(), invoice(3, "2020-04-15", "21200.00", key="A"), invoice(4, "2020-04-15", "21200.00", key="A"),
            invoice(5, "2019-12-20", "6360.00"), invoice(6, "2020-11-10", "5000.00", buyer="别的公司")]
    d = dossier(docs)
    assert d.spending.total == "21200.00" and d.spending.invoice_count == 1
    codes = sorted(f.code for f in d.flags)
    assert codes == sorted([FlagCode.duplicate_invoice, FlagCode.date_before_cutoff, FlagCode.buyer_not_applicant])
    assert status(d, "eligibility.cloud_spending_since_cutoff") == Status.met


def test_no_eligible_spending_fails_and_no_invoices_is_missing() -> None:
    assert status(dossier([licence(), invoice(3, "2019-05-01", "100.00")]), "eligibility.cloud_spending_since_cutoff") == Status.failed
    assert status(dossier([licence()]), "eligibility.cloud_spending_since_cutoff") == Status.missing


def test_future_dates_are_flagged() -> None:
    d = dossier([licence(), invoice(3, "2030-01-01", "10.00")])
    assert FlagCode.date_in_future in {f.code for f in d.flags}


def test_three_star_needs_public_cloud() -> None:
    form = doc(T.application_form, [1], company_name=APPLICANT, deployment_model="private")
    assert status(dossier([form, licence()], star=3), "eligibility.cloud_form_for_star") == Status.failed
    assert status(dossier([form, licence()], star=4), "eligibility.cloud_form_for_star") == Status.met
    private_console = doc(T.cloud_console, [5], {"public_cloud": False})
    assert status(dossier([licence(), private_console]), "eligibility.cloud_form_for_star") == Status.failed


def test_private_cloud_documents_only_asked_of_four_and_five_stars() -> None:
    form = doc(T.application_form, [1], company_name=APPLICANT, deployment_model="private")
    items_3 = {r.item_id for r in checklist.evaluate(dossier([form], star=3))}
    assert "materials.05_private_cloud_plan" not in items_3
    assert status(dossier([form], star=4), "materials.05_private_cloud_plan") == Status.missing


@pytest.mark.parametrize(("seal_count", "expected"), [(0, Status.failed), (1, Status.failed), (2, Status.met)])
def test_deployment_statement_needs_both_parties_seals(seal_count: int, expected: Status) -> None:
    contract = doc(T.contract, [5, 6], {"cloud_wording": False})
    statement = doc(T.deployment_statement, [7])
    seals = [Seal(page=7, bbox=(i * 100, 0, i * 100 + 90, 90)) for i in range(seal_count)]
    assert status(dossier([licence(), contract, statement], seals), "materials.04_deployment_statement") == expected


def test_deployment_statement_not_needed_when_contracts_say_cloud() -> None:
    contract = doc(T.contract, [5, 6], {"cloud_wording": True})
    assert status(dossier([licence(), contract]), "materials.04_deployment_statement") == Status.not_applicable


def test_form_must_match_the_licence() -> None:
    form = doc(T.application_form, [1], company_name="济南别家科技有限公司", credit_code=CODE)
    d = dossier([form, licence()])
    result = next(r for r in checklist.evaluate(d) if r.item_id == "form.matches_license")
    assert result.status == Status.failed and "济南别家科技有限公司" in result.reason
    assert [f.code for f in analysis.applicant_flags([form, licence()], d.applicant)] == [FlagCode.applicant_mismatch]


def test_pledge_needs_a_seal_on_its_page() -> None:
    form = doc(T.application_form, [1], company_name=APPLICANT)
    texts = ["真实性", "承诺", "我单位申报的所有材料，均真实、完整，如有不实，愿承担相应的责任。"]
    page = PageText(page=1, width=100, height=100,
                    lines=[TextLine(text=t, bbox=(0, i * 10, 50, i * 10 + 8)) for i, t in enumerate(texts)])
    assert status(dossier([form], pages=[page]), "form.pledge_signed_and_sealed") == Status.failed
    sealed = [Seal(page=1, bbox=(10, 10, 60, 60))]
    assert status(dossier([form], sealed, pages=[page]), "form.pledge_signed_and_sealed") == Status.met


def test_reviewer_items_always_ask_for_review() -> None:
    assert status(dossier([]), "eligibility.finance_and_credit") == Status.needs_review
    assert status(dossier([], star=4), "eligibility.rated_three_star") == Status.needs_review


def test_names_match_despite_bracket_styles_and_one_ocr_slip() -> None:
    assert analysis.same_party("聚光科技（杭州）股份有限公司", "聚光科技(杭州)股份有限公司")
    assert analysis.same_party("济南舜耕智能装备有限公司", "济南舜耕智能装备有限公习")
    assert not analysis.same_party("济南舜耕智能装备有限公司", "济南泰和顺达商贸有限公司")


def test_annex_marks_need_proof_and_effects_need_a_person() -> None:
    from models.domain import AnnexRow

    form = doc(T.application_form, [1], {"annex_marked": [
        {"domain": "计算资源", "marked": True, "pages": [13]},
        {"domain": "成本下降", "marked": True, "pages": []},
    ]}, company_name=APPLICANT)
    d = dossier([form])
    d.annex = [AnnexRow(category="基础系统上云", subcategory="IT 资源", domain="计算资源", on_cloud=True, pages=[13]),
               AnnexRow(category="上云成效", subcategory="应用层面", domain="成本下降", on_cloud=False)]
    result = next(r for r in checklist.evaluate(d) if r.item_id == "form.annex_supported")
    assert result.status == Status.needs_review and "成本下降" in result.reason and "未找到" not in result.reason
    d.annex[0] = d.annex[0].model_copy(update={"on_cloud": False, "pages": []})
    result = next(r for r in checklist.evaluate(d) if r.item_id == "form.annex_supported")
    assert "以下勾选项未找到佐证材料：计算资源" in result.reason


# --- rule items count only the applicant's documents ------------------------------------------------

OTHER = "济南别家科技有限公司"
PROVIDER = "山东泺源云计算有限公司"


def result(d: analysis.Dossier, item_id: str) -> CheckResult:
    return next(r for r in checklist.evaluate(d) if r.item_id == item_id)


def form() -> Document:
    return doc(T.application_form, [1], company_name=APPLICANT, credit_code=CODE)


def contract(page: int, a: str, b: str) -> Document:
    return doc(T.contract, [page], party_a=a, party_b=b)


def test_contracts_and_invoices_of_other_companies_do_not_meet_item_3() -> None:
    strangers = [form(), licence(), contract(5, OTHER, PROVIDER), invoice(7, "2020-04-15", "100.00", buyer=OTHER)]
    r = result(dossier(strangers), "materials.03_contracts_and_invoices")
    assert r.status == Status.missing
    assert "缺少申报企业的合同、发票" in r.reason
    assert "未计入：第 5 页合同（甲方“济南别家科技有限公司”、乙方“山东泺源云计算有限公司”不是申报企业" in r.reason
    assert "第 7 页发票（购买方“济南别家科技有限公司”不是申报企业" in r.reason
    own = strangers + [contract(6, APPLICANT, PROVIDER), invoice(8, "2020-05-15", "200.00")]
    r = result(dossier(own), "materials.03_contracts_and_invoices")
    assert r.status == Status.met and r.pages == [6, 8]
    assert "计入：第 6 页合同（甲方“济南舜耕智能装备有限公司”" in r.reason and "未计入：第 5 页合同" in r.reason


def test_documents_whose_owner_was_not_read_need_review() -> None:
    unread = [form(), licence(), doc(T.contract, [5], title="云服务合同"), invoice(7, "2020-04-15", "100.00")]
    r = result(dossier(unread), "materials.03_contracts_and_invoices")
    assert r.status == Status.needs_review and "无法确认归属：第 5 页合同（未能识别当事人）" in r.reason


def test_a_licence_of_another_company_is_not_the_applicants_licence() -> None:
    theirs = licence(company_name=PROVIDER, credit_code="91370100MA949D4H6D")
    theirs.pages = [3]
    r = result(dossier([form(), theirs]), "materials.02_business_license")
    assert r.status == Status.missing and "第 3 页营业执照（企业名称“山东泺源云计算有限公司”不是申报企业" in r.reason
    r = result(dossier([form(), theirs, licence()]), "materials.02_business_license")
    assert r.status == Status.met and r.pages == [2] and "未计入：第 3 页营业执照" in r.reason
    # the applicant's licence, not the first one, decides where the applicant is registered
    theirs_elsewhere = licence(company_name=PROVIDER, credit_code="91410100MA3X4L5X3B", address="郑州市金水区")
    theirs_elsewhere.pages = [1]
    d = dossier([form(), theirs_elsewhere, licence()])
    assert status(d, "eligibility.registered_in_jinan") == Status.met


def test_an_individual_business_is_not_an_independent_legal_person() -> None:
    # character 2 of the credit code is 2: registered as an individual business (个体工商户)
    shop = licence(company_name="济南市历下区某某便利店", credit_code="92370102MA3C4K7P9U", entity_type="个人经营")
    shop.facts["independent_legal_person"] = True  # whatever the licence reader concluded
    r = result(dossier([shop]), "eligibility.independent_legal_person")
    assert r.status == Status.failed and "个体工商户不是独立法人" in r.reason and "第 2 位为 2" in r.reason
    typed = licence(entity_type="个体工商户", credit_code=CODE)
    assert "个体工商户" in result(dossier([typed]), "eligibility.independent_legal_person").reason
    assert status(dossier([licence()]), "eligibility.independent_legal_person") == Status.met


def test_a_contract_between_other_companies_asks_no_deployment_statement() -> None:
    theirs = doc(T.contract, [5, 6], {"cloud_wording": False}, party_a=OTHER, party_b=PROVIDER)
    assert status(dossier([form(), licence(), theirs]), "materials.04_deployment_statement") == Status.not_applicable
    ours = doc(T.contract, [7], {"cloud_wording": False}, party_a=APPLICANT, party_b=PROVIDER)
    assert status(dossier([form(), licence(), theirs, ours]), "materials.04_deployment_statement") == Status.failed


def test_a_rule_may_count_the_providers_documents() -> None:
    theirs = licence(company_name=PROVIDER, credit_code="91370100MA949D4H6D")
    theirs.pages = [9]
    d = dossier([form(), licence(), invoice(7, "2020-04-15", "100.00"), theirs])
    present = checklist.resolve("document_present")
    assert present is not None
    status_, pages, _, reason = present(d, {"document_types": ["business_license"], "owner": "provider"})
    assert status_ == Status.met and pages == [9] and "企业名称“山东泺源云计算有限公司”为云服务商" in reason
    assert "未计入：第 2 页营业执照" in reason
    status_, pages, _, _ = present(d, {"document_types": ["business_license"], "owner": ["applicant", "provider"]})
    assert status_ == Status.met and pages == [2, 9]
