"""Ingest: turn the paths a user gives into dossier pages, in bound order.

A dossier is one bound PDF, or a folder or zip of scans, photos, e-invoice PDFs and OFD files.
Every page gets its dossier page number (as bound), its source file and its page in that file.
Reading is lazy and per page: a corrupt page becomes an error entry and the next page is read.
"""

from __future__ import annotations

import io
import logging
import re
import stat
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from natsort import natsorted, ns
from PIL import Image, ImageOps

from models.domain import ReportError, TextLine
from models.enums import ErrorCode
from service.pdfdraw import DrawnImage, shows_colour
from service.settings import Settings
from service.textlayer import MIN_TEXT_CHARS, TextLayer, read_text_layer, read_text_layer_pdfium

if TYPE_CHECKING:
    from extractors.seals import Impression

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".gif"}
DOCUMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".ofd"}
ARCHIVE_SUFFIXES = {".zip"}
# files a scanner or an OS leaves in folders; skipped without an error
_JUNK = re.compile(r"(^\.|^thumbs\.db$|^desktop\.ini$|^__macosx$)", re.IGNORECASE)

log = logging.getLogger(__name__)

MM_TO_PT = 72 / 25.4
MB = 1024 * 1024

# what a file is, from its first bytes: its name may lie
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"BM", "bmp"), (b"PK\x03\x04", "zip"),
]
KIND_LABELS = {"pdf": "PDF", "ofd": "OFD", "zip": "zip 压缩包", "png": "PNG 图片", "jpeg": "JPEG 图片",
               "gif": "GIF 图片", "tiff": "TIFF 图片", "bmp": "BMP 图片", "webp": "WebP 图片"}
DOCUMENT_KINDS = {"pdf", "ofd", "png", "jpeg", "gif", "tiff", "bmp", "webp"}
_SUFFIX_KINDS = {".pdf": "pdf", ".ofd": "ofd", ".zip": "zip", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg",
                 ".gif": "gif", ".tif": "tiff", ".tiff": "tiff", ".bmp": "bmp", ".webp": "webp"}


def sniff(data: bytes) -> str | None:
    """The file's kind from its content (pdf, zip, png, jpeg, gif, tiff, bmp, webp), or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    # PDF readers accept a header anywhere in the first KiB (some producers put junk before it)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def content_kind(data: bytes) -> str | None:
    """Like ``sniff``, telling an OFD (a zip with OFD.xml) from any other zip."""
    kind = sniff(data)
    if kind == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = {n.lstrip("/") for n in archive.namelist()}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "zip"
        return "ofd" if "OFD.xml" in names else "zip"
    return kind


def display_name(name: str) -> str:
    """A file name as the report shows it: control characters (a newline in a name ...) escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)


@dataclass
class SourceFile:
    """One document file of the dossier, read into memory."""

    name: str  # as shown in the report: relative to the input, zip members as "a.zip/b.pdf"
    data: bytes

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


@dataclass
class RawPage:
    """One page as read from its file, before OCR and classification.

    ``image`` is the page as a picture (BGR) when there is one: the decoded image file, or the
    rendering of a PDF page. ``text_layer`` holds a PDF page's embedded text (coordinates in PDF
    points, top-left origin) and whether it can be trusted; OFD pages carry ``ofd_lines``.
    """

    file: str
    file_page: int
    kind: str  # pdf | image | ofd
    width: float
    height: float
    image: np.ndarray | None = None
    image_scale: float = 1.0  # image pixels per page unit (PDF points); 1 for image files
    text_layer: TextLayer | None = None
    ofd_lines: list[TextLine] = field(default_factory=list)
    # render a PDF page at another resolution (for OCR) on demand
    pdf_page_render: object | None = None
    notes: list[str] = field(default_factory=list)  # e.g. a file whose name says PNG and content GIF
    # a text-layer page's seal impressions and report preview, taken where it was drawn
    # (``service.pagepixels``); None when not taken there
    impressions: list[Impression] | None = None
    preview: bytes | None = None
    # a text-layer page that draws nothing in colour (``service.pdfdraw.shows_colour``): rendered
    # grey (``image`` is then 2-D), and no seal ink can be on it
    colourless: bool = False
    # the images drawn where the seal impressions are (``service.pdfdraw.drawn_images``)
    drawn: list[DrawnImage] = field(default_factory=list)


