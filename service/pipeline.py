"""The pipeline runner: paths -> pages -> text -> classify -> extract -> evaluate -> report.

One library function, ``check_dossier``, that the CLI, the HTTP service and workers all call.
Each stage is a plain function over typed data; a failure on one page or in one extractor is
recorded in ``report.errors`` and the run goes on.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np

from evaluation import analysis, checklist, consistency
from evaluation.risk import risk_score
from evaluation.seals import (
    licence_authority_from_seals,
    reuse_flags,
    riding_seam_flags,
    riding_seams,
    seal_flags,
)
from extractors import registry
from extractors.base import Extraction
from extractors.classify import TYPE_NAMES, PageClass, classify, group_documents
from extractors.seals import Impression, find_impressions
from models.domain import (
    Applicant,
    Document,
    Finding,
    PageInfo,
    PageText,
    Report,
    ReportError,
    RiskFlag,
    Seal,
    Spending,
    Summary,
    stable_id,
)
from models.enums import DocumentType, ErrorCode, FlagCode, Severity, Status, TextSource
from models.evidence import DossierEvidence, StageTiming
from models.rulepack import RulePack
from service import rulepacks
from service.decoding import open_reader
from service.forensics import FileForensics, forensic_flags, region_findings
from service.ingest import IMAGE_SUFFIXES, RawPage, SourceFile, collect_files, render_pdf_page
from service.ocr.engine import OcrEngine, get_engine
from service.ocr.reader import OcrCache, image_hash, read_page, upright_image
from service.pagepixels import preview
from service.pdfdraw import DrawnImage
from service.seals import Rim, confirm_names, read_seals
from service.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class CheckOptions:
    programme: str | None = None  # a rule pack id; None: the configured default (EVIDENCE_DEFAULT_PROGRAMME)
    star: int | None = None
    applicant: str | None = None
    today: date | None = None
    previews: bool = True  # keep JPEG page images for the HTML report
    # figures the applicant declares where the dossier lacks them (staff, revenue ...); the report
    # says which figures came from here and which from the dossier
    declared: dict[str, str] = field(default_factory=dict)

    def stored(self) -> dict[str, object]:
        """What a re-check of the stored dossier evaluates with again (the date is the re-check's own)."""
        return {"programme": self.programme, "star": self.star, "applicant": self.applicant,
                "declared": dict(self.declared)}

    @classmethod
    def from_stored(cls, data: dict[str, object]) -> CheckOptions:
        options = cls(previews=False)
        for key in ("programme", "star", "applicant", "declared"):
            if data.get(key) is not None:
                setattr(options, key, data[key])
        return options


@dataclass
class CheckOutcome:
    report: Report
    page_images: dict[int, bytes] = field(default_factory=dict)
    evidence: DossierEvidence | None = None
    files: list[SourceFile] = field(default_factory=list)
    stages: list[StageTiming] = field(default_factory=list)


@dataclass
class _Page:
    info: PageInfo
    text: PageText
    image: np.ndarray | None  # upright image in page coordinates x ``scale``
    scale: float
    # the seal impressions on ``image``, when reading its text had to find them (an OCR'd page
    # not in the cache): found once, they serve the page's seals too
    impressions: list[Impression] | None = None
    preview: bytes | None = None  # the report's picture of the page, when taken where it was drawn
    drawn: list[DrawnImage] = field(default_factory=list)  # the images drawn where the impressions are
    # what the page says on its own (``_read_page_facts``), taken as soon as it is read
    findings: list[Finding] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)
    page_class: PageClass | None = None


