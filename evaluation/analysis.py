"""Facts across the whole dossier: who the applicant is, what was spent since the cut-off, which
invoices do not belong, which annex domains the evidence proves.

Input is the documents the extractors read; output is plain data for the checklist evaluator and
the report. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from rapidfuzz import fuzz

from extractors.lexicon import domains_for, match_products, wording_rules
from extractors.text import compact
from models.domain import (
    AnnexRow,
    Applicant,
    Document,
    Finding,
    PageText,
    RiskFlag,
    Seal,
    Spending,
    SpendingInvoice,
    as_date,
    as_money,
)
from models.enums import DocumentType, FlagCode, Severity
from models.rulepack import RulePack

EFFECTS_CATEGORY = "上云成效"  # the annex rows of outcomes, which the applicant claims and no document proves
NAME_MATCH = 88  # rapidfuzz ratio at or above which two company names are the same party


def same_party(a: str | None, b: str | None) -> bool:
    """Two company names denote the same party, allowing for OCR slips and bracket styles."""
    if not a or not b:
        return False
    ca, cb = compact(a).replace("(", "").replace(")", ""), compact(b).replace("(", "").replace(")", "")
    return ca == cb or fuzz.ratio(ca, cb) >= NAME_MATCH


@dataclass
class Dossier:
    """Everything the checklist conditions look at."""

    pack: RulePack
    star: int | None
    today: date
    declared: dict[str, str]
    pages: list[PageText]
    documents: list[Document]
    seals: list[Seal]
    applicant: Applicant
    spending: Spending
    flags: list[RiskFlag] = field(default_factory=list)
    annex: list[AnnexRow] = field(default_factory=list)

    def of_type(self, *types: DocumentType) -> list[Document]:
        return [d for d in self.documents if d.document_type in types]

    def seals_on(self, pages: list[int]) -> list[Seal]:
        """Seals on these pages; the tax bureau's 监制 mark printed on invoices is no one's seal."""
        return [s for s in self.seals if s.page in pages and s.kind != "监制"]

    @cached_property
    def compact_texts(self) -> dict[int, str]:
        """Each page's text as phrases are looked for in it (``compact``), by page number: made once
        for every condition that looks."""
        return {p.page: compact(p.text) for p in self.pages}

    def pages_mentioning(self, phrases: list[str], skip: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """The pages, but ``skip``, whose text holds one of ``phrases`` (compared compacted)."""
        wanted = [compact(ph) for ph in phrases]
        return [n for n, text in self.compact_texts.items() if n not in skip and any(ph in text for ph in wanted)]


def identify_applicant(documents: list[Document], given_name: str | None) -> Applicant:
    """The applicant: as named on the command line, else the application form, else the licence."""
    forms = [d for d in documents if d.document_type == DocumentType.application_form]
    licences = [d for d in documents if d.document_type == DocumentType.business_license]
    credit_code = next((d.value("credit_code") for d in licences + forms if d.value("credit_code")), None)
    if given_name:
        return Applicant(name=given_name, credit_code=credit_code, source="command line")
    for doc, source in [(d, "application form") for d in forms] + [(d, "business licence") for d in licences]:
        name = doc.value("company_name")
        if name:
            return Applicant(name=name, credit_code=credit_code, source=source)
    return Applicant(name=None, credit_code=credit_code, source="not found")


# invoice checks whose failure leaves the amount to count in doubt (extractors/invoice.py), with
# what a reviewer reads when an invoice is held back for one of them
AMOUNT_CHECKS = {
    "amount_words_equal_figures": "价税合计大写与小写不一致",
    "amount_plus_tax_equals_total": "金额加税额不等于价税合计",
    "line_amounts_sum_to_amount_total": "明细金额之和不等于合计金额",
    "line_taxes_sum_to_tax_total": "明细税额之和不等于合计税额",
    "line_tax_matches_rate": "明细税额与金额×税率不符",
}


def amount_doubts(doc: Document) -> list[str]:
    """Why an invoice's amount is not unambiguous (failed amount checks), in Chinese; empty if it is."""
    failed = {c.get("check") for c in doc.facts.get("checks", []) if c.get("ok") is False}
    return [text for check, text in AMOUNT_CHECKS.items() if check in failed]