def _err(code: ErrorCode, message: str, file: str | None, page: int | None = None) -> ReportError:
    return ReportError(file=file, page=page, code=code, message=message)


def _fix_zip_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; zipfile then decodes
    # them as cp437. Undo that so the report shows 发票.pdf, not mojibake.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


@dataclass
class _Budget:
    """What the dossier has used of its limits so far, across every path and nested archive."""

    settings: Settings
    errors: list[ReportError]
    upload_bytes: int = 0
    expanded_bytes: int = 0
    files: int = 0

    def add_file(self, name: str, data: bytes, out: list[SourceFile]) -> None:
        self.files += 1
        if self.files > self.settings.max_files:
            self.errors.append(_err(
                ErrorCode.too_many_files,
                f"申报材料超过 {self.settings.max_files} 个文件，本文件未检查；请合并或拆分后提交，"
                "或调高 `EVIDENCE_MAX_FILES`", name))
            return
        out.append(SourceFile(name, data))


_LINK_OR_DEVICE = {stat.S_IFLNK: "符号链接", stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备",
                   stat.S_IFIFO: "命名管道", stat.S_IFSOCK: "套接字"}


def _unsafe_member(member: str, info: zipfile.ZipInfo) -> str | None:
    """Why a zip member must not be read (a path out of the archive, a link, a device), or None."""
    parts = PurePosixPath(member.replace("\\", "/")).parts
    if member.startswith(("/", "\\")) or (parts and ":" in parts[0]):
        return "绝对路径"
    if ".." in parts:
        return "路径含 `..`"
    kind = _LINK_OR_DEVICE.get(stat.S_IFMT(info.external_attr >> 16)) if info.create_system == 3 else None
    return kind


def _read_zip(name: str, data: bytes, budget: _Budget, depth: int = 1) -> list[SourceFile]:
    settings, errors = budget.settings, budget.errors
    if depth > settings.max_archive_depth:
        errors.append(_err(ErrorCode.archive_too_deep,
                           f"压缩包嵌套超过 {settings.max_archive_depth} 层，未解压；请解开后直接提交其中的文件，"
                           "或调高 `EVIDENCE_MAX_ARCHIVE_DEPTH`", name))
        return []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        errors.append(_err(ErrorCode.corrupt_file, f"不是可读取的 zip 压缩包：{exc}", name))
        return []
    if len(infos) > settings.max_archive_members:
        errors.append(_err(
            ErrorCode.archive_too_large,
            f"压缩包内有 {len(infos)} 个文件，超过上限 {settings.max_archive_members} 个；"
            "请拆分后提交，或调高 `EVIDENCE_MAX_ARCHIVE_MEMBERS`",
            name,
        ))
        return []
    # the sizes the archive declares bound what reading it yields (zipfile stops there), so a zip
    # bomb is refused here, before a byte is inflated
    total = sum(i.file_size for i in infos)
    if budget.expanded_bytes + total > settings.max_archive_mb * MB:
        errors.append(_err(
            ErrorCode.archive_too_large,
            f"压缩包解压后约 {total / 1e6:.0f} MB，连同其他压缩包超过上限 {settings.max_archive_mb} MB；"
            "请拆分后提交，或调高 `EVIDENCE_MAX_ARCHIVE_MB`",
            name,
        ))
        return []
    budget.expanded_bytes += total
    members: list[tuple[str, zipfile.ZipInfo]] = []
    for info in infos:
        member = _fix_zip_name(info)
        parts = PurePosixPath(member.replace("\\", "/")).parts
        unsafe = _unsafe_member(member, info)
        if unsafe:
            errors.append(_err(ErrorCode.unsafe_archive_member,
                               f"已跳过不安全的压缩包成员（{unsafe}）：{display_name(member)}", name))
            continue
        if any(_JUNK.search(p) for p in parts):
            continue
        members.append((member, info))
    out: list[SourceFile] = []
    for member, info in natsorted(members, key=lambda m: m[0], alg=ns.PATH):
        display = f"{name}/{display_name(member)}"
        suffix = PurePosixPath(member).suffix.lower()
        if info.file_size > settings.max_file_mb * MB:
            errors.append(_err(ErrorCode.file_too_large, _too_large(info.file_size, settings), display))
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > settings.max_archive_ratio:
            errors.append(_err(ErrorCode.archive_too_large,
                               f"压缩比 {ratio:.0f}:1 超过上限 {settings.max_archive_ratio}:1（疑似压缩炸弹），未解压；"
                               "请直接提交该文件，或调高 `EVIDENCE_MAX_ARCHIVE_RATIO`", display))
            continue
        try:
            payload = archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError, EOFError,
                zlib.error) as exc:
            message = "压缩包成员已加密，请提交未加密的压缩包" if "encrypted" in str(exc) else f"无法解压：{exc}"
            errors.append(_err(ErrorCode.corrupt_file, message, display))
            continue
        if suffix in ARCHIVE_SUFFIXES:
            out.extend(_read_zip(display, payload, budget, depth + 1))
        elif _readable(display, suffix, payload[:1024], errors):
            budget.add_file(display, payload, out)
    return out