def _read_text(raw: RawPage, number: int, engine: Callable[[], OcrEngine], cache: OcrCache, settings: Settings,
               errors: list[ReportError], flags: list[RiskFlag]) -> _Page:
    """The page's text from its text layer, its OFD XML, or OCR, with the image it refers to."""
    info = PageInfo(page=number, file=raw.file, file_page=raw.file_page, width=raw.width, height=raw.height,
                    notes=list(raw.notes))
    if raw.kind == "ofd":
        info.text_source = TextSource.ofd_xml
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height, lines=raw.ofd_lines,
                                    text_source=TextSource.ofd_xml), None, 1.0)
    layer = raw.text_layer
    if raw.kind == "pdf" and layer is not None and layer.usable:
        info.text_source = TextSource.text_layer
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height, lines=layer.lines,
                                    text_source=TextSource.text_layer), raw.image, raw.image_scale,
                     raw.impressions, raw.preview, raw.drawn)
    if raw.kind == "pdf" and layer is not None and layer.problem:
        info.notes.append(f"未使用文本层（{layer.problem}），本页改用 OCR 识别")
        flags.append(RiskFlag(
            code=FlagCode.text_layer_unreadable, severity=Severity.low, pages=[number],
            message=f"第 {number} 页（{raw.file}）的文字层无法解码（{layer.problem}），已改用 OCR 识别",
            values={"file": raw.file, "file_page": raw.file_page},
        ))
    image = raw.image
    if raw.kind == "pdf" and image is None:  # not rendered yet (a decoder child renders OCR pages itself)
        try:
            image, _ = render_pdf_page(raw, settings.ocr_dpi, settings)
        except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
            errors.append(ReportError(file=raw.file, page=raw.file_page, code=ErrorCode.corrupt_page,
                                      message=f"第 {raw.file_page} 页无法渲染为图像：{exc}"))
            return _Page(info, PageText(page=number, width=raw.width, height=raw.height), None, 1.0)
    assert image is not None
    info.image_sha256 = image_hash(image)
    found: list[list[Impression]] = []

    def seal_boxes(upright: np.ndarray) -> list[tuple[int, int, int, int]]:
        found.append(find_impressions(upright))
        return [imp.bbox for imp in found[-1]]

    try:
        reading = read_page(image, engine(), cache, seal_boxes=seal_boxes)
    except Exception as exc:  # noqa: BLE001 - one page's OCR failure must not end the dossier
        log.exception("OCR failed on page %s", number)
        errors.append(ReportError(file=raw.file, page=raw.file_page, code=ErrorCode.ocr_failed,
                                  message=f"本页 OCR 识别失败：{exc}"))
        return _Page(info, PageText(page=number, width=raw.width, height=raw.height), raw.image, raw.image_scale)
    upright = upright_image(image, reading.rotation, reading.skew)
    info.width, info.height = float(reading.width), float(reading.height)
    info.text_source = TextSource.ocr
    info.rotation, info.skew, info.ocr_cached = reading.rotation, round(reading.skew, 2), reading.cached
    info.notes.extend(reading.notes)
    text = PageText(page=number, width=info.width, height=info.height, lines=reading.lines, text_source=TextSource.ocr)
    # the reader found the impressions on this same upright image (it is made the same way)
    return _Page(info, text, upright, 1.0, found[-1] if found else None)


def _image_findings(page: _Page, errors: list[ReportError]) -> list[Finding]:
    out: list[Finding] = []
    for name, image_fn in registry.IMAGE_EXTRACTORS:
        try:
            out.extend(image_fn(page.image, page.text, page.scale))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - an extractor bug is reported, the run goes on
            log.exception("image extractor %s failed on page %s", name, page.info.page)
            errors.append(ReportError(file=page.info.file, page=page.info.file_page, code=ErrorCode.extractor_failed,
                                      message=f"识别程序 `{name}` 在第 {page.info.page} 页出错：{exc!r}"))
    return out


def _run_extractor(fn: Callable[..., object], arg: object, where: str, errors: list[ReportError], file: str | None,
                   page: int | None) -> object | None:
    try:
        return fn(arg)
    except Exception as exc:  # noqa: BLE001 - an extractor bug is reported, the run goes on
        log.exception("extractor %s failed on %s", getattr(fn, "__name__", fn), where)
        errors.append(ReportError(file=file, page=page, code=ErrorCode.extractor_failed,
                                  message=f"识别程序 `{getattr(fn, '__module__', '?')}` 在 {where} 出错：{exc!r}"))
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


@dataclass
class Reading:
    """What reading a dossier's files yields: the evidence, the report's page images, the files."""

    evidence: DossierEvidence
    page_images: dict[int, bytes] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)
    stages: list[StageTiming] = field(default_factory=list)


STAGE_ORDER = ("ingest", "text", "page_evidence", "forensics", "classify", "extract", "seals", "analyse", "checklist")


