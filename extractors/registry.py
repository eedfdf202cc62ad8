"""The one explicit list of extractors the pipeline runs.

Page extractors run on every page; document extractors on the pages of each document of their
type. Adding an extractor is one line here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from extractors.amounts import amount_findings
from extractors.application_form import extract_application_form
from extractors.base import Extraction
from extractors.certificates import (
    extract_software_copyright,
    extract_software_product_certificate,
    extract_telecom_license,
    extract_test_report,
)
from extractors.cloud_wording import cloud_wording_findings
from extractors.codes import code_findings
from extractors.console import extract_console
from extractors.contract import extract_contract
from extractors.dates import date_findings
from extractors.deployment_statement import extract_deployment_statement
from extractors.financials import extract_financials
from extractors.invoice import extract_invoice
from extractors.license import extract_license
from extractors.other_document import extract_other
from extractors.programme_forms import combined, extract_agreement, extract_programme_form
from extractors.qr import qr_findings
from models.domain import Finding, PageText
from models.enums import DocumentType

PAGE_EXTRACTORS: list[tuple[str, Callable[[PageText], list[Finding]]]] = [
    ("dates", date_findings),
    ("amounts", amount_findings),
    ("codes", code_findings),
    ("cloud_wording", cloud_wording_findings),
]

# extractors that need the page image itself (QR codes ...): (image BGR, page text, image pixels
# per page unit) -> findings
IMAGE_EXTRACTORS: list[tuple[str, Callable[[np.ndarray, PageText, float], list[Finding]]]] = [
    ("qr", qr_findings),
]

DOCUMENT_EXTRACTORS: dict[DocumentType, Callable[[list[PageText]], Extraction]] = {
    DocumentType.vat_invoice: extract_invoice,
    DocumentType.business_license: extract_license,
    DocumentType.contract: extract_contract,
    DocumentType.cloud_console: extract_console,
    DocumentType.application_form: extract_application_form,
    DocumentType.deployment_statement: extract_deployment_statement,
    DocumentType.software_copyright_certificate: extract_software_copyright,
    DocumentType.software_product_certificate: extract_software_product_certificate,
    DocumentType.telecom_license: extract_telecom_license,
    DocumentType.test_report: extract_test_report,
    DocumentType.financial_statement: extract_financials,
    DocumentType.audit_report: extract_financials,
    DocumentType.other: extract_other,
}

# programme-specific extractors, run on top of the generic ones only for the programmes whose rule
# pack names the set (``extractors: [zhengzhou_forms]``): the Zhengzhou provider call's 申报类别
# and submission date on its forms, its agent agreements and authorisation letters
PROGRAMME_EXTRACTORS: dict[str, dict[DocumentType, Callable[[list[PageText]], Extraction]]] = {
    "zhengzhou_forms": {
        DocumentType.application_form: extract_programme_form,
        DocumentType.contract: extract_agreement,
    },
}


def document_extractor(doc_type: DocumentType, sets: list[str]) -> Callable[[list[PageText]], Extraction] | None:
    """The extractor for one document type: the generic one, then those of the programme's sets."""
    chain = [fn for fn in [DOCUMENT_EXTRACTORS.get(doc_type)] + [PROGRAMME_EXTRACTORS[s].get(doc_type) for s in sets]
             if fn is not None]
    if not chain:
        return None
    return chain[0] if len(chain) == 1 else combined(*chain)
