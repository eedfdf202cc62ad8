"""The pipeline runner: paths -> pages -> text -> classify -> extract -> evaluate -> report.

One library function, ``check_dossier``, that the CLI, the HTTP service and workers all call.
Each stage is a plain function over typed data; a failure on one page or in one extractor is
recorded in ``report.errors`` and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from extractors import registry
from extractors.base import Extraction
from extractors.classify import TYPE_NAMES, PageClass, classify, group_documents
from models.domain import (
    Document,
    Finding,
    PageInfo,
    PageText,
    Report,
    ReportError,
    RiskFlag,
    Seal,
    Summary,
    stable_id,
)
from models.enums import DocumentType, ErrorCode, FlagCode, Severity, Status, TextSource
from models.rulepack import RulePack
from service import analysis, checklist, consistency, rulepacks
from service.ingest import RawPage, collect_files, iter_pages, render_pdf_page
from service.ocr.engine import OcrEngine, get_engine
from service.ocr.reader import OcrCache, image_hash, read_page, upright_image
from service.seals import (
    Rim,
    confirm_names,
    find_seals,
    reuse_flags,
    riding_seam_flags,
    riding_seams,
    seal_flags,
)
from service.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class CheckOptions:
    programme: str = "jinan-star-cloud-2020"
    star: int | None = None
    applicant: str | None = None
    today: date | None = None
    previews: bool = True  # keep JPEG page images for the HTML report
    # figures the applicant declares where the dossier lacks them (staff, revenue ...); the report
    # says which figures came from here and which from the dossier
    declared: dict[str, str] = field(default_factory=dict)


@dataclass
class CheckOutcome:
    report: Report
    page_images: dict[int, bytes] = field(default_factory=dict)


@dataclass
class _Page:
    info: PageInfo
    text: PageText
    image: np.ndarray | None  # upright image in page coordinates x ``scale``
    scale: float


def _preview(image: np.ndarray, max_side: int = 1400) -> bytes:
    h, w = image.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor < 1.0:
        image = cv2.resize(image, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 72])
    return buf.tobytes() if ok else b""


def _read_text(raw: RawPage, number: int, engine: Callable[[], OcrEngine], cache: OcrCache, settings: Settings,
               errors: list[ReportError], flags: list[RiskFlag]) -> _Page:
    """The page's text from its text layer, its OFD XML, or OCR, with the image it refers to."""
    info = PageInfo(page=number, file=raw.file, file_page=raw.file_page, width=raw.width, height=raw.height)
    if raw.kind == "ofd":
        info.text_source = TextSource.ofd_xml
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height, lines=raw.ofd_lines,
                                    text_source=TextSource.ofd_xml), None, 1.0)
    layer = raw.text_layer
    if raw.kind == "pdf" and layer is not None and layer.usable:
        info.text_source = TextSource.text_layer
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height, lines=layer.lines,
                                    text_source=TextSource.text_layer), raw.image, raw.image_scale)
    if raw.kind == "pdf" and layer is not None and layer.problem:
        info.notes.append(f"text layer not used: {layer.problem}; page read by OCR")
        flags.append(RiskFlag(
            code=FlagCode.text_layer_unreadable, severity=Severity.low, pages=[number],
            message=f"第 {number} 页（{raw.file}）的文字层无法解码（{layer.problem}），已改用 OCR 识别",
            values={"file": raw.file, "file_page": raw.file_page},
        ))
    image = raw.image
    if raw.kind == "pdf":
        try:
            image, _ = render_pdf_page(raw, settings.ocr_dpi, settings)
        except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
            errors.append(ReportError(file=raw.file, page=raw.file_page, code=ErrorCode.corrupt_page,
                                      message=f"page {raw.file_page} could not be rendered: {exc}"))
            return _Page(info, PageText(page=number, width=raw.width, height=raw.height), None, 1.0)
    assert image is not None
    info.image_sha256 = image_hash(image)
    try:
        reading = read_page(image, engine(), cache)
    except Exception as exc:  # noqa: BLE001 - one page's OCR failure must not end the dossier
        log.exception("OCR failed on page %s", number)
        errors.append(ReportError(file=raw.file, page=raw.file_page, code=ErrorCode.ocr_failed,
                                  message=f"OCR failed on this page: {exc}"))
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height), raw.image, raw.image_scale)
    upright = upright_image(image, reading.rotation, reading.skew)
    info.width, info.height = float(reading.width), float(reading.height)
    info.text_source = TextSource.ocr
    info.rotation, info.skew, info.ocr_cached = reading.rotation, round(reading.skew, 2), reading.cached
    info.notes.extend(reading.notes)
    text = PageText(page=number, width=info.width, height=info.height, lines=reading.lines, text_source=TextSource.ocr)
    return _Page(info, text, upright, 1.0)


