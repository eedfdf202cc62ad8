"""Consistency across the dossier: the same applicant everywhere, and documents that agree.

Each check reads the extracted documents (and, for QR codes, the image findings) and returns risk
flags with the values involved, so a reviewer can verify them without rereading the pages:

* the applicant's identity (name, credit code) on the form, the licence, the invoices' buyer and
  the contracts' parties;
* what the applicant was invoiced by each provider against what its contracts with that provider
  are worth;
* the fields an invoice's QR code encodes against the ones printed beside it.
"""

from __future__ import annotations

from decimal import Decimal

from evaluation.analysis import same_party
from extractors.text import compact
from models.domain import Applicant, Document, Finding, RiskFlag, as_money
from models.enums import DocumentType, FlagCode, Severity

# invoiced more than the contracts with that provider by more than this share -> flag
CONTRACT_INVOICE_TOLERANCE = Decimal("0.05")
_PARTIES = ("party_a", "party_b")


def _code(text: str | None) -> str:
    return compact(text or "").upper()


def _of_type(documents: list[Document], doc_type: DocumentType) -> list[Document]:
    return [d for d in documents if d.document_type == doc_type]


# --- the applicant's identity ---------------------------------------------------------------------


def buyer_tax_id_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """An invoice made out to the applicant by name must carry the applicant's taxpayer id."""
    flags: list[RiskFlag] = []
    code = applicant.credit_code
    if not code:
        return flags
    for doc in _of_type(documents, DocumentType.vat_invoice):
        buyer_id = doc.value("buyer_tax_id")
        buyer = doc.value("buyer_name")
        if buyer_id and buyer and applicant.name and same_party(buyer, applicant.name) \
                and _code(buyer_id) != _code(code):
            flags.append(RiskFlag(
                code=FlagCode.buyer_not_applicant, severity=Severity.high, pages=[doc.fields["buyer_tax_id"].page],
                evidence=doc.evidence("buyer_name", "buyer_tax_id"),
                message=f"发票购买方名称为申报企业，但纳税人识别号 {buyer_id} 与申报企业统一社会信用代码 {code} 不一致",
                values={"buyer_tax_id": buyer_id, "applicant_credit_code": code},
            ))
    return flags


def form_licence_code_flags(documents: list[Document]) -> list[RiskFlag]:
    """The credit code on the application form must be the licence's (names are compared in
    ``evaluation.analysis.applicant_flags``)."""
    flags: list[RiskFlag] = []
    for form in _of_type(documents, DocumentType.application_form):
        for lic in _of_type(documents, DocumentType.business_license):
            a, b = form.value("credit_code"), lic.value("credit_code")
            if a and b and _code(a) != _code(b):
                flags.append(RiskFlag(
                    code=FlagCode.applicant_mismatch, severity=Severity.high,
                    pages=sorted(set(form.field_pages("credit_code") + lic.field_pages("credit_code"))),
                    evidence=form.evidence("credit_code") + lic.evidence("credit_code"),
                    message=f"申请表统一社会信用代码 {a} 与营业执照 {b} 不一致",
                    values={"form_credit_code": a, "license_credit_code": b},
                ))
    return flags


def _licence_code(documents: list[Document], applicant: Applicant) -> str | None:
    """The applicant's credit code as its licence prints it (else as the applicant carries it)."""
    for lic in _of_type(documents, DocumentType.business_license):
        if lic.value("credit_code") and (not applicant.name or not lic.value("company_name")
                                         or same_party(lic.value("company_name"), applicant.name)):
            return lic.value("credit_code")
    return applicant.credit_code


def applicant_side(contract: Document, applicant: Applicant) -> str | None:
    """``party_a`` or ``party_b``: the side of the contract the applicant is on, if either."""
    for key in _PARTIES:
        if same_party(contract.value(key), applicant.name):
            return key
    return None


