"""Document forensics on forged material made for the purpose, and none on genuine material."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from models.enums import DocumentType, FlagCode, Severity
from service.forensics import FileForensics, analyse_file, forensic_flags, region_findings
from service.forensics.images import flat_regions
from service.forensics.ofd import analyse_ofd
from service.forensics.pdf import analyse_pdf

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
EINVOICE = SAMPLE / "05_电子发票.pdf"
PHOTO = SAMPLE / "07_发票照片.jpg"


# --- PDF: an e-invoice signed with a self-made certificate, then edited ----------------------------


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试开票方 test issuer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("cert")
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return signers.SimpleSigner.load(str(folder / "key.pem"), str(folder / "cert.pem"))


@pytest.fixture(scope="module")
def signed_invoice(signer) -> bytes:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(EINVOICE.read_bytes()))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer)
    return out.getvalue()


def _paint_new_amount(signed: bytes) -> bytes:
    """An incremental update after signing that paints over the total and writes another one."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    content = b"q 1 1 1 rg 400 90 120 20 re f Q BT /Helv 12 Tf 0 0 0 rg 405 95 Td (99999.00) Tj ET"
    stream = writer.add_object(generic.StreamObject(stream_data=content))
    font = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Font"),
                                     generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                                     generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")})
    resources = generic.DictionaryObject({generic.NameObject("/Font"): generic.DictionaryObject(
        {generic.NameObject("/Helv"): writer.add_object(font)})})
    writer.add_stream_to_page(0, stream, resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _flags(name: str, data: bytes, doc_type: DocumentType = DocumentType.vat_invoice):  # type: ignore[no-untyped-def]
    checked = analyse_file(name, data)
    checked.pages = [1]
    return forensic_flags([checked], {1: doc_type}, [])


def test_a_signed_e_invoice_raises_nothing_and_one_edited_after_signing_does(signed_invoice: bytes) -> None:
    report = analyse_pdf(signed_invoice)
    (sig,) = report.signatures
    assert sig.covers_file and sig.intact is True
    assert _flags("发票.pdf", signed_invoice) == []

    forged = _paint_new_amount(signed_invoice)
    (sig,) = analyse_pdf(forged).signatures
    assert not sig.covers_file and sig.intact is True  # the signed bytes are untouched: the update is the forgery
    assert sig.changed_after
    (flag,) = _flags("发票.pdf", forged)
    assert flag.code == FlagCode.pdf_modified_after_signing and flag.severity == Severity.high
    assert flag.values["covered_bytes"] < flag.values["file_bytes"] and "发票.pdf" in flag.message


def test_bytes_changed_inside_the_signed_range_break_the_signature(signed_invoice: bytes) -> None:
    at = signed_invoice.index(b"21200.00") if b"21200.00" in signed_invoice else None
    if at is None:  # the amount sits in a compressed stream: change a byte of the header comment instead
        at = 12
    tampered = bytearray(signed_invoice)
    tampered[at] = ord("9") if tampered[at] != ord("9") else ord("8")
    (sig,) = analyse_pdf(bytes(tampered)).signatures
    assert sig.intact is False
    assert [f.code for f in _flags("发票.pdf", bytes(tampered))] == [FlagCode.pdf_modified_after_signing]


def test_an_annotation_added_after_signing_is_not_a_content_change(signed_invoice: bytes) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_invoice))
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    if info is None:
        info = generic.DictionaryObject()
        writer.trailer["/Info"] = writer.add_object(info)
    info[generic.NameObject("/Keywords")] = generic.TextStringObject("已报销")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    flags = _flags("发票.pdf", out.getvalue())
    assert [(f.code, f.severity) for f in flags] == [(FlagCode.pdf_updated_after_signing, Severity.low)]