def _readable(display: str, suffix: str, head: bytes, errors: list[ReportError]) -> bool:
    """Whether a file is one to read: a document by its name, or (a name we do not know) by its
    first bytes: a phone's scan saved without an extension is still a JPEG."""
    if suffix in DOCUMENT_SUFFIXES or (head and sniff(head) in DOCUMENT_KINDS - {"ofd"}):
        return True
    errors.append(_err(ErrorCode.unsupported_format, f"不是可读取的材料格式（{suffix or '无扩展名'}）；"
                       "请提交 PDF、OFD、JPG、PNG、TIFF、BMP、WebP 文件或它们的 zip 压缩包", display))
    return False


def _too_large(size: int, settings: Settings) -> str:
    return (
        f"文件约 {size / 1e6:.0f} MB，超过上限 {settings.max_file_mb} MB；"
        "请拆分或压缩后提交，或调高 `EVIDENCE_MAX_FILE_MB`"
    )


def collect_files(paths: list[Path], settings: Settings) -> tuple[list[SourceFile], list[ReportError]]:
    """Read the given files, folders and zips into document files, in bound order.

    Paths are taken in the order given; a folder's files in natural order (2.jpg before 10.jpg),
    recursively; a zip's members likewise. Every file that is not read is in the errors, with why.
    """
    budget = _Budget(settings, [])
    files: list[SourceFile] = []
    for path in paths:
        if not path.exists():
            budget.errors.append(_err(ErrorCode.file_not_found, f"找不到文件或文件夹：{path}", display_name(str(path))))
            continue
        if path.is_dir():
            for entry in folder_entries(path):
                display = display_name(f"{path.name}/{entry.relative_to(path).as_posix()}")
                files.extend(_read_one(entry, display, budget))
        else:
            files.extend(_read_one(path, display_name(path.name), budget))
    return files, budget.errors


def folder_entries(path: Path) -> list[Path]:
    """A folder's entries to read, recursively, in natural order, without the OS's junk files."""
    entries = [p for p in path.rglob("*")
               if not p.is_dir() and not any(_JUNK.search(part) for part in p.relative_to(path).parts)]
    return natsorted(entries, key=lambda p: p.relative_to(path).as_posix(), alg=ns.PATH)


def _read_one(path: Path, display: str, budget: _Budget) -> list[SourceFile]:
    settings, errors = budget.settings, budget.errors
    suffix = path.suffix.lower()
    if not path.is_file():  # a device or a pipe would block or never end
        errors.append(_err(ErrorCode.unsupported_format, "不是普通文件（设备、管道或套接字），未读取", display))
        return []
    if suffix not in DOCUMENT_SUFFIXES | ARCHIVE_SUFFIXES:
        try:
            with path.open("rb") as fh:
                head = fh.read(1024)
        except OSError:
            head = b""
        if not _readable(display, suffix, head, errors):
            return []
    size = path.stat().st_size
    if size > settings.max_file_mb * MB:
        errors.append(_err(ErrorCode.file_too_large, _too_large(size, settings), display))
        return []
    if budget.upload_bytes + size > settings.max_upload_mb * MB:
        errors.append(_err(ErrorCode.file_too_large,
                           f"申报材料合计超过 {settings.max_upload_mb} MB，本文件未读取；请压缩或拆分后提交，"
                           "或调高 `EVIDENCE_MAX_UPLOAD_MB`", display))
        return []
    budget.upload_bytes += size
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(_err(ErrorCode.corrupt_file, f"无法读取文件：{exc.strerror}", display))
        return []
    if suffix in ARCHIVE_SUFFIXES:
        return _read_zip(display, data, budget)
    out: list[SourceFile] = []
    budget.add_file(display, data, out)
    return out


