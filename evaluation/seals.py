"""Whose seal, and what is wrong with the seals of a dossier: matching a seal's name to a party's
(``name_similarity``, ``seals_of_party``), documents that lack the seal they should carry or whose
seal names someone else (``seal_flags``), a riding seam broken by a replaced page
(``riding_seams``, ``riding_seam_flags``) and one impression copied onto several pages
(``reuse_flags``). Pure functions of the seals and documents already read.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extractors.codes import tax_id_valid
from extractors.seals import decode_mask, mask_similarity
from models.domain import Applicant, Document, FieldValue, Finding, RiskFlag, Seal
from models.enums import DocumentType, FlagCode, SealShape, Severity

SUPERVISION = "监制"
# a seal name this close (0-100) to a party's name is that party's seal, OCR slips allowed
MATCH_THRESHOLD = 70
# readings this sure, and this far from every expected name, are a mismatch worth a flag
MISMATCH_BELOW = 45
READ_CONFIDENCE = 0.8
# two impressions whose normalised ink masks overlap this much are one image copied
REUSE_IOU = 0.96


_CJK = re.compile(r"[\u4e00-\u9fff]")


# legal-form endings every company shares: compared, they would make any two names look alike
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text.split()).replace("(", "").replace(")", "")
    for form in _LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            return text[:-len(form)]
    return text


def name_similarity(seal: Seal, name: str) -> float:
    """0-100: how well the seal's arc text reads as ``name`` (OCR slips allowed)."""
    a, b = _norm_name(seal.arc_text or seal.text), _norm_name(name)
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    if len(a) >= 0.8 * len(b):
        # extra characters round the rim (a serial, a stray mark) should not hide the name
        score = max(score, fuzz.partial_ratio(a, b) * min(1.0, len(a) / len(b)))
    return float(score)


def seals_of_party(seals: list[Seal], name: str | None, threshold: float = MATCH_THRESHOLD) -> list[Seal]:
    """The seals (not the tax bureau's mark) whose arc text reads as ``name``, best first."""
    if not name:
        return []
    scored = [(name_similarity(s, name), s) for s in seals if s.kind != SUPERVISION]
    return [s for score, s in sorted(scored, key=lambda x: -x[0]) if score >= threshold]


def _readable(seal: Seal) -> bool:
    return len(_CJK.findall(seal.arc_text)) >= 4 and seal.confidence >= READ_CONFIDENCE


def _mismatch(doc: Document, seal: Seal, expected: str, field: str, role: str) -> RiskFlag:
    return RiskFlag(
        code=FlagCode.seal_text_mismatch, severity=Severity.high, pages=[seal.page],
        evidence=[seal.id, *doc.evidence(field)],
        message=f"第 {seal.page} 页印章文字“{seal.arc_text}”与{role}“{expected}”不符",
        values={"document": doc.id, "seal": seal.id, "seal_text": seal.arc_text, "expected": expected,
                "field": field, "similarity": round(name_similarity(seal, expected))},
    )


def _invoice_flags(doc: Document, on_doc: list[Seal]) -> list[RiskFlag]:
    if doc.value("invoice_kind") in (None, "fully_digital"):
        return []  # a 数电票 carries only the tax bureau's mark, by design
    if not on_doc:
        return [RiskFlag(code=FlagCode.seal_missing, severity=Severity.medium, pages=doc.pages,
                         evidence=doc.evidence("seller_name"),
                         message=f"第 {doc.pages[0]} 页发票未见销售方发票专用章", values={"document": doc.id})]
    seller, seller_id = doc.value("seller_name"), doc.value("seller_tax_id")
    flags = []
    ranked = sorted(on_doc, key=lambda s: -name_similarity(s, seller)) if seller else on_doc
    seal = ranked[0]
    if seller and _readable(seal) and name_similarity(seal, seller) < MISMATCH_BELOW:
        flags.append(_mismatch(doc, seal, seller, "seller_name", "销售方名称"))
    # only an id read right (its check character holds) is compared: a garbled reading proves
    # nothing, and one whose check holds yet differs is a different taxpayer's seal
    with_id = [s for s in ranked if s.tax_id and tax_id_valid(s.tax_id)]
    if seller_id and with_id:
        seal = with_id[0]
        assert seal.tax_id is not None
        distance = Levenshtein.distance(seal.tax_id, seller_id.upper())
        if distance >= 2:
            flags.append(RiskFlag(
                code=FlagCode.seal_tax_id_mismatch, severity=Severity.high, pages=[seal.page],
                evidence=[seal.id, *doc.evidence("seller_tax_id")],
                message=f"第 {seal.page} 页发票专用章上的税号 {seal.tax_id} 与销售方纳税人识别号 {seller_id} 不符",
                values={"document": doc.id, "seal": seal.id, "seal_tax_id": seal.tax_id, "expected": seller_id},
            ))
    return flags


