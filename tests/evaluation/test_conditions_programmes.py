"""The Zhengzhou cloud-provider and "double soft" condition kinds, on hand-built documents (no OCR)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from evaluation import checklist
from evaluation.analysis import Dossier
from models.domain import Applicant, Document, FieldValue, PageText, Spending, TextLine
from models.enums import DocumentType, Status
from service import rulepacks

T = DocumentType
ZZ = rulepacks.load("zhengzhou-cloud-provider-2018")
ENTERPRISE = rulepacks.load("double-soft-enterprise")
PRODUCT = rulepacks.load("double-soft-software-product")

APPLICANT = "郑州中原数云科技有限公司"
CODE_ZZ = "91410100MA953E9429"
CODE_ELSEWHERE = "91370102MA5Y4CL13P"  # Jinan


def doc(doc_type: DocumentType, pages: list[int], facts: dict[str, Any] | None = None,
        lists: dict[str, list[str]] | None = None, **fields: str) -> Document:
    return Document(
        id=f"d{doc_type}{pages[0]}", document_type=doc_type, pages=pages, facts=facts or {},
        fields={k: FieldValue(value=v, page=pages[0], finding_id=f"f-{k}-{pages[0]}") for k, v in fields.items()},
        list_fields={k: [FieldValue(value=v, page=pages[0]) for v in vs] for k, vs in (lists or {}).items()},
    )


def licence(code: str = CODE_ZZ, name: str = APPLICANT, entity: str = "有限责任公司", page: int = 2) -> Document:
    return doc(T.business_license, [page], {"division": code[2:8],
                                            "independent_legal_person": "分公司" not in entity and "分公司" not in name,
                                            **({"not_legal_person_reason": "branch"} if "分公司" in name else {})},
               company_name=name, credit_code=code, address="郑州高新技术产业开发区科学大道100号", entity_type=entity)


def form(kind: str | None = "platform", submitted: str | None = "2018-05-09") -> Document:
    fields = {"company_name": APPLICANT}
    if kind:
        fields["applicant_kind"] = kind
    if submitted:
        fields["submission_date"] = submitted
    return doc(T.application_form, [1], {"applicant_kind_label": "综合云平台服务商" if kind == "platform" else "云应用服务商"},
               **fields)


def telecom(holder: str = APPLICANT, valid_until: str = "2022-06-30", types: tuple[str, ...] = ("B11",),
            collab: bool = True, page: int = 3) -> Document:
    return doc(T.telecom_license, [page], {"resource_collaboration": collab}, {"business_types": list(types)},
               license_number=f"豫B1-2017000{page}", company_name=holder, valid_until=valid_until)


def dossier(pack: Any, docs: list[Document], declared: dict[str, str] | None = None,
            applicant: str | None = APPLICANT, pages: list[PageText] | None = None) -> Dossier:
    return Dossier(pack=pack, star=None, today=date(2018, 5, 20), declared=declared or {}, pages=pages or [],
                   documents=docs, seals=[], applicant=Applicant(name=applicant, source="test"),
                   spending=Spending(since="", total="0.00", invoice_count=0))


def run(kind: str, d: Dossier, **params: Any) -> tuple[Status, list[int], list[str], str]:
    condition = checklist.resolve(kind)
    assert condition is not None
    return condition(d, params)


def test_the_three_packs_load_and_use_only_known_condition_kinds() -> None:
    for pack in (ZZ, ENTERPRISE, PRODUCT):
        checklist.validate_pack(pack)
        assert pack.items and pack.version
    assert ZZ.deadline == date(2018, 5, 11)
    assert ZZ.region is not None and ZZ.region.division_prefixes == ["4101"]


# ---- applicant kind


def test_applicant_kind_from_the_form_then_declared_then_review() -> None:
    status, pages, evidence, reason = run("applicant_kind", dossier(ZZ, [form("platform")]))
    assert status == Status.met and pages == [1] and evidence and "综合云平台服务商" in reason
    status, _, _, reason = run("applicant_kind", dossier(ZZ, [form(None)], {"applicant_kind": "application"}))
    assert status == Status.met and "申报企业声明" in reason and "云应用服务商" in reason
    status, _, _, reason = run("applicant_kind", dossier(ZZ, [form(None)], {"applicant_kind": "cloud"}))
    assert status == Status.needs_review and "platform" in reason
    status, _, _, reason = run("applicant_kind", dossier(ZZ, []))
    assert status == Status.needs_review and "--declare applicant_kind" in reason


# ---- registration


def test_registered_in_zhengzhou_by_credit_code() -> None:
    status, pages, evidence, reason = run("registered_or_represented", dossier(ZZ, [licence()]))
    assert status == Status.met and pages == [2] and evidence and "郑州市" in reason


def test_registered_elsewhere_needs_a_zhengzhou_agent() -> None:
    elsewhere = licence(code=CODE_ELSEWHERE)
    status, _, _, reason = run("registered_or_represented", dossier(ZZ, [elsewhere]))
    assert status == Status.failed and "代理" in reason
    agency = doc(T.contract, [5], {"agreement_kind": "agency"}, party_a=APPLICANT, party_b="郑州金水云服务有限公司",
                 party_b_credit_code=CODE_ZZ)
    status, pages, _, reason = run("registered_or_represented", dossier(ZZ, [elsewhere, agency]))
    assert status == Status.met and 5 in pages and "郑州金水云服务有限公司" in reason
    agency_out = doc(T.contract, [5], {"agreement_kind": "agency"}, party_a=APPLICANT, party_b="济南某某有限公司",
                     party_b_credit_code=CODE_ELSEWHERE)
    status, _, _, reason = run("registered_or_represented", dossier(ZZ, [elsewhere, agency_out]))
    assert status == Status.failed and "也不在郑州市注册" in reason


def test_a_telecom_operators_branch_needs_the_groups_licence_and_authorisation() -> None:
    branch = "中国某某通信集团河南有限公司郑州分公司"
    group = "中国某某通信集团河南有限公司"
    lic = licence(name=branch, entity="有限责任公司分公司")
    status, _, _, reason = run("registered_or_represented", dossier(ZZ, [lic], applicant=branch))
    assert status == Status.failed and "集团公司的相关业务经营许可证" in reason and "授权书" in reason
    grant = doc(T.contract, [6], {"agreement_kind": "authorisation"}, grantor=group, grantee=branch)
    docs = [lic, telecom(holder=group, page=4), grant]
    status, pages, _, reason = run("registered_or_represented", dossier(ZZ, docs, applicant=branch))
    assert status == Status.met and {4, 6} <= set(pages)
    # the group's licence counts as the branch's own for the licence item
    status, _, _, _ = run("telecom_license_held", dossier(ZZ, [form(), *docs], applicant=branch), applies_to="platform")
    assert status == Status.met


# ---- telecom licence


def test_telecom_licence_valid_and_held_by_the_applicant() -> None:
    status, pages, evidence, reason = run("telecom_license_held", dossier(ZZ, [form(), telecom()]), applies_to="platform")
    assert status == Status.met and pages == [3] and evidence
    assert "B11" in reason and "2018-05-11" in reason


def test_expired_licence_and_another_companys_licence_fail_with_both_reasons() -> None:
    docs = [form(), telecom(valid_until="2018-03-31", page=3), telecom(holder="河南天中云计算服务有限公司", page=4)]
    status, pages, _, reason = run("telecom_license_held", dossier(ZZ, docs), applies_to="platform")
    assert status == Status.failed and pages == [3, 4]
    assert "2018-03-31" in reason and "已过期" in reason and "河南天中云计算服务有限公司" in reason


def test_licence_without_b11_or_resource_collaboration_fails() -> None:
    d = dossier(ZZ, [form(), telecom(types=("B25",))])
    assert run("telecom_license_held", d, applies_to="platform", business_type="B11")[0] == Status.failed
    d = dossier(ZZ, [form(), telecom(collab=False)])
    status, _, _, reason = run("telecom_license_held", d, applies_to="platform", requires_resource_collaboration=True)
    assert status == Status.failed and "互联网资源协作服务" in reason


def test_licence_item_is_not_applicable_to_an_application_provider_and_unread_values_need_review() -> None:
    status, _, _, reason = run("telecom_license_held", dossier(ZZ, [form("application")]), applies_to="platform")
    assert status == Status.not_applicable and "云应用服务商" in reason
    unread = doc(T.telecom_license, [3], {"resource_collaboration": True}, {"business_types": ["B11"]},
                 company_name=APPLICANT)
    assert run("telecom_license_held", dossier(ZZ, [form(), unread]), applies_to="platform")[0] == Status.needs_review
    # no licence: missing for a platform provider, review when the kind is unknown
    assert run("telecom_license_held", dossier(ZZ, [form()]), applies_to="platform")[0] == Status.missing
    assert run("telecom_license_held", dossier(ZZ, []), applies_to="platform")[0] == Status.needs_review


# ---- software certificate, deadline, reviewer items


def test_application_provider_needs_its_own_software_certificate() -> None:
    cert = doc(T.software_copyright_certificate, [4], copyright_holder=APPLICANT, software_name="数云工业APP")
    status, pages, _, reason = run("software_certificate_held", dossier(ZZ, [form("application"), cert]),
                                   applies_to="application")
    assert status == Status.met and pages == [4] and "数云工业APP" in reason
    other = doc(T.software_product_certificate, [4], holder="河南某某软件有限公司")
    assert run("software_certificate_held", dossier(ZZ, [form("application"), other]),
               applies_to="application")[0] == Status.failed
    assert run("software_certificate_held", dossier(ZZ, [form("platform")]),
               applies_to="application")[0] == Status.not_applicable


@pytest.mark.parametrize(("submitted", "declared", "expected"), [
    ("2018-05-09", {}, Status.met),
    ("2018-05-11", {}, Status.met),
    ("2018-05-14", {}, Status.failed),
    (None, {"submission_date": "2018-05-10"}, Status.met),
    (None, {}, Status.needs_review),
])
def test_submission_deadline(submitted: str | None, declared: dict[str, str], expected: Status) -> None:
    status, _, _, reason = run("submitted_by_deadline", dossier(ZZ, [form(submitted=submitted)], declared))
    assert status == expected and reason
    if declared:
        assert "申报企业声明" in reason


def test_reviewer_items_point_at_the_pages_that_mention_them() -> None:
    page = PageText(page=2, width=595, height=842, lines=[TextLine(text="郑州市企业上云服务商申报汇总表", bbox=(1, 1, 2, 2))])
    status, pages, _, reason = run("reviewer_confirms_mention", dossier(ZZ, [], pages=[page]), phrases=["汇总表"],
                                   reason="请核对")
    assert status == Status.needs_review and pages == [2] and "第 2 页" in reason
    assert run("reviewer_confirms_mention", dossier(ZZ, []), phrases=["汇总表"])[0] == Status.needs_review


# ---- double soft: product


def test_copyright_or_patent_and_test_report() -> None:
    cert = doc(T.software_copyright_certificate, [2], copyright_holder=APPLICANT, software_name="嵩岳仓储系统V2.0",
               registration_number="2017SR123456")
    report = doc(T.test_report, [3], testing_body="河南省软件产品测试中心", product="嵩岳仓储系统")
    d = dossier(PRODUCT, [cert, report])
    status, pages, _, reason = run("copyright_or_patent", d)
    assert status == Status.met and pages == [2] and "2017SR123456" in reason
    status, pages, _, reason = run("test_report_by_testing_body", d)
    assert status == Status.met and pages == [3] and "河南省软件产品测试中心" in reason
    wrong = doc(T.software_copyright_certificate, [2], copyright_holder="别家软件有限公司")
    assert run("copyright_or_patent", dossier(PRODUCT, [wrong]))[0] == Status.failed
    patent = PageText(page=5, width=1, height=1, lines=[TextLine(text="发明专利证书", bbox=(0, 0, 1, 1))])
    assert run("copyright_or_patent", dossier(PRODUCT, [], pages=[patent]), patent_phrases=["发明专利证书"])[0] == Status.met
    assert run("copyright_or_patent", dossier(PRODUCT, []))[0] == Status.missing
    other_product = doc(T.test_report, [3], testing_body="某测评中心", product="别的系统")
    assert run("test_report_by_testing_body", dossier(PRODUCT, [cert, other_product]))[0] == Status.needs_review
    assert run("test_report_by_testing_body", dossier(PRODUCT, [doc(T.test_report, [3])]))[0] == Status.needs_review
    assert run("test_report_by_testing_body", dossier(PRODUCT, []))[0] == Status.missing


# ---- double soft: ratios


def audit(page: int = 6, **figures: str) -> Document:
    units = {k: ("人" if k.startswith("staff") or k.endswith("staff") else "万元") for k in figures}
    return doc(T.audit_report, [page], {"figure_units": units}, **figures)


def test_ratio_from_the_dossier_names_inputs_pages_and_threshold() -> None:
    d = dossier(ENTERPRISE, [audit(rd_expense="1060000.00", revenue="12500000.00")])
    status, pages, evidence, reason = run("figure_ratio", d, numerator="rd_expense", denominator="revenue", threshold=0.08)
    assert status == Status.met and pages == [6] and len(evidence) == 2
    assert reason == "研发费用 106.00 万元（第 6 页） ÷ 营业收入 1,250.00 万元（第 6 页） = 8.48%，要求不低于 8%"


def test_ratio_just_under_its_threshold_fails() -> None:
    d = dossier(ENTERPRISE, [audit(software_staff="59", staff_total="120")])
    status, _, _, reason = run("figure_ratio", d, numerator="software_staff", denominator="staff_total", threshold=0.5)
    assert status == Status.failed
    assert "软件开发人员 59 人（第 6 页）" in reason and "职工总数 120 人（第 6 页）" in reason
    assert "49.17%" in reason and "低于 50%" in reason


def test_ratio_from_declared_figures_says_so() -> None:
    d = dossier(ENTERPRISE, [audit(revenue="12000000.00")], {"software_revenue": "480万元"})
    status, pages, _, reason = run("figure_ratio", d, numerator="software_revenue", denominator="revenue", threshold=0.35)
    assert status == Status.met and pages == [6]
    assert "软件销售收入 480.00 万元（申报企业声明）" in reason and "营业收入 1,200.00 万元（第 6 页）" in reason
    assert "40.00%" in reason


def test_ratio_with_a_figure_neither_read_nor_declared_is_missing() -> None:
    d = dossier(ENTERPRISE, [audit(revenue="12000000.00")])
    status, pages, _, reason = run("figure_ratio", d, numerator="rd_expense", denominator="revenue", threshold=0.08)
    assert status == Status.missing and pages == [6]
    assert "研发费用" in reason and "--declare rd_expense" in reason


def test_ratio_whose_sources_disagree_needs_review() -> None:
    statement = doc(T.financial_statement, [5], {"figure_units": {"revenue": "元"}}, revenue="12600000.00")
    d = dossier(ENTERPRISE, [statement, audit(revenue="12500000.00", rd_expense="1060000.00")])
    status, _, _, reason = run("figure_ratio", d, numerator="rd_expense", denominator="revenue", threshold=0.08)
    assert status == Status.needs_review and "第 5 页为 1,260.00 万元" in reason
    d = dossier(ENTERPRISE, [audit(revenue="12500000.00", rd_expense="1060000.00")], {"revenue": "900万元"})
    assert run("figure_ratio", d, numerator="rd_expense", denominator="revenue", threshold=0.08)[0] == Status.needs_review


def test_declared_counts_and_yuan() -> None:
    d = dossier(ENTERPRISE, [], {"software_staff": "61", "staff_total": "120人"})
    status, pages, _, reason = run("figure_ratio", d, numerator="software_staff", denominator="staff_total", threshold=0.5)
    assert status == Status.met and pages == [] and "61 人（申报企业声明）" in reason and "50.83%" in reason
    d = dossier(ENTERPRISE, [], {"own_software_revenue": "2000000", "software_revenue": "5,000,000.00"})
    status, _, _, reason = run("figure_ratio", d, numerator="own_software_revenue", denominator="software_revenue",
                               threshold=0.5)
    assert status == Status.failed and "2,000,000.00 元（申报企业声明）" in reason


def test_every_enterprise_item_evaluates_on_an_empty_dossier() -> None:
    results = checklist.evaluate(dossier(ENTERPRISE, [], applicant=None))
    assert {r.item_id for r in results} == {i.id for i in ENTERPRISE.items}
    assert all(r.reason for r in results)


def test_any_document_present_names_the_documents_in_chinese() -> None:
    cert = doc(T.software_product_certificate, [4], holder=APPLICANT)
    status, pages, _, reason = run("any_document_present", dossier(ENTERPRISE, [cert]),
                                   document_types=["software_product_certificate", "software_copyright_certificate"])
    assert status == Status.met and pages == [4] and reason == "软件产品登记证书（第 4 页）"


def test_an_individual_business_in_zhengzhou_is_no_independent_legal_person() -> None:
    # 92…: registered by market regulation as an individual business (个体工商户)
    shop = licence(code="92410100MA953E9426", name="郑州市金水区某某软件工作室", entity="个体工商户")
    status, _, _, reason = run("registered_or_represented", dossier(ZZ, [form(), shop]))
    assert status == Status.failed and "个体工商户不是独立法人" in reason
