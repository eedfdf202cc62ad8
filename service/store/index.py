"""The evidence index: what every stored dossier handed in, so a new one can be checked against all.

Indexed per dossier: each invoice's identity, a perceptual hash of every page image (console
screenshots marked as such) and of every seal impression. Checking a dossier is a few indexed
lookups: invoice keys by equality, image hashes through their four 16-bit bands (multi-index
hashing: of two hashes at most 7 bits apart, one band is at most 1 bit apart, so each band's 17
neighbours are looked up in its index; hashes 8 bits apart are found when their differences are
unevenly spread, as they usually are). A candidate is confirmed before
it is flagged: a page must also carry the same text (two invoices of one template look alike but
name other buyers), a seal impression must coincide pixel for pixel after alignment, as a copied
impression does and two real stampings never do.

Only dossiers stored before this one are looked at, and never those of the same applicant: the
later of two dossiers sharing evidence carries the flag (naming the earlier one), a dossier
handed in again by its applicant replaces its own entries and never flags itself.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime

import imagehash
from PIL import Image
from rapidfuzz import fuzz
from sqlalchemy import delete, or_
from sqlmodel import Session, select

from extractors.seals import decode_mask, mask_similarity
from models.domain import Applicant, PageText, RiskFlag, Seal
from models.enums import DocumentType, FlagCode, Severity
from models.evidence import DossierEvidence
from models.tables import DossierRow, ImageHashRow, InvoiceKeyRow, PageRow, SealRow

PAGE_BITS = 8  # hashes of one page image re-encoded, rescaled or trimmed differ by a few bits
SEAL_BITS = 10  # only candidates: a seal match is confirmed on its ink mask
PAGE_TEXT_SIMILARITY = 90  # rapidfuzz ratio of the two pages' texts
MIN_PAGE_TEXT = 20  # characters: a blank or near-blank page proves nothing
SEAL_MASK_SIMILARITY = 0.96  # as for copies within one dossier (evaluation.seals.REUSE_IOU)
_SHUN_SEALS = {"监制"}  # the tax bureau's mark is printed on every invoice


def applicant_key(applicant: Applicant) -> str:
    """Who handed a dossier in: the credit code when known, else the name without blanks."""
    if applicant.credit_code:
        return applicant.credit_code.upper()
    return "".join((applicant.name or "").split())


def image_hash(data: bytes) -> str | None:
    """64-bit perceptual hash (DCT) of an encoded image, as 16 hex digits; None if undecodable."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return str(imagehash.phash(img.convert("L"), hash_size=8))
    except Exception:  # noqa: BLE001 - a page image that cannot be decoded is not indexed
        return None


BANDS, BAND_BITS, BAND_RADIUS = 4, 16, 1


