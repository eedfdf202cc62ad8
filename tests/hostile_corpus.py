"""A corpus of hostile and broken files, generated (nothing here is committed as a blob).

``build(folder)`` writes every file and returns what reading each must give: pages, or an error
with one of the listed codes. Used by tests/service/test_hostile.py, the ingest fuzz test (its
files are the seeds) and bench/hostile.py. Run it to look at the files:

    python -m tests.hostile_corpus /tmp/hostile
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
GOOD_INVOICE = ROOT / "samples" / "jinan" / "dossier" / "05_电子发票.pdf"


@dataclass(frozen=True)
class Expect:
    """What reading a corpus file gives: at least ``pages`` pages read, errors only among ``codes``,
    and (when no page is required) at least one error: a file is never passed over in silence."""

    pages: int = 0
    codes: frozenset[str] = frozenset()
    why: str = ""


def _err(*codes: str, why: str = "") -> Expect:
    return Expect(0, frozenset(codes), why)


# --- PDF ---------------------------------------------------------------------------------------


def pdf(objects: list[bytes], *, trailer: bytes = b"", xref: bool = True) -> bytes:
    """A PDF of the numbered objects (1 is the catalog), with a correct xref unless told not."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % (offset if xref else offset * 7 + 13)  # broken: offsets point nowhere
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, start)
    return bytes(out)


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 24 Tf 72 720 Td (Hostile test page) Tj ET"


def text_pdf(pages: int = 1, *, extra_catalog: bytes = b"", extra_objects: list[bytes] | None = None) -> bytes:
    """A plain PDF of ``pages`` text pages (objects: 1 catalog, 2 pages, 3 font, 4 content, 5.. pages)."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        _FONT,
        _stream(_TEXT),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                b"/Contents 4 0 R >>"] * pages
    return pdf(objects + (extra_objects or []))


def slow_pdf(strokes: int) -> bytes:
    """Two pages: the first draws ``strokes`` lines (slow to draw and to parse), the second is text."""
    heavy = b"".join(b"%d %d m %d %d l S\n" % (i % 595, i % 842, (i * 7) % 595, (i * 13) % 842)
                     for i in range(strokes))
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 6 0 R] /Count 2 >>",
        _FONT,
        _stream(_TEXT),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 4 0 R >>",
        _stream(heavy, compress=True),
    ])


def _encrypted_pdf() -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(text_pdf())))
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdfs() -> dict[str, tuple[bytes, Expect]]:
    good = text_pdf()
    invoice = GOOD_INVOICE.read_bytes()
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents 4 0 R >>")
    return {
        "pdf_encrypted.pdf": (_encrypted_pdf(), _err("encrypted_pdf", why="needs the password")),
        # pdfium rebuilds a broken cross-reference table from the objects themselves
        "pdf_broken_xref.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                                     _FONT, _stream(_TEXT), page], xref=False), Expect(pages=1)),
        "pdf_circular_pages.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                        b"<< /Type /Pages /Kids [2 0 R 5 0 R] /Count 2 /Parent 2 0 R >>",
                                        _FONT, _stream(_TEXT), page]),
                                   Expect(1, frozenset({"corrupt_page"}), "a page tree that contains itself")),
        "pdf_self_referencing_contents.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                                   b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", _FONT,
                                                   b"[4 0 R 4 0 R]", page]),
                                              Expect(1, frozenset({"corrupt_page"}))),
        # 5,000 references to one page: a huge page count in a few KB, refused from the count
        "pdf_huge_page_count.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                         b"<< /Type /Pages /Kids [" + b"5 0 R " * 5000 + b"] /Count 5000 >>",
                                         _FONT, _stream(_TEXT), page]), _err("too_many_pages")),
        "pdf_count_lies.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                    b"<< /Type /Pages /Kids [5 0 R] /Count 2147483647 >>", _FONT, _stream(_TEXT),
                                    page]), Expect(1, frozenset({"too_many_pages"}), "pdfium counts the kids")),
        "pdf_javascript_and_attachment.pdf": (text_pdf(
            extra_catalog=b"/OpenAction << /S /JavaScript /JS (app.alert('x'); this.exportDataObject({cName: 'a'})) >> "
                          b"/Names << /EmbeddedFiles << /Names [(payload.exe) 6 0 R] >> >> ",
            extra_objects=[b"<< /Type /Filespec /F (payload.exe) /EF << /F 7 0 R >> >>",
                           _stream(b"MZ\x90\x00 not a real program")]), Expect(pages=1)),
        "pdf_truncated.pdf": (invoice[: len(invoice) // 2], _err("corrupt_file", "corrupt_page")),
        "pdf_header_only.pdf": (b"%PDF-1.7\n", _err("corrupt_file")),
        "pdf_garbage_after_header.pdf": (b"%PDF-1.4\n" + os.urandom(2000), _err("corrupt_file")),
        "pdf_no_pages.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
                             _err("corrupt_file")),
        "pdf_zero_size_page.pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                                        _FONT, _stream(_TEXT),
                                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0 0] /Contents 4 0 R >>"]),
                                   Expect(pages=1, codes=frozenset({"corrupt_page"}))),
        "pdf_named.jpg": (good, Expect(pages=1, why="a PDF named .jpg is read as a PDF")),
        # ~30 s of drawing and parsing on its first page: past a short EVIDENCE_PAGE_TIMEOUT_S
        "pdf_slow_page.pdf": (slow_pdf(100_000), Expect(1, frozenset({"page_timeout"}), "page 1 runs past the limit")),
    }


# --- images ------------------------------------------------------------------------------------


def _image(fmt: str, size: tuple[int, int] = (120, 80), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    img = Image.new(mode, size, "white" if mode != "P" else 0)
    for x in range(0, size[0], 7):  # some content, so the codecs have something to encode
        img.putpixel((x, x % size[1]), (0, 0, 0) if mode == "RGB" else 1)
    img.save(buf, fmt)
    return buf.getvalue()


def zero_png(width: int, height: int, *, bit_depth: int = 1, colour: int = 0) -> bytes:
    """A PNG of zeros, written row by row: a decompression bomb (or a merely huge image) in a few KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    channels = {0: 1, 2: 3}[colour]
    row = b"\x00" * (1 + (width * bit_depth * channels + 7) // 8)
    packer = zlib.compressobj(9)
    rows_per_chunk = max(1, (4 << 20) // len(row))
    body = bytearray()
    for start in range(0, height, rows_per_chunk):
        body += packer.compress(row * min(rows_per_chunk, height - start))
    body += packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0))
            + chunk(b"IDAT", bytes(body)) + chunk(b"IEND", b""))