# --- pages ---------------------------------------------------------------------------------------


def iter_pages(source: SourceFile, settings: Settings, *, start: int = 1, pages_before: int = 0,
               render: bool = False, step: int = 1) -> Iterator[RawPage | ReportError]:
    """The pages of one file, in order; an unreadable page or file yields a ReportError.

    The file is read as what its content is, whatever its name says. A file with more pages than
    ``max_file_pages``, or than the dossier has left after ``pages_before``, is refused from its
    page count before any page is rendered. ``start`` skips to a page (a reader resuming after a
    page that hung); ``render`` renders every PDF page here, at OCR resolution where its text layer
    will not do, instead of leaving that to the caller (a child process cannot hand a page over).
    ``step`` reads every ``step``-th page of a PDF from ``start`` on (decoders sharing a file; any
    other file is one reader's whole). Nothing escapes: whatever a decoder raises on hostile bytes
    is that page's or file's error.
    """
    if not source.data:
        yield _err(ErrorCode.empty_file, "文件为空（0 字节）；请重新导出、扫描或上传该文件", source.name)
        return
    kind = content_kind(source.data)
    if kind not in DOCUMENT_KINDS:
        found = KIND_LABELS.get(kind or "", f"文件头为 {source.data[:8]!r}")
        yield _err(ErrorCode.corrupt_file, f"文件内容不是 PDF、OFD 或图片（{found}）；请提交原始文件", source.name)
        return
    notes = []
    if _SUFFIX_KINDS.get(source.suffix) != kind:
        notes.append(f"文件扩展名为 {source.suffix or '（无）'}，内容为 {KIND_LABELS[kind]}，已按内容读取")
    try:
        pages = (_pdf_pages(source, settings, start, pages_before, render, step) if kind == "pdf" else
                 _ofd_pages(source, settings, start, pages_before, render) if kind == "ofd" else
                 _image_pages(source, settings, start, pages_before, render))
        for item in pages:
            if isinstance(item, RawPage):
                item.notes.extend(notes)
            yield item
    except Exception as exc:  # noqa: BLE001 - hostile bytes can make any decoder raise anything
        log.info("reading %s failed: %r", source.name, exc)
        yield _err(ErrorCode.corrupt_file, f"文件无法读取：{_why(exc)}", source.name)


def page_count(source: SourceFile) -> int:
    """How many pages ``source`` has, from its page table or image header, without rendering any:
    the total that progress reports. 1 where that cannot be told (reading the file reports why)."""
    try:
        kind = content_kind(source.data) if source.data else None
        if kind == "pdf":
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(source.data)
            try:
                return max(1, len(document))
            finally:
                document.close()
        if kind == "ofd":
            archive = zipfile.ZipFile(io.BytesIO(source.data))
            root = SafeET.fromstring(archive.read("OFD.xml"))
            doc_root = root.find(".//ofd:DocRoot", _OFD_NS)
            if doc_root is None or not doc_root.text:
                return 1
            document = SafeET.fromstring(archive.read(doc_root.text.strip().lstrip("/")))
            return max(1, len(document.findall(".//ofd:Pages/ofd:Page", _OFD_NS)))
        if kind in DOCUMENT_KINDS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                return max(1, int(getattr(Image.open(io.BytesIO(source.data)), "n_frames", 1)))
    except Exception:  # noqa: BLE001 - hostile bytes: reading the file reports them
        return 1
    return 1


def opens_with_text(source: SourceFile) -> bool:
    """Whether ``source`` is a PDF whose first page carries text (``MIN_TEXT_CHARS`` characters or
    more): the mark of a document typed, not scanned, whose pages are cheap to read and worth
    drawing side by side (``service.decoding.SplitReader``). Nothing is rendered."""
    try:
        if not source.data or content_kind(source.data) != "pdf":
            return False
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(source.data)
        try:
            return len(document) > 0 and document[0].get_textpage().count_chars() >= MIN_TEXT_CHARS
        finally:
            document.close()  # with the page and its text page
    except Exception:  # noqa: BLE001 - hostile bytes: reading the file reports them
        return False


def _page_code(exc: BaseException) -> ErrorCode:
    return ErrorCode.decoder_failed if isinstance(exc, MemoryError) else ErrorCode.corrupt_page