def _contract_flags(doc: Document, on_doc: list[Seal]) -> list[RiskFlag]:
    signature_page = doc.facts.get("signature_page")
    if signature_page is not None and not [s for s in on_doc if s.page == signature_page]:
        return [RiskFlag(code=FlagCode.seal_missing, severity=Severity.medium, pages=[signature_page],
                         evidence=doc.evidence("party_a", "party_b"),
                         message=f"第 {signature_page} 页合同签署处未见印章", values={"document": doc.id})]
    parties = {k: v for k in ("party_a", "party_b") if (v := doc.value(k))}
    flags = []
    for seal in on_doc:
        if not _readable(seal) or seal.shape == SealShape.square:
            continue  # a name seal belongs to a person, not a party
        if parties and all(name_similarity(seal, name) < MISMATCH_BELOW for name in parties.values()):
            key, name = next(iter(parties.items()))
            flags.append(_mismatch(doc, seal, " / ".join(parties.values()), key, "合同各方名称"))
    return flags


def _form_flags(doc: Document, on_doc: list[Seal], applicant: Applicant) -> list[RiskFlag]:
    if not applicant.name:
        return []
    return [_mismatch(doc, s, applicant.name, "applicant_name", "申报单位")
            for s in on_doc if _readable(s) and s.shape != SealShape.square
            and name_similarity(s, applicant.name) < MISMATCH_BELOW]


def seal_flags(documents: list[Document], seals: list[Seal], applicant: Applicant) -> list[RiskFlag]:
    """Documents that lack the seal they should carry, and seals whose words are not the owner's.

    A paper or PDF VAT invoice carries the seller's 发票专用章 (the tax bureau's 监制 mark does not
    count), with the seller's name on the arc and its taxpayer id across; a fully digital invoice
    (数电票) carries none by design. A contract's signature page carries the parties' seals; the
    application form's pledge the applicant's.
    """
    flags: list[RiskFlag] = []
    for doc in documents:
        # a riding-seam slice shows a part of a seal across the page edge, not a party's signature
        on_doc = [s for s in seals if s.page in doc.pages and s.kind != SUPERVISION and not s.riding_seam]
        if doc.document_type == DocumentType.vat_invoice:
            flags += _invoice_flags(doc, on_doc)
        elif doc.document_type == DocumentType.contract:
            flags += _contract_flags(doc, on_doc)
        elif doc.document_type == DocumentType.application_form:
            flags += _form_flags(doc, on_doc, applicant)
    return flags


# --- the riding seam ------------------------------------------------------------------------------

# slices of one stamping sit at one height on every sheet: their centres may differ by this share
# of the page height (sheets shift a little in the scanner)
SEAM_ALIGN = 0.04


def riding_seams(documents: list[Document], seals: list[Seal]) -> dict[str, dict[str, Any]]:
    """For each multi-page document with a riding-seam seal (骑缝章): the pages carrying a slice
    of it, and what its slices read, joined in page order (each sheet shows the next part of the
    name: 济南舜耕智能 + 装备有限公司)."""
    out: dict[str, dict[str, Any]] = {}
    for doc in documents:
        if slices := _seam_slices_of(doc, seals):
            out[doc.id] = {"pages": sorted({s.page for s in slices}), "text": "".join(s.arc_text for s in slices)}
    return out


def _seam_slices_of(doc: Document, seals: list[Seal]) -> list[Seal]:
    """The riding-seam slices on a multi-page document, in page order."""
    if len(doc.pages) < 2:
        return []
    return sorted((s for s in seals if s.riding_seam and s.page in doc.pages), key=lambda s: (s.page, s.bbox[1]))