def bands(hex_hash: str) -> list[int]:
    """The hash's four 16-bit bands, high to low."""
    value = int(hex_hash, 16)
    return [(value >> (BAND_BITS * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS)]


def _neighbours(band: int) -> set[int]:
    """Every 16-bit value at most BAND_RADIUS (1) bit from ``band``: 17 of them."""
    return {band} | {band ^ (1 << i) for i in range(BAND_BITS)}


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def text_hash(text: PageText) -> str:
    """sha256 of a page's text lines and their boxes: equal for a page read twice the same way."""
    payload = json.dumps([[ln.text, list(ln.bbox)] for ln in text.lines], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _text(page: PageText) -> str:
    return "".join("".join(ln.text.split()) for ln in page.lines)


def _hash_row(dossier_id: str, kind: str, page: int, hex_hash: str, who: Applicant, *, ref: str = "",
              text_sha256: str = "") -> ImageHashRow:
    h = bands(hex_hash)
    return ImageHashRow(dossier_id=dossier_id, kind=kind, page=page, ref=ref, hash=hex_hash,
                        h0=h[0], h1=h[1], h2=h[2], h3=h[3],
                        text_sha256=text_sha256, applicant_key=applicant_key(who), applicant_name=who.name or "")


class IndexEntries:
    """What one dossier puts in the index: built once (its page images hashed once) for both the
    lookups of a check and the rows it leaves."""

    def __init__(self, dossier_id: str, applicant: Applicant, evidence: DossierEvidence,
                 previews: dict[int, bytes]) -> None:
        self.dossier_id, self.applicant = dossier_id, applicant
        self.invoices: list[InvoiceKeyRow] = []
        self.hashes: list[ImageHashRow] = []
        self.texts = {t.page: _text(t) for t in evidence.texts}
        screenshot_pages = {n for d in evidence.documents if d.document_type == DocumentType.cloud_console
                            for n in d.pages}
        for doc in evidence.documents:
            key = doc.facts.get("invoice_key")
            if doc.document_type == DocumentType.vat_invoice and key:
                self.invoices.append(InvoiceKeyRow(
                    dossier_id=dossier_id, key=str(key), document_id=doc.id, page=doc.pages[0],
                    applicant_key=applicant_key(applicant), applicant_name=applicant.name or ""))
        text_hashes = {t.page: text_hash(t) for t in evidence.texts}
        for number, data in sorted(previews.items()):
            hex_hash = image_hash(data)
            if hex_hash is not None:
                kind = "screenshot" if number in screenshot_pages else "page"
                self.hashes.append(_hash_row(dossier_id, kind, number, hex_hash, applicant,
                                             text_sha256=text_hashes.get(number, "")))
        self.seals: dict[str, Seal] = {}
        for seal in evidence.seals:
            if seal.fingerprint and seal.mask and seal.kind not in _SHUN_SEALS and not seal.riding_seam:
                self.seals[seal.id] = seal
                self.hashes.append(_hash_row(dossier_id, "seal", seal.page, seal.fingerprint, applicant, ref=seal.id))


def replace_entries(session: Session, entries: IndexEntries) -> None:
    """Put a dossier's evidence in the index, replacing what it had there before."""
    dossier_id = entries.dossier_id
    for table in (InvoiceKeyRow, ImageHashRow):
        session.exec(delete(table).where(table.dossier_id == dossier_id))  # type: ignore[call-overload,attr-defined]
    session.add_all([*entries.invoices, *entries.hashes])


def cross_dossier_flags(session: Session, entries: IndexEntries, evidence: DossierEvidence) -> list[RiskFlag]:
    """Flags for what this dossier shares with another applicant's dossiers stored before it."""
    dossier_id = entries.dossier_id
    me = applicant_key(entries.applicant)
    row = session.get(DossierRow, dossier_id)
    since = row.created_at if row is not None else datetime.now(UTC)

    def foreign(rows: Iterable[InvoiceKeyRow | ImageHashRow]) -> list:  # type: ignore[type-arg]
        return [r for r in rows if not (me and r.applicant_key == me)]

    flags: list[RiskFlag] = []
    invoice_pages: set[int] = set()
    keys = {row.key: row for row in entries.invoices}
    if keys:
        hits = foreign(session.exec(
            select(InvoiceKeyRow).join(DossierRow, DossierRow.id == InvoiceKeyRow.dossier_id)  # type: ignore[arg-type]
            .where(InvoiceKeyRow.key.in_(list(keys)), DossierRow.created_at < since)))  # type: ignore[attr-defined]
        for hit in sorted(hits, key=lambda h: (h.key, h.dossier_id)):
            mine = keys[hit.key]
            doc = next(d for d in evidence.documents if d.id == mine.document_id)
            invoice_pages.update(doc.pages)
            flags.append(RiskFlag(
                code=FlagCode.duplicate_invoice_other_dossier, severity=Severity.high, pages=doc.pages,
                message=(f"第 {mine.page} 页的发票（{hit.key}）也在另一申报企业的材料中："
                         f"{hit.applicant_name or '未识别的企业'}（材料编号 {hit.dossier_id}，第 {hit.page} 页）"),
                values={"invoice_key": hit.key, "other_dossier": hit.dossier_id,
                        "other_applicant": hit.applicant_name, "other_page": hit.page},
            ))
    wanted = [row for row in entries.hashes
              # the page of an invoice already caught by its number explains its image and its seal
              if row.page not in invoice_pages
              and (row.kind == "seal" or len(entries.texts.get(row.page, "")) >= MIN_PAGE_TEXT)]
    candidates = _candidates(session, wanted, since)
    for row in wanted:
        flag = _image_match(session, row, candidates, entries, foreign)
        if flag is not None:
            flags.append(flag)
    return flags


def _candidates(session: Session, rows: list[ImageHashRow], since: datetime) -> list[ImageHashRow]:
    """Stored hashes of dossiers stored before ``since`` that may be near one of ``rows``."""
    if not rows:
        return []
    near = [set().union(*(_neighbours(bands(r.hash)[i]) for r in rows)) for i in range(BANDS)]
    band_match = or_(*[getattr(ImageHashRow, f"h{i}").in_(sorted(near[i])) for i in range(BANDS)])
    # only what the comparison needs, as plain rows: thousands of candidates, few matches
    columns = (ImageHashRow.id, ImageHashRow.hash, ImageHashRow.kind)
    loose = session.exec(select(*columns).join(DossierRow, DossierRow.id == ImageHashRow.dossier_id)  # type: ignore[call-overload,arg-type]
                         .where(band_match, DossierRow.created_at < since))
    mine = [r.hash for r in rows]
    ids = [i for i, h, _ in loose if min(hamming(h, m) for m in mine) <= max(PAGE_BITS, SEAL_BITS)]
    if not ids:
        return []
    return list(session.exec(select(ImageHashRow).where(ImageHashRow.id.in_(ids))))  # type: ignore[union-attr]


def _nearest(row: ImageHashRow, candidates: list[ImageHashRow], kinds: tuple[str, ...], bits: int) -> list[ImageHashRow]:
    near = [c for c in candidates if c.kind in kinds and hamming(c.hash, row.hash) <= bits]
    return sorted(near, key=lambda c: (hamming(c.hash, row.hash), c.dossier_id, c.page))


def _image_match(session: Session, row: ImageHashRow, candidates: list[ImageHashRow],  # type: ignore[no-untyped-def]
                 entries: IndexEntries, foreign) -> RiskFlag | None:
    if row.kind == "seal":
        seal = entries.seals[row.ref]
        mine = decode_mask(seal.mask)
        for cand in foreign(_nearest(row, candidates, ("seal",), SEAL_BITS)):
            other = session.get(SealRow, (cand.dossier_id, cand.ref))
            theirs = decode_mask((other.data or {}).get("mask", "")) if other else None
            if mine is None or theirs is None or not theirs.any():
                continue
            score = mask_similarity(mine, theirs)
            if score >= SEAL_MASK_SIMILARITY:
                return _reuse_flag(row, cand, "印章印迹", {"seal": seal.id, "similarity": round(score, 3),
                                                       "text": seal.text}, evidence=[seal.id])
        return None
    for cand in foreign(_nearest(row, candidates, ("page", "screenshot"), PAGE_BITS)):
        if cand.text_sha256 != row.text_sha256:
            other = session.exec(select(PageRow).where(PageRow.dossier_id == cand.dossier_id,
                                                       PageRow.number == cand.page)).first()
            theirs = _text(PageText.model_validate(other.text)) if other is not None else ""
            if fuzz.ratio(entries.texts.get(row.page, ""), theirs) < PAGE_TEXT_SIMILARITY:
                continue
        what = "截图" if "screenshot" in (row.kind, cand.kind) else "页面"
        return _reuse_flag(row, cand, what, {"hamming": hamming(row.hash, cand.hash)})
    return None


def _reuse_flag(row: ImageHashRow, cand: ImageHashRow, what: str, values: dict[str, object], *,
                evidence: list[str] | None = None) -> RiskFlag:
    return RiskFlag(
        code=FlagCode.reused_image_other_dossier, severity=Severity.high, pages=[row.page], evidence=evidence or [],
        message=(f"第 {row.page} 页的{what}与另一申报企业材料中的几乎相同："
                 f"{cand.applicant_name or '未识别的企业'}（材料编号 {cand.dossier_id}，第 {cand.page} 页）"),
        values={"kind": row.kind, "other_dossier": cand.dossier_id, "other_applicant": cand.applicant_name,
                "other_page": cand.page, "hash": row.hash, "other_hash": cand.hash, **values},
    )