def _why(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "解码所需内存超过上限；请降低扫描分辨率，或调高 `EVIDENCE_DECODER_MEMORY_MB`"
    return f"{type(exc).__name__}: {exc}"[:300]


def _too_many_pages(count: int, source: SourceFile, settings: Settings, pages_before: int) -> ReportError | None:
    if count > settings.max_file_pages:
        return _err(ErrorCode.too_many_pages,
                    f"本文件有 {count} 页，超过单个文件上限 {settings.max_file_pages} 页，未检查；"
                    "请拆分后提交，或调高 `EVIDENCE_MAX_FILE_PAGES`", source.name)
    if pages_before + count > settings.max_pages:
        return _err(ErrorCode.too_many_pages,
                    f"前面的材料已有 {pages_before} 页，加上本文件的 {count} 页超过整份材料上限 "
                    f"{settings.max_pages} 页，本文件未检查；请拆分后提交，或调高 `EVIDENCE_MAX_PAGES`", source.name)
    return None


def pil_to_bgr(img: Image.Image) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _image_pages(source: SourceFile, settings: Settings, start: int, pages_before: int,
                 render: bool) -> Iterator[RawPage | ReportError]:
    limit = settings.max_image_megapixels * 1_000_000
    with warnings.catch_warnings():
        # our own limit, checked below from the header, is the one that counts; Pillow's guard
        # (a library-wide setting we leave alone) refuses only what is far past any sane scan
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(source.data))
            img.size  # noqa: B018 - forces the header to be parsed
            count = getattr(img, "n_frames", 1)
        except Image.DecompressionBombError as exc:
            yield _err(ErrorCode.image_too_large, f"图片像素过多（{exc}）；请以不高于 300 dpi 扫描后提交", source.name)
            return
        except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, struct.error ... on bad headers
            yield _err(ErrorCode.corrupt_file, f"不是可读取的图片：{_why(exc)}", source.name)
            return
        refused = _too_many_pages(count, source, settings, pages_before)
        if refused:
            yield refused
            return
        for index in range(start, count + 1):
            try:
                img.seek(index - 1)
                w, h = img.size
            except Exception as exc:  # noqa: BLE001 - a frame table that lies
                yield _err(ErrorCode.corrupt_page, f"图片第 {index} 页无法读取：{_why(exc)}", source.name, index)
                continue
            if w * h > limit:
                yield _err(ErrorCode.image_too_large,
                           f"图片为 {w}×{h} 像素（约 {w * h / 1e6:.0f} 百万像素），超过上限 "
                           f"{settings.max_image_megapixels} 百万像素，未解码；请以不高于 300 dpi 扫描，"
                           "或调高 `EVIDENCE_MAX_IMAGE_MEGAPIXELS`", source.name, index)
                continue
            try:
                upright = ImageOps.exif_transpose(img.copy()) if index == 1 else img.copy()
                bgr = pil_to_bgr(upright)
            except Exception as exc:  # noqa: BLE001 - truncated or corrupt data: this page, not the run
                yield _err(_page_code(exc), f"图片第 {index} 页无法解码：{_why(exc)}", source.name, index)
                continue
            yield RawPage(file=source.name, file_page=index, kind="image", width=float(bgr.shape[1]),
                          height=float(bgr.shape[0]), image=bgr)


