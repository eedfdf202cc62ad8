"""Hostile and broken input: every file is read or reported, a stuck or crashing decoder costs one
page, and a good invoice among every bad file is still checked in full (issue 14)."""

from __future__ import annotations

import os
import random
import resource
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from models.domain import ReportError
from service.cli import exit_status
from service.decoding import DecoderProcess
from service.ingest import RawPage, SourceFile, collect_files, display_name, iter_pages
from service.pipeline import CheckOptions, check_dossier
from service.settings import Settings
from tests.fakes import FakeEngine
from tests.hostile_corpus import GOOD_INVOICE, Expect, build, slow_pdf, text_pdf, zero_png

GIB = 1024 ** 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, build(folder)


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # a short page time limit, so the corpus's slow page is cut off rather than waited for
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=None, page_timeout_s=3)


@pytest.fixture(scope="module")
def decoder(limits: Settings) -> Iterator[DecoderProcess]:
    with DecoderProcess(limits) as reader:
        yield reader
    reader.stop()


def _read(path: Path, settings: Settings, reader: DecoderProcess) -> tuple[list[RawPage], list[ReportError]]:
    files, errors = collect_files([path], settings)
    pages: list[RawPage] = []
    for source in files:
        for item in reader.pages(source):
            (errors if isinstance(item, ReportError) else pages).append(item)  # type: ignore[arg-type]
    return pages, errors


def _problems(name: str, expect: Expect, pages: int, errors: list[ReportError]) -> list[str]:
    codes = {str(e.code) for e in errors}
    out = []
    if pages < expect.pages:
        out.append(f"{name!r}: {pages} pages read, expected at least {expect.pages}")
    if not codes <= expect.codes:
        out.append(f"{name!r}: unexpected errors {sorted(codes - expect.codes)}: {[e.message for e in errors]}")
    if expect.pages == 0 and not errors:
        out.append(f"{name!r}: no page and no error: passed over in silence")
    return out


def test_every_hostile_file_is_read_or_reported_with_its_reason(
        corpus: tuple[Path, dict[str, Expect]], limits: Settings, decoder: DecoderProcess) -> None:
    folder, expectations = corpus
    problems = []
    for name, expect in expectations.items():
        pages, errors = _read(folder / name, limits, decoder)
        problems += _problems(name, expect, len(pages), errors)
        assert all(e.message for e in errors)
    assert problems == []


def test_an_encrypted_pdf_needs_its_password_and_the_next_broken_pdf_is_not_called_encrypted(
        limits: Settings, decoder: DecoderProcess) -> None:
    from tests.hostile_corpus import files

    corpus = files()
    # pdfium's last error is process-wide: the second file must not inherit the first one's
    for name, code in (("pdf_encrypted.pdf", "encrypted_pdf"), ("pdf_no_pages.pdf", "corrupt_file")):
        [error] = list(decoder.pages(SourceFile(name, corpus[name][0])))
        assert error.code == code, (name, error.message)  # type: ignore[union-attr]
    assert "密码" in list(decoder.pages(SourceFile("e.pdf", corpus["pdf_encrypted.pdf"][0])))[0].message  # type: ignore[union-attr]


def test_a_page_past_the_time_limit_is_reported_and_the_next_page_is_read(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None, page_timeout_s=1)
    started = time.perf_counter()
    with DecoderProcess(settings) as reader:
        items = list(reader.pages(SourceFile("slow.pdf", slow_pdf(20_000))))
        assert reader.restarts == 1
    assert time.perf_counter() - started < 15
    assert [(type(i).__name__, getattr(i, "code", None), getattr(i, "page", None) or getattr(i, "file_page", None))
            for i in items] == [("ReportError", "page_timeout", 1), ("RawPage", None, 2)]
    assert "EVIDENCE_PAGE_TIMEOUT_S" in items[0].message  # type: ignore[union-attr]


def test_a_decoder_that_dies_costs_its_page_and_the_reader_goes_on(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None, page_timeout_s=60)
    with DecoderProcess(settings) as reader:
        pages = reader.pages(SourceFile("slow.pdf", slow_pdf(20_000)))
        reader._start()
        pid = reader._process.pid
        threading.Timer(1.0, lambda: os.kill(pid, signal.SIGKILL)).start()  # a segfault, as far as we can tell
        items = list(pages)
        assert [getattr(i, "code", "page") for i in items] == ["decoder_failed", "page"]
        # the next file goes to a fresh child
        assert len(list(reader.pages(SourceFile("again.pdf", slow_pdf(10))))) == 2