def riding_seam_flags(documents: list[Document], seals: list[Seal], heights: dict[int, float]) -> list[RiskFlag]:
    """Documents whose riding seam is broken: a 骑缝章 stamped across the fanned sheets leaves a
    slice on every sheet at one height, so a sheet without its slice, or with a slice at another
    height, was not in the stack when the seal was stamped (a page replaced after signing).
    A single slice proves a seam only in a two-page document (the other half must be on the other
    sheet); in longer ones, slices too narrow to see are no evidence of a gap."""
    flags = []
    for doc in documents:
        slices = _seam_slices_of(doc, seals)
        with_slice = sorted({s.page for s in slices})
        if not with_slice or (len(with_slice) < 2 and len(doc.pages) > 2):
            continue
        missing = [p for p in doc.pages if p not in with_slice]
        level = {s.page: ((s.bbox[1] + s.bbox[3]) / 2) / heights[s.page] for s in slices if heights.get(s.page)}
        middle = float(np.median(list(level.values()))) if level else 0.0
        astray = sorted(p for p, y in level.items() if abs(y - middle) > SEAM_ALIGN)
        if not missing and not astray:
            continue
        parts = []
        if missing:
            parts.append(f"第 {'、'.join(map(str, missing))} 页没有骑缝章")
        if astray:
            parts.append(f"第 {'、'.join(map(str, astray))} 页的骑缝章与其他页不在同一高度")
        flags.append(RiskFlag(
            code=FlagCode.riding_seam_broken, severity=Severity.medium, pages=sorted(set(missing + astray)),
            evidence=[s.id for s in slices],
            message=f"{'；'.join(parts)}（第 {'、'.join(map(str, with_slice))} 页有）：该页可能是盖章后替换的",
            values={"document": doc.id, "seam_pages": with_slice, "missing": missing, "misaligned": astray,
                    "levels": {str(p): round(y, 3) for p, y in sorted(level.items())}},
        ))
    return flags


# --- one impression, twice ----------------------------------------------------------------------


def reuse_flags(seals: list[Seal], threshold: float = REUSE_IOU) -> list[RiskFlag]:
    """Impressions that are one image copied: after centring and scaling to the rim their ink
    masks coincide. Two real stampings of one seal never do (ink, pressure and angle differ)."""
    masks = [(s, decode_mask(s.mask)) for s in seals if s.mask and s.kind != SUPERVISION]
    usable = [(s, m) for s, m in masks if m is not None and m.any()]
    inked = [int(np.count_nonzero(m)) for _, m in usable]
    parent = list(range(len(usable)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    best: dict[tuple[int, int], float] = {}
    for i in range(len(usable)):
        for j in range(i + 1, len(usable)):
            a, b = usable[i][0], usable[j][0]
            if a.page == b.page and a.bbox == b.bbox:
                continue
            if a.shape != b.shape:
                continue
            if min(inked[i], inked[j]) < threshold * max(inked[i], inked[j]):
                continue  # shifted, a mask keeps its ink: the overlap is at most the smaller's share of the larger
            score = mask_similarity(usable[i][1], usable[j][1])
            if score >= threshold:
                parent[root(j)] = root(i)
                best[(i, j)] = score
    groups: dict[int, list[int]] = {}
    for i in range(len(usable)):
        groups.setdefault(root(i), []).append(i)
    flags = []
    for members in groups.values():
        if len(members) < 2:
            continue
        group = [usable[i][0] for i in members]
        score = max((v for (i, j), v in best.items() if i in members), default=threshold)
        pages = sorted({s.page for s in group})
        flags.append(RiskFlag(
            code=FlagCode.reused_seal_impression, severity=Severity.high, pages=pages,
            evidence=[s.id for s in group],
            message=f"第 {'、'.join(map(str, pages))} 页的印章是同一印迹的复制（逐像素重合），真实盖章不会完全相同",
            values={"seals": [s.id for s in group], "fingerprints": [s.fingerprint for s in group],
                    "similarity": round(score, 3), "text": group[0].text},
        ))
    return flags


# what a registration authority is called on its seal (and on the licence it issues)
_AUTHORITY = re.compile(r"(市场监督管理局|工商行政管理局|行政审批服务局|市场监督管理委员会)$")


def licence_authority_from_seals(documents: list[Document], seals: list[Seal]) -> list[Finding]:
    """A licence's 登记机关 read from the registration authority's seal on it, where the licence
    does not print it apart (it often sits only in the seal, under the issue date). Only a seal
    whose name the dossier's print supports (``confirmed``) or that reads as an authority's name
    with good confidence counts; the field names the seal as its source."""
    findings: list[Finding] = []
    for doc in documents:
        if doc.document_type != DocumentType.business_license or doc.value("registration_authority"):
            continue
        candidates = [s for s in seals if s.page in doc.pages and s.name and _AUTHORITY.search(s.name)
                      and (s.confirmed or s.confidence >= 0.85)]
        if len({s.name for s in candidates}) != 1:
            continue  # none, or two authorities that disagree: nothing to say
        seal = max(candidates, key=lambda s: s.confidence)
        finding = Finding(kind="field", field="registration_authority", value=seal.name, normalized=seal.name,
                          page=seal.page, bbox=seal.bbox, confidence=round(min(seal.confidence, 0.9), 3),
                          extractor="seals.licence_authority", detail={"seal": seal.id}).with_id()
        doc.fields["registration_authority"] = FieldValue(value=seal.name, page=seal.page, bbox=seal.bbox,
                                                          confidence=finding.confidence, finding_id=finding.id)
        doc.facts["registration_authority_source"] = "seal"
        findings.append(finding)
    return findings