def _pdf_pages(source: SourceFile, settings: Settings, start: int, pages_before: int,
               render: bool, step: int = 1) -> Iterator[RawPage | ReportError]:
    import pdfplumber
    import pypdfium2 as pdfium

    # pdfium here has no JavaScript engine and we never ask it for attachments: a PDF's scripts
    # and embedded files are neither run nor extracted, only its pages drawn
    try:
        document = pdfium.PdfDocument(source.data)
        count = len(document)
    except pdfium.PdfiumError as exc:
        # pdfium's error code is process-wide and can be left over from an earlier file: a password
        # error counts only where the file has an encryption dictionary
        if "password" in str(exc).lower() and b"/Encrypt" in source.data:
            yield _err(ErrorCode.encrypted_pdf, "PDF 文件设有密码保护，需要密码才能读取；请提交未加密的副本", source.name)
        else:
            detail = "结构损坏或没有页面" if "success" in str(exc).lower() else str(exc)
            yield _err(ErrorCode.corrupt_file, f"不是可读取的 PDF 文件：{detail}", source.name)
        return
    refused = _too_many_pages(count, source, settings, pages_before)
    if refused:
        yield refused
        return
    if count == 0:
        yield _err(ErrorCode.corrupt_file, "PDF 文件中没有页面", source.name)
        return
    # form fields and signature widgets (where e-signed seals often live) render only with the
    # form environment initialised
    document.init_forms()
    # pdfplumber (pdfminer, ~15 times slower) is opened only for a page pdfium's reading declines
    plumber: pdfplumber.PDF | None = None
    plumber_pages: list[pdfplumber.page.Page] = []
    text_error: str | None = None
    try:
        for index in range(start - 1, count, max(1, step)):
            try:
                page = document[index]
                width, height = page.get_size()
            except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
                yield _err(ErrorCode.corrupt_page, f"第 {index + 1} 页无法读取：{_why(exc)}", source.name, index + 1)
                continue
            try:
                layer: TextLayer | None = read_text_layer_pdfium(page)
            except Exception:  # noqa: BLE001 - pdfplumber reads the page instead
                log.info("pdfium's text of %s page %d not read", source.name, index + 1, exc_info=True)
                layer = None
            if layer is None and plumber is None and text_error is None:
                try:
                    plumber = pdfplumber.open(io.BytesIO(source.data))
                    plumber_pages = plumber.pages
                except Exception as exc:  # noqa: BLE001 - pdfminer raises many types; the text layer is optional
                    text_error = f"text layer not readable: {_why(exc)}"
            if layer is None and index < len(plumber_pages):
                try:
                    layer = read_text_layer(plumber_pages[index])
                except Exception as exc:  # noqa: BLE001 - a broken content stream: fall back to OCR
                    layer = TextLayer(lines=[], problem=f"text layer not readable: {_why(exc)}")
                finally:
                    # pdfplumber keeps every page's parsed objects until the file is closed: a
                    # 600-page PDF held ~1.2 GB in the decoder child (bench/speed.py --memory)
                    plumber_pages[index].close()
            elif layer is None and text_error:
                layer = TextLayer(lines=[], problem=text_error)
            raw = RawPage(file=source.name, file_page=index + 1, kind="pdf", width=float(width), height=float(height),
                          text_layer=layer, pdf_page_render=page)
            # A page read from its text layer is rendered here, at preview resolution, for seals and
            # the report; a page that needs OCR is rendered once, at OCR resolution: here when
            # ``render``, else by the reader.
            usable = layer is not None and layer.usable
            if usable or render:
                try:
                    dpi = settings.preview_dpi if usable else settings.ocr_dpi
                    raw.colourless = usable and not _shows_colour(page)
                    raw.image, raw.image_scale = render_pdf_page(raw, dpi, settings, grey=raw.colourless)
                except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
                    yield _err(_page_code(exc), f"第 {index + 1} 页无法渲染为图像：{_why(exc)}",
                               source.name, index + 1)
                    continue
            yield raw
    finally:
        if plumber is not None:
            plumber.close()


def _shows_colour(page: object) -> bool:
    try:
        return shows_colour(page)
    except Exception:  # noqa: BLE001 - a page pdfium cannot answer for is rendered in colour
        log.debug("page objects not walked", exc_info=True)
        return True


def render_pdf_page(raw: RawPage, dpi: int, settings: Settings, *, grey: bool = False) -> tuple[np.ndarray, float]:
    """Render a PDF page at ``dpi`` (bounded by the pixel limit); returns the image (BGR, or 2-D
    with ``grey``) and its scale."""
    scale = dpi / 72
    max_pixels = settings.max_image_megapixels * 1_000_000
    if raw.width * raw.height * scale * scale > max_pixels:
        scale = (max_pixels / (raw.width * raw.height)) ** 0.5
    bitmap = raw.pdf_page_render.render(scale=scale, grayscale=grey)  # type: ignore[attr-defined]
    if grey and bitmap.mode == "L":
        return bitmap.to_numpy().copy(), scale
    if bitmap.mode == "BGR":  # pdfium's pixels are what OpenCV wants: copied out of its buffer, not converted twice
        return bitmap.to_numpy().copy(), scale
    return pil_to_bgr(bitmap.to_pil()), scale


# --- OFD -----------------------------------------------------------------------------------------