def invoice_flags_and_spending(
    documents: list[Document], applicant: Applicant, cutoff: date | None, today: date
) -> tuple[Spending, list[RiskFlag]]:
    """Spending since the cut-off, counting each invoice once, and the flags invoices raise.

    An invoice counts only when its amount is unambiguous; one whose 大写 differs from its 小写, or
    whose arithmetic does not hold, is listed as ``needs_review`` and left out of the total.
    """
    flags: list[RiskFlag] = []
    rows: list[SpendingInvoice] = []
    seen: dict[str, Document] = {}
    total = Decimal("0")
    review_total = Decimal("0")
    by_seller: dict[str, Decimal] = {}
    for doc in documents:
        if doc.document_type != DocumentType.vat_invoice:
            continue
        key = doc.facts.get("invoice_key")
        issued = as_date(doc.value("issue_date"))
        grand = as_money(doc.value("grand_total"))
        buyer = doc.value("buyer_name")
        excluded: list[str] = []  # why the invoice does not count, whatever its amount
        if key and key in seen:
            first = seen[key]
            flags.append(RiskFlag(
                code=FlagCode.duplicate_invoice, severity=Severity.high, pages=sorted(set(first.pages + doc.pages)),
                evidence=first.evidence("invoice_number") + doc.evidence("invoice_number"),
                message=f"发票 {key} 在材料中出现两次（第 {first.pages[0]} 页与第 {doc.pages[0]} 页），只计一次",
                values={"invoice_key": key, "pages": [first.pages[0], doc.pages[0]]},
            ))
            excluded.append(f"与第 {first.pages[0]} 页的发票重复，只计一次")
        elif key:
            seen[key] = doc
        if issued and issued > today:
            flags.append(RiskFlag(
                code=FlagCode.date_in_future, severity=Severity.high, pages=doc.field_pages("issue_date"),
                evidence=doc.evidence("issue_date"),
                message=f"开票日期 {issued.isoformat()} 晚于检查日期 {today.isoformat()}",
                values={"issue_date": issued.isoformat(), "checked_on": today.isoformat()},
            ))
        if cutoff and issued and issued < cutoff:
            flags.append(RiskFlag(
                code=FlagCode.date_before_cutoff, severity=Severity.medium, pages=doc.field_pages("issue_date"),
                evidence=doc.evidence("issue_date"),
                message=f"开票日期 {issued.isoformat()} 早于政策起算日 {cutoff.isoformat()}，该发票不计入上云支出",
                values={"issue_date": issued.isoformat(), "cutoff": cutoff.isoformat()},
            ))
            excluded.append(f"开票日期 {issued.isoformat()} 早于起算日 {cutoff.isoformat()}")
        if applicant.name and buyer and not same_party(buyer, applicant.name):
            flags.append(RiskFlag(
                code=FlagCode.buyer_not_applicant, severity=Severity.high, pages=doc.field_pages("buyer_name"),
                evidence=doc.evidence("buyer_name"),
                message=f"发票购买方“{buyer}”不是申报企业“{applicant.name}”",
                values={"buyer_name": buyer, "applicant": applicant.name},
            ))
            excluded.append(f"购买方“{buyer}”不是申报企业")
        doubts = [] if excluded else amount_doubts(doc)
        if not excluded and issued is None:
            doubts.append("未读出开票日期")
        if not excluded and grand is None:
            doubts.append("未读出价税合计")
        if excluded:
            status, reason = "excluded", "不计入：" + "；".join(excluded)
        elif doubts:
            status, reason = "needs_review", "待人工复核，暂不计入：" + "；".join(doubts)
            review_total += grand or Decimal("0")
        else:
            status, reason = "counted", "计入"
        if status == "counted" and grand is not None:
            total += grand
            seller = doc.value("seller_name") or "?"
            by_seller[seller] = by_seller.get(seller, Decimal("0")) + grand
        rows.append(SpendingInvoice(
            document_id=doc.id, pages=doc.pages, invoice_key=key, issue_date=doc.value("issue_date"),
            grand_total=doc.value("grand_total"), seller_name=doc.value("seller_name"),
            counted=status == "counted", status=status, reason=reason,
        ))
    spending = Spending(
        since=cutoff.isoformat() if cutoff else "",
        total=f"{total:.2f}",
        invoice_count=sum(1 for r in rows if r.counted),
        by_seller={k: f"{v:.2f}" for k, v in by_seller.items()},
        invoices=rows,
        needs_review_count=sum(1 for r in rows if r.status == "needs_review"),
        needs_review_total=f"{review_total:.2f}",
    )
    return spending, flags


def region_flags(documents: list[Document], pack: RulePack) -> list[RiskFlag]:
    """Licence registered outside the programme's region, or a branch office."""
    flags: list[RiskFlag] = []
    for doc in documents:
        if doc.document_type != DocumentType.business_license:
            continue
        registered = registered_in_region(doc, pack)
        if registered is False and pack.region:
            flags.append(RiskFlag(
                code=FlagCode.not_registered_in_region, severity=Severity.high,
                pages=doc.field_pages("credit_code", "address"), evidence=doc.evidence("credit_code", "address"),
                message=f"营业执照显示企业不在{pack.region.name}注册（统一社会信用代码行政区划 {doc.facts.get('division') or '?'}，住所 {doc.value('address') or '?'}）",
                values={"division": doc.facts.get("division"), "address": doc.value("address")},
            ))
    return flags


def registered_in_region(licence: Document, pack: RulePack) -> bool | None:
    """True/False from the credit code's division or the address; None when neither was read."""
    if pack.region is None:
        return None
    division = licence.facts.get("division")
    if not division:
        code = licence.value("credit_code")
        division = code[2:8] if code and len(code) == 18 else None
    if division:
        return any(division.startswith(p) for p in pack.region.division_prefixes)
    address = licence.value("address")
    if address:
        return any(k in address for k in pack.region.address_keywords)
    return None


