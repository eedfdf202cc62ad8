"""Condition kinds used by programmes other than Jinan's (registered, under versioned names, in
``evaluation.checklist.CONDITIONS``).

* Zhengzhou 2018 cloud-provider call: the applicant kind, registration in the region (or a
  telecom operator's branch, or an agent there), the platform provider's telecom licence, the
  application provider's software certificate, the submission deadline.
* "Double soft": the product's copyright (or patent) and test report; the enterprise's ratios,
  each computed from figures read in the dossier or, where the dossier lacks one, declared by the
  applicant; every reason names its inputs, their source and the threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from evaluation.analysis import Dossier, registered_in_region, same_party
from evaluation.conditions import (
    Counted,
    Outcome,
    applicant_licence,
    count_documents,
    not_legal_person,
    page_list,
    pages_of,
)
from extractors.amounts import parse_amount
from extractors.classify import TYPE_NAMES
from extractors.dates import parse_date
from extractors.financials import FIGURES
from extractors.text import compact
from models.domain import Document, as_date, as_money
from models.enums import DocumentType, Status

DECLARE_HINT = "可用 --declare {name}=… 声明"


def any_document_present(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """At least one of several document types is in the dossier (e.g. copyright OR patent)."""
    types = [DocumentType(t) for t in params["document_types"]]
    owner = params.get("owner", "applicant")
    tally = count_documents(dossier, dossier.of_type(*types), [owner] if isinstance(owner, str) else list(owner))
    docs = [d for d, _ in tally.counted]
    if docs:
        found = "；".join(f"{TYPE_NAMES[d.document_type]}（第 {page_list(d.pages)} 页）"
                         for d in docs)
        rest = [r for r in (tally.others, tally.unread) if r]
        if rest:
            found += "。" + Counted(others=tally.others, unread=tally.unread).reason()
        return Status.met, pages_of(docs), [], found
    absent = params.get("absent_reason", "材料中未发现所需证明文件")
    if tally.unread:
        return Status.needs_review, pages_of([d for d, _ in tally.unread]), [], f"{tally.reason()}，请人工核对"
    if tally.others:
        return Status(params.get("absent_status", "missing")), pages_of([d for d, _ in tally.others]), [], f"{absent}。{tally.reason()}"
    return Status(params.get("absent_status", "missing")), [], [], absent


# ---------------------------------------------------------------------------------------------
# helpers


def _field_page(doc: Document, name: str) -> int:
    return doc.fields[name].page if name in doc.fields else doc.pages[0]


def _is_branch(licence: Document | None, name: str | None) -> bool:
    if licence is not None and licence.facts.get("not_legal_person_reason") == "branch":
        return True
    return bool(name and compact(name).endswith("分公司"))


def _group_of(holder: str | None, branch: str | None) -> bool:
    """``holder`` is the group company of the branch ``branch`` (a branch is named after it:
    某某通信集团河南有限公司 → 某某通信集团河南有限公司郑州分公司)."""
    if not holder or not branch:
        return False
    h, b = compact(holder), compact(branch)
    if not b.endswith("分公司") or len(h) < 4:
        return False
    stem = re.sub(r"(?:股份)?有限(?:责任)?公司$", "", h)
    return b.startswith(h) or b.startswith(stem)


def _holder_ok(holder: str | None, dossier: Dossier) -> bool | None:
    """The certificate is the applicant's (or, for a branch, its group's); None when unread."""
    name = dossier.applicant.name
    if not holder or not name:
        return None
    return same_party(holder, name) or _group_of(holder, name)


# ---------------------------------------------------------------------------------------------
# Zhengzhou 2018 cloud-provider call

KIND_TITLES = {"platform": "云平台服务商", "application": "云应用服务商"}


@dataclass
class _Kind:
    value: str | None  # platform | application
    label: str  # as printed or declared
    pages: list[int]
    evidence: list[str]
    source: str  # form | declared | ""


def applicant_kind_of(dossier: Dossier) -> _Kind:
    """The applicant kind: ticked on the application form, else declared, else unknown."""
    for form in dossier.of_type(DocumentType.application_form):
        value = form.value("applicant_kind")
        if value:
            label = str(form.facts.get("applicant_kind_label") or KIND_TITLES.get(value, value))
            return _Kind(value, label, [_field_page(form, "applicant_kind")], form.evidence("applicant_kind"), "form")
    declared = dossier.declared.get("applicant_kind", "").strip().lower()
    if declared in KIND_TITLES:
        return _Kind(declared, KIND_TITLES[declared], [], [], "declared")
    return _Kind(None, declared, [], [], "")


def applicant_kind(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """The applicant kind is known: from the form or the summary table, else declared."""
    kind = applicant_kind_of(dossier)
    if kind.source == "form":
        return Status.met, kind.pages, kind.evidence, f"申报类别：{kind.label}（第 {page_list(kind.pages)} 页申报表勾选）"
    if kind.source == "declared":
        return Status.met, [], [], f"申报类别：{kind.label}（申报企业声明）"
    why = f"声明的申报类别“{kind.label}”无法识别，应为 platform 或 application；" if kind.label else ""
    return (Status.needs_review, pages_of(dossier.of_type(DocumentType.application_form)), [],
            f"{why}未能从申报表识别申报类别（云平台服务商或云应用服务商），请人工核对，"
            "或用 --declare applicant_kind=platform|application 声明")


def _agreement_region(doc: Document, dossier: Dossier) -> tuple[bool | None, str]:
    """Whether the agreement's other party (not the applicant) is registered in the region."""
    pack = dossier.pack
    region = pack.region
    applicant = dossier.applicant.name
    for key in ("party_a", "party_b", "grantor", "grantee"):
        party = doc.value(key)
        if not party or (applicant and same_party(party, applicant)):
            continue
        code = doc.value(f"{key}_credit_code")
        if region and code and len(code) == 18:
            inside = any(code[2:8].startswith(p) for p in region.division_prefixes)
            return inside, f"{party}（统一社会信用代码 {code}）"
        if region and any(k in party for k in region.address_keywords):
            return True, party
        return None, party
    return None, ""


