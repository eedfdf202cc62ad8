"""The generic condition kinds: each a function of the dossier and the item's parameters that
ends met / missing / needs_review / failed / not_applicable, with its pages and a reason a person
understands. They are registered, under versioned names, in ``evaluation.checklist.CONDITIONS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evaluation.analysis import Dossier, registered_in_region, same_party
from extractors.classify import TYPE_NAMES
from extractors.text import compact
from models.domain import Document
from models.enums import DocumentType, Status

Outcome = tuple[Status, list[int], list[str], str]  # status, pages, evidence finding ids, reason
Condition = Callable[[Dossier, dict[str, Any]], Outcome]


def pages_of(docs: list[Document]) -> list[int]:
    return sorted({p for d in docs for p in d.pages})


# ---------------------------------------------------------------------------------------------
# whose document it is

# per type, the parties a document names as (name field, credit-code field, role in words): the
# document is the applicant's when one of them is the applicant. Types not listed name no owner.
OWNER_FIELDS: dict[DocumentType, tuple[tuple[str, str | None, str], ...]] = {
    DocumentType.business_license: (("company_name", "credit_code", "企业名称"),),
    DocumentType.vat_invoice: (("buyer_name", "buyer_tax_id", "购买方"),),
    DocumentType.contract: (("party_a", "party_a_credit_code", "甲方"), ("party_b", "party_b_credit_code", "乙方"),
                            ("grantor", None, "授权人"), ("grantee", None, "被授权人")),
    DocumentType.application_form: (("company_name", "credit_code", "申请单位"),),
    DocumentType.software_copyright_certificate: (("copyright_holder", None, "著作权人"),),
    DocumentType.software_product_certificate: (("holder", None, "申请企业"),),
    DocumentType.telecom_license: (("company_name", None, "公司名称"),),
}


def _same_code(a: str | None, b: str | None) -> bool:
    return bool(a and b) and compact(a or "").upper() == compact(b or "").upper()


def _names_party(doc: Document, name: str | None, code: str | None) -> tuple[bool | None, str]:
    """Whether ``doc`` names the party ``name`` / ``code`` in one of its owner roles: True, False
    (it names others: who), None (no owner read). The name decides where both names are read;
    the credit code where a name is not."""
    read: list[tuple[bool, str]] = []  # each owner role read: the party's, and who it names
    for name_field, code_field, role in OWNER_FIELDS.get(doc.document_type, ()):
        doc_name = doc.value(name_field)
        doc_code = doc.value(code_field) if code_field else None
        if doc_name and name:
            verdict = same_party(doc_name, name)
        elif doc_code and code:
            verdict = _same_code(doc_code, code)
        else:
            continue
        read.append((verdict, f"{role}“{doc_name or doc_code}”"))
    matched = [who for verdict, who in read if verdict]
    if matched:
        return True, matched[0]
    if read:
        return False, "、".join(who for _, who in read)
    return None, ""


def providers(dossier: Dossier) -> list[str]:
    """The applicant's cloud providers: the sellers on its invoices, the other party of its
    contracts and the partner named on its application form."""
    name, code = dossier.applicant.name, dossier.applicant.credit_code
    out: list[str] = []
    for doc in dossier.of_type(DocumentType.vat_invoice, DocumentType.contract, DocumentType.application_form):
        if doc.document_type == DocumentType.application_form:
            candidates = [doc.value("cloud_partner")]
        elif _names_party(doc, name, code)[0] is not True:
            continue
        elif doc.document_type == DocumentType.vat_invoice:
            candidates = [doc.value("seller_name")]
        else:
            candidates = [doc.value(f) for f in ("party_a", "party_b") if not same_party(doc.value(f), name)]
        out += [c for c in candidates if c and not any(same_party(c, o) for o in out)]
    return out


@dataclass
class Counted:
    """Documents a rule item counted, and the ones it did not with the reason."""

    counted: list[tuple[Document, str]] = field(default_factory=list)
    others: list[tuple[Document, str]] = field(default_factory=list)  # someone else's
    unread: list[tuple[Document, str]] = field(default_factory=list)  # owner not read

    def reason(self) -> str:
        """见 / 计入 …；未计入 …；无法确认归属 … (pages and why)."""
        parts = []
        if self.counted:
            parts.append("计入：" + "；".join(_doc_words(d, why) for d, why in self.counted))
        if self.others:
            parts.append("未计入：" + "；".join(_doc_words(d, why) for d, why in self.others))
        if self.unread:
            parts.append("无法确认归属：" + "；".join(_doc_words(d, why) for d, why in self.unread))
        return "。".join(parts)


def _doc_words(doc: Document, why: str) -> str:
    return f"第 {page_list(doc.pages)} 页{TYPE_NAMES[doc.document_type]}" + (f"（{why}）" if why else "")


def count_documents(dossier: Dossier, docs: list[Document], owners: list[str] | None = None) -> Counted:
    """Sort ``docs`` into the ones that belong to ``owners`` (``applicant``, ``provider``; both
    may be named; default the applicant), the ones that belong to someone else and the ones whose
    owner was not read. Types that name no owner (screenshots, reports) are counted as they are."""
    owners = owners or ["applicant"]
    name, code = dossier.applicant.name, dossier.applicant.credit_code
    provider_names = providers(dossier) if "provider" in owners else []
    result = Counted()
    for doc in docs:
        if doc.document_type not in OWNER_FIELDS or "any" in owners:
            result.counted.append((doc, ""))
            continue
        if not name and not code:
            result.counted.append((doc, "申报企业未能确定，未核对归属"))
            continue
        verdicts: list[tuple[bool | None, str, str]] = []  # verdict, whom the document names, as whom
        if "applicant" in owners:
            verdicts.append((*_names_party(doc, name, code), "申报企业"))
        verdicts += [(*_names_party(doc, p, None), "云服务商") for p in provider_names]
        hit = next(((who, role) for verdict, who, role in verdicts if verdict), None)
        named = next((who for verdict, who, _ in verdicts if verdict is False), "")
        if hit:
            result.counted.append((doc, f"{hit[0]}为{hit[1]}"))
        elif named:
            whom = f"申报企业“{name or code}”" if owners == ["applicant"] else "申报企业或其云服务商"
            result.others.append((doc, f"{named}不是{whom}"))
        else:
            result.unread.append((doc, "未能识别当事人"))
    return result


def document_present(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """A document of one of ``document_types`` that belongs to ``owner`` (applicant by default;
    ``provider``, or ``any`` where the rule says so)."""
    types = [DocumentType(t) for t in params["document_types"]]
    docs = dossier.of_type(*types)
    owner = params.get("owner", "applicant")
    tally = count_documents(dossier, docs, [owner] if isinstance(owner, str) else list(owner))
    if tally.counted:
        counted = [d for d, _ in tally.counted]
        if not tally.others and not tally.unread:
            whys = [why for _, why in tally.counted if why]
            return Status.met, pages_of(counted), [], f"见第 {page_list(pages_of(counted))} 页" + (f"（{'；'.join(whys)}）" if whys else "")
        return Status.met, pages_of(counted), [], tally.reason()
    absent = params.get("absent_reason", "材料中未发现该项材料")
    if tally.unread:
        return Status.needs_review, pages_of([d for d, _ in tally.unread]), [], f"{tally.reason()}，请人工核对"
    if tally.others:
        return (Status(params.get("absent_status", "missing")), pages_of([d for d, _ in tally.others]), [],
                f"{absent}。{tally.reason()}")
    return Status(params.get("absent_status", "missing")), [], [], absent


def reviewer_confirms(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    return Status.needs_review, [], [], params.get("reason", "需人工复核")


def applicant_licence(dossier: Dossier) -> Document | None:
    """The applicant's business licence: the one in the applicant's name (or with its credit
    code), else the first licence of the dossier."""
    licences = dossier.of_type(DocumentType.business_license)
    name, code = dossier.applicant.name, dossier.applicant.credit_code
    own = [d for d in licences if _names_party(d, name, code)[0]]
    return (own or licences or [None])[0]


def registered(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    region = dossier.pack.region.name if dossier.pack.region else "本地"
    lic = applicant_licence(dossier)
    if lic is None:
        return Status.missing, [], [], "未发现营业执照，无法判断注册地"
    verdict = registered_in_region(lic, dossier.pack)
    pages = sorted({lic.fields[n].page for n in ("credit_code", "address") if n in lic.fields} or set(lic.pages))
    evidence = lic.evidence("credit_code", "address")
    detail = f"统一社会信用代码 {lic.value('credit_code') or '未识别'}，住所 {lic.value('address') or '未识别'}"
    if verdict is True:
        return Status.met, pages, evidence, f"营业执照显示在{region}注册（{detail}）"
    if verdict is False:
        return Status.failed, pages, evidence, f"营业执照显示不在{region}注册（{detail}）"
    return Status.needs_review, lic.pages, evidence, "营业执照上的信用代码与住所均未能识别，请人工核对注册地"


# what a licence's type or form of organisation (组成形式) says when the holder is an individual
# business (个体工商户), a sole proprietorship or a partnership: none is a legal person
_NOT_LEGAL_PERSON = re.compile(r"个体|个人经营|家庭经营|个人独资|合伙")
# character 2 of a credit code registered by market regulation (character 1 = 9): 2 = 个体工商户
_INDIVIDUAL_BUSINESS_CODE = re.compile(r"^92")


def not_legal_person(lic: Document) -> str | None:
    """Why the licence's holder is not an independent legal person (branch, individual business …),
    in words; None when nothing says so."""
    entity = " ".join(v for n in ("entity_type", "company_name", "composition") if (v := lic.value(n)))
    code = compact(lic.value("credit_code") or "").upper()
    if lic.facts.get("not_legal_person_reason") == "branch" or "分公司" in entity or "分支机构" in entity:
        return f"分支机构不具有独立法人资格（{entity}）"
    if _INDIVIDUAL_BUSINESS_CODE.match(code) or re.search(r"个体|个人经营|家庭经营", entity):
        why = f"统一社会信用代码 {code} 第 2 位为 2" if _INDIVIDUAL_BUSINESS_CODE.match(code) else entity
        return f"个体工商户不是独立法人（{why}）"
    if _NOT_LEGAL_PERSON.search(entity) or lic.facts.get("independent_legal_person") is False:
        return f"该主体不具有独立法人资格（{entity}）"
    return None


def independent(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    lic = applicant_licence(dossier)
    if lic is None:
        return Status.missing, [], [], "未发现营业执照，无法判断是否具有独立法人资格"
    value = lic.facts.get("independent_legal_person")
    entity = lic.value("entity_type") or lic.value("company_name") or ""
    pages = [lic.fields["entity_type"].page] if "entity_type" in lic.fields else lic.pages
    why_not = not_legal_person(lic)
    if why_not:
        return Status.failed, pages, lic.evidence("entity_type", "company_name", "credit_code"), why_not
    if value is True:
        return Status.met, pages, lic.evidence("entity_type"), f"企业类型：{entity}"
    return Status.needs_review, lic.pages, [], "营业执照上的企业类型未能识别，请人工核对"


def spending(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    s = dossier.spending
    invoices = dossier.of_type(DocumentType.vat_invoice)
    counted = [r for r in s.invoices if r.status == "counted"]
    review = [r for r in s.invoices if r.status == "needs_review"]
    # an invoice whose amount is in doubt is named, so no one reads the total as the whole story
    held = "；".join(f"第 {page_list(r.pages)} 页发票{r.reason}" for r in review)
    if counted:
        pages = sorted({p for r in counted for p in r.pages})
        note = f"；另有 {len(review)} 张发票金额待人工复核、未计入（{held}）" if review else ""
        return Status.met, pages, [], f"{s.since} 以来计入上云支出 ¥{s.total}（{len(counted)} 张发票）{note}"
    if not invoices:
        return Status.missing, [], [], "未发现发票，无法证明实际产生上云支出"
    if review:
        pages = sorted({p for r in review for p in r.pages})
        return Status.needs_review, pages, [], f"没有金额无疑义的 {s.since} 以后的上云发票，{held}"
    reasons = "；".join(f"第 {page_list(r.pages)} 页：{r.reason}" for r in s.invoices)
    return Status.failed, pages_of(invoices), [], f"没有可计入的 {s.since} 以后的上云支出（{reasons}）"


def _deployment_model(dossier: Dossier) -> tuple[str | None, list[int]]:
    for form in dossier.of_type(DocumentType.application_form):
        model = form.value("deployment_model")
        if model:
            return model, [form.fields["deployment_model"].page]
    return None, []


def cloud_form(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    star = dossier.star or dossier.pack.default_star
    allowed = dossier.pack.cloud_forms.get(star or 0, [])
    model, pages = _deployment_model(dossier)
    consoles = dossier.of_type(DocumentType.cloud_console)
    private = [c for c in consoles if c.facts.get("public_cloud") is False]
    public = [c for c in consoles if c.facts.get("public_cloud") is True]
    if model and allowed and model not in allowed:
        return Status.failed, pages, [], f"申请表填写的部署模型为 {model}，{star} 星级只允许 {'/'.join(allowed)}"
    if "private" not in allowed and private and not public:
        return Status.failed, pages_of(private), [], "使用截图显示的是私有云或本地机房，不是公有云服务"
    if public or model in allowed:
        why = f"部署模型 {model}" if model else "公有云控制台截图"
        return Status.met, sorted(set(pages + pages_of(public))), [], f"{why}，符合 {star} 星级要求"
    return Status.needs_review, pages, [], "未能判断上云形式，请人工核对"


def contracts_and_invoices(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """The applicant's contracts and invoices: a contract with the applicant as a party, an
    invoice with the applicant as buyer; the reason lists what was counted and what was not."""
    contracts = count_documents(dossier, dossier.of_type(DocumentType.contract))
    invoices = count_documents(dossier, dossier.of_type(DocumentType.vat_invoice))
    own_contracts = [d for d, _ in contracts.counted]
    own_invoices = [d for d, _ in invoices.counted]
    detail = Counted(contracts.counted + invoices.counted, contracts.others + invoices.others,
                     contracts.unread + invoices.unread).reason()
    if own_contracts and own_invoices:
        summary = f"申报企业的合同 {len(own_contracts)} 份、发票 {len(own_invoices)} 张"
        return Status.met, pages_of(own_contracts + own_invoices), [], f"{summary}。{detail}"
    if not dossier.of_type(DocumentType.contract, DocumentType.vat_invoice):
        return Status.missing, [], [], "未发现上云投入的合同和发票"
    lacking = "、".join(what for what, own in (("合同", own_contracts), ("发票", own_invoices)) if not own)
    shown = pages_of(own_contracts + own_invoices + [d for d, _ in contracts.others + contracts.unread
                                                     + invoices.others + invoices.unread])
    unread = [d for tally, own in ((contracts, own_contracts), (invoices, own_invoices)) if not own
              for d, _ in tally.unread]
    if unread:
        return Status.needs_review, shown, [], f"未能确认申报企业的{lacking}，请人工核对。{detail}"
    return Status.missing, shown, [], f"缺少申报企业的{lacking}" + (f"。{detail}" if detail else "")


def deployment_statement(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    # the applicant's contracts (and those whose parties were not read): a contract between two
    # other companies asks nothing of the applicant
    tally = count_documents(dossier, dossier.of_type(DocumentType.contract))
    contracts = [d for d, _ in tally.counted + tally.unread]
    lacking = [c for c in contracts if c.facts.get("cloud_wording") is False]
    if not contracts:
        return Status.not_applicable, [], [], "无合同"
    if not lacking:
        return Status.not_applicable, pages_of(contracts), [], "合同均已明确体现“云服务”等字样，无需部署说明"
    statements = dossier.of_type(DocumentType.deployment_statement)
    where = page_list(pages_of(lacking))
    if not statements:
        return Status.failed, pages_of(lacking), [], f"第 {where} 页的合同未体现“云服务”“云产品”等字样，且未提供双方共同盖章的云端部署/应用说明"
    sealed = [s for s in statements if len(dossier.seals_on(s.pages)) >= 2]
    if sealed:
        return Status.met, pages_of(sealed), [], f"已提供云端部署/应用说明（第 {page_list(pages_of(sealed))} 页），有两枚以上印章"
    return Status.failed, pages_of(statements), [], "云端部署/应用说明未见申报企业与云服务商双方盖章"


def private_cloud_documents(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    model, _ = _deployment_model(dossier)
    if model not in ("private", "hybrid"):
        return Status.not_applicable, [], [], "非私有云/混合云部署，不要求建设方案"
    return _mention(dossier, params, absent=Status.missing)


def pages_mention(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    return _mention(dossier, params, absent=Status.not_applicable)


def _mention(dossier: Dossier, params: dict[str, Any], absent: Status) -> Outcome:
    # the application form quotes every material's title; only other pages count as the material
    form_pages = {p for d in dossier.of_type(DocumentType.application_form) for p in d.pages}
    hits = dossier.pages_mentioning(params["phrases"], skip=form_pages)
    if hits:
        return Status.met, hits, [], f"见第 {page_list(hits)} 页"
    reason = "未提供（该项为可选材料）" if absent == Status.not_applicable else "材料中未发现该项材料"
    return absent, [], [], reason


def form_matches_license(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    lic = applicant_licence(dossier)
    if not forms or lic is None:
        return Status.missing, pages_of(forms + ([lic] if lic else [])), [], "缺少申请表或营业执照，无法比对"
    form = forms[0]
    problems, compared = [], []
    for key, label in (("company_name", "企业名称"), ("credit_code", "统一社会信用代码")):
        a, b = form.value(key), lic.value(key)
        if not a or not b:
            continue
        compared.append(label)
        same = same_party(a, b) if key == "company_name" else compact(a).upper() == compact(b).upper()
        if not same:
            problems.append(f"{label}：申请表“{a}”，营业执照“{b}”")
    pages = sorted(set(form.pages[:1] + lic.pages))
    evidence = form.evidence("company_name", "credit_code") + lic.evidence("company_name", "credit_code")
    if problems:
        return Status.failed, pages, evidence, "；".join(problems)
    if not compared:
        return Status.needs_review, pages, evidence, "申请表或营业执照上的名称与代码未能识别，请人工比对"
    return Status.met, pages, evidence, f"{'、'.join(compared)}一致"


def _is_pledge(text: str) -> bool:
    # the form prints 真实性 / 承诺 in a narrow cell, so the words arrive on separate lines
    return "真实性承诺" in text or ("承诺" in text and ("如有不实" in text or "均真实" in text))


def pledge_sealed(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    if not forms:
        return Status.missing, [], [], "未发现申请表"
    pledge_pages = [p.page for p in dossier.pages if p.page in pages_of(forms) and _is_pledge(dossier.compact_texts[p.page])]
    if not pledge_pages:
        return Status.needs_review, pages_of(forms), [], "未找到真实性承诺栏，请人工核对"
    seals = dossier.seals_on(pledge_pages)
    if seals:
        return Status.met, pledge_pages, [s.id for s in seals], f"第 {page_list(pledge_pages)} 页真实性承诺处有印章"
    return Status.failed, pledge_pages, [], f"第 {page_list(pledge_pages)} 页真实性承诺处未见公章"


def annex_supported(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    marked = [m for f in forms for m in f.facts.get("annex_marked", []) if m.get("marked")]
    proven = {r.domain.replace(" ", ""): r for r in dossier.annex if r.on_cloud}
    if not forms:
        return Status.missing, [], [], "未发现申请表附表"
    if not marked:
        found = "、".join(r.domain for r in proven.values())
        return Status.needs_review, pages_of(forms), [], f"未识别到附表中勾选的项目；材料可证明：{found or '无'}"
    # the effects rows (上云成效) describe outcomes the applicant claims; no product proves them
    effects = {r.domain.replace(" ", "") for r in dossier.annex if r.category == "上云成效"}
    marked_effects = [m["domain"] for m in marked if str(m["domain"]).replace(" ", "") in effects]
    unsupported = [m["domain"] for m in marked
                   if str(m["domain"]).replace(" ", "") not in proven and str(m["domain"]).replace(" ", "") not in effects]
    note = f"；成效类勾选项（{'、'.join(marked_effects)}）需结合上云效果说明人工判断" if marked_effects else ""
    if unsupported:
        return Status.needs_review, pages_of(forms), [], f"以下勾选项未找到佐证材料：{'、'.join(unsupported)}{note}"
    if marked_effects:
        return Status.needs_review, pages_of(forms), [], f"勾选的业务类各项均有佐证材料{note}"
    return Status.met, pages_of(forms), [], f"勾选的 {len(marked)} 项均有佐证材料"


def page_list(pages: list[int]) -> str:
    return "、".join(str(p) for p in pages)