def test_a_decoder_past_its_memory_limit_costs_the_page_not_the_check(tmp_path: Path) -> None:
    # 100 megapixels, under the pixel limit, but decoding and converting it needs ~1 GB more
    settings = Settings(data_dir=tmp_path, database_url=None, decoder_memory_mb=900)
    with DecoderProcess(settings) as reader:
        items = list(reader.pages(SourceFile("big.png", zero_png(10_000, 10_000, bit_depth=8))))
        assert len(items) == 1 and isinstance(items[0], ReportError)
        assert items[0].code == "decoder_failed" and "EVIDENCE_DECODER_MEMORY_MB" in items[0].message
        assert isinstance(next(iter(reader.pages(SourceFile("small.png", zero_png(50, 50))))), RawPage)


def test_reading_images_leaves_pillows_own_limits_alone(tmp_path: Path) -> None:
    before = Image.MAX_IMAGE_PIXELS
    settings = Settings(data_dir=tmp_path, database_url=None, max_image_megapixels=1)
    items = list(iter_pages(SourceFile("bomb.png", zero_png(40_000, 40_000)), settings))
    assert [i.code for i in items] == ["image_too_large"]  # type: ignore[union-attr]
    items = list(iter_pages(SourceFile("big.png", zero_png(2_000, 1_000)), settings))
    assert [i.code for i in items] == ["image_too_large"]  # type: ignore[union-attr]
    assert "EVIDENCE_MAX_IMAGE_MEGAPIXELS" in items[0].message  # type: ignore[union-attr]
    assert before is not None and before == Image.MAX_IMAGE_PIXELS


def test_an_oversized_pdf_is_refused_from_its_page_count_and_later_files_are_read(tmp_path: Path) -> None:
    from tests.hostile_corpus import text_pdf

    (tmp_path / "1_big.pdf").write_bytes(text_pdf(8))
    (tmp_path / "2_small.pdf").write_bytes(text_pdf(2))
    (tmp_path / "3_tail.pdf").write_bytes(text_pdf(3))
    settings = Settings(data_dir=tmp_path / "d", database_url=None, max_pages=6, max_file_pages=5)
    report = check_dossier([tmp_path], CheckOptions(previews=False), settings, engine=FakeEngine()).report
    assert [(p.file, p.file_page) for p in report.pages] == [(f"{tmp_path.name}/2_small.pdf", 1),
                                                            (f"{tmp_path.name}/2_small.pdf", 2),
                                                            (f"{tmp_path.name}/3_tail.pdf", 1),
                                                            (f"{tmp_path.name}/3_tail.pdf", 2),
                                                            (f"{tmp_path.name}/3_tail.pdf", 3)]
    assert [(e.file.rsplit("/", 1)[-1], e.code) for e in report.errors] == [("1_big.pdf", "too_many_pages")]  # type: ignore[union-attr]
    assert "EVIDENCE_MAX_FILE_PAGES" in report.errors[0].message
    settings = Settings(data_dir=tmp_path / "d", database_url=None, max_pages=4, max_file_pages=50)
    report = check_dossier([tmp_path], CheckOptions(previews=False), settings, engine=FakeEngine()).report
    assert [e.file.rsplit("/", 1)[-1] for e in report.errors] == ["1_big.pdf", "3_tail.pdf"]  # type: ignore[union-attr]
    assert [p.file_page for p in report.pages] == [1, 2]
    assert "EVIDENCE_MAX_PAGES" in report.errors[0].message


def test_a_folder_with_a_pipe_reports_it_and_does_not_block(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "scan.png")
    files, errors = collect_files([folder], Settings(data_dir=tmp_path / "x"))
    assert files == [] and [e.code for e in errors] == ["unsupported_format"]


def _fields(report) -> dict[str, object]:  # type: ignore[no-untyped-def]
    files = {p.page: p.file for p in report.pages}
    [invoice] = [d for d in report.documents
                 if d.document_type == "vat_invoice" and files[d.pages[0]] == GOOD_INVOICE.name]
    return {name: f.value for name, f in invoice.fields.items()}


