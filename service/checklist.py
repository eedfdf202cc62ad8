"""The checklist evaluator: each rule-pack item ends met / missing / needs_review / failed /
not_applicable, with its pages and a reason a person understands.

A condition kind is one function here, registered in ``CONDITIONS``. A new programme is a new
rule-pack file; a new kind of requirement is one new function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from extractors.text import compact
from models.domain import CheckResult, Document, ReportError
from models.enums import READ_ERRORS, DocumentType, Status
from models.rulepack import Item, RulePack
from service.analysis import Dossier, registered_in_region, same_party

Outcome = tuple[Status, list[int], list[str], str]  # status, pages, evidence finding ids, reason
Condition = Callable[[Dossier, dict[str, Any]], Outcome]

CONDITIONS: dict[str, Condition] = {}


def condition(kind: str) -> Callable[[Condition], Condition]:
    def register(fn: Condition) -> Condition:
        CONDITIONS[kind] = fn
        return fn

    return register


def _pages(docs: list[Document]) -> list[int]:
    return sorted({p for d in docs for p in d.pages})




@condition("document_present")
def document_present(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    types = [DocumentType(t) for t in params["document_types"]]
    docs = dossier.of_type(*types)
    if docs:
        return Status.met, _pages(docs), [], f"见第 {_page_list(_pages(docs))} 页"
    status = Status(params.get("absent_status", "missing"))
    return status, [], [], params.get("absent_reason", "材料中未发现该项材料")


@condition("reviewer_confirms")
def reviewer_confirms(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    return Status.needs_review, [], [], params.get("reason", "需人工复核")


@condition("registered_in_region")
def registered(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    licences = dossier.of_type(DocumentType.business_license)
    region = dossier.pack.region.name if dossier.pack.region else "本地"
    if not licences:
        return Status.missing, [], [], "未发现营业执照，无法判断注册地"
    lic = licences[0]
    verdict = registered_in_region(lic, dossier.pack)
    pages = sorted({lic.fields[n].page for n in ("credit_code", "address") if n in lic.fields} or set(lic.pages))
    evidence = lic.evidence("credit_code", "address")
    detail = f"统一社会信用代码 {lic.value('credit_code') or '未识别'}，住所 {lic.value('address') or '未识别'}"
    if verdict is True:
        return Status.met, pages, evidence, f"营业执照显示在{region}注册（{detail}）"
    if verdict is False:
        return Status.failed, pages, evidence, f"营业执照显示不在{region}注册（{detail}）"
    return Status.needs_review, lic.pages, evidence, "营业执照上的信用代码与住所均未能识别，请人工核对注册地"


@condition("independent_legal_person")
def independent(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    licences = dossier.of_type(DocumentType.business_license)
    if not licences:
        return Status.missing, [], [], "未发现营业执照，无法判断是否具有独立法人资格"
    lic = licences[0]
    value = lic.facts.get("independent_legal_person")
    entity = lic.value("entity_type") or lic.value("company_name") or ""
    pages = [lic.fields["entity_type"].page] if "entity_type" in lic.fields else lic.pages
    if value is True:
        return Status.met, pages, lic.evidence("entity_type"), f"企业类型：{entity}"
    if value is False:
        return Status.failed, pages, lic.evidence("entity_type", "company_name"), f"分支机构不具有独立法人资格（{entity}）"
    return Status.needs_review, lic.pages, [], "营业执照上的企业类型未能识别，请人工核对"


@condition("spending_since_cutoff")
def spending(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    s = dossier.spending
    invoices = dossier.of_type(DocumentType.vat_invoice)
    counted = [r for r in s.invoices if r.status == "counted"]
    review = [r for r in s.invoices if r.status == "needs_review"]
    # an invoice whose amount is in doubt is named, so no one reads the total as the whole story
    held = "；".join(f"第 {_page_list(r.pages)} 页发票{r.reason}" for r in review)
    if counted:
        pages = sorted({p for r in counted for p in r.pages})
        note = f"；另有 {len(review)} 张发票金额待人工复核、未计入（{held}）" if review else ""
        return Status.met, pages, [], f"{s.since} 以来计入上云支出 ¥{s.total}（{len(counted)} 张发票）{note}"
    if not invoices:
        return Status.missing, [], [], "未发现发票，无法证明实际产生上云支出"
    if review:
        pages = sorted({p for r in review for p in r.pages})
        return Status.needs_review, pages, [], f"没有金额无疑义的 {s.since} 以后的上云发票，{held}"
    reasons = "；".join(f"第 {_page_list(r.pages)} 页：{r.reason}" for r in s.invoices)
    return Status.failed, _pages(invoices), [], f"没有可计入的 {s.since} 以后的上云支出（{reasons}）"


def _deployment_model(dossier: Dossier) -> tuple[str | None, list[int]]:
    for form in dossier.of_type(DocumentType.application_form):
        model = form.value("deployment_model")
        if model:
            return model, [form.fields["deployment_model"].page]
    return None, []


@condition("cloud_form_allowed")
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
        return Status.failed, _pages(private), [], "使用截图显示的是私有云或本地机房，不是公有云服务"
    if public or model in allowed:
        why = f"部署模型 {model}" if model else "公有云控制台截图"
        return Status.met, sorted(set(pages + _pages(public))), [], f"{why}，符合 {star} 星级要求"
    return Status.needs_review, pages, [], "未能判断上云形式，请人工核对"


@condition("contracts_and_invoices")
def contracts_and_invoices(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    contracts = dossier.of_type(DocumentType.contract)
    invoices = dossier.of_type(DocumentType.vat_invoice)
    pages = _pages(contracts + invoices)
    if contracts and invoices:
        return Status.met, pages, [], f"合同 {len(contracts)} 份（第 {_page_list(_pages(contracts))} 页），发票 {len(invoices)} 张（第 {_page_list(_pages(invoices))} 页）"
    if not contracts and not invoices:
        return Status.missing, [], [], "未发现上云投入的合同和发票"
    lacking = "合同" if not contracts else "发票"
    return Status.missing, pages, [], f"缺少{lacking}"


@condition("deployment_statement_if_needed")
def deployment_statement(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    contracts = dossier.of_type(DocumentType.contract)
    lacking = [c for c in contracts if c.facts.get("cloud_wording") is False]
    if not contracts:
        return Status.not_applicable, [], [], "无合同"
    if not lacking:
        return Status.not_applicable, _pages(contracts), [], "合同均已明确体现“云服务”等字样，无需部署说明"
    statements = dossier.of_type(DocumentType.deployment_statement)
    where = _page_list(_pages(lacking))
    if not statements:
        return Status.failed, _pages(lacking), [], f"第 {where} 页的合同未体现“云服务”“云产品”等字样，且未提供双方共同盖章的云端部署/应用说明"
    sealed = [s for s in statements if len(dossier.seals_on(s.pages)) >= 2]
    if sealed:
        return Status.met, _pages(sealed), [], f"已提供云端部署/应用说明（第 {_page_list(_pages(sealed))} 页），有两枚以上印章"
    return Status.failed, _pages(statements), [], "云端部署/应用说明未见申报企业与云服务商双方盖章"


@condition("private_cloud_documents")
def private_cloud_documents(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    model, _ = _deployment_model(dossier)
    if model not in ("private", "hybrid"):
        return Status.not_applicable, [], [], "非私有云/混合云部署，不要求建设方案"
    return _mention(dossier, params, absent=Status.missing)


@condition("pages_mention")
def pages_mention(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    return _mention(dossier, params, absent=Status.not_applicable)


def _mention(dossier: Dossier, params: dict[str, Any], absent: Status) -> Outcome:
    phrases = [compact(p) for p in params["phrases"]]
    # the application form quotes every material's title; only other pages count as the material
    form_pages = {p for d in dossier.of_type(DocumentType.application_form) for p in d.pages}
    hits = [p.page for p in dossier.pages if p.page not in form_pages and any(ph in compact(p.text) for ph in phrases)]
    if hits:
        return Status.met, hits, [], f"见第 {_page_list(hits)} 页"
    reason = "未提供（该项为可选材料）" if absent == Status.not_applicable else "材料中未发现该项材料"
    return absent, [], [], reason


@condition("form_matches_license")
def form_matches_license(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    licences = dossier.of_type(DocumentType.business_license)
    if not forms or not licences:
        return Status.missing, _pages(forms + licences), [], "缺少申请表或营业执照，无法比对"
    form, lic = forms[0], licences[0]
    problems, compared = [], []
    for field, label in (("company_name", "企业名称"), ("credit_code", "统一社会信用代码")):
        a, b = form.value(field), lic.value(field)
        if not a or not b:
            continue
        compared.append(label)
        same = same_party(a, b) if field == "company_name" else compact(a).upper() == compact(b).upper()
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


@condition("pledge_sealed")
def pledge_sealed(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    if not forms:
        return Status.missing, [], [], "未发现申请表"
    pledge_pages = [p.page for p in dossier.pages if p.page in _pages(forms) and _is_pledge(compact(p.text))]
    if not pledge_pages:
        return Status.needs_review, _pages(forms), [], "未找到真实性承诺栏，请人工核对"
    seals = dossier.seals_on(pledge_pages)
    if seals:
        return Status.met, pledge_pages, [s.id for s in seals], f"第 {_page_list(pledge_pages)} 页真实性承诺处有印章"
    return Status.failed, pledge_pages, [], f"第 {_page_list(pledge_pages)} 页真实性承诺处未见公章"


@condition("annex_supported")
def annex_supported(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    forms = dossier.of_type(DocumentType.application_form)
    marked = [m for f in forms for m in f.facts.get("annex_marked", []) if m.get("marked")]
    proven = {r.domain.replace(" ", ""): r for r in dossier.annex if r.on_cloud}
    if not forms:
        return Status.missing, [], [], "未发现申请表附表"
    if not marked:
        found = "、".join(r.domain for r in proven.values())
        return Status.needs_review, _pages(forms), [], f"未识别到附表中勾选的项目；材料可证明：{found or '无'}"
    # the effects rows (上云成效) describe outcomes the applicant claims; no product proves them
    effects = {r.domain.replace(" ", "") for r in dossier.annex if r.category == "上云成效"}
    marked_effects = [m["domain"] for m in marked if str(m["domain"]).replace(" ", "") in effects]
    unsupported = [m["domain"] for m in marked
                   if str(m["domain"]).replace(" ", "") not in proven and str(m["domain"]).replace(" ", "") not in effects]
    note = f"；成效类勾选项（{'、'.join(marked_effects)}）需结合上云效果说明人工判断" if marked_effects else ""
    if unsupported:
        return Status.needs_review, _pages(forms), [], f"以下勾选项未找到佐证材料：{'、'.join(unsupported)}{note}"
    if marked_effects:
        return Status.needs_review, _pages(forms), [], f"勾选的业务类各项均有佐证材料{note}"
    return Status.met, _pages(forms), [], f"勾选的 {len(marked)} 项均有佐证材料"


def _page_list(pages: list[int]) -> str:
    return "、".join(str(p) for p in pages)


def evaluate(dossier: Dossier) -> list[CheckResult]:
    """Evaluate every item of the pack that applies to the dossier's star level."""
    results = []
    for item in dossier.pack.items_for(dossier.star or dossier.pack.default_star):
        results.append(_evaluate_item(dossier, item))
    return results


