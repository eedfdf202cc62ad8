"""Document forensics: signs that a file or a picture was changed after it was made.

Each check names the object or region that raised it. File checks (PDF signatures and producer,
OFD signatures and digests) run on a file's bytes; the image check runs on each scanned or
photographed page. The findings become risk flags once the pages are typed, because what is
suspicious depends on the document (an image editor's PDF is odd for an e-invoice, not for a
scanned contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.domain import BBox, Finding, RiskFlag
from models.enums import DocumentType, FlagCode, Severity
from service.forensics.images import flat_regions
from service.forensics.ofd import OfdForensics, analyse_ofd
from service.forensics.pdf import PdfForensics, analyse_pdf


@dataclass
class FileForensics:
    """What the forensic checks found in one file, and the dossier pages it became."""

    name: str
    pages: list[int] = field(default_factory=list)
    pdf: PdfForensics | None = None
    ofd: OfdForensics | None = None


def analyse_file(name: str, data: bytes) -> FileForensics:
    suffix = name.lower().rsplit(".", 1)[-1]
    out = FileForensics(name)
    if suffix == "pdf":
        out.pdf = analyse_pdf(data)
    elif suffix == "ofd":
        out.ofd = analyse_ofd(data)
    return out


def region_findings(image: np.ndarray, page: int, scale: float) -> list[Finding]:
    """Regions of a scanned or photographed page far quieter than its paper (see ``images``)."""
    out = []
    for region in flat_regions(image):
        x0, y0, x1, y1 = (v / scale for v in region.bbox)
        bbox: BBox = (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))
        out.append(Finding(kind="forensics_region", value="噪声异常区域", page=page, bbox=bbox, confidence=0.5,
                           extractor="forensics.images",
                           detail={"noise": region.noise, "page_noise": region.page_noise,
                                   "blocks": region.blocks}).with_id())
    return out


def forensic_flags(files: list[FileForensics], types: dict[int, DocumentType],
                   findings: list[Finding]) -> list[RiskFlag]:
    """Risk flags from the file checks and the page-region findings, knowing what each page is."""
    flags: list[RiskFlag] = []
    for f in files:
        invoice = any(types.get(p) == DocumentType.vat_invoice for p in f.pages)
        if f.pdf is not None:
            flags += _pdf_flags(f, f.pdf, invoice)
        if f.ofd is not None:
            flags += _ofd_flags(f, f.ofd)
    for finding in findings:
        if finding.kind == "forensics_region":
            flags.append(RiskFlag(
                code=FlagCode.image_region_inconsistent, severity=Severity.low, pages=[finding.page],
                evidence=[finding.id],
                message=(f"第 {finding.page} 页有一块区域几乎没有纸面噪声（{finding.detail.get('noise')}，"
                         f"页面为 {finding.detail.get('page_noise')}），可能被涂改后重写：需人工查看原件"),
                values={"bbox": list(finding.bbox or ()), **finding.detail},
            ))
    return flags


def _pdf_flags(f: FileForensics, pdf: PdfForensics, invoice: bool) -> list[RiskFlag]:
    flags = []
    for sig in pdf.signatures:
        values = {"file": f.name, "signature": sig.field, "subfilter": sig.subfilter, "covered_bytes": sig.covered,
                  "file_bytes": sig.file_size}
        if sig.intact is False:
            flags.append(RiskFlag(
                code=FlagCode.pdf_modified_after_signing, severity=Severity.high, pages=f.pages,
                message=f"{f.name} 的签名与它所覆盖的内容不符：签名后文件被改过", values=values))
        elif sig.changed_after:
            flags.append(RiskFlag(
                code=FlagCode.pdf_modified_after_signing, severity=Severity.high, pages=f.pages,
                message=(f"{f.name} 签名之后又追加了修改（签名覆盖前 {sig.covered} 字节，文件共 {sig.file_size} 字节），"
                         f"改动了页面显示的内容：{'；'.join(sig.changed_after[:4])}"),
                values={**values, "changed": sig.changed_after}))
        elif not sig.covers_file:
            flags.append(RiskFlag(
                code=FlagCode.pdf_updated_after_signing, severity=Severity.low, pages=f.pages,
                message=f"{f.name} 签名之后有追加更新，但页面内容仍与签名时相同（{'；'.join(sig.benign_after[:3])}）",
                values={**values, "changed": sig.benign_after}))
    if pdf.editor:
        flags.append(RiskFlag(
            code=FlagCode.pdf_made_by_image_editor, severity=Severity.medium if invoice else Severity.low,
            pages=f.pages, message=f"{f.name} 由图像编辑软件生成（{pdf.editor}）"
                                   + ("，电子发票不应如此" if invoice else ""),
            values={"file": f.name, "producer": pdf.producer, "creator": pdf.creator}))
    return flags


def _ofd_flags(f: FileForensics, ofd: OfdForensics) -> list[RiskFlag]:
    if ofd.problem:
        return []
    values = {"file": f.name, "signatures": ofd.signatures, "files_checked": ofd.checked}
    if ofd.signatures == 0:
        return [RiskFlag(code=FlagCode.ofd_signature_missing, severity=Severity.medium, pages=f.pages,
                         message=f"{f.name} 没有电子签章：OFD 电子发票应带开票方的签名", values=values)]
    changed = ofd.mismatched + ofd.missing
    if not changed:
        return []
    content = ofd.content_changed
    return [RiskFlag(
        code=FlagCode.ofd_modified_after_signing, severity=Severity.high if content else Severity.low, pages=f.pages,
        message=(f"{f.name} 中 {len(changed)} 个文件与签名记录的摘要不符："
                 + "、".join(changed[:5])
                 + ("（含页面内容或发票数据，签名后被改过）" if content else "（仅文档结构文件，内容文件均与签名一致）")),
        values={**values, "mismatched": ofd.mismatched, "missing": ofd.missing})]
