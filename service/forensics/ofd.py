"""OFD forensics: is the file signed, and do its files still match the digests the signature lists?

An OFD e-invoice (GB/T 33190) names its signatures in ``OFD.xml``; each ``Signature.xml`` lists
the package files it covers with their digest (``CheckValue``, by the ``CheckMethod`` algorithm:
SM3 ``1.2.156.10197.1.401``, or SHA-1/SHA-256). A file whose digest no longer matches was changed
after signing. The signature value itself (SM2) is not verified here: that needs the issuer's
certificate chain.
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree

DIGESTS = {"1.2.156.10197.1.401": "sm3", "sm3": "sm3", "1.3.14.3.2.26": "sha1", "sha1": "sha1",
           "2.16.840.1.101.3.4.2.1": "sha256", "sha256": "sha256"}
# files whose change alters what the invoice shows or says (page content, templates, resources,
# the structured invoice data); other files (OFD.xml, Document.xml) may be rewritten by tools
CONTENT_PARTS = ("/Pages/", "/Tpls/", "/Res/", "PublicRes.xml", "DocumentRes.xml", "/Attachs/", "/Tags/",
                 "/Annots/")
MAX_PART_BYTES = 64 * 1024 * 1024


@dataclass
class OfdForensics:
    signatures: int = 0
    checked: int = 0  # file digests compared
    mismatched: list[str] = field(default_factory=list)  # files changed after signing
    missing: list[str] = field(default_factory=list)  # files the signature lists that are gone
    unknown_method: str = ""
    problem: str = ""

    @property
    def content_changed(self) -> list[str]:
        return [f for f in self.mismatched + self.missing if any(p in f for p in CONTENT_PARTS)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [el for el in root.iter() if _local(el.tag) == name]


def analyse_ofd(data: bytes) -> OfdForensics:
    out = OfdForensics()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = {("/" + n.lstrip("/")): n for n in z.namelist()}

            def read(path: str) -> bytes | None:
                member = names.get("/" + path.lstrip("/"))
                if member is None or z.getinfo(member).file_size > MAX_PART_BYTES:
                    return None
                return z.read(member)

            ofd = read("OFD.xml")
            if ofd is None:
                out.problem = "no OFD.xml"
                return out
            for sigs_loc in _find(ElementTree.fromstring(ofd), "Signatures"):
                base = (sigs_loc.text or "").strip()
                listing = read(base)
                if listing is None:
                    continue
                for entry in _find(ElementTree.fromstring(listing), "Signature"):
                    loc = entry.get("BaseLoc", "")
                    if not loc.startswith("/"):
                        loc = posixpath.join(posixpath.dirname("/" + base.lstrip("/")), loc)
                    signature = read(loc)
                    if signature is None:
                        continue
                    out.signatures += 1
                    _check_references(ElementTree.fromstring(signature), read, out)
    except (zipfile.BadZipFile, ElementTree.ParseError, ValueError, KeyError) as exc:
        out.problem = f"{type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # noqa: BLE001 - defusedxml refusals (entities, DTDs) and the like
        out.problem = f"{type(exc).__name__}: {exc}"[:300]
    return out


def _check_references(signature: ElementTree.Element, read, out: OfdForensics) -> None:  # type: ignore[no-untyped-def]
    for refs in _find(signature, "References"):
        method = DIGESTS.get((refs.get("CheckMethod") or "sm3").strip().lower())
        if method is None:
            out.unknown_method = refs.get("CheckMethod", "")
            continue
        for ref in _find(refs, "Reference"):
            target = ref.get("FileRef", "")
            values = _find(ref, "CheckValue")
            if not target or not values:
                continue
            expected = base64.b64decode((values[0].text or "").strip())
            data = read(target)
            if data is None:
                out.missing.append(target)
                continue
            out.checked += 1
            if hashlib.new(method, data).digest() != expected:
                out.mismatched.append(target)