def _flip(data: bytes, start: int, every: int = 3) -> bytes:
    out = bytearray(data)
    for i in range(start, len(out), every):
        out[i] ^= 0x5A
    return bytes(out)


def _images() -> dict[str, tuple[bytes, Expect]]:
    out: dict[str, tuple[bytes, Expect]] = {}
    broken = _err("corrupt_file", "corrupt_page")
    for fmt, suffix in (("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("TIFF", "tif"), ("WEBP", "webp")):
        data = _image(fmt, mode="P" if fmt == "GIF" else "RGB")
        out[f"truncated_{fmt.lower()}.{suffix}"] = (data[: len(data) // 2], broken)
        out[f"corrupt_{fmt.lower()}.{suffix}"] = (_flip(data, 40), broken)
    # the issue's case: a GIF with a broken body, named .png
    out["gif_broken_body.png"] = (b"GIF89a\x10\x00\x10\x00\x80\x00\x00" + b"\xff" * 30, broken)
    out["png_named.jpg"] = (_image("PNG"), Expect(pages=1, why="read as the PNG it is"))
    out["text_named.png"] = (b"this is not an image\n" * 10, _err("corrupt_file"))
    out["html_named.jpg"] = (b"<html><script>alert(1)</script></html>", _err("corrupt_file"))
    out["bomb_40000x40000.png"] = (zero_png(40000, 40000), _err("image_too_large", why="1,600 MP from the header"))
    out["gif_frames_huge_screen.gif"] = (b"GIF89a\xff\xff\xff\xff\x00\x00\x00" + b"\x2c" + b"\x00" * 9 + b"\x02\x02D\x01\x00;",
                                         _err("image_too_large", "corrupt_file", "corrupt_page"))
    return out


# --- archives ----------------------------------------------------------------------------------


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return buf.getvalue()


class _GbkInfo(zipfile.ZipInfo):
    """A name as a Chinese Windows zip tool writes it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's name
        return self.filename.encode("gbk"), self.flag_bits


def _unix(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def _overlapping_bomb(copies: int = 200, size: int = 8 << 20) -> bytes:
    """Many directory entries over one compressed member (the 'better zip bomb'): 1.6 GB declared in ~10 KB."""
    data = _zip([("a000.png", b"\0" * size)])
    cd, end = data.index(b"PK\x01\x02"), data.index(b"PK\x05\x06")
    entries = b"".join(data[cd:end].replace(b"a000.png", b"a%03d.png" % i) for i in range(copies))
    return data[:cd] + entries + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(entries), cd, 0)


def _encrypted_member_zip() -> bytes:
    data = bytearray(_zip([("secret.png", _image("PNG"))]))
    for magic, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.index(magic) + at
        data[i] |= 0x01  # "encrypted": no password will be asked for
    return bytes(data)


def _nested(depth: int) -> bytes:
    data = _zip([("deep.png", _image("PNG"))])
    for level in range(depth - 1):
        data = _zip([(f"level{level}.zip", data)])
    return data


def _archives() -> dict[str, tuple[bytes, Expect]]:
    png = _image("PNG")
    return {
        # two good members (one with a GBK name) and every kind of unsafe one
        "zip_unsafe_members.zip": (_zip([
            (_GbkInfo("发票.png"), png), ("正常.png", png), ("../escape.png", png), ("/etc/absolute.png", png),
            ("C:/windows/drive.png", png), ("a/../../up.png", png),
            (_unix("link.png", 0o120777), b"/etc/passwd"), (_unix("device.png", 0o020644), b""),
            (_unix("fifo.png", 0o010644), b""),
        ]), Expect(pages=2, codes=frozenset({"unsafe_archive_member"}))),
        "zip_bomb_overlapping.zip": (_overlapping_bomb(), _err("archive_too_large")),
        "zip_bomb_bzip2_ratio.zip": (_zip([("zeros.png", b"\0" * (40 << 20))], zipfile.ZIP_BZIP2),
                                     _err("archive_too_large")),
        "zip_nested_too_deep.zip": (_nested(5), _err("archive_too_deep")),
        "zip_encrypted_member.zip": (_encrypted_member_zip(), _err("corrupt_file")),
        "zip_not_a_zip.zip": (b"PK\x03\x04" + os.urandom(300), _err("corrupt_file")),
        "zip_control_chars.zip": (_zip([("bell\x07and\nnewline.png", png)]), Expect(pages=1)),
    }


# --- OFD ---------------------------------------------------------------------------------------

_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
_OFD_ROOT = f'<ofd:OFD {_NS}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'
_OFD_DOC = (f'<ofd:Document {_NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox>'
            '</ofd:PageArea></ofd:CommonData><ofd:Pages>{pages}</ofd:Pages></ofd:Document>')
_OFD_PAGE = (f'<ofd:Page {_NS}><ofd:Content><ofd:Layer><ofd:TextObject Boundary="10 10 80 5">'
             '<ofd:TextCode X="0" Y="4">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')


def _ofd(root: str = _OFD_ROOT, pages: list[str] | None = None) -> bytes:
    pages = pages if pages is not None else [_OFD_PAGE.format(text="发票号码 12345678")]
    refs = "".join(f'<ofd:Page ID="{i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = [("OFD.xml", root.encode()),
                                                          ("Doc_0/Document.xml", _OFD_DOC.format(pages=refs).encode())]
    members += [(f"Doc_0/Pages/Page_{i}/Content.xml", p.encode()) for i, p in enumerate(pages)]
    return _zip(members)


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + f']><ofd:OFD {_NS}><ofd:DocBody><ofd:DocRoot>&lol9;</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
_XXE = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<ofd:OFD {_NS}><ofd:DocBody><ofd:DocRoot>&xxe;</ofd:DocRoot></ofd:DocBody></ofd:OFD>')


def _ofds() -> dict[str, tuple[bytes, Expect]]:
    bad_page = _OFD_PAGE.format(text="x").replace("</ofd:Layer>", "<ofd:Layer>")
    xxe_page = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + _OFD_PAGE.format(text="&x;"))
    return {
        "ofd_billion_laughs.ofd": (_ofd(_LAUGHS), _err("corrupt_file", why="entity expansion refused")),
        "ofd_external_entity.ofd": (_ofd(_XXE), _err("corrupt_file", why="external entity refused")),
        "ofd_malformed_xml.ofd": (_ofd(_OFD_ROOT.replace("</ofd:OFD>", "")), _err("corrupt_file")),
        "ofd_no_docroot.ofd": (_ofd(f"<ofd:OFD {_NS}/>"), _err("corrupt_file")),
        # one good page, one broken, one with an external entity: the good one is read
        "ofd_bad_pages.ofd": (_ofd(pages=[_OFD_PAGE.format(text="发票号码 12345678"), bad_page, xxe_page]),
                              Expect(pages=1, codes=frozenset({"corrupt_page"}))),
    }


# --- the corpus --------------------------------------------------------------------------------


def files() -> dict[str, tuple[bytes, Expect]]:
    """Every hostile file by name, with what reading it must give."""
    out = {
        "empty.pdf": (b"", _err("empty_file")),
        "empty.png": (b"", _err("empty_file")),
        "notes.docx": (_zip([("word/document.xml", b"<w/>")]), _err("unsupported_format")),
        "\u63a7\u5236\x07\u5b57\u7b26.png": (_image("PNG"), Expect(pages=1, why="a control character in the name")),
    }
    for part in (_pdfs(), _images(), _archives(), _ofds()):
        out.update(part)
    return out


# --- fuzzing -----------------------------------------------------------------------------------


def seeds() -> dict[str, bytes]:
    """Small valid files of every kind ingest reads: what the fuzzers mutate."""
    frames = [Image.new("RGB", (40, 30), c) for c in ("red", "green")]
    tiff, gif = io.BytesIO(), io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    ofd = _ofd(pages=[_OFD_PAGE.format(text="发票号码 12345678"), _OFD_PAGE.format(text="第二页")])
    return {
        "seed.pdf": text_pdf(2),
        "seed_js.pdf": _pdfs()["pdf_javascript_and_attachment.pdf"][0],
        "seed.png": _image("PNG"), "seed.jpg": _image("JPEG"), "seed.webp": _image("WEBP"), "seed.bmp": _image("BMP"),
        "seed.tif": tiff.getvalue(), "seed.gif": gif.getvalue(), "seed.ofd": ofd,
        "seed.zip": _zip([("a.png", _image("PNG")), ("b.pdf", text_pdf(1)), ("c.ofd", ofd),
                          ("d.zip", _zip([("e.png", _image("PNG"))]))]),
    }


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to eight random edits: flipped bits, a cut, inserted or overwritten bytes, a repeated
    chunk, or a number in the file (a length, an offset, a page count) replaced by another."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not out:
            break
        at = rng.randrange(len(out))
        op = rng.choice(("flip", "cut", "insert", "overwrite", "repeat", "number", "number"))
        if op == "flip":
            out[at] ^= 1 << rng.randrange(8)
        elif op == "cut":
            del out[at:]
        elif op == "insert":
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        elif op == "overwrite":
            chunk = rng.randbytes(rng.randint(1, 64))
            out[at:at + len(chunk)] = chunk
        elif op == "repeat":
            out[at:at] = out[at:at + rng.randint(1, 512)] * rng.randint(1, 4)
        else:
            numbers = [m.span() for m in re.finditer(rb"\d+", bytes(out))]
            if numbers:
                start, end = rng.choice(numbers)
                out[start:end] = str(rng.choice((0, 1, 2, -1, 255, 65535, 2**31 - 1, 2**32, rng.randint(0, 10**6)))).encode()
    return bytes(out)


def unaccounted(pages: list[int], errors: list[tuple[int | None, str]]) -> list[str]:
    """What reading one file left unaccounted for: nothing read and nothing reported, a page twice,
    or a page skipped without a file-level error saying why. ``pages`` are the file pages read,
    ``errors`` the (page, code) of its errors."""
    problems = []
    numbers = sorted(pages + [p for p, _ in errors if p is not None])
    if not pages and not errors:
        problems.append("no page and no error")
    if len(numbers) != len(set(numbers)):
        problems.append(f"a page read or reported twice: {numbers}")
    file_level = any(p is None for p, _ in errors)
    if numbers and numbers != list(range(1, numbers[-1] + 1)) and not file_level:
        problems.append(f"pages skipped in silence: {numbers}")
    return problems


def build(folder: Path) -> dict[str, Expect]:
    """Write the corpus into ``folder`` (created); returns each file's expectation by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    expectations = {}
    for name, (data, expect) in files().items():
        (folder / name).write_bytes(data)
        expectations[name] = expect
    return expectations


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for name, expect in build(target).items():
        print(f"{name!r:45} pages={expect.pages} errors={sorted(expect.codes)} {expect.why}")