def test_a_good_invoice_among_every_hostile_file_is_checked_in_full_in_any_order(
        corpus: tuple[Path, dict[str, Expect]], limits: Settings) -> None:
    folder, expectations = corpus
    alone = check_dossier([GOOD_INVOICE], CheckOptions(previews=False), limits, engine=FakeEngine()).report
    hostile = sorted(folder / name for name in expectations)
    shuffled = list(hostile)
    random.Random(14).shuffle(shuffled)
    for paths in ([GOOD_INVOICE, *hostile], [*hostile, GOOD_INVOICE], shuffled[:20] + [GOOD_INVOICE] + shuffled[20:]):
        started = time.perf_counter()
        outcome = check_dossier(paths, CheckOptions(), limits, engine=FakeEngine())
        report = outcome.report
        assert time.perf_counter() - started < 120
        assert _fields(report) == _fields(alone) and _fields(alone)["grand_total"]
        invoice_pages = [p for p in report.pages if p.file == GOOD_INVOICE.name]
        assert invoice_pages and all(p.text_source == "text_layer" for p in invoice_pages)
        reported = {(e.file or "").split("/", 1)[0] for e in report.errors}
        for name, expect in expectations.items():
            if expect.pages == 0:
                assert display_name(name) in reported, name
        # every page has a text source or says why not
        assert all(p.text_source != "none" or p.notes for p in report.pages)
        assert exit_status(report) == 3
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    assert peak * 1024 < 2 * GIB


def test_upload_and_file_count_limits_report_each_file_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(1, 5):
        (folder / f"{i}.png").write_bytes(zero_png(300, 300))
    files, errors = collect_files([folder], Settings(data_dir=tmp_path / "x", max_files=2))
    assert [f.name for f in files] == ["d/1.png", "d/2.png"]
    assert [(e.file, e.code) for e in errors] == [("d/3.png", "too_many_files"), ("d/4.png", "too_many_files")]
    assert "EVIDENCE_MAX_FILES" in errors[0].message
    files, errors = collect_files([folder], Settings(data_dir=tmp_path / "x", max_upload_mb=0))
    assert files == [] and {e.code for e in errors} == {"file_too_large"} and len(errors) == 4
    assert "EVIDENCE_MAX_UPLOAD_MB" in errors[0].message


def test_names_with_control_characters_are_shown_escaped_and_a_nameless_scan_is_sniffed(tmp_path: Path) -> None:
    (tmp_path / "a\x07b\nc.png").write_bytes(zero_png(20, 20))
    (tmp_path / "IMG_0001").write_bytes(zero_png(20, 20))  # a phone's scan without an extension
    files, errors = collect_files([tmp_path / "a\x07b\nc.png", tmp_path / "IMG_0001"], Settings(data_dir=tmp_path / "x"))
    assert errors == [] and [f.name for f in files] == ["a\\x07b\\x0ac.png", "IMG_0001"]
    [page] = list(iter_pages(files[1], Settings(data_dir=tmp_path / "x")))
    assert isinstance(page, RawPage) and "PNG" in page.notes[0]


def test_a_healthy_decoder_child_serves_the_next_dossier_and_a_dead_one_does_not(tmp_path: Path) -> None:
    from service.decoding import InProcessReader, open_reader

    settings = Settings(data_dir=tmp_path, database_url=None, decoder_processes=1)
    with open_reader(settings) as first:
        assert isinstance(first, DecoderProcess)
        list(first.pages(SourceFile("a.png", zero_png(20, 20))))
        pid = first._process.pid
    with open_reader(settings) as second:
        assert second is first and second._process.pid == pid  # type: ignore[union-attr]
        second._kill()  # type: ignore[union-attr]
    with open_reader(settings) as third:
        assert third is not first
    assert isinstance(open_reader(settings.model_copy(update={"isolate_decoders": False})), InProcessReader)


