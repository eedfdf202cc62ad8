"""Domain types: what flows through the pipeline and what the report is made of.

Data flows one way: pages -> text -> classify -> extract -> evaluate -> report. Every type here is
plain data (pydantic models, no I/O) so the CLI, the HTTP service and workers share them, and the
JSON Schema of the report is generated from them.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.enums import (
    DocumentType,
    ErrorCode,
    SealColor,
    SealShape,
    Severity,
    Status,
    TextSource,
)

SCHEMA_VERSION = "1.1"

# x0, y0, x1, y1 in the page's own coordinate space (PDF points for text-layer pages, pixels of the
# page image for OCR'd pages); the page entry gives width and height in the same units.
BBox = tuple[float, float, float, float]


def union_bbox(boxes: list[BBox]) -> BBox | None:
    """Smallest box that holds all of ``boxes`` (None for none)."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class TextLine(BaseModel):
    """One line of text with its box: a text-layer line or an OCR detection."""

    model_config = ConfigDict(frozen=True)

    text: str
    bbox: BBox
    confidence: float = 1.0


class PageText(BaseModel):
    """The text of one dossier page, in reading order, whatever its source."""

    page: int
    width: float
    height: float
    lines: list[TextLine] = Field(default_factory=list)
    text_source: TextSource = TextSource.none

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def stable_id(prefix: str, *parts: object) -> str:
    """An id that is the same every time the same input is checked."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:12]}"


def as_money(text: str | None) -> Decimal | None:
    """A normalised money value (``"24380.60"``, as fields and findings store it) as a Decimal;
    None when absent or not a number."""
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def as_date(text: str | None) -> date | None:
    """A normalised date (ISO ``"2020-03-25"``, as fields and findings store it); None when absent
    or not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class Finding(BaseModel):
    """One fact read off a page: a date, an amount, a code, a phrase, or a document field."""

    id: str = ""
    kind: str  # date | amount | amount_words | credit_code | tax_id | cloud_wording | field ...
    value: str  # as printed
    normalized: str | None = None  # in the report's value format (ISO date, "718.00", ...)
    page: int
    bbox: BBox | None = None
    confidence: float = 1.0
    extractor: str
    field: str | None = None
    valid: bool | None = None  # for codes with check characters
    detail: dict[str, Any] = Field(default_factory=dict)

    def with_id(self) -> Finding:
        box = tuple(round(v) for v in self.bbox) if self.bbox else None
        fid = stable_id("f", self.extractor, self.kind, self.field, self.page, self.normalized or self.value, box)
        return self.model_copy(update={"id": fid})


class FieldValue(BaseModel):
    """A document field as the report shows it (REPORT.md: value, page, bbox, confidence)."""

    value: str
    page: int
    bbox: BBox | None = None
    confidence: float = 1.0
    finding_id: str | None = None


class LineItem(BaseModel):
    name: str
    amount: str | None = None
    tax_rate: str | None = None
    tax: str | None = None
    page: int | None = None
    bbox: BBox | None = None


class Document(BaseModel):
    """Pages that belong together (one invoice, one contract) with the fields read from them."""

    id: str
    document_type: DocumentType
    pages: list[int]
    title: str | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    list_fields: dict[str, list[FieldValue]] = Field(default_factory=dict)
    line_items: list[LineItem] = Field(default_factory=list)
    # what an extractor concluded about the document as a whole (cloud wording present, private
    # cloud console, invoice kind, ...), keyed by name, JSON-compatible values
    facts: dict[str, Any] = Field(default_factory=dict)

    def value(self, name: str) -> str | None:
        fv = self.fields.get(name)
        return fv.value if fv else None

    def evidence(self, *names: str) -> list[str]:
        """Finding ids behind the named fields: the evidence a flag or checklist item cites."""
        return [fv.finding_id for n in names if (fv := self.fields.get(n)) is not None and fv.finding_id]

    def field_pages(self, *names: str) -> list[int]:
        """Pages the named fields were read on; the document's pages when none was read."""
        return sorted({self.fields[n].page for n in names if n in self.fields}) or list(self.pages)


class Seal(BaseModel):
    """One seal impression on a page, with what it says and what identifies the impression."""

    id: str = ""
    page: int
    bbox: BBox
    shape: SealShape = SealShape.other
    color: SealColor = SealColor.red
    text: str = ""  # arc text and the seal's use, e.g. "济南舜耕智能装备有限公司 合同专用章"
    kind: str | None = None  # 公章 | 合同专用章 | 财务专用章 | 发票专用章 | 监制 | personal
    confidence: float = 0.0
    arc_text: str = ""  # along the rim: the owner's name (for a square name seal, its characters)
    # positions in arc_text of characters hidden under black print: not read, but confirmed against
    # a name printed on the page whose every other character the rim shows
    arc_hidden: list[int] = Field(default_factory=list)
    center_text: str = ""  # the horizontal lines inside: taxpayer id, 发票专用章 ...
    tax_id: str | None = None  # the taxpayer id across an invoice seal (as read, or as confirmed)
    name: str = ""  # whose seal: the company or authority on the rim (a name seal: the person's name)
    use: str = ""  # what the seal is for: 发票专用章 | 合同专用章 | 财务专用章 | 公章 ... as stamped
    # positions in arc_text of characters the recogniser misread (look-alikes it was unsure of)
    # that a name printed in the dossier corrected, the rim's frames supporting the printed ones
    arc_corrected: list[int] = Field(default_factory=list)
    # name and (where the seal has one) tax id both agree with text printed in the dossier
    confirmed: bool = False
    # where each confirmed value is printed, e.g. "name: p10 seller_name", "tax_id: p10 seller_tax_id"
    confirmed_by: list[str] = Field(default_factory=list)
    partial: bool = False  # cut by the page edge
    riding_seam: bool = False  # a 骑缝章 slice at the side edge of the page
    fingerprint: str = ""  # 64-bit perceptual hash (hex) of the normalised ink mask
    mask: str = ""  # the normalised ink mask, 64 x 64 bits packed, base64: for reuse checks
    crop_png: str = ""  # the impression as seen, PNG of at most 128 px a side, base64