def _minimal_pdf(producer: str) -> bytes:
    """A one-page PDF whose document information names its producer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
               b"<< /Producer (" + producer.encode("latin-1") + b") >>"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_an_image_editor_made_the_pdf() -> None:
    edited = _minimal_pdf("Adobe Photoshop 23.1")
    (flag,) = _flags("发票.pdf", edited)
    assert flag.code == FlagCode.pdf_made_by_image_editor and flag.severity == Severity.medium
    (flag,) = _flags("合同.pdf", edited, DocumentType.contract)
    assert flag.severity == Severity.low
    assert _flags("发票.pdf", _minimal_pdf("ReportLab PDF Library")) == []


# --- OFD ------------------------------------------------------------------------------------------


def _ofd(files: dict[str, bytes], signed: list[str] | None, alter: dict[str, bytes] | None = None) -> bytes:
    """An OFD package whose signature lists the SM3 digest of each file in ``signed``."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    parts = dict(files)
    body = '<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
    if signed is not None:
        refs = "".join(
            f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>'
            f'{base64.b64encode(hashlib.new("sm3", files[name]).digest()).decode()}</ofd:CheckValue></ofd:Reference>'
            for name in signed)
        parts["Doc_0/Signs/Signatures.xml"] = (f'<?xml version="1.0"?><ofd:Signatures {ns}><ofd:Signature ID="1" '
                                               f'BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>').encode()
        parts["Doc_0/Signs/Sign_0/Signature.xml"] = (
            f'<?xml version="1.0"?><ofd:Signature {ns}><ofd:SignedInfo><ofd:References '
            f'CheckMethod="1.2.156.10197.1.401">{refs}</ofd:References></ofd:SignedInfo></ofd:Signature>').encode()
        body += "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>"
    parts["OFD.xml"] = f'<?xml version="1.0"?><ofd:OFD {ns}>{body}</ofd:DocBody></ofd:OFD>'.encode()
    parts.update(alter or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


OFD_FILES = {"Doc_0/Document.xml": b"<ofd:Document/>",
             "Doc_0/Pages/Page_0/Content.xml": "<ofd:Page>价税合计 318.00</ofd:Page>".encode()}


def test_an_ofd_whose_page_changed_after_signing_is_flagged() -> None:
    genuine = _ofd(OFD_FILES, list(OFD_FILES))
    assert analyse_ofd(genuine).checked == 2 and _flags("发票.ofd", genuine) == []
    forged = _ofd(OFD_FILES, list(OFD_FILES),
                  alter={"Doc_0/Pages/Page_0/Content.xml": "<ofd:Page>价税合计 918.00</ofd:Page>".encode()})
    (flag,) = _flags("发票.ofd", forged)
    assert flag.code == FlagCode.ofd_modified_after_signing and flag.severity == Severity.high
    assert flag.values["mismatched"] == ["/Doc_0/Pages/Page_0/Content.xml"]
    unsigned = _ofd(OFD_FILES, None)
    assert [f.code for f in _flags("发票.ofd", unsigned)] == [FlagCode.ofd_signature_missing]


def test_ofd_xml_with_an_entity_bomb_is_refused_not_expanded() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&b;</ofd:OFD>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", bomb)
    report = analyse_ofd(buf.getvalue())
    assert report.problem and report.signatures == 0
    assert _flags("发票.ofd", buf.getvalue()) == []


# --- images ---------------------------------------------------------------------------------------


def _repaint(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    forged = image.copy()
    forged[y0:y1, x0:x1] = np.median(image[y0:y1, x0:x1].reshape(-1, 3), axis=0)
    cv2.putText(forged, "12345.00", (x0 + 5, y1 - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8 * (y1 - y0) / 40, (40, 40, 40), 2)
    ok, buf = cv2.imencode(".jpg", forged, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def test_an_amount_repainted_on_an_invoice_photo_is_boxed_for_review() -> None:
    photo = cv2.imread(str(PHOTO))
    assert flat_regions(photo) == []
    h, w = photo.shape[:2]
    box = (int(w * .55), int(h * .62), int(w * .75), int(h * .68))
    (finding,) = region_findings(_repaint(photo, box), page=3, scale=1.0)
    x0, y0, x1, y1 = finding.bbox or (0, 0, 0, 0)
    assert x0 < box[2] and x1 > box[0] and y0 < box[3] and y1 > box[1]
    (flag,) = forensic_flags([], {3: DocumentType.vat_invoice}, [finding])
    assert flag.code == FlagCode.image_region_inconsistent and flag.severity == Severity.low
    assert flag.evidence == [finding.id] and flag.pages == [3] and "人工" in flag.message


def test_genuine_sample_files_raise_no_forensic_flag_above_low() -> None:
    files = [p for p in sorted(SAMPLE.iterdir()) if p.suffix.lower() in (".pdf", ".ofd")]
    checked = []
    for i, path in enumerate(files, start=1):
        f = analyse_file(path.name, path.read_bytes())
        f.pages = [i]
        checked.append(f)
    findings = []
    for path in sorted(SAMPLE.iterdir()):
        if path.suffix.lower() in (".jpg", ".png"):
            findings += region_findings(cv2.imread(str(path)), page=1, scale=1.0)
    flags = forensic_flags(checked, {}, findings)
    assert [f for f in flags if f.severity != Severity.low] == []


def test_file_forensics_keep_the_pages_they_cover() -> None:
    assert FileForensics("a.pdf").pages == []