def _image_findings(page: _Page, errors: list[ReportError]) -> list[Finding]:
    out: list[Finding] = []
    for name, image_fn in registry.IMAGE_EXTRACTORS:
        try:
            out.extend(image_fn(page.image, page.text, page.scale))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - an extractor bug is reported, the run goes on
            log.exception("image extractor %s failed on page %s", name, page.info.page)
            errors.append(ReportError(file=page.info.file, page=page.info.file_page, code=ErrorCode.extractor_failed,
                                      message=f"extractor {name} failed on page {page.info.page}: {exc!r}"))
    return out


def _run_extractor(fn: Callable[..., object], arg: object, where: str, errors: list[ReportError], file: str | None,
                   page: int | None) -> object | None:
    try:
        return fn(arg)
    except Exception as exc:  # noqa: BLE001 - an extractor bug is reported, the run goes on
        log.exception("extractor %s failed on %s", getattr(fn, "__name__", fn), where)
        errors.append(ReportError(file=file, page=page, code=ErrorCode.extractor_failed,
                                  message=f"extractor {getattr(fn, '__module__', '?')} failed on {where}: {exc!r}"))
        return None


def _flags_from(extraction: Extraction, doc: Document) -> list[RiskFlag]:
    flags = []
    for problem in extraction.problems:
        fields = [doc.fields[f] for f in problem.fields if f in doc.fields]
        flags.append(RiskFlag(
            code=problem.code, severity=Severity(problem.severity),
            pages=sorted({f.page for f in fields}) or doc.pages,
            evidence=[f.finding_id for f in fields if f.finding_id],
            message=problem.message, values=problem.values,
        ))
    return flags