def _evaluate_item(dossier: Dossier, item: Item) -> CheckResult:
    status, pages, evidence, reason = CONDITIONS[item.condition.kind](dossier, item.condition.params)
    return CheckResult(item_id=item.id, title=item.title, group=item.group, status=status, pages=pages,
                       evidence=evidence, reason=reason)


def unreadable_needs_review(results: list[CheckResult], errors: list[ReportError]) -> list[CheckResult]:
    """An item found missing while files or pages could not be read needs a person, not a verdict:
    what it asks for may be on them."""
    unreadable = list(dict.fromkeys(e.file or "?" for e in errors if e.code in READ_ERRORS))
    if not unreadable:
        return results
    names = "、".join(unreadable[:5]) + (f" 等 {len(unreadable)} 个文件" if len(unreadable) > 5 else "")
    for r in results:
        if r.status == Status.missing:
            r.status = Status.needs_review
            r.reason = f"{r.reason}；但 {names} 未能读取（见“无法读取”），所需材料可能在其中，请人工复核"
    return results


class RulePackConditionError(ValueError):
    """A rule pack names a condition kind that no function implements."""


def validate_pack(pack: RulePack) -> None:
    """Fail at start-up, not mid-run, when a pack uses an unknown condition kind."""
    unknown = sorted({i.condition.kind for i in pack.items} - set(CONDITIONS))
    if unknown:
        raise RulePackConditionError(f"rule pack {pack.id} uses unknown condition kinds: {', '.join(unknown)}")


# programme-specific condition kinds register themselves on import
from service import conditions_programmes  # noqa: E402,F401