def test_the_child_decodes_ahead_while_the_reader_takes_long_over_a_page(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    one = pdfium.PdfDocument(slow_pdf(2000))
    pdf = pdfium.PdfDocument.new()
    for _ in range(5):
        pdf.import_pages(one, [0])  # five pages, each slow to draw
    target = tmp_path / "slow5.pdf"
    pdf.save(target)
    with DecoderProcess(Settings(data_dir=tmp_path, database_url=None)) as reader:
        reader._start()
        pages = reader.pages(SourceFile("slow5.pdf", target.read_bytes()))
        started = time.perf_counter()
        next(pages)
        decode = time.perf_counter() - started  # one page drawn and handed over
        time.sleep(8 * decode)  # the reader busy with page 1 (a seal, an OCR): the child works on
        started = time.perf_counter()
        rest = list(pages)
        assert len(rest) == 4
        # pages 2 to 5 were drawn meanwhile: taking them costs no drawing
        assert time.perf_counter() - started < decode


def _pages_of(*parts: bytes) -> bytes:
    """One PDF of the pages of ``parts`` in turn."""
    import io

    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for data in parts:
        out.import_pages(pdfium.PdfDocument(data))
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _sequence(items: list[RawPage | ReportError]) -> list[tuple[str, int | None]]:
    return [(str(i.code), i.page) if isinstance(i, ReportError) else ("page", i.file_page) for i in items]


def test_two_decoder_children_hand_a_pdfs_pages_on_in_order(tmp_path: Path) -> None:
    from service.decoding import SplitReader, open_reader

    dossier = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
    data = _pages_of(*(p.read_bytes() for p in sorted(dossier.glob("*.pdf"))))
    source = SourceFile("bound.pdf", data)
    with DecoderProcess(Settings(data_dir=tmp_path, database_url=None)) as one:
        alone = list(one.pages(source))
    with open_reader(Settings(data_dir=tmp_path, database_url=None, decoder_processes=2)) as reader:
        assert isinstance(reader, SplitReader) and len(reader.children) == 2
        split = list(reader.pages(source))
        assert all(child._process is not None for child in reader.children)  # both drew pages
    assert _sequence(split) == _sequence(alone) == [("page", n) for n in range(1, len(alone) + 1)]
    for a, b in zip(alone, split, strict=True):
        assert isinstance(a, RawPage) and isinstance(b, RawPage)
        assert [line.text for line in a.text_layer.lines] == [line.text for line in b.text_layer.lines]  # type: ignore[union-attr]
        assert a.preview == b.preview and a.impressions == b.impressions and a.drawn == b.drawn


def test_a_page_one_of_two_children_hangs_on_costs_that_page_alone(tmp_path: Path) -> None:
    from service.decoding import open_reader

    slow = slow_pdf(20_000)  # a slow page, then a page of text
    data = _pages_of(text_pdf(), slow_pdf(10), slow, slow_pdf(10))  # page 4 (the second child's) draws slowly
    settings = Settings(data_dir=tmp_path, database_url=None, page_timeout_s=1, decoder_processes=2)
    with open_reader(settings) as reader:
        items = list(reader.pages(SourceFile("mixed.pdf", data)))
        assert reader.children[1].restarts == 1 and reader.children[0].restarts == 0
    assert _sequence(items) == [("page", 1), ("page", 2), ("page", 3), ("page_timeout", 4), ("page", 5), ("page", 6),
                                ("page", 7)]


def test_a_scanned_pdf_is_drawn_by_one_child_alone(tmp_path: Path) -> None:
    from service.decoding import open_reader

    scans = _pages_of(*[slow_pdf(10)] * 3)  # no text on its first page
    typed = _pages_of(text_pdf(2), slow_pdf(10))
    # settings of its own, so no child another test left in the pool is handed over already started
    settings = Settings(data_dir=tmp_path, database_url=None, decoder_processes=2, page_timeout_s=29.5)
    with open_reader(settings) as reader:
        assert _sequence(list(reader.pages(SourceFile("scan.pdf", scans)))) == [("page", n) for n in range(1, 7)]
        assert reader.children[1]._process is None  # the second child never started
        assert _sequence(list(reader.pages(SourceFile("typed.pdf", typed)))) == [("page", n) for n in range(1, 5)]
        assert reader.children[1]._process is not None


def test_a_file_refused_whole_is_said_once_by_two_children(tmp_path: Path) -> None:
    from service.decoding import open_reader

    settings = Settings(data_dir=tmp_path, database_url=None, decoder_processes=2, max_file_pages=1)
    dossier = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
    with open_reader(settings) as reader:
        refused = list(reader.pages(SourceFile("c.pdf", (dossier / "03_云服务合同.pdf").read_bytes())))
    assert _sequence(refused) == [("too_many_pages", None)]
