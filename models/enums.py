"""The fixed vocabulary of the report contract (../shared/REPORT.md)."""

from __future__ import annotations

from enum import StrEnum


class DocumentType(StrEnum):
    business_license = "business_license"
    vat_invoice = "vat_invoice"
    contract = "contract"
    cloud_console = "cloud_console"
    application_form = "application_form"
    software_copyright_certificate = "software_copyright_certificate"
    software_product_certificate = "software_product_certificate"
    telecom_license = "telecom_license"
    test_report = "test_report"
    audit_report = "audit_report"
    financial_statement = "financial_statement"
    bank_receipt = "bank_receipt"
    deployment_statement = "deployment_statement"
    other = "other"


class TextSource(StrEnum):
    text_layer = "text_layer"
    ocr = "ocr"
    # OFD files carry their text as XML: neither a PDF text layer nor OCR.
    ofd_xml = "ofd_xml"
    none = "none"


class Status(StrEnum):
    met = "met"
    missing = "missing"
    needs_review = "needs_review"
    failed = "failed"
    not_applicable = "not_applicable"


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class SealShape(StrEnum):
    round = "round"
    oval = "oval"
    square = "square"
    other = "other"


class SealColor(StrEnum):
    red = "red"
    blue = "blue"
    other = "other"


class FlagCode(StrEnum):
    """Stable risk-flag codes. Add freely; never rename."""

    credit_code_invalid = "credit_code_invalid"
    tax_id_invalid = "tax_id_invalid"
    invoice_arithmetic_mismatch = "invoice_arithmetic_mismatch"
    invoice_amount_words_mismatch = "invoice_amount_words_mismatch"
    invoice_code_year_after_issue = "invoice_code_year_after_issue"
    date_before_cutoff = "date_before_cutoff"
    date_in_future = "date_in_future"
    buyer_not_applicant = "buyer_not_applicant"
    seal_missing = "seal_missing"
    seal_text_mismatch = "seal_text_mismatch"
    seal_tax_id_mismatch = "seal_tax_id_mismatch"
    duplicate_invoice = "duplicate_invoice"
    duplicate_invoice_other_dossier = "duplicate_invoice_other_dossier"
    reused_image_other_dossier = "reused_image_other_dossier"
    invoice_qr_mismatch = "invoice_qr_mismatch"
    pdf_modified_after_signing = "pdf_modified_after_signing"
    not_registered_in_region = "not_registered_in_region"
    branch_not_independent = "branch_not_independent"
    contract_lacks_cloud_wording = "contract_lacks_cloud_wording"
    console_not_public_cloud = "console_not_public_cloud"
    text_layer_unreadable = "text_layer_unreadable"
    applicant_mismatch = "applicant_mismatch"
    contract_amount_words_mismatch = "contract_amount_words_mismatch"
    reused_seal_impression = "reused_seal_impression"
    contract_invoice_amount_mismatch = "contract_invoice_amount_mismatch"
    contract_party_not_applicant = "contract_party_not_applicant"
    contract_party_credit_code_mismatch = "contract_party_credit_code_mismatch"
    riding_seam_broken = "riding_seam_broken"
    # document forensics
    pdf_updated_after_signing = "pdf_updated_after_signing"  # an update after signing left the pages as signed
    pdf_made_by_image_editor = "pdf_made_by_image_editor"
    ofd_signature_missing = "ofd_signature_missing"
    ofd_modified_after_signing = "ofd_modified_after_signing"
    image_region_inconsistent = "image_region_inconsistent"


class ErrorCode(StrEnum):
    """Why a file or page could not be read. Stable, like FlagCode."""

    file_not_found = "file_not_found"
    unsupported_format = "unsupported_format"
    corrupt_file = "corrupt_file"
    corrupt_page = "corrupt_page"
    encrypted_pdf = "encrypted_pdf"
    file_too_large = "file_too_large"
    too_many_pages = "too_many_pages"
    image_too_large = "image_too_large"
    archive_too_large = "archive_too_large"
    unsafe_archive_member = "unsafe_archive_member"
    ocr_failed = "ocr_failed"
    extractor_failed = "extractor_failed"
    empty_dossier = "empty_dossier"
    # a dossier-level check (spending, seals, consistency ...) failed; the items that needed it need review
    analysis_failed = "analysis_failed"
    empty_file = "empty_file"
    too_many_files = "too_many_files"
    archive_too_deep = "archive_too_deep"
    # a page whose decoding ran past EVIDENCE_PAGE_TIMEOUT_S
    page_timeout = "page_timeout"
    # the decoder (pdfium, Pillow ...) crashed or ran past EVIDENCE_DECODER_MEMORY_MB on a page
    decoder_failed = "decoder_failed"


# What could not be read: evidence may be on it, so nothing it might hold counts as absent
READ_ERRORS = frozenset({
    ErrorCode.unsupported_format, ErrorCode.corrupt_file, ErrorCode.corrupt_page, ErrorCode.encrypted_pdf,
    ErrorCode.file_too_large, ErrorCode.too_many_pages, ErrorCode.image_too_large, ErrorCode.archive_too_large,
    ErrorCode.unsafe_archive_member, ErrorCode.ocr_failed, ErrorCode.empty_file, ErrorCode.too_many_files,
    ErrorCode.archive_too_deep, ErrorCode.page_timeout, ErrorCode.decoder_failed,
})
