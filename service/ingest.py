"""Ingest: turn the paths a user gives into dossier pages, in bound order.

A dossier is one bound PDF, or a folder or zip of scans, photos, e-invoice PDFs and OFD files.
Every page gets its dossier page number (as bound), its source file and its page in that file.
Reading is lazy and per page: a corrupt page becomes an error entry and the next page is read.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from natsort import natsorted, ns
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from models.domain import ReportError, TextLine
from models.enums import ErrorCode
from service.settings import Settings
from service.textlayer import TextLayer, read_text_layer

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
DOCUMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".ofd"}
ARCHIVE_SUFFIXES = {".zip"}
# files a scanner or an OS leaves in folders; skipped without an error
_JUNK = re.compile(r"(^\.|^thumbs\.db$|^desktop\.ini$|^__macosx$)", re.IGNORECASE)

MM_TO_PT = 72 / 25.4


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


def _read_zip(name: str, data: bytes, settings: Settings, errors: list[ReportError]) -> list[SourceFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        errors.append(_err(ErrorCode.corrupt_file, f"不是可读取的 zip 压缩包：{exc}", name))
        return []
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > settings.max_archive_members:
        errors.append(_err(
            ErrorCode.archive_too_large,
            f"压缩包内有 {len(infos)} 个文件，超过上限 {settings.max_archive_members} 个；"
            "请拆分后提交，或调高 `EVIDENCE_MAX_ARCHIVE_MEMBERS`",
            name,
        ))
        return []
    total = sum(i.file_size for i in infos)
    if total > settings.max_archive_mb * 1024 * 1024:
        errors.append(_err(
            ErrorCode.archive_too_large,
            f"压缩包解压后约 {total / 1e6:.0f} MB，超过上限 {settings.max_archive_mb} MB；"
            "请拆分后提交，或调高 `EVIDENCE_MAX_ARCHIVE_MB`",
            name,
        ))
        return []
    members: list[tuple[str, zipfile.ZipInfo]] = []
    for info in infos:
        member = _fix_zip_name(info)
        parts = PurePosixPath(member.replace("\\", "/")).parts
        if member.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            errors.append(_err(ErrorCode.unsafe_archive_member, f"已跳过路径不安全的压缩包成员：{member!r}", name))
            continue
        if any(_JUNK.search(p) for p in parts):
            continue
        members.append((member, info))
    out: list[SourceFile] = []
    for member, info in natsorted(members, key=lambda m: m[0], alg=ns.PATH):
        display = f"{name}/{member}"
        suffix = PurePosixPath(member).suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES | ARCHIVE_SUFFIXES:
            errors.append(_err(ErrorCode.unsupported_format, f"不是可读取的材料格式（{suffix or '无扩展名'}）", display))
            continue
        if info.file_size > settings.max_file_mb * 1024 * 1024:
            errors.append(_err(ErrorCode.file_too_large, _too_large(info.file_size, settings), display))
            continue
        try:
            payload = archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            errors.append(_err(ErrorCode.corrupt_file, f"无法解压：{exc}", display))
            continue
        if suffix in ARCHIVE_SUFFIXES:
            out.extend(_read_zip(display, payload, settings, errors))
        else:
            out.append(SourceFile(display, payload))
    return out


def _too_large(size: int, settings: Settings) -> str:
    return (
        f"文件约 {size / 1e6:.0f} MB，超过上限 {settings.max_file_mb} MB；"
        "请拆分或压缩后提交，或调高 `EVIDENCE_MAX_FILE_MB`"
    )


def collect_files(paths: list[Path], settings: Settings) -> tuple[list[SourceFile], list[ReportError]]:
    """Read the given files, folders and zips into document files, in bound order.

    Paths are taken in the order given; a folder's files in natural order (2.jpg before 10.jpg),
    recursively; a zip's members likewise.
    """
    errors: list[ReportError] = []
    files: list[SourceFile] = []
    for path in paths:
        if not path.exists():
            errors.append(_err(ErrorCode.file_not_found, f"找不到文件或文件夹：{path}", str(path)))
            continue
        if path.is_dir():
            entries = [p for p in path.rglob("*") if p.is_file() and not any(_JUNK.search(part) for part in p.relative_to(path).parts)]
            for entry in natsorted(entries, key=lambda p: p.relative_to(path).as_posix(), alg=ns.PATH):
                files.extend(_read_one(entry, f"{path.name}/{entry.relative_to(path).as_posix()}", settings, errors))
        else:
            files.extend(_read_one(path, path.name, settings, errors))
    return files, errors


def _read_one(path: Path, display: str, settings: Settings, errors: list[ReportError]) -> list[SourceFile]:
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES | ARCHIVE_SUFFIXES:
        errors.append(_err(ErrorCode.unsupported_format, f"不是可读取的材料格式（{suffix or '无扩展名'}）；"
                           "请提交 PDF、OFD、JPG、PNG、TIFF、BMP、WebP 文件或它们的 zip 压缩包", display))
        return []
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        errors.append(_err(ErrorCode.file_too_large, _too_large(size, settings), display))
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(_err(ErrorCode.corrupt_file, f"无法读取文件：{exc.strerror}", display))
        return []
    if suffix in ARCHIVE_SUFFIXES:
        return _read_zip(display, data, settings, errors)
    return [SourceFile(display, data)]


# --- pages ---------------------------------------------------------------------------------------


def iter_pages(source: SourceFile, settings: Settings) -> Iterator[RawPage | ReportError]:
    """The pages of one file, in order; an unreadable page or file yields a ReportError."""
    if source.suffix == ".pdf":
        yield from _pdf_pages(source, settings)
    elif source.suffix == ".ofd":
        yield from _ofd_pages(source)
    else:
        yield from _image_pages(source, settings)


def pil_to_bgr(img: Image.Image) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _image_pages(source: SourceFile, settings: Settings) -> Iterator[RawPage | ReportError]:
    limit = settings.max_image_megapixels * 1_000_000
    try:
        # PIL's own bomb guard would raise at 2x its default; we check our limit ourselves first
        Image.MAX_IMAGE_PIXELS = None
        img = Image.open(io.BytesIO(source.data))
        img.size  # noqa: B018 - forces the header to be parsed
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        yield _err(ErrorCode.corrupt_file, f"不是可读取的图片：{exc}", source.name)
        return
    for index, frame in enumerate(ImageSequence.Iterator(img), start=1):
        w, h = frame.size
        if w * h > limit:
            yield _err(ErrorCode.image_too_large,
                       f"图片为 {w}×{h} 像素（约 {w * h / 1e6:.0f} 百万像素），超过上限 "
                       f"{settings.max_image_megapixels} 百万像素；请以不高于 300 dpi 扫描，或调高 `EVIDENCE_MAX_IMAGE_MEGAPIXELS`",
                       source.name, index)
            continue
        try:
            upright = ImageOps.exif_transpose(frame.copy()) if index == 1 else frame.copy()
            bgr = pil_to_bgr(upright)
        except (OSError, ValueError, SyntaxError) as exc:
            yield _err(ErrorCode.corrupt_page, f"图片第 {index} 页无法解码：{exc}", source.name, index)
            continue
        yield RawPage(file=source.name, file_page=index, kind="image", width=float(bgr.shape[1]),
                      height=float(bgr.shape[0]), image=bgr)


def _pdf_pages(source: SourceFile, settings: Settings) -> Iterator[RawPage | ReportError]:
    import pdfplumber
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(source.data)
        # form fields and signature widgets (where e-signed seals often live) render only with
        # the form environment initialised
        document.init_forms()
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            yield _err(ErrorCode.encrypted_pdf, "PDF 文件设有密码保护，请提交未加密的副本", source.name)
        else:
            yield _err(ErrorCode.corrupt_file, f"不是可读取的 PDF 文件：{exc}", source.name)
        return
    try:
        plumber = pdfplumber.open(io.BytesIO(source.data))
        plumber_pages = plumber.pages
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types; the text layer is optional
        plumber, plumber_pages = None, []
        text_error: str | None = f"text layer not readable: {exc}"
    else:
        text_error = None
    try:
        for index in range(len(document)):
            try:
                page = document[index]
                width, height = page.get_size()
            except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
                yield _err(ErrorCode.corrupt_page, f"第 {index + 1} 页无法读取：{exc}", source.name, index + 1)
                continue
            layer: TextLayer | None = None
            if index < len(plumber_pages):
                try:
                    layer = read_text_layer(plumber_pages[index])
                except Exception as exc:  # noqa: BLE001 - a broken content stream: fall back to OCR
                    layer = TextLayer(lines=[], problem=f"text layer not readable: {exc}")
            elif text_error:
                layer = TextLayer(lines=[], problem=text_error)
            raw = RawPage(file=source.name, file_page=index + 1, kind="pdf", width=float(width), height=float(height),
                          text_layer=layer, pdf_page_render=page)
            # A page read from its text layer is rendered here, at preview resolution, for seals and
            # the report; a page that needs OCR is rendered once, at OCR resolution, by the reader.
            if layer is not None and layer.usable:
                try:
                    raw.image, raw.image_scale = render_pdf_page(raw, settings.preview_dpi, settings)
                except Exception as exc:  # noqa: BLE001 - pdfium errors for one broken page
                    yield _err(ErrorCode.corrupt_page, f"第 {index + 1} 页无法渲染为图像：{exc}",
                               source.name, index + 1)
                    continue
            yield raw
    finally:
        if plumber is not None:
            plumber.close()


def render_pdf_page(raw: RawPage, dpi: int, settings: Settings) -> tuple[np.ndarray, float]:
    """Render a PDF page at ``dpi`` (bounded by the pixel limit); returns the image and its scale."""
    scale = dpi / 72
    max_pixels = settings.max_image_megapixels * 1_000_000
    if raw.width * raw.height * scale * scale > max_pixels:
        scale = (max_pixels / (raw.width * raw.height)) ** 0.5
    page = raw.pdf_page_render
    return pil_to_bgr(page.render(scale=scale).to_pil()), scale  # type: ignore[attr-defined]


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
    root = ET.fromstring(xml)
    lines = []
    for obj in root.iter(f"{{{_OFD_NS['ofd']}}}TextObject"):
        box = _box(obj.get("Boundary"))
        text = "".join(code.text or "" for code in obj.findall("ofd:TextCode", _OFD_NS)).strip()
        if not box or not text:
            continue
        x, y, w, h = box
        lines.append(TextLine(text=text, bbox=(x * MM_TO_PT, y * MM_TO_PT, (x + w) * MM_TO_PT, (y + h) * MM_TO_PT)))
    return lines


def _ofd_pages(source: SourceFile) -> Iterator[RawPage | ReportError]:
    """OFD (GB/T 33190): a zip of XML. Text objects carry their text and boxes in millimetres."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
        names = set(archive.namelist())
        root = ET.fromstring(archive.read("OFD.xml"))
        doc_root = root.find(".//ofd:DocRoot", _OFD_NS)
        if doc_root is None or not doc_root.text:
            raise ValueError("OFD.xml names no DocRoot")
        doc_path = PurePosixPath(doc_root.text.lstrip("/"))
        document = ET.fromstring(archive.read(str(doc_path)))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError) as exc:
        yield _err(ErrorCode.corrupt_file, f"不是可读取的 OFD 文件：{exc}", source.name)
        return
    base = doc_path.parent
    default_area = _box(document.findtext(".//ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=_OFD_NS))
    templates = {
        t.get("ID"): str(base / (t.get("BaseLoc") or ""))
        for t in document.findall(".//ofd:CommonData/ofd:TemplatePage", _OFD_NS)
    }
    for index, page in enumerate(document.findall(".//ofd:Pages/ofd:Page", _OFD_NS), start=1):
        try:
            content_path = str(base / (page.get("BaseLoc") or ""))
            content = archive.read(content_path)
            page_root = ET.fromstring(content)
            area = _box(page_root.findtext(".//ofd:Area/ofd:PhysicalBox", namespaces=_OFD_NS)) or default_area
            lines = _ofd_text_lines(content)
            for tpl in page_root.findall("ofd:Template", _OFD_NS):
                tpl_path = templates.get(tpl.get("TemplateID"))
                if tpl_path and tpl_path in names:
                    lines = _ofd_text_lines(archive.read(tpl_path)) + lines
        except (KeyError, ET.ParseError) as exc:
            yield _err(ErrorCode.corrupt_page, f"OFD 文件第 {index} 页无法读取：{exc}", source.name, index)
            continue
        width, height = ((area[2], area[3]) if area else (210.0, 297.0))
        lines.sort(key=lambda ln: (round(ln.bbox[1]), ln.bbox[0]))
        yield RawPage(file=source.name, file_page=index, kind="ofd", width=width * MM_TO_PT, height=height * MM_TO_PT,
                      ofd_lines=lines)
