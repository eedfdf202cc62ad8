"""Consistency across the dossier: the same applicant everywhere, and documents that agree.

Each check reads the extracted documents and returns risk flags with the values involved.
"""

from __future__ import annotations

from extractors.text import compact
from models.domain import Applicant, Document, RiskFlag
from models.enums import DocumentType, FlagCode, Severity


def _evidence(doc: Document, *names: str) -> list[str]:
    return [doc.fields[n].finding_id for n in names if n in doc.fields and doc.fields[n].finding_id]  # type: ignore[misc]


def buyer_tax_id_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """An invoice made out to the applicant by name must carry the applicant's taxpayer id."""
    flags: list[RiskFlag] = []
    code = applicant.credit_code
    if not code:
        return flags
    for doc in documents:
        if doc.document_type != DocumentType.vat_invoice:
            continue
        buyer_id = doc.value("buyer_tax_id")
        buyer = doc.value("buyer_name")
        if buyer_id and buyer and applicant.name and compact(buyer) == compact(applicant.name) \
                and compact(buyer_id).upper() != compact(code).upper():
            flags.append(RiskFlag(
                code=FlagCode.buyer_not_applicant, severity=Severity.high, pages=[doc.fields["buyer_tax_id"].page],
                evidence=_evidence(doc, "buyer_name", "buyer_tax_id"),
                message=f"发票购买方名称为申报企业，但纳税人识别号 {buyer_id} 与申报企业统一社会信用代码 {code} 不一致",
                values={"buyer_tax_id": buyer_id, "applicant_credit_code": code},
            ))
    return flags


def dossier_flags(documents: list[Document], applicant: Applicant) -> list[RiskFlag]:
    """Every cross-document check, in one call for the runner."""
    return buyer_tax_id_flags(documents, applicant)