def contract_party_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """A contract must have the applicant as one of its parties, with the licence's credit code."""
    flags: list[RiskFlag] = []
    if not applicant.name:
        return flags
    licence_code = _licence_code(documents, applicant)
    for doc in _of_type(documents, DocumentType.contract):
        names = {key: doc.value(key) for key in _PARTIES if doc.value(key)}
        if not names:
            continue
        side = applicant_side(doc, applicant)
        if side is None:
            if len(names) < 2:
                continue  # one party not read: the applicant may be the other
            flags.append(RiskFlag(
                code=FlagCode.contract_party_not_applicant, severity=Severity.high,
                pages=doc.field_pages(*_PARTIES), evidence=doc.evidence(*_PARTIES),
                message=f"合同双方“{names['party_a']}”与“{names['party_b']}”均不是申报企业“{applicant.name}”",
                values={"party_a": names["party_a"], "party_b": names["party_b"], "applicant": applicant.name},
            ))
            continue
        code = doc.value(f"{side}_credit_code")
        if code and licence_code and _code(code) != _code(licence_code):
            flags.append(RiskFlag(
                code=FlagCode.contract_party_credit_code_mismatch, severity=Severity.high,
                pages=sorted(set(doc.field_pages(f"{side}_credit_code"))),
                evidence=doc.evidence(side, f"{side}_credit_code"),
                message=f"合同中申报企业“{doc.value(side)}”的统一社会信用代码 {code} 与营业执照 {licence_code} 不一致",
                values={"party": side, "contract_credit_code": code, "license_credit_code": licence_code},
            ))
    return flags


# --- contracts against invoices -------------------------------------------------------------------


def contract_invoice_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """Per provider: the applicant's invoices from it (each invoice once) must not exceed its
    contracts with the applicant by more than ``CONTRACT_INVOICE_TOLERANCE``."""
    flags: list[RiskFlag] = []
    if not applicant.name:
        return flags
    # provider name -> (contract total, contracts)
    contracted: list[tuple[str, Decimal, list[Document]]] = []
    for doc in _of_type(documents, DocumentType.contract):
        side = applicant_side(doc, applicant)
        amount = as_money(doc.value("amount"))
        if side is None or amount is None:
            continue
        other = doc.value("party_b" if side == "party_a" else "party_a")
        if not other:
            continue
        for i, (provider, total, docs) in enumerate(contracted):
            if same_party(provider, other):
                contracted[i] = (provider, total + amount, [*docs, doc])
                break
        else:
            contracted.append((other, amount, [doc]))
    if not contracted:
        return flags
    seen: set[str] = set()
    invoiced: dict[int, tuple[Decimal, list[Document]]] = {}
    for doc in _of_type(documents, DocumentType.vat_invoice):
        grand = as_money(doc.value("grand_total"))
        if grand is None or not same_party(doc.value("buyer_name"), applicant.name):
            continue
        key = doc.facts.get("invoice_key")
        if key:
            if key in seen:
                continue  # the same invoice twice (a PDF and its scan) counts once
            seen.add(key)
        for i, (provider, _, _) in enumerate(contracted):
            if same_party(doc.value("seller_name"), provider):
                total, docs = invoiced.get(i, (Decimal(0), []))
                invoiced[i] = (total + grand, [*docs, doc])
                break
    for i, (provider, contract_total, contracts) in enumerate(contracted):
        if i not in invoiced:
            continue
        invoice_total, invoices = invoiced[i]
        if invoice_total <= contract_total * (1 + CONTRACT_INVOICE_TOLERANCE):
            continue
        excess = invoice_total - contract_total
        share = (excess / contract_total * 100).quantize(Decimal("0.1")) if contract_total else None
        flags.append(RiskFlag(
            code=FlagCode.contract_invoice_amount_mismatch, severity=Severity.medium,
            pages=sorted({p for d in contracts for p in d.field_pages("amount")}
                         | {p for d in invoices for p in d.field_pages("grand_total")}),
            evidence=[e for d in contracts for e in d.evidence("amount")]
            + [e for d in invoices for e in d.evidence("grand_total")],
            message=f"申报企业取得“{provider}”开具的发票合计 {invoice_total:.2f} 元（{len(invoices)} 张），"
                    f"超过与其签订的合同金额 {contract_total:.2f} 元"
                    + (f" {share}%" if share is not None else ""),
            values={"provider": provider, "contract_total": f"{contract_total:.2f}",
                    "invoice_total": f"{invoice_total:.2f}", "invoice_count": len(invoices),
                    "contract_count": len(contracts), "excess": f"{excess:.2f}",
                    "excess_percent": str(share) if share is not None else None},
        ))
    return flags