class PageInfo(BaseModel):
    page: int
    file: str
    file_page: int
    width: float
    height: float
    document_type: DocumentType = DocumentType.other
    text_source: TextSource = TextSource.none
    rotation: int = 0  # degrees the page image was turned to read upright
    skew: float = 0.0
    image_sha256: str | None = None
    ocr_cached: bool | None = None
    notes: list[str] = Field(default_factory=list)


class CheckResult(BaseModel):
    item_id: str
    title: str
    group: str = ""
    status: Status
    pages: list[int] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    reason: str


class RiskFlag(BaseModel):
    id: str = ""
    code: str
    severity: Severity
    pages: list[int] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    message: str
    values: dict[str, Any] = Field(default_factory=dict)

    def with_id(self) -> RiskFlag:
        return self.model_copy(update={"id": stable_id("r", self.code, self.pages, sorted(self.values.items()))})


SpendingStatus = Literal["counted", "excluded", "needs_review"]


class SpendingInvoice(BaseModel):
    """One invoice of the dossier and whether its amount counts towards the cloud spending."""

    document_id: str
    pages: list[int]
    invoice_key: str | None
    issue_date: str | None
    grand_total: str | None
    seller_name: str | None
    counted: bool
    # counted; excluded (duplicate, before the cut-off, another buyer); needs_review (the amount is
    # not unambiguous: 大写 ≠ 小写, arithmetic that does not hold, a total or date not read)
    status: SpendingStatus = "counted"
    reason: str  # in Chinese, for the reviewer

    @model_validator(mode="before")
    @classmethod
    def _status_from_counted(cls, data: Any) -> Any:
        # reports written before ``status`` existed say only whether the invoice counted
        if isinstance(data, dict) and "status" not in data and data.get("counted") is False:
            data = {**data, "status": "excluded"}
        return data


class Spending(BaseModel):
    """Cloud spending since the programme's cut-off: counted invoices only, each once."""

    since: str
    total: str
    invoice_count: int
    by_seller: dict[str, str] = Field(default_factory=dict)
    invoices: list[SpendingInvoice] = Field(default_factory=list)
    needs_review_count: int = 0  # invoices left out because their amount must be confirmed by hand
    needs_review_total: str = "0.00"  # the grand totals as printed in figures on those invoices


class AnnexRow(BaseModel):
    """One domain of the annex table 企业上云业务及应用表."""

    category: str
    subcategory: str
    domain: str
    on_cloud: bool  # proven by the dossier (for 上云成效 rows: claimed by the applicant, see basis)
    pages: list[int] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    source: str = ""  # what proved it, in words
    # proven: a product or wording in the evidence; claimed: an outcome row (上云成效) the applicant
    # marked, which no document can prove, taken from its annex for a person to judge; none
    basis: Literal["proven", "claimed", "none"] = "none"
    claimed: bool | None = None  # the applicant marked the row in its annex (None: annex not read)
    claimed_pages: list[int] = Field(default_factory=list)  # the pages its annex cites as proof


class ReportError(BaseModel):
    file: str | None
    page: int | None = None
    code: ErrorCode
    message: str


class Applicant(BaseModel):
    name: str | None = None
    credit_code: str | None = None
    source: str = ""  # where the identity came from: command line, application form, licence


class Summary(BaseModel):
    pages: int
    documents: int
    met: int
    missing: int
    needs_review: int
    failed: int
    not_applicable: int
    risk_flags: int
    errors: int
    partial: bool


class RiskReason(BaseModel):
    code: str  # the flag code
    count: int
    points: float  # what these flags add to the score
    pages: list[int] = Field(default_factory=list)


class RiskScore(BaseModel):
    """How urgently a reviewer should look: 0-100 from the flags, with what made it up."""

    score: int
    level: str  # high | medium | low
    reasons: list[RiskReason] = Field(default_factory=list)


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    programme: str
    programme_version: str
    programme_title: str
    star: int | None = None
    checked_on: date
    applicant: Applicant
    inputs: list[str]
    summary: Summary
    pages: list[PageInfo]
    documents: list[Document]
    findings: list[Finding]
    seals: list[Seal]
    checklist: list[CheckResult]
    # programme-only sections (the rule pack declares them): absent for programmes without them
    annex: list[AnnexRow] = Field(default_factory=list)
    risk_flags: list[RiskFlag]
    spending: Spending | None = None
    errors: list[ReportError]
    # figures the applicant declared on the command line or API (not read from the dossier)
    declared: dict[str, str] = Field(default_factory=dict)
    risk: RiskScore | None = None