class _Stages:
    """Times each stage (summed over its pages) and records whether it ran clean."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.records: dict[str, StageTiming] = {}
        self.progress = progress

    @contextmanager
    def run(self, stage: str) -> Iterator[None]:
        record = self.records.setdefault(stage, StageTiming(stage, "ok", 0.0))
        started = time.perf_counter()
        try:
            yield
        finally:
            record.seconds += time.perf_counter() - started

    def mark(self, stage: str, status: str, detail: str) -> None:
        record = self.records.setdefault(stage, StageTiming(stage, status, 0.0))
        if status == "failed" or record.status == "ok":
            record.status = status
        record.detail = "; ".join(filter(None, [record.detail, detail]))[:2000]

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def timings(self) -> list[StageTiming]:
        """In the order the stages hand on their work (a page's own extraction runs as it is read)."""
        order = {stage: k for k, stage in enumerate(STAGE_ORDER)}
        return sorted(self.records.values(), key=lambda r: order.get(r.stage, len(order)))


def _load_trim() -> Callable[[], object] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _load_trim()


def _give_back_memory() -> None:
    """Return the heap a page's pixels freed to the system (glibc keeps freed memory in its arenas,
    one per thread the OCR runtime uses, so a long dossier's resident size crept up page by page)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _settle_heap() -> None:
    """Before a dossier is read: collect what the last one left, and move everything alive now
    (modules, models, rule packs, the engine, caches) out of the cyclic collector's sight
    (``gc.freeze``). Its full collections walked those ~230,000 long-lived objects each time, for
    0.12-0.2 s at whatever moment they fell, one or two in a 120-page check. Frozen objects are
    still freed when their last reference goes."""
    gc.collect()
    gc.freeze()


def _warm(get: Callable[[], OcrEngine]) -> None:
    try:
        warm = getattr(get(), "warm", None)
        if warm is not None:
            warm()
    except Exception:  # noqa: BLE001 - the page that needs the engine reports why it cannot load
        log.debug("loading the OCR engine ahead failed", exc_info=True)


def read_dossier(paths: list[Path], options: CheckOptions, settings: Settings, *,
                 engine: OcrEngine | None = None, progress: Progress | None = None) -> Reading:
    """Read a dossier's files into evidence: ingest, text, page images, classification, extraction.

    This is the expensive half of a check; its result does not depend on the programme, so the
    store keeps it and ``evaluate`` can be run on it again.
    """
    options.programme = options.programme or settings.default_programme
    sets = rulepacks.load(options.programme).extractors
    _settle_heap()
    stages = _Stages(progress)
    cache = OcrCache(settings.ocr_cache_dir)
    engine_holder: list[OcrEngine] = [engine] if engine else []

    def get() -> OcrEngine:
        if not engine_holder:
            engine_holder.append(get_engine(settings.ocr_engine))
        return engine_holder[0]

    with stages.run("ingest"):
        files, errors = collect_files(paths, settings)
    stages.report("ingest", len(files), len(files))
    if not engine_holder and any(source.suffix in IMAGE_SUFFIXES for source in files):
        # scans will be read: load the models while the decoder child starts and counts pages
        threading.Thread(target=_warm, args=(get,), name="ocr-warm", daemon=True).start()
    flags: list[RiskFlag] = []
    pages: list[_Page] = []
    seals: list[Seal] = []
    rims: list[Rim] = []  # what confirming seal names needs, kept until every page is read
    findings: list[Finding] = []
    images: dict[int, bytes] = {}
    number = 0
    forensics: list[FileForensics] = []
    with open_reader(settings) as reader:
        # every file's page count first (from its page table, nothing rendered), so progress has a total
        with stages.run("ingest"):
            total = sum(reader.page_count(source) for source in files)
        stages.report("reading", 0, total)
        for source in files:
            # each file is checked against the page limits on its own, from its page count, so one
            # oversized file is refused whole and the files after it are still read
            first_page = number + 1
            for raw in reader.pages(source, pages_before=number, previews=options.previews):
                if isinstance(raw, ReportError):
                    errors.append(raw)
                    if raw.page is not None:
                        # the page exists in the bound dossier: keep its number so later pages match
                        number += 1
                        pages.append(_Page(
                            PageInfo(page=number, file=raw.file or source.name, file_page=raw.page, width=0,
                                     height=0, notes=[raw.message]),
                            PageText(page=number, width=0, height=0), None, 1.0))
                    continue
                number += 1
                with stages.run("text"):
                    page = _read_text(raw, number, get, cache, settings, errors, flags)
                raw.image = None
                # what only the pixels show (seals, QR codes) and the report's page image are taken
                # now, so a 300-page dossier never holds more than one page's pixels at a time
                # (a text-layer page comes with its preview and impressions, and without pixels
                # where it has no seal and nothing else will look at them: ``service.pagepixels``)
                with stages.run("page_evidence"):
                    if page.image is not None:
                        impressions = page.impressions if page.impressions is not None else find_impressions(page.image)
                        on_page = read_seals(page.image, impressions, page.text, page.scale, get, cache,
                                             drawn=page.drawn)
                        seals.extend(on_page.seals)
                        rims.extend(on_page.rims)
                        findings.extend(_image_findings(page, errors))
                        if page.info.text_source == TextSource.ocr:  # a scan or photo, not a rendered page
                            findings.extend(region_findings(page.image, number, page.scale))
                    if options.previews and page.preview is None and page.image is not None:
                        page.preview = preview(page.image)
                    if options.previews and page.preview is not None:
                        images[number] = page.preview
                held_pixels = page.image is not None
                page.image = page.preview = None
                # the page's own findings and type now, while the decoder child draws the next pages
                with stages.run("extract"):
                    _read_page_facts(page)
                pages.append(page)
                if held_pixels:
                    _give_back_memory()
                stages.report("reading", number, max(total, number))
            if number >= first_page:
                with stages.run("forensics"):
                    checked = reader.forensics(source)
                    checked.pages = list(range(first_page, number + 1))
                    forensics.append(checked)
    if not pages and not errors:
        errors.append(ReportError(file=None, code=ErrorCode.empty_dossier, message="输入中没有找到任何页面"))

    with stages.run("classify"):
        groups, classes = _classify(pages)
    stages.report("classify", len(pages), len(pages))
    with stages.run("extract"):
        documents = _extract(pages, groups, classes, findings, flags, errors, sets,
                             lambda done: stages.report("extract", done, len(groups)))
    with stages.run("forensics"):
        flags += forensic_flags(forensics, {p.info.page: p.info.document_type for p in pages}, findings)
    stages.report("forensics", len(files), len(files))
    with stages.run("seals"):
        applicant = analysis.identify_applicant(documents, options.applicant)
        seals = confirm_names(seals, rims, documents, [p.text for p in pages], applicant, get, cache)
        rims.clear()
        findings.extend(licence_authority_from_seals(documents, seals))
    stages.report("seals", len(seals), len(seals))
    for error in errors:
        stage = "extract" if error.code == ErrorCode.extractor_failed else "text"
        stages.mark(stage, "partial", f"{error.file or ''} {error.code}")
    evidence = DossierEvidence(
        inputs=[source.name for source in files] or [p.name for p in paths],
        pages=[p.info for p in pages], texts=[p.text for p in pages], documents=documents,
        findings=_unique(findings), seals=seals, flags=_unique([f.with_id() for f in flags]), errors=errors,
        extractor_sets=list(sets),
    )
    return Reading(evidence=evidence, page_images=images, files=files, stages=stages.timings())


def _read_page_facts(page: _Page) -> None:
    """What a page says on its own, from its text alone: the page extractors' findings (dates,
    amounts, codes, cloud wording) and its type. Taken as each page is read, they cost no time of
    their own where the decoder child is still drawing the next pages."""
    for name, fn in registry.PAGE_EXTRACTORS:
        out = _run_extractor(fn, page.text, f"第 {page.info.page} 页（`{name}`）", page.errors, page.info.file,
                             page.info.file_page)
        page.findings.extend(out or [])  # type: ignore[arg-type]
    if page.text.lines:
        page.page_class = classify(page.text)


def _classify(pages: list[_Page]) -> tuple[list[list[int]], dict[int, PageClass]]:
    """Type every page (each type earned by its defining content) and group the pages into documents."""
    classes: dict[int, PageClass] = {}
    for p in pages:
        page_class = p.page_class  # typed as the page was read (``_read_page_facts``); None: no text
        if page_class is not None:
            classes[p.info.page] = page_class
            p.info.document_type = page_class.document_type
            p.info.notes.append(page_class.note())
    return group_documents([(p.text, p.info.document_type, p.info.file) for p in pages], classes), classes


def _extract(pages: list[_Page], groups: list[list[int]], classes: dict[int, PageClass], findings: list[Finding],
             flags: list[RiskFlag], errors: list[ReportError], sets: list[str],
             done: Callable[[int], None] = lambda n: None) -> list[Document]:
    """Page findings on every page; each document's fields from its pages (with the programme's
    own extractor ``sets`` on top of the generic ones); ``done`` is told how many documents are."""
    by_number = {p.info.page: p for p in pages}
    for p in pages:  # the page extractors ran as each page was read (``_read_page_facts``)
        errors.extend(p.errors)
        findings.extend(p.findings)
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
        fn = registry.document_extractor(doc_type, sets)
        if fn is not None:
            out = _run_extractor(fn, [by_number[n].text for n in group], f"第 {'、'.join(map(str, group))} 页（`{doc_type}`）", errors,
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
        done(len(documents))
    return documents


def evaluate(evidence: DossierEvidence, options: CheckOptions, *,
             stages: list[StageTiming] | None = None) -> Report:
    """Evaluate read evidence against a programme: dossier analysis, the checklist, the report.

    Pure: no page is read and nothing is written. A failure in a dossier-level analysis is recorded
    in the report's errors, and the checklist items that needed its result end ``needs_review``.
    """
    log_ = _Stages()
    if options.programme is None:
        raise rulepacks.RulePackError("no programme given: name a rule pack (`evidence-check programmes` lists them)")
    pack: RulePack = rulepacks.load(options.programme)
    checklist.validate_pack(pack)
    today = options.today or date.today()
    try:
        star = pack.star_for(options.star)
    except ValueError as exc:
        raise rulepacks.RulePackError(str(exc)) from exc
    documents = [d.model_copy(deep=True) for d in evidence.documents]  # the evidence stays as read
    seals, texts, errors = evidence.seals, evidence.texts, list(evidence.errors)
    flags = list(evidence.flags)
    heights = {p.page: p.height for p in texts}

    def guarded(name: str, fn: Callable[[], _T], fallback: _T) -> _T:
        with log_.run("analyse"):
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - one dossier-level check must not end the run
                log.exception("dossier analysis %s failed", name)
                errors.append(ReportError(file=None, code=ErrorCode.analysis_failed,
                                          message=f"材料综合检查 `{name}` 出错：{exc!r}；依赖它的检查项需人工复核"))
                log_.mark("analyse", "partial", name)
                return fallback

    applicant = guarded("applicant", lambda: analysis.identify_applicant(documents, options.applicant), Applicant())
    spending, invoice_flags = guarded(
        "spending", lambda: analysis.invoice_flags_and_spending(documents, applicant, pack.cutoff_date, today),
        (Spending(since="", total="0.00", invoice_count=0), []))
    flags += invoice_flags
    flags += guarded("region", lambda: analysis.region_flags(documents, pack), [])
    flags += guarded("applicant_flags", lambda: analysis.applicant_flags(documents, applicant), [])
    seams = guarded("riding_seams", lambda: riding_seams(documents, seals), {})
    for doc in documents:
        if doc.id in seams:
            doc.facts["riding_seam_pages"], doc.facts["riding_seam_text"] = seams[doc.id]["pages"], seams[doc.id]["text"]
    flags += guarded("seal_flags", lambda: seal_flags(documents, seals, applicant) + reuse_flags(seals), [])
    flags += guarded("riding_seam_flags", lambda: riding_seam_flags(documents, seals, heights), [])
    flags += guarded("consistency", lambda: consistency.dossier_flags(documents, applicant, evidence.findings), [])
    annex = guarded("annex", lambda: analysis.annex_evidence(pack, documents, texts, applicant), [])
    dossier = analysis.Dossier(pack=pack, star=star, today=today, declared=dict(options.declared),
                               pages=texts, documents=documents,
                               seals=seals, applicant=applicant, spending=spending, annex=annex)
    with log_.run("checklist"):
        results = checklist.unreadable_needs_review(checklist.evaluate(dossier), errors)

    flags = _unique([f.with_id() for f in flags])
    summary = Summary(
        pages=len(evidence.pages), documents=len(documents),
        met=sum(r.status == Status.met for r in results), missing=sum(r.status == Status.missing for r in results),
        needs_review=sum(r.status == Status.needs_review for r in results),
        failed=sum(r.status == Status.failed for r in results),
        not_applicable=sum(r.status == Status.not_applicable for r in results),
        risk_flags=len(flags), errors=len(errors), partial=bool(errors),
    )
    report = Report(
        programme=pack.id, programme_version=pack.version, programme_title=pack.title, star=star, checked_on=today,
        applicant=applicant, inputs=list(evidence.inputs), summary=summary, pages=evidence.pages,
        documents=documents, findings=evidence.findings, seals=seals, checklist=results,
        # the programme-only sections its rule pack declares
        annex=annex if "annex" in pack.sections else [],
        spending=spending if "spending" in pack.sections else None,
        risk_flags=flags, errors=errors, declared=dict(options.declared), risk=risk_score(flags),
    )
    if stages is not None:
        stages.extend(log_.timings())
    return report


def with_extractor_sets(evidence: DossierEvidence, sets: list[str]) -> DossierEvidence:
    """The evidence with the programme-specific extractor ``sets`` it was not read with run over its
    stored page texts (a re-check under another programme): pure, no page is read again."""
    missing = [s for s in sets if s not in evidence.extractor_sets]
    if not missing:
        return evidence
    texts = {t.page: t for t in evidence.texts}
    documents, findings, flags = [], list(evidence.findings), list(evidence.flags)
    for doc in evidence.documents:
        doc = doc.model_copy(deep=True)
        for fn in (registry.PROGRAMME_EXTRACTORS[s].get(doc.document_type) for s in missing):
            if fn is None:
                continue
            errors: list[ReportError] = []
            out = _run_extractor(fn, [texts[n] for n in doc.pages if n in texts], f"第 {doc.pages[0]} 页起", errors,
                                 None, None)
            if isinstance(out, Extraction):  # added, never overwriting what the generic extractor read
                for key, value in out.fields.items():
                    doc.fields.setdefault(key, value)
                doc.facts |= {k: v for k, v in out.facts.items() if k not in doc.facts}
                findings += out.findings
                flags += _flags_from(out, doc)
        documents.append(doc)
    return evidence.model_copy(update={"documents": documents, "findings": _unique(findings),
                                       "flags": _unique([f.with_id() for f in flags]),
                                       "extractor_sets": evidence.extractor_sets + missing})


def with_flags(report: Report, extra: list[RiskFlag]) -> Report:
    """The report with more flags (from across dossiers): counted in the summary and the risk score."""
    if not extra:
        return report
    flags = _unique(report.risk_flags + [f.with_id() for f in extra])
    summary = report.summary.model_copy(update={"risk_flags": len(flags)})
    return report.model_copy(update={"risk_flags": flags, "summary": summary, "risk": risk_score(flags)})


def check_dossier(paths: list[Path], options: CheckOptions, settings: Settings, *,
                  engine: OcrEngine | None = None, progress: Progress | None = None) -> CheckOutcome:
    """Check one dossier (files, folders or zips, in bound order) against a programme."""
    options.programme = options.programme or settings.default_programme
    pack = rulepacks.load(options.programme)  # a bad programme or star level fails before any page is read
    checklist.validate_pack(pack)
    try:
        pack.star_for(options.star)
    except ValueError as exc:
        raise rulepacks.RulePackError(str(exc)) from exc
    reading = read_dossier(paths, options, settings, engine=engine, progress=progress)
    stages = list(reading.stages)
    if progress:
        progress("evaluate", 0, 1)
    report = evaluate(reading.evidence, options, stages=stages)
    if progress:
        progress("evaluate", 1, 1)
    return CheckOutcome(report=report, page_images=reading.page_images, evidence=reading.evidence,
                        files=reading.files, stages=stages)


_Identified = TypeVar("_Identified", RiskFlag, Finding)
_T = TypeVar("_T")


def _unique(items: list[_Identified]) -> list[_Identified]:
    """First occurrence of each id: the same fact read twice is reported once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


def engine_version(settings: Settings) -> str:
    """What read the pages: the product's version, the OCR engine and its reader versions."""
    from importlib.metadata import PackageNotFoundError, version

    from service.ocr.reader import READER_VERSION
    from service.seals import SEAL_READER_VERSION

    try:
        product = version("evidence-checker")
    except PackageNotFoundError:  # running from a source tree that was not installed
        product = "source"
    return f"evidence-checker {product}; ocr {settings.ocr_engine} (reader {READER_VERSION}, seals {SEAL_READER_VERSION})"


def extract_document(path: Path, settings: Settings, *, engine: OcrEngine | None = None) -> CheckOutcome:
    """One document, no checklist: pages, type, fields and flags (``evidence-check extract``)."""
    return check_dossier([path], CheckOptions(previews=False), settings, engine=engine)