# --- QR codes against print -----------------------------------------------------------------------


def _same_number(a: str, b: str) -> bool:
    return a == b or (a.lstrip("0") == b.lstrip("0") and bool(a.lstrip("0")))


def _qr_differences(doc: Document, qr: dict[str, str]) -> dict[str, dict[str, str]]:
    """Printed field -> {"printed", "qr"} for every field the QR encodes that the print contradicts.
    A field not read on the page is not compared."""
    diffs: dict[str, dict[str, str]] = {}

    def differ(field_name: str, encoded: str | None, printed: str | None) -> None:
        if encoded and printed:
            diffs[field_name] = {"printed": printed, "qr": encoded}

    code, number = _code(doc.value("invoice_code")), _code(doc.value("invoice_number"))
    if qr.get("code") and code and qr["code"] != code:
        differ("invoice_code", qr["code"], doc.value("invoice_code"))
    if qr.get("number") and number and not _same_number(qr["number"], number):
        differ("invoice_number", qr["number"], doc.value("invoice_number"))
    if qr.get("date") and doc.value("issue_date") and qr["date"] != doc.value("issue_date"):
        differ("issue_date", qr["date"], doc.value("issue_date"))
    amount = as_money(qr.get("amount"))
    printed_amount, grand = as_money(doc.value("amount_total")), as_money(doc.value("grand_total"))
    # the payload holds the amount before tax; a few issuers encode the total with tax instead
    if amount is not None and printed_amount is not None and amount != printed_amount and amount != grand:
        differ("amount_total", qr.get("amount"), doc.value("amount_total"))
    check, printed_check = qr.get("check_code") or "", _code(doc.value("check_code"))
    # some payloads carry only the last digits of the check code
    if check and printed_check and check != printed_check and not (
            len(check) >= 6 and printed_check.endswith(check)):
        differ("check_code", check, doc.value("check_code"))
    return diffs


def qr_flags(documents: list[Document], findings: list[Finding]) -> list[RiskFlag]:
    """An invoice's QR payload must encode the code, number, date, amount and check code printed on it."""
    flags: list[RiskFlag] = []
    codes = [f for f in findings if f.kind == "qr_payload" and f.valid and f.detail.get("number")]
    if not codes:
        return flags
    for doc in _of_type(documents, DocumentType.vat_invoice):
        for qr in (f for f in codes if f.page in doc.pages):
            diffs = _qr_differences(doc, qr.detail)
            if not diffs:
                continue
            listed = "；".join(f"{_LABELS[k]} 印刷 {v['printed']}，二维码 {v['qr']}" for k, v in diffs.items())
            flags.append(RiskFlag(
                code=FlagCode.invoice_qr_mismatch, severity=Severity.high,
                pages=sorted({qr.page, *doc.field_pages(*diffs)}),
                evidence=[qr.id, *doc.evidence(*diffs)],
                message=f"发票二维码内容与票面印刷不一致：{listed}",
                values={"payload": qr.value, "differences": diffs},
            ))
    return flags


_LABELS = {"invoice_code": "发票代码", "invoice_number": "发票号码", "issue_date": "开票日期",
           "amount_total": "金额（不含税）", "check_code": "校验码"}


def dossier_flags(documents: list[Document], applicant: Applicant,
                  findings: list[Finding] | None = None) -> list[RiskFlag]:
    """Every cross-document check, in one call for the runner (``findings`` carry the QR payloads)."""
    return (
        buyer_tax_id_flags(documents, applicant)
        + form_licence_code_flags(documents)
        + contract_party_flags(documents, applicant)
        + contract_invoice_flags(documents, applicant)
        + qr_flags(documents, findings or [])
    )
