from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.domain import ReportError
from models.enums import ErrorCode
from service.ingest import RawPage, collect_files, iter_pages
from service.settings import Settings


def _png(color: tuple[int, int, int] = (255, 255, 255), size: tuple[int, int] = (60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _pages(path: Path, settings: Settings) -> tuple[list[RawPage], list[ReportError]]:
    files, errors = collect_files([path], settings)
    pages: list[RawPage] = []
    for f in files:
        for item in iter_pages(f, settings):
            (errors if isinstance(item, ReportError) else pages).append(item)  # type: ignore[arg-type]
    return pages, errors


def test_folder_is_read_in_natural_order_and_junk_is_skipped(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "dossier"
    folder.mkdir()
    for name in ("10.png", "2.png", "1.png"):
        (folder / name).write_bytes(_png())
    (folder / ".DS_Store").write_bytes(b"junk")
    (folder / "Thumbs.db").write_bytes(b"junk")
    files, errors = collect_files([folder], settings)
    assert [f.name for f in files] == ["dossier/1.png", "dossier/2.png", "dossier/10.png"]
    assert errors == []


class _GbkInfo(zipfile.ZipInfo):
    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's name
        return self.filename.encode("gbk"), self.flag_bits


def test_zip_with_gbk_names_unsafe_members_and_unsupported_files(tmp_path: Path, settings: Settings) -> None:
    archive = tmp_path / "材料.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        # a name written by a Chinese Windows zip tool: GBK bytes, no UTF-8 flag
        zf.writestr(_GbkInfo("发票2.png"), _png())
        zf.writestr("发票10.png", _png())
        zf.writestr("../escape.png", _png())
        zf.writestr("notes.docx", b"x")
    files, errors = collect_files([archive], settings)
    assert [f.name for f in files] == ["材料.zip/发票2.png", "材料.zip/发票10.png"]
    codes = {e.code for e in errors}
    assert codes == {ErrorCode.unsafe_archive_member, ErrorCode.unsupported_format}


def test_archive_limits_are_enforced_with_a_message_that_says_what_to_do(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", max_archive_members=2)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(3):
            zf.writestr(f"{i}.png", _png())
    files, errors = collect_files([archive], settings)
    assert files == []
    assert errors[0].code == ErrorCode.archive_too_large
    assert "EVIDENCE_MAX_ARCHIVE_MEMBERS" in errors[0].message


def test_missing_unsupported_and_too_large_files_are_reported(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", max_file_mb=0)
    big = tmp_path / "scan.png"
    big.write_bytes(_png())
    odd = tmp_path / "form.docx"
    odd.write_bytes(b"x")
    files, errors = collect_files([tmp_path / "nope.pdf", odd, big], settings)
    assert files == []
    assert [e.code for e in errors] == [ErrorCode.file_not_found, ErrorCode.unsupported_format, ErrorCode.file_too_large]
    assert "EVIDENCE_MAX_FILE_MB" in errors[2].message


def test_corrupt_image_and_pdf_are_errors_not_crashes(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4\nnot really")
    pages_a, errors_a = _pages(tmp_path / "a.png", settings)
    pages_b, errors_b = _pages(tmp_path / "b.pdf", settings)
    assert pages_a == [] and errors_a[0].code == ErrorCode.corrupt_file
    assert pages_b == [] and errors_b[0].code == ErrorCode.corrupt_file


def test_multipage_tiff_gives_one_page_per_frame(tmp_path: Path, settings: Settings) -> None:
    frames = [Image.new("RGB", (50, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    path = tmp_path / "scan.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    pages, errors = _pages(path, settings)
    assert errors == []
    assert [p.file_page for p in pages] == [1, 2, 3]
    # BGR: the second frame is green
    assert tuple(pages[1].image[0, 0]) == (0, 255, 0)  # type: ignore[index]


def test_exif_orientation_is_applied(tmp_path: Path, settings: Settings) -> None:
    img = Image.new("RGB", (80, 20), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "photo.jpg"
    img.save(path, exif=exif)
    pages, _ = _pages(path, settings)
    assert pages[0].image is not None
    assert pages[0].image.shape[:2] == (80, 20)


def test_image_pixel_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", max_image_megapixels=0)
    (tmp_path / "huge.png").write_bytes(_png(size=(2000, 1000)))
    pages, errors = _pages(tmp_path / "huge.png", settings)
    assert pages == []
    assert errors[0].code == ErrorCode.image_too_large and "EVIDENCE_MAX_IMAGE_MEGAPIXELS" in errors[0].message


def _ofd(tmp_path: Path) -> Path:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    path = tmp_path / "invoice.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", f'<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        zf.writestr("Doc_0/Document.xml", (
            f'<ofd:Document {ns}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>'
            '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
            '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'))
        zf.writestr("Doc_0/Tpls/Tpl_0/Content.xml", (
            f'<ofd:Page {ns}><ofd:Content><ofd:Layer><ofd:TextObject Boundary="140 6 20 5"><ofd:TextCode X="0" Y="4">发票号码：'
            '</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>'))
        zf.writestr("Doc_0/Pages/Page_0/Content.xml", (
            f'<ofd:Page {ns}><ofd:Template TemplateID="2"/><ofd:Content><ofd:Layer>'
            '<ofd:TextObject Boundary="164 6 40 5"><ofd:TextCode X="0" Y="4">99999951</ofd:TextCode></ofd:TextObject>'
            '</ofd:Layer></ofd:Content></ofd:Page>'))
    return path


def test_ofd_text_objects_from_page_and_template(tmp_path: Path, settings: Settings) -> None:
    pages, errors = _pages(_ofd(tmp_path), settings)
    assert errors == []
    page = pages[0]
    assert page.kind == "ofd"
    assert [ln.text for ln in page.ofd_lines] == ["发票号码：", "99999951"]
    # millimetres to points: 210 mm wide
    assert page.width == pytest.approx(595.3, abs=0.1)
    x0 = page.ofd_lines[1].bbox[0]
    assert x0 == pytest.approx(164 * 72 / 25.4, abs=0.01)


def test_real_ofd_invoice_is_read(realdocs: Path, settings: Settings) -> None:
    pages, errors = _pages(realdocs / "other" / "ofdrw_chongqing_e_invoice_sample_2020.ofd", settings)
    assert errors == []
    text = " ".join(ln.text for ln in pages[0].ofd_lines)
    assert "99999951" in text and "050001700111" in text


def test_pdf_pages_render_and_keep_their_text_layer(realdocs: Path, settings: Settings) -> None:
    pages, errors = _pages(realdocs / "invoice_pdf" / "yc_didi_tianjin_e_invoice_2018.pdf", settings)
    assert errors == []
    page = pages[0]
    assert page.text_layer is not None and page.text_layer.usable
    assert any("23326471" in ln.text for ln in page.text_layer.lines)
    assert page.image is not None and page.image.shape[1] == pytest.approx(page.width * page.image_scale, abs=2)


def test_garbled_text_layer_is_detected(realdocs: Path, settings: Settings) -> None:
    pages, _ = _pages(realdocs / "invoice_pdf" / "hz_zhejiang_e_invoice_2017_garbled_textlayer.pdf", settings)
    layer = pages[0].text_layer
    assert layer is not None and not layer.usable
    assert "Unicode" in (layer.problem or "")
    # a page bound for OCR is rendered once, at OCR resolution, by the reader, not here as well
    assert pages[0].image is None


def test_image_without_alpha_surprises(tmp_path: Path, settings: Settings) -> None:
    img = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    path = tmp_path / "t.png"
    img.save(path)
    pages, _ = _pages(path, settings)
    # transparent pixels are paper, not black
    assert np.all(pages[0].image == 255)  # type: ignore[operator]


def test_a_short_but_genuine_text_layer_is_used(realdocs: Path, settings: Settings) -> None:
    # the template's second page says only 附加条款 and five numbers: still text, not a scan
    pages, _ = _pages(realdocs / "contract" / "qiyuesuo_contract_template_unsigned_2018.pdf", settings)
    layer = pages[1].text_layer
    assert layer is not None and layer.usable
    assert layer.lines[0].text == "附加条款"


def test_a_scan_with_a_few_words_of_text_is_ocrd() -> None:
    from service.textlayer import TextLayer

    assert not TextLayer(lines=[], chars=5, image_coverage=0.95).usable
    assert TextLayer(lines=[], chars=5, image_coverage=0.0).usable
    assert TextLayer(lines=[], chars=500, image_coverage=0.95).usable


def test_page_count_is_known_before_any_page_is_rendered(tmp_path: Path, settings: Settings) -> None:
    from service.decoding import open_reader
    from service.ingest import SourceFile, page_count

    frames = [Image.new("RGB", (50, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    tiff = tmp_path / "scan.tiff"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    dossier = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
    contract = dossier / "03_云服务合同.pdf"
    files, _ = collect_files([tiff, contract, _ofd(tmp_path)], settings)
    rendered = [sum(isinstance(p, RawPage) for p in iter_pages(f, settings)) for f in files]
    assert [page_count(f) for f in files] == rendered and rendered[0] == 3 and rendered[1] > 1
    # through the isolated decoder too; a file that is no document counts as one page (its error)
    with open_reader(settings) as reader:
        assert [reader.page_count(f) for f in files] == rendered
        assert reader.page_count(SourceFile(name="x.pdf", data=b"%PDF-1.4 garbage")) == 1


def test_a_decoder_child_serves_checks_into_other_data_directories(tmp_path: Path, settings: Settings) -> None:
    from service.decoding import open_reader

    Image.new("RGB", (50, 30)).save(tmp_path / "scan.png")
    files, _ = collect_files([tmp_path / "scan.png"], settings)
    with open_reader(settings) as first:
        assert first.page_count(files[0]) == 1
        started = getattr(first, "children", [first])[0]
        pid = started._process.pid
    # the data directory is no decoding setting: the idle child is handed back, none is started
    with open_reader(settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})) as second:
        assert getattr(second, "children", [second])[0] is started
        assert second.page_count(files[0]) == 1 and started._process.pid == pid