def check_dossier(paths: list[Path], options: CheckOptions, settings: Settings, *,
                  engine: OcrEngine | None = None, progress: Progress | None = None) -> CheckOutcome:
    """Check one dossier (files, folders or zips, in bound order) against a programme."""
    pack: RulePack = rulepacks.load(options.programme)
    checklist.validate_pack(pack)
    today = options.today or date.today()
    star = options.star or pack.default_star
    cache = OcrCache(settings.ocr_cache_dir)
    engine_holder: list[OcrEngine] = [engine] if engine else []

    def get() -> OcrEngine:
        if not engine_holder:
            engine_holder.append(get_engine(settings.ocr_engine))
        return engine_holder[0]

    files, errors = collect_files(paths, settings)
    flags: list[RiskFlag] = []
    pages: list[_Page] = []
    seals: list[Seal] = []
    rims: list[Rim] = []  # what confirming seal names needs, kept until every page is read
    findings: list[Finding] = []
    images: dict[int, bytes] = {}
    number = 0
    for source in files:
        for raw in iter_pages(source, settings):
            if number >= settings.max_pages:
                errors.append(ReportError(file=source.name, page=None, code=ErrorCode.too_many_pages,
                                          message=f"the dossier has more than {settings.max_pages} pages; the rest was not "
                                                  "checked. Split it, or raise EVIDENCE_MAX_PAGES"))
                break
            if isinstance(raw, ReportError):
                errors.append(raw)
                if raw.code == ErrorCode.corrupt_page and raw.page is not None:
                    # the page exists in the bound dossier: keep its number so later pages match
                    number += 1
                    pages.append(_Page(
                        PageInfo(page=number, file=raw.file or source.name, file_page=raw.page, width=0, height=0,
                                 notes=[raw.message]),
                        PageText(page=number, width=0, height=0), None, 1.0))
                continue
            number += 1
            if progress:
                progress("reading", number, 0)
            page = _read_text(raw, number, get, cache, settings, errors, flags)
            raw.image = None
            # what only the pixels show (seals, QR codes) and the report's page image are taken
            # now, so a 300-page dossier never holds more than one page's pixels at a time
            if page.image is not None:
                seals.extend(find_seals(page.image, page.text, page.scale, get, cache, rims))
                findings.extend(_image_findings(page, errors))
                if options.previews:
                    images[number] = _preview(page.image)
                page.image = None
            pages.append(page)
        if number >= settings.max_pages:
            break
    if not pages and not errors:
        errors.append(ReportError(file=None, code=ErrorCode.empty_dossier, message="no pages found in the input"))

    # classify and group
    classes: dict[int, PageClass] = {}
    for p in pages:
        if p.text.lines:
            page_class = classify(p.text)
            classes[p.info.page] = page_class
            p.info.document_type = page_class.document_type
            p.info.notes.append(page_class.note())
    groups = group_documents([(p.text, p.info.document_type, p.info.file) for p in pages], classes)
    by_number = {p.info.page: p for p in pages}

    # page findings
    for p in pages:
        for name, fn in registry.PAGE_EXTRACTORS:
            out = _run_extractor(fn, p.text, f"page {p.info.page} ({name})", errors, p.info.file, p.info.file_page)
            findings.extend(out or [])  # type: ignore[arg-type]

    # documents
    documents: list[Document] = []
    for group in groups:
        first = by_number[group[0]]
        doc_type = first.info.document_type
        doc = Document(id=stable_id("d", first.info.file, group), document_type=doc_type, pages=group)
        for n in group:
            page_info = by_number[n].info
            if page_info.document_type != doc_type:
                page_info.notes.append(f"归入第 {group[0]} 页起的{TYPE_NAMES[doc_type]}（{doc_type.value}）")
            page_info.document_type = doc_type
        fn = registry.DOCUMENT_EXTRACTORS.get(doc_type)
        if fn is not None:
            out = _run_extractor(fn, [by_number[n].text for n in group], f"pages {group} ({doc_type})", errors,
                                 first.info.file, first.info.file_page)
            if isinstance(out, Extraction):
                doc.fields, doc.list_fields, doc.line_items, doc.facts = out.fields, out.list_fields, out.line_items, out.facts
                findings.extend(out.findings)
                flags.extend(_flags_from(out, doc))
        doc.title = doc.value("title")
        if doc_type == DocumentType.other and group[0] in classes:
            # what the product can tell about a page that is none of its types: the document it
            # is (海关进口货物报关单), the type it resembles and why it is not that type
            page_class = classes[group[0]]
            doc.title = doc.title or page_class.name
            doc.facts.update({k: v for k, v in (("near_miss", page_class.name),
                                                ("resembles", page_class.resembles.value if page_class.resembles else None),
                                                ("why_other", page_class.reason)) if v})
        documents.append(doc)

    # across the dossier
    applicant = analysis.identify_applicant(documents, options.applicant)
    seals = confirm_names(seals, rims, documents, [p.text for p in pages], applicant, get, cache)
    rims.clear()
    spending, invoice_flags = analysis.invoice_flags_and_spending(documents, applicant, pack.cutoff_date, today)
    flags += invoice_flags + analysis.region_flags(documents, pack) + analysis.applicant_flags(documents, applicant)
    seams = riding_seams(documents, seals)
    for doc in documents:
        if doc.id in seams:
            doc.facts["riding_seam_pages"], doc.facts["riding_seam_text"] = seams[doc.id]["pages"], seams[doc.id]["text"]
    flags += seal_flags(documents, seals, applicant) + reuse_flags(seals)
    flags += riding_seam_flags(documents, seals, {p.info.page: p.text.height for p in pages})
    flags += consistency.dossier_flags(documents, applicant, findings)
    annex = analysis.annex_evidence(pack, documents, [p.text for p in pages], applicant)
    dossier = analysis.Dossier(pack=pack, star=star, today=today, declared=dict(options.declared),
                               pages=[p.text for p in pages], documents=documents,
                               seals=seals, applicant=applicant, spending=spending, annex=annex)
    results = checklist.evaluate(dossier)

    flags = _unique([f.with_id() for f in flags])
    summary = Summary(
        pages=len(pages), documents=len(documents),
        met=sum(r.status == Status.met for r in results), missing=sum(r.status == Status.missing for r in results),
        needs_review=sum(r.status == Status.needs_review for r in results),
        failed=sum(r.status == Status.failed for r in results),
        not_applicable=sum(r.status == Status.not_applicable for r in results),
        risk_flags=len(flags), errors=len(errors), partial=bool(errors),
    )
    report = Report(
        programme=pack.id, programme_version=pack.version, programme_title=pack.title, star=star, checked_on=today,
        applicant=applicant, inputs=[str(p) for p in paths], summary=summary, pages=[p.info for p in pages],
        documents=documents, findings=_unique(findings), seals=seals, checklist=results, annex=annex,
        risk_flags=flags, spending=spending, errors=errors, declared=dict(options.declared),
    )
    return CheckOutcome(report=report, page_images=images)


_Identified = TypeVar("_Identified", RiskFlag, Finding)


def _unique(items: list[_Identified]) -> list[_Identified]:
    """First occurrence of each id: the same fact read twice is reported once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


def extract_document(path: Path, settings: Settings, *, engine: OcrEngine | None = None) -> CheckOutcome:
    """One document, no checklist: pages, type, fields and flags (``evidence-check extract``)."""
    return check_dossier([path], CheckOptions(previews=False), settings, engine=engine)