def applicant_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """The applicant's name must be the same on the form and the licence."""
    flags: list[RiskFlag] = []
    forms = [d for d in documents if d.document_type == DocumentType.application_form]
    licences = [d for d in documents if d.document_type == DocumentType.business_license]
    for form in forms:
        for lic in licences:
            a, b = form.value("company_name"), lic.value("company_name")
            if a and b and not same_party(a, b):
                flags.append(RiskFlag(
                    code=FlagCode.applicant_mismatch, severity=Severity.high,
                    pages=sorted({form.fields["company_name"].page, lic.fields["company_name"].page}),
                    evidence=form.evidence("company_name") + lic.evidence("company_name"),
                    message=f"申请表企业名称“{a}”与营业执照“{b}”不一致",
                    values={"form": a, "license": b},
                ))
    return flags


def annex_evidence(pack: RulePack, documents: list[Document], pages: list[PageText],
                   applicant: Applicant | None = None) -> list[AnnexRow]:
    """Which annex domains the evidence proves, and on which pages.

    Proof is a cloud product named on a console screenshot, a contract, a deployment statement or an
    invoice, each product mapping to its domains through the lexicon, or wording the lexicon's
    ``wording`` rules accept (a software development contract, a backup bucket beside the storage
    it lives in, a console showing instances running). Rows of outcomes (上云成效) cannot be proven
    by a document: where the applicant's annex marks one, the row carries its claim for a person to
    judge (``basis`` ``claimed``). Every row also says what the applicant's annex claimed.
    """
    by_page = {p.page: p for p in pages}
    proving = [d for d in documents if d.document_type in (
        DocumentType.cloud_console, DocumentType.contract, DocumentType.vat_invoice, DocumentType.deployment_statement)]
    proof: dict[str, dict[int, set[str]]] = {}

    def prove(domain: str, page: int, what: str) -> None:
        proof.setdefault(_key(domain), {}).setdefault(page, set()).add(what)

    for doc in proving:
        if doc.document_type == DocumentType.cloud_console and doc.facts.get("public_cloud") is False:
            continue  # a private console does not prove public-cloud use; it is flagged instead
        if applicant and applicant.name and not _concerns(doc, applicant.name):
            continue  # an invoice to someone else, a contract between others: nothing about the applicant
        doc_pages = [by_page[n] for n in doc.pages if n in by_page]
        named: dict[int, set[str]] = {}  # page -> domains its product names prove
        for match in match_products(doc_pages):
            for domain in domains_for(match.product):
                prove(domain, match.page, match.product)
                named.setdefault(match.page, set()).add(_key(domain))
        title = doc.title or doc.value("title")
        for rule in wording_rules():
            if doc.document_type not in rule.document_types:
                continue
            if rule.matches_title(title):
                for domain in rule.domains:
                    for n in doc.pages:
                        prove(domain, n, f"《{title}》")
                continue
            wanted = {_key(d) for d in rule.with_domains}
            for page in doc_pages:
                if not wanted & named.get(page.page, set()):
                    continue
                hit = next((m for m in map(rule.find_in_line, (ln.text for ln in page.lines)) if m), None)
                if hit:
                    for domain in rule.domains:
                        prove(domain, page.page, f"“{hit.group(0)}”")
    claims = {_key(str(m["domain"])): m for f in documents if f.document_type == DocumentType.application_form
              for m in f.facts.get("annex_marked", [])}
    rows = []
    for d in pack.annex:
        found = proof.get(_key(d.domain), {})
        claim = claims.get(_key(d.domain))
        claimed = bool(claim["marked"]) if claim else None
        claimed_pages = sorted(int(p) for p in claim.get("pages", [])) if claim else []
        row = AnnexRow(
            category=d.category, subcategory=d.subcategory, domain=d.domain, on_cloud=bool(found),
            pages=sorted(found), source="、".join(sorted({w for ws in found.values() for w in ws})),
            basis="proven" if found else "none", claimed=claimed, claimed_pages=claimed_pages,
        )
        if not found and claimed and d.category == EFFECTS_CATEGORY:
            row.on_cloud, row.pages, row.basis = True, claimed_pages, "claimed"
            row.source = "申请表附表自报（成效类，需人工判断）"
        rows.append(row)
    return rows


def _concerns(doc: Document, applicant: str) -> bool:
    """False when the document names its buyer or both contract parties and the applicant is none of them."""
    buyer = doc.value("buyer_name")
    if buyer:
        return same_party(buyer, applicant)
    parties = [p for p in (doc.value("party_a"), doc.value("party_b")) if p]
    return len(parties) < 2 or any(same_party(p, applicant) for p in parties)


def _key(domain: str) -> str:
    return domain.replace(" ", "")


def finding_index(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings}
