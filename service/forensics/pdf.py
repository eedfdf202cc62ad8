"""PDF forensics: was a signed file changed after it was signed, and what made it?

An e-invoice PDF carries the issuer's signature over a byte range. Bytes added after that range
are an incremental update; what matters is what the update changed. Re-saving a page dictionary
with the same content, or adding an annotation or metadata, leaves what is printed as signed; a
new or changed content stream, image, font or resource changes what the page shows. The signed
bytes themselves are checked against the digest the signature carries (PKCS#7 through pyHanko's
CMS reading, the older PKCS#1 ``adbe.x509.rsa_sha1`` form through its certificate's public key).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

log = logging.getLogger(__name__)

# producers and creators that are picture editors, not the software that issues invoices
EDITOR_PATTERN = re.compile(
    r"photoshop|gimp|paint\.net|pixelmator|affinity photo|photoscape|美图|光影魔术手|acdsee|snagit|canva|"
    r"foxit phantompdf.*edit|pdf-xchange editor|迅捷pdf编辑器|福昕编辑|pdfelement|wps图片", re.IGNORECASE)


@dataclass
class SignatureCheck:
    field: str
    subfilter: str
    covered: int  # bytes the signature covers, from the start
    file_size: int
    intact: bool | None  # the covered bytes match the signed digest (None: cannot tell)
    changed_after: list[str] = field(default_factory=list)  # what later updates changed on the pages
    benign_after: list[str] = field(default_factory=list)  # what else they changed

    @property
    def covers_file(self) -> bool:
        return self.covered >= self.file_size


@dataclass
class PdfForensics:
    signatures: list[SignatureCheck] = field(default_factory=list)
    producer: str = ""
    creator: str = ""
    revisions: int = 1
    problem: str = ""  # the file could not be analysed, and why

    @property
    def editor(self) -> str:
        for value in (self.producer, self.creator):
            if value and EDITOR_PATTERN.search(value):
                return value
        return ""


def analyse_pdf(data: bytes) -> PdfForensics:
    """Signatures, their coverage and integrity, later changes, and the producing software."""
    out = PdfForensics()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        out.revisions = reader.xrefs.total_revisions
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else None
        if isinstance(info, generic.DictionaryObject):
            out.producer = _text(info.get("/Producer"))
            out.creator = _text(info.get("/Creator"))
        for name, sig in _signatures(reader):
            out.signatures.append(_check(reader, data, name, sig))
    except Exception as exc:  # noqa: BLE001 - a PDF pyHanko cannot parse is analysed no further
        log.info("PDF forensics skipped: %r", exc)
        out.problem = f"{type(exc).__name__}: {exc}"[:300]
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, generic.IndirectObject):
        value = value.get_object()
    return str(value)


def _signatures(reader: PdfFileReader) -> list[tuple[str, generic.DictionaryObject]]:
    root = reader.root
    form = root.get("/AcroForm")
    if form is None:
        return []
    out = []
    stack = list(form.get_object().get("/Fields", []))
    while stack:
        node = stack.pop(0).get_object()
        stack.extend(node.get("/Kids", []))
        if node.get("/FT") == "/Sig" and "/V" in node:
            value = node["/V"].get_object()
            if "/ByteRange" in value and "/Contents" in value:
                out.append((_text(node.get("/T")) or "signature", value))
    return out


def _check(reader: PdfFileReader, data: bytes, name: str, sig: generic.DictionaryObject) -> SignatureCheck:
    br = [int(x) for x in sig["/ByteRange"]]
    covered = br[2] + br[3]
    signed = data[br[0]:br[0] + br[1]] + data[br[2]:br[2] + br[3]]
    subfilter = _text(sig.get("/SubFilter")).lstrip("/")
    # trailing end-of-line bytes after %%EOF are not an update
    size = len(data.rstrip(b"\r\n\x00 "))
    check = SignatureCheck(field=name, subfilter=subfilter, covered=covered, file_size=size,
                           intact=_intact(subfilter, sig, signed))
    if covered < size:
        check.changed_after, check.benign_after = _changes_after(reader, covered)
    return check


def _intact(subfilter: str, sig: generic.DictionaryObject, signed: bytes) -> bool | None:
    contents = bytes(sig["/Contents"])
    try:
        if subfilter == "adbe.x509.rsa_sha1":
            return _rsa_sha1_intact(sig, contents, signed)
        if subfilter in ("adbe.pkcs7.detached", "ETSI.CAdES.detached"):
            return _pkcs7_intact(contents, signed)
    except Exception as exc:  # noqa: BLE001 - an algorithm we cannot check (SM2 …) is not a failure
        log.info("signature digest not checked: %r", exc)
    return None


def _pkcs7_intact(contents: bytes, signed: bytes) -> bool | None:
    from asn1crypto import cms

    info = cms.ContentInfo.load(contents.rstrip(b"\x00"))
    signer = info["content"]["signer_infos"][0]
    algo = signer["digest_algorithm"]["algorithm"].native
    for attr in signer["signed_attrs"] or []:
        if attr["type"].native == "message_digest":
            return hashlib.new(algo, signed).digest() == attr["values"][0].native
    return None


def _rsa_sha1_intact(sig: generic.DictionaryObject, contents: bytes, signed: bytes) -> bool | None:
    from asn1crypto import core
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    certs = sig.get("/Cert")
    if certs is None:
        return None
    first = certs[0] if isinstance(certs, generic.ArrayObject) else certs
    cert = x509.load_der_x509_certificate(bytes(first))
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return None
    value = core.OctetString.load(contents.rstrip(b"\x00")).native
    try:
        key.verify(value, signed, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - the format's own hash
        return True
    except InvalidSignature:
        return False


def _changes_after(reader: PdfFileReader, covered: int) -> tuple[list[str], list[str]]:
    """What the updates after the signed revision changed: (on the pages, elsewhere)."""
    xrefs = reader.xrefs
    total = xrefs.total_revisions
    signed_rev = max((r for r in range(total) if xrefs.get_startxref_for_revision(r) < covered), default=0)
    old = reader.get_historical_resolver(signed_rev)
    content_refs: set[tuple[int, int]] = set()
    page_refs: list[generic.Reference] = []
    for page_ref in _page_refs(old):
        page_refs.append(page_ref)
        page = old.get_object(page_ref)
        for key in ("/Contents", "/Resources"):
            _collect_refs(page.raw_get(key) if key in page else None, old, content_refs)
    changed: set[tuple[int, int]] = set()
    for rev in range(signed_rev + 1, total):
        changed |= {(r.idnum, r.generation) for r in xrefs.explicit_refs_in_revision(rev)}
    on_pages, elsewhere = [], []
    for idnum, gen in sorted(changed):
        ref = generic.Reference(idnum, gen, reader)
        if (idnum, gen) in content_refs:
            on_pages.append(f"{idnum} {gen} R（已签名页面的内容流或资源）")
        elif any(p.idnum == idnum for p in page_refs):
            new, before = reader.get_object(ref), old.get_object(ref)
            if _page_shows(new, reader) != _page_shows(before, old):
                on_pages.append(f"{idnum} {gen} R（页面的内容或资源被替换）")
            else:
                elsewhere.append(f"{idnum} {gen} R（页面字典重新保存，内容未变）")
        else:
            elsewhere.append(f"{idnum} {gen} R")
    # a page that was added after signing shows something nobody signed
    new_pages = {(r.idnum, r.generation) for r in _page_refs(reader)} - {(p.idnum, p.generation) for p in page_refs}
    on_pages += [f"{i} {g} R（签名后新增的页面）" for i, g in sorted(new_pages)]
    return on_pages, elsewhere


def _page_refs(resolver: Any) -> list[generic.Reference]:
    root = resolver.get_object(resolver.trailer_view.raw_get("/Root")) if hasattr(resolver, "trailer_view") else None
    if root is None:
        return []
    out: list[generic.Reference] = []
    stack = [root.raw_get("/Pages")]
    seen: set[int] = set()
    while stack:
        ref = stack.pop()
        if not isinstance(ref, generic.IndirectObject) or ref.idnum in seen:
            continue
        seen.add(ref.idnum)
        node = resolver.get_object(ref.reference)
        if node.get("/Type") == "/Page":
            out.append(ref.reference)
        else:
            if "/Kids" in node:
                stack.extend(reversed(list(node.raw_get("/Kids"))))
    return out


def _collect_refs(value: Any, resolver: Any, out: set[tuple[int, int]], depth: int = 0) -> None:
    """Every indirect object reachable from ``value``: what a page shows depends on all of them."""
    if depth > 12 or value is None:
        return
    if isinstance(value, generic.IndirectObject):
        key = (value.idnum, value.generation)
        if key in out:
            return
        out.add(key)
        value = resolver.get_object(value.reference)
    if isinstance(value, generic.StreamObject | generic.DictionaryObject):
        for k in value:
            if k not in ("/Parent", "/P"):
                _collect_refs(value.raw_get(k), resolver, out, depth + 1)
    elif isinstance(value, generic.ArrayObject):
        for item in value:
            _collect_refs(item, resolver, out, depth + 1)


def _page_shows(page: Any, resolver: Any) -> tuple[str, str]:
    """What a page dictionary points to for what it shows: its contents and resources."""
    def deref(v: Any) -> str:
        if isinstance(v, generic.IndirectObject):
            return f"{v.idnum} {v.generation} R"
        if isinstance(v, generic.ArrayObject):
            return "[" + " ".join(deref(x) for x in v) + "]"
        if isinstance(v, generic.DictionaryObject):
            return "{" + " ".join(f"{k}:{deref(v.raw_get(k))}" for k in sorted(v)) + "}"
        return str(v)
    return deref(page.raw_get("/Contents")) if "/Contents" in page else "", \
        deref(page.raw_get("/Resources")) if "/Resources" in page else ""