def registered_or_represented(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """Registered in the region as an independent legal person; or a telecom operator's branch
    there with its group's licence and authorisation; or a company elsewhere with a local agent."""
    region = dossier.pack.region.name if dossier.pack.region else "本地"
    lic = applicant_licence(dossier)
    if lic is None:
        return Status.missing, [], [], "未发现营业执照，无法判断注册地"
    verdict = registered_in_region(lic, dossier.pack)
    lic_pages = sorted({lic.fields[n].page for n in ("credit_code", "address") if n in lic.fields} or set(lic.pages))
    evidence = lic.evidence("credit_code", "address", "entity_type")
    detail = f"统一社会信用代码 {lic.value('credit_code') or '未识别'}，住所 {lic.value('address') or '未识别'}"
    contracts = dossier.of_type(DocumentType.contract)
    name = dossier.applicant.name or lic.value("company_name")

    why_not = not_legal_person(lic)
    if why_not and not _is_branch(lic, name):
        # an individual business or partnership: no route of the call admits it
        return Status.failed, lic_pages, evidence, f"{why_not}，不符合独立法人的要求"
    if verdict is True and not _is_branch(lic, name):
        return Status.met, lic_pages, evidence, f"营业执照显示在{region}注册的独立法人（{detail}）"
    if verdict is True:
        # a branch: only a basic telecom operator's branch qualifies, with the group's licence and
        # the group's authorisation to do the business in the region
        group_licences = [d for d in dossier.of_type(DocumentType.telecom_license)
                          if _group_of(d.value("company_name"), name)]
        authorisations = [d for d in contracts if d.facts.get("agreement_kind") == "authorisation"
                          and (not d.value("grantee") or same_party(d.value("grantee"), name))]
        pages = sorted(set(lic_pages + pages_of(group_licences) + pages_of(authorisations)))
        lacking = [what for what, docs in (("集团公司的相关业务经营许可证", group_licences),
                                           ("集团公司授权在本市开展相关业务的授权书", authorisations)) if not docs]
        if not lacking:
            return (Status.met, pages, evidence,
                    f"分支机构在{region}注册（{detail}），已提供集团公司许可证（第 {page_list(pages_of(group_licences))} 页）"
                    f"和授权书（第 {page_list(pages_of(authorisations))} 页）")
        return (Status.failed, pages, evidence,
                f"营业执照显示为分支机构（{lic.value('entity_type') or name}），不是独立法人；"
                f"基础电信运营商在郑分支机构须提供：{'、'.join(lacking)}（材料中未发现）")
    agencies = [d for d in contracts if d.facts.get("agreement_kind") in ("agency", "authorisation")]
    if verdict is False:
        if not agencies:
            return (Status.failed, lic_pages, evidence,
                    f"营业执照显示不在{region}注册（{detail}），且未发现与{region}企业的合作或授权代理协议")
        judged = [(d, *_agreement_region(d, dossier)) for d in agencies]
        local = [(d, who) for d, inside, who in judged if inside]
        if local:
            d, who = local[0]
            return (Status.met, sorted(set(lic_pages + d.pages)), evidence,
                    f"营业执照显示在{region}外注册（{detail}）；第 {page_list(d.pages)} 页协议约定由{region}企业 {who} 代理开展业务")
        outside = [(d, who) for d, inside, who in judged if inside is False]
        if outside and len(outside) == len(judged):
            d, who = outside[0]
            return (Status.failed, sorted(set(lic_pages + d.pages)), evidence,
                    f"营业执照显示在{region}外注册；第 {page_list(d.pages)} 页协议的对方 {who} 也不在{region}注册")
        return (Status.needs_review, sorted(set(lic_pages + pages_of(agencies))), evidence,
                f"营业执照显示在{region}外注册（{detail}）；第 {page_list(pages_of(agencies))} 页有合作/代理协议，"
                f"但未能确认对方是否在{region}注册，请人工核对")
    return Status.needs_review, lic.pages, evidence, "营业执照上的信用代码与住所均未能识别，请人工核对注册地"


def _kind_gate(dossier: Dossier, params: dict[str, Any]) -> tuple[Outcome | None, _Kind]:
    """not_applicable when the applicant is of the other kind."""
    kind = applicant_kind_of(dossier)
    applies_to = params.get("applies_to")
    if applies_to and kind.value and kind.value != applies_to:
        src = "申报企业声明" if kind.source == "declared" else f"第 {page_list(kind.pages)} 页"
        return (Status.not_applicable, kind.pages, kind.evidence,
                f"申报类别为{kind.label}（{src}），本项只适用于{KIND_TITLES.get(applies_to, applies_to)}"), kind
    return None, kind


def telecom_license_held(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """A value-added telecom licence held by the applicant (or, for a telecom operator's branch,
    its group), listing a cloud-capable business type, valid on the deadline."""
    gate, kind = _kind_gate(dossier, params)
    if gate:
        return gate
    business_type = params.get("business_type", "B11")
    needs_collab = bool(params.get("requires_resource_collaboration", True))
    deadline = dossier.pack.deadline or dossier.today
    licences = dossier.of_type(DocumentType.telecom_license)
    unknown_kind = "" if kind.value else "（申报类别未识别，按云平台服务商检查）"
    if not licences:
        status = Status.missing if kind.value else Status.needs_review
        return status, [], [], f"未发现增值电信业务经营许可证{unknown_kind}"
    passed: list[tuple[Document, str]] = []
    failures: list[str] = []
    unsure: list[str] = []
    for doc in licences:
        number = doc.value("license_number") or "编号未识别"
        holder = doc.value("company_name")
        valid_until = as_date(doc.value("valid_until"))
        types = [fv.value for fv in doc.list_fields.get("business_types", [])]
        where = f"第 {page_list(doc.pages)} 页许可证 {number}"
        problems, doubts = [], []
        holder_ok = _holder_ok(holder, dossier)
        if holder_ok is False:
            problems.append(f"持证单位“{holder}”不是申报企业“{dossier.applicant.name}”")
        elif holder_ok is None:
            doubts.append("持证单位未能识别")
        if valid_until is None:
            doubts.append("有效期未能识别")
        elif valid_until < deadline:
            problems.append(f"有效期至 {valid_until.isoformat()}，早于申报截止日 {deadline.isoformat()}，已过期")
        if not types:
            doubts.append("业务种类未能识别")
        elif business_type not in types:
            problems.append(f"业务种类 {'、'.join(types)} 不含 {business_type}")
        elif needs_collab and not doc.facts.get("resource_collaboration"):
            problems.append(f"{business_type} 业务未列明“互联网资源协作服务”（云服务所需）")
        if problems:
            failures.append(f"{where}：{'；'.join(problems)}")
        elif doubts:
            unsure.append(f"{where}：{'、'.join(doubts)}")
        else:
            what = f"{business_type}（含互联网资源协作服务）" if needs_collab else business_type
            passed.append((doc, f"{where}，持证单位 {holder}，业务种类含 {what}，有效期至 {valid_until}"))
    evidence_of = [e for d in licences for e in d.evidence("license_number", "company_name", "valid_until")]
    if passed:
        doc, why = passed[0]
        return (Status.met, doc.pages, doc.evidence("license_number", "company_name", "valid_until"),
                f"{why}，申报截止日 {deadline.isoformat()} 有效{unknown_kind}")
    if unsure:
        return (Status.needs_review, pages_of(licences), evidence_of,
                "；".join(unsure + failures) + f"，请人工核对{unknown_kind}")
    return Status.failed, pages_of(licences), evidence_of, "；".join(failures) + unknown_kind


def software_certificate_held(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """A software copyright registration certificate or software product certificate in the
    applicant's name."""
    gate, kind = _kind_gate(dossier, params)
    if gate:
        return gate
    docs = [(d, d.value("copyright_holder"), "软件著作权登记证书")
            for d in dossier.of_type(DocumentType.software_copyright_certificate)]
    docs += [(d, d.value("holder"), "软件产品登记证书") for d in dossier.of_type(DocumentType.software_product_certificate)]
    unknown_kind = "" if kind.value else "（申报类别未识别，按云应用服务商检查）"
    if not docs:
        status = Status.missing if kind.value else Status.needs_review
        return status, [], [], f"未发现软件著作权登记证书或软件产品登记证书{unknown_kind}"
    wrong, unread = [], []
    for doc, holder, title in docs:
        ok = _holder_ok(holder, dossier)
        name = doc.value("software_name") or doc.value("product_name") or ""
        if ok:
            return (Status.met, doc.pages, doc.evidence("certificate_number", "registration_number", "copyright_holder", "holder"),
                    f"第 {page_list(doc.pages)} 页{title}{('《' + name + '》') if name else ''}，权利人 {holder}{unknown_kind}")
        (wrong if ok is False else unread).append(f"第 {page_list(doc.pages)} 页{title}" + (f" 权利人“{holder}”" if holder else ""))
    pages = pages_of([d for d, _, _ in docs])
    if unread:
        return Status.needs_review, pages, [], f"{'、'.join(unread)}的权利人未能识别，请人工核对{unknown_kind}"
    return Status.failed, pages, [], f"{'、'.join(wrong)}不是申报企业“{dossier.applicant.name}”{unknown_kind}"


def submitted_by_deadline(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """The date on the application form (or cover letter) is on or before the pack's deadline;
    else the declared ``submission_date``."""
    deadline = dossier.pack.deadline
    if deadline is None:
        return Status.not_applicable, [], [], "该申报没有截止日期"
    when: date | None = None
    pages: list[int] = []
    evidence: list[str] = []
    source = ""
    for form in dossier.of_type(DocumentType.application_form):
        when = as_date(form.value("submission_date"))
        if when:
            pages, evidence = [_field_page(form, "submission_date")], form.evidence("submission_date")
            source = f"第 {page_list(pages)} 页申报表所署日期"
            break
    if when is None and dossier.declared.get("submission_date"):
        when = as_date(dossier.declared["submission_date"]) or parse_date(dossier.declared["submission_date"])
        source = "申报企业声明"
    if when is None:
        return (Status.needs_review, pages_of(dossier.of_type(DocumentType.application_form)), [],
                f"未能识别申报日期，请核对报送时间是否在 {deadline.isoformat()} 前（或 --declare submission_date=YYYY-MM-DD）")
    if when <= deadline:
        return Status.met, pages, evidence, f"申报日期 {when.isoformat()}（{source}），不晚于截止日 {deadline.isoformat()}"
    return Status.failed, pages, evidence, f"申报日期 {when.isoformat()}（{source}），晚于截止日 {deadline.isoformat()}"


def reviewer_confirms_mention(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """Something only the reviewer can confirm (paper copies, e-mail), pointing at the pages that
    mention it, if any."""
    hits = dossier.pages_mentioning(params.get("phrases", []))
    reason = params.get("reason", "需人工复核")
    if hits:
        return Status.needs_review, hits, [], f"{reason}（材料第 {page_list(hits)} 页提及）"
    return Status.needs_review, [], [], f"{reason}（材料中未见相关内容）"


# ---------------------------------------------------------------------------------------------
# Double soft: software product registration


def copyright_or_patent(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """The product's IP proof: a software copyright registration certificate in the applicant's
    name, or a patent certificate (no document type of its own: found by its wording)."""
    certs = dossier.of_type(DocumentType.software_copyright_certificate)
    wrong = []
    for doc in certs:
        holder = doc.value("copyright_holder")
        ok = _holder_ok(holder, dossier)
        name = doc.value("software_name") or ""
        number = doc.value("registration_number") or doc.value("certificate_number") or ""
        if ok is not False:
            status = Status.met if ok else Status.needs_review
            tail = "" if ok else "，著作权人未能识别，请人工核对"
            return (status, doc.pages, doc.evidence("registration_number", "copyright_holder", "software_name"),
                    f"第 {page_list(doc.pages)} 页软件著作权登记证书 {number}《{name}》，著作权人 {holder or '未识别'}{tail}")
        wrong.append(f"第 {page_list(doc.pages)} 页软件著作权登记证书的著作权人“{holder}”不是申报企业")
    patents = dossier.pages_mentioning(params.get("patent_phrases", ["专利证书"]))
    if patents:
        return Status.met, patents, [], f"第 {page_list(patents)} 页为专利证书，请核对专利权人与软件的对应关系"
    if wrong:
        return Status.failed, pages_of(certs), [], "；".join(wrong)
    return Status.missing, [], [], "未发现计算机软件著作权登记证书或软件专利证书"


def test_report_by_testing_body(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """A software test report issued by a testing body, for the product the copyright covers."""
    reports = dossier.of_type(DocumentType.test_report)
    if not reports:
        return Status.missing, [], [], "未发现软件测试机构出具的测试报告"
    products = {compact(d.value("software_name") or d.value("product_name") or "")
                for d in dossier.of_type(DocumentType.software_copyright_certificate,
                                         DocumentType.software_product_certificate)} - {""}
    for doc in reports:
        body = doc.value("testing_body")
        product = doc.value("product")
        where = f"第 {page_list(doc.pages)} 页测试报告 {doc.value('report_number') or ''}".rstrip()
        evidence = doc.evidence("testing_body", "product", "report_number")
        if not body:
            return Status.needs_review, doc.pages, evidence, f"{where}未能识别出具报告的测试机构，请人工核对"
        if product and products and not any(_same_product(product, p) for p in products):
            return (Status.needs_review, doc.pages, evidence,
                    f"{where}由 {body} 出具，但测试对象《{product}》与著作权证书上的软件名称不一致，请核对")
        return Status.met, doc.pages, evidence, f"{where}由 {body} 出具" + (f"，测试对象《{product}》" if product else "")
    return Status.missing, [], [], "未发现测试报告"


def _same_product(a: str, b: str) -> bool:
    # a version suffix (V1.0) is printed on some documents and not on others
    strip = lambda s: re.sub(r"[Vv]?\d+(?:\.\d+)*$", "", compact(s))  # noqa: E731
    return strip(a) == strip(b) or strip(a) in strip(b) or strip(b) in strip(a)


# ---------------------------------------------------------------------------------------------
# Double soft: software enterprise recognition


@dataclass
class FigureValue:
    """One input of a ratio, with where it came from."""

    name: str
    title: str
    value: Decimal
    shown: str  # 1,200.00 万元 / 58 人
    pages: list[int]
    evidence: list[str]
    source: str  # "第 5 页" | "申报企业声明"
    note: str = ""  # disagreements between sources

    @property
    def text(self) -> str:
        return f"{self.title} {self.shown}（{self.source}）"


def _show(value: Decimal, unit: str) -> str:
    if unit == "人":
        return f"{int(value)} 人"
    if unit == "万元":
        return f"{value / 10000:,.2f} 万元"
    return f"{value:,.2f} 元"


def _declared_figure(dossier: Dossier, name: str) -> tuple[Decimal, str] | None:
    raw = dossier.declared.get(name)
    if raw is None:
        return None
    if FIGURES[name].unit == "count":
        m = re.search(r"\d+", raw)
        return (Decimal(m.group(0)), "人") if m else None
    amount = parse_amount(raw)
    if amount is None:
        amount = as_money(raw)
    if amount is None:
        return None
    return amount, "万元" if "万" in raw else "元"


def figure_of(dossier: Dossier, name: str) -> FigureValue | None:
    """A figure from the dossier (audit reports first, then financial statements), else declared."""
    fig = FIGURES[name]
    docs = dossier.of_type(DocumentType.audit_report) + dossier.of_type(DocumentType.financial_statement)
    found = [(d, Decimal(d.fields[name].value)) for d in docs if name in d.fields]
    declared = _declared_figure(dossier, name)
    if found:
        doc, value = found[0]
        unit = str(doc.facts.get("figure_units", {}).get(name) or ("人" if fig.unit == "count" else "元"))
        page = doc.fields[name].page
        notes, same = [], []
        for other, v in found[1:]:
            if abs(v - value) > Decimal("1"):
                notes.append(f"第 {other.fields[name].page} 页为 {_show(v, unit)}")
            else:
                same.append(other.fields[name].page)
        if declared and abs(declared[0] - value) > Decimal("1"):
            notes.append(f"申报企业声明为 {_show(*declared)}")
        source = f"第 {page} 页" + (f"，第 {page_list(same)} 页相同" if same else "")
        evidence = doc.evidence(name) + [e for d, _ in found[1:] for e in d.evidence(name)]
        return FigureValue(name, fig.title, value, _show(value, unit), [page, *same], evidence, source, "；".join(notes))
    if declared:
        return FigureValue(name, fig.title, declared[0], _show(*declared), [], [], "申报企业声明")
    return None


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


def figure_ratio(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """``numerator / denominator >= threshold``, each figure from the dossier or declared; the
    reason shows both inputs with their source, the ratio and the threshold."""
    num_name, den_name = params["numerator"], params["denominator"]
    threshold = Decimal(str(params["threshold"]))
    limit = _percent(threshold).replace(".00%", "%")
    need = f"要求不低于 {limit}"
    num, den = figure_of(dossier, num_name), figure_of(dossier, den_name)
    absent = [FIGURES[n].title + f"（{DECLARE_HINT.format(name=n)}）" for n, f in ((num_name, num), (den_name, den)) if f is None]
    if absent:
        have = "；已有 " + "、".join(f.text for f in (num, den) if f) if (num or den) else ""
        return (Status.missing, sorted({p for f in (num, den) if f for p in f.pages}), [e for f in (num, den) if f for e in f.evidence],
                f"材料中未找到{'、'.join(absent)}，无法计算比例（{need}）{have}")
    assert num is not None and den is not None
    pages = sorted(set(num.pages + den.pages))
    evidence = num.evidence + den.evidence
    if den.value <= 0:
        return Status.needs_review, pages, evidence, f"{den.text} 不大于零，无法计算比例"
    ratio = num.value / den.value
    formula = f"{num.text} ÷ {den.text} = {_percent(ratio)}"
    notes = "；".join(f"{f.title}：{f.note}" for f in (num, den) if f.note)
    if notes:
        return Status.needs_review, pages, evidence, f"{formula}，{need}；但各处数字不一致（{notes}），请人工核对"
    if ratio >= threshold:
        return Status.met, pages, evidence, f"{formula}，{need}"
    return Status.failed, pages, evidence, f"{formula}，低于 {limit} 的要求"