_OFD_NS = {"ofd": "http://www.ofdspec.org/2016"}


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        x, y, w, h = (float(v) for v in text.split()[:4])
    except ValueError:
        return None
    return x, y, w, h


def _ofd_text_lines(xml: bytes) -> list[TextLine]:
    root = SafeET.fromstring(xml)
    lines = []
    for obj in root.iter(f"{{{_OFD_NS['ofd']}}}TextObject"):
        box = _box(obj.get("Boundary"))
        text = "".join(code.text or "" for code in obj.findall("ofd:TextCode", _OFD_NS)).strip()
        if not box or not text:
            continue
        x, y, w, h = box
        lines.append(TextLine(text=text, bbox=(x * MM_TO_PT, y * MM_TO_PT, (x + w) * MM_TO_PT, (y + h) * MM_TO_PT)))
    return lines


def _ofd_part(archive: zipfile.ZipFile, path: str, settings: Settings) -> bytes:
    """One part of an OFD, refused (KeyError, like a missing part) past the file size limit."""
    info = archive.getinfo(path)
    if info.file_size > settings.max_file_mb * MB:
        raise KeyError(f"{path} 解压后超过 {settings.max_file_mb} MB（`EVIDENCE_MAX_FILE_MB`）")
    return archive.read(info)


def _ofd_pages(source: SourceFile, settings: Settings, start: int, pages_before: int,
               render: bool) -> Iterator[RawPage | ReportError]:
    """OFD (GB/T 33190): a zip of XML. Text objects carry their text and boxes in millimetres.

    The XML is parsed with defusedxml: a DTD, an entity expansion or an external entity is refused.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
        names = set(archive.namelist())
        root = SafeET.fromstring(_ofd_part(archive, "OFD.xml", settings))
        doc_root = root.find(".//ofd:DocRoot", _OFD_NS)
        if doc_root is None or not doc_root.text:
            raise ValueError("OFD.xml names no DocRoot")
        doc_path = PurePosixPath(doc_root.text.strip().lstrip("/"))
        document = SafeET.fromstring(_ofd_part(archive, str(doc_path), settings))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, DefusedXmlException, OSError, EOFError,
            NotImplementedError, RuntimeError, zlib.error) as exc:
        yield _err(ErrorCode.corrupt_file, f"不是可读取的 OFD 文件：{_why(exc)}", source.name)
        return
    base = doc_path.parent
    default_area = _box(document.findtext(".//ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=_OFD_NS))
    templates = {
        t.get("ID"): str(base / (t.get("BaseLoc") or ""))
        for t in document.findall(".//ofd:CommonData/ofd:TemplatePage", _OFD_NS)
    }
    page_list = document.findall(".//ofd:Pages/ofd:Page", _OFD_NS)
    refused = _too_many_pages(len(page_list), source, settings, pages_before)
    if refused:
        yield refused
        return
    if not page_list:
        yield _err(ErrorCode.corrupt_file, "OFD 文件中没有页面", source.name)
        return
    for index, page in enumerate(page_list, start=1):
        if index < start:
            continue
        try:
            content = _ofd_part(archive, str(base / (page.get("BaseLoc") or "")), settings)
            page_root = SafeET.fromstring(content)
            area = _box(page_root.findtext(".//ofd:Area/ofd:PhysicalBox", namespaces=_OFD_NS)) or default_area
            lines = _ofd_text_lines(content)
            for tpl in page_root.findall("ofd:Template", _OFD_NS):
                tpl_path = templates.get(tpl.get("TemplateID"))
                if tpl_path and tpl_path in names:
                    lines = _ofd_text_lines(_ofd_part(archive, tpl_path, settings)) + lines
        except (KeyError, ET.ParseError, ValueError, DefusedXmlException, OSError, EOFError, NotImplementedError,
                RuntimeError, zlib.error, zipfile.BadZipFile) as exc:
            yield _err(ErrorCode.corrupt_page, f"OFD 文件第 {index} 页无法读取：{_why(exc)}", source.name, index)
            continue
        width, height = ((area[2], area[3]) if area and area[2] > 0 and area[3] > 0 else (210.0, 297.0))
        lines.sort(key=lambda ln: (round(ln.bbox[1]), ln.bbox[0]))
        yield RawPage(file=source.name, file_page=index, kind="ofd", width=width * MM_TO_PT, height=height * MM_TO_PT,
                      ofd_lines=lines)
