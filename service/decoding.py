"""Risky decoders in a child process: a stuck or crashing decoder costs one page, not the check.

PDF rendering (pdfium), text layers (pdfminer), image decoding (Pillow's C decoders) and the file
forensics (pyHanko) all read bytes from outside. With ``isolate_decoders`` they run in one child
process per dossier, under an address-space limit (``decoder_memory_mb``). The parent waits for
each page at most ``page_timeout_s``; a child that runs past it, dies or runs out of memory is
killed, that page is reported, and the file goes on from the next page in a fresh child.

A page's pixels come back through shared memory (a pipe costs ~80 ms for a 200 dpi A4 page, shared
memory ~10 ms), and the child decodes the next pages while this process reads the last one, up to
four pages (64 MiB of pixels) ahead, so isolation costs about nothing on two cores (see
bench/hostile.py) and a page this process takes long over is time the child works ahead in.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import os
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from models.domain import ReportError
from models.enums import ErrorCode
from service.forensics import FileForensics, analyse_file
from service.ingest import RawPage, SourceFile, iter_pages, opens_with_text, page_count
from service.pagepixels import take_page_pixels
from service.settings import Settings

log = logging.getLogger(__name__)

_DONE = "done"
_NEXT = "next"
_READY = "ready"
_START_TIMEOUT_S = 120
# how far the child decodes ahead of the reader: at most this many pages, holding at most this many
# bytes of pixels and previews, waiting to be taken (one page, whatever its size, always). Most
# text-layer pages come without pixels (``service.pagepixels``): many of them fit in the time the
# reader takes over one sealed page
_PAGES_AHEAD = 16
_AHEAD_BYTES = 64 * 2**20
# a file whose reading fails this many times in a row without delivering a page is given up
_GIVE_UP_AFTER = 2


class InProcessReader:
    """The same interface as ``DecoderProcess``, decoding in this process (no time or memory bound)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def pages(self, source: SourceFile, *, pages_before: int = 0, previews: bool = True
              ) -> Iterator[RawPage | ReportError]:
        for item in iter_pages(source, self.settings, pages_before=pages_before):
            yield take_page_pixels(item, previews=previews)

    def forensics(self, source: SourceFile) -> FileForensics:
        return analyse_file(source.name, source.data)

    def page_count(self, source: SourceFile) -> int:
        return page_count(source)

    def close(self) -> None:
        pass

    def __enter__(self) -> InProcessReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reader(settings: Settings) -> DecoderProcess | SplitReader | InProcessReader:
    """The page reader the settings ask for; use it as a context manager.

    A decoder child outlives its dossier: closing the reader hands a healthy child back for the next
    check with the same settings (a service, the tests), so its start-up (~0.7 s) is paid once.
    """
    if not settings.isolate_decoders:
        return InProcessReader(settings)
    if multiprocessing.current_process().daemon:  # a daemonic worker may not start processes
        log.warning("decoding in process: this is a daemonic process, which cannot start a decoder child")
        return InProcessReader(settings)
    # a child decodes the same under any data directory, store or engine: those do not part the pool
    # (a worker checking into many data directories would otherwise keep two idle children for each)
    key = settings.model_dump_json(exclude=_NOT_DECODING)
    with _POOL_LOCK:
        idle = _POOL.get(key, [])
        # the last handed back, in the order they served (the first answers the questions about files)
        taken = min(len(idle), settings.decoder_processes)
        children = idle[len(idle) - taken:]
        del idle[len(idle) - taken:]
    children += [DecoderProcess(settings, pool_key=key) for _ in range(settings.decoder_processes - len(children))]
    return children[0] if len(children) == 1 else SplitReader(children)


_POOL: dict[str, list[DecoderProcess]] = {}
_NOT_DECODING = {"data_dir", "database_url", "ocr_engine", "default_programme"}
_POOL_LOCK = threading.Lock()
_POOL_MAX_RSS_MB = 400  # a child that decoded something huge keeps its memory: it is stopped, not kept


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


@atexit.register
def _close_pool() -> None:
    with _POOL_LOCK:
        idle = [d for children in _POOL.values() for d in children]
        _POOL.clear()
    for decoder in idle:
        decoder.stop()


class DecoderProcess:
    """Reads files' pages in a child process, bounded in time per page and in memory."""

    def __init__(self, settings: Settings, *, pool_key: str | None = None) -> None:
        self.settings = settings
        self.pool_key = pool_key
        self._process: Any = None
        self._conn: Connection | None = None
        self._starting = False  # launched, its word that it is ready not yet received
        self.restarts = 0  # children killed after a timeout or a crash (for the bench)

    def __enter__(self) -> DecoderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def launch(self) -> None:
        """Start the child, if it is not running, without waiting for it to be ready (children
        started together import side by side)."""
        if self._conn is None:
            # spawn, not fork: the parent may hold OCR threads, and a fork would copy its memory
            ctx = multiprocessing.get_context("spawn")
            parent, child = ctx.Pipe()
            self._process = ctx.Process(target=_serve, args=(child, self.settings), daemon=True,
                                        name="evidence-decoder")
            self._process.start()
            child.close()
            self._conn = parent
            self._starting = True

    def _start(self) -> Connection:
        self.launch()
        if self._starting:
            # start-up (imports) is not a page's time: wait for the child to say it is ready
            ready, failure = self._receive(_START_TIMEOUT_S)
            if ready != _READY:
                self._kill()
                raise RuntimeError(f"the decoder process did not start: {failure or ready!r}")
            self._starting = False
        assert self._conn is not None
        return self._conn

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self.restarts += 1
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn, self._starting = None, None, False

    def close(self) -> None:
        """Done with this dossier: back to the pool when pooled and healthy, else stopped."""
        if (self.pool_key is not None and self._process is not None and self._process.is_alive()
                and _rss_mb(self._process.pid) < _POOL_MAX_RSS_MB):
            with _POOL_LOCK:
                idle = _POOL.setdefault(self.pool_key, [])
                if len(idle) < max(1, self.settings.decoder_processes):  # the children one check takes
                    idle.append(self)
                    return
        self.stop()

    def stop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
                self._process.join(5)
            except (OSError, ValueError):
                pass
            if self._process.is_alive():
                self._process.kill()
                self._process.join(5)
            self._conn.close()
        self._process, self._conn, self._starting = None, None, False

    def _receive(self, timeout: float) -> tuple[Any, str | None]:
        """The child's next message, or (None, why) when it ran past ``timeout`` or died."""
        conn = self._conn
        assert conn is not None
        try:
            if not conn.poll(timeout):
                return None, "timeout"
            return conn.recv(), None
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            if code is None and self._process is not None:
                self._process.join(1)
                code = self._process.exitcode
            return None, f"crashed (exit {code})"

    def pages(self, source: SourceFile, *, pages_before: int = 0, previews: bool = True, start: int = 1,
              step: int = 1) -> Iterator[RawPage | ReportError]:
        """The file's pages as ``iter_pages`` gives them (every ``step``-th of a PDF from ``start``),
        text-layer pages with their seal impressions and preview taken (``take_page_pixels``); a page
        the child hangs or dies on is an error."""
        finished = False
        try:
            yield from self._pages(source, pages_before, previews, start, step)
            finished = True
        finally:
            if not finished:  # abandoned mid-file: the child waits for a word that will not come
                self._kill()

    def _pages(self, source: SourceFile, pages_before: int, previews: bool, start: int, step: int
               ) -> Iterator[RawPage | ReportError]:
        timeout = self.settings.page_timeout_s
        expected, failures = start, 0
        while True:
            request = ("pages", source, {"start": expected, "pages_before": pages_before, "previews": previews,
                                         "step": step})
            try:
                self._start().send(request)
            except (OSError, ValueError) as exc:  # the child died between two files
                log.warning("decoder child unusable: %r", exc)
                self._kill()
                self._start().send(request)
            while True:
                item, failure = self._receive(timeout)
                if failure is None and isinstance(item, str) and item == _DONE:
                    return
                if failure is None:
                    item = _unpack(item)
                    self._conn.send(_NEXT)  # type: ignore[union-attr] - decode the next page meanwhile
                    failures = 0
                    if isinstance(item, RawPage):
                        expected = item.file_page + step
                    elif item.page is not None:
                        expected = item.page + step
                    yield item
                    continue
                self._kill()
                failures += 1
                if failures >= _GIVE_UP_AFTER:
                    yield ReportError(file=source.name, page=None, code=_code(failure),
                                      message=f"第 {expected} 页{_describe(failure, timeout)}，"
                                              "本文件自该页起未读取；请检查或重新导出该文件")
                    return
                yield ReportError(file=source.name, page=expected, code=_code(failure),
                                  message=f"第 {expected} 页{_describe(failure, timeout)}，已跳过")
                expected += step
                break

    def _ask(self, op: str, source: SourceFile) -> tuple[Any, str | None]:
        """One answer of the child about ``source`` (``op`` forensics or count), or why there is none."""
        try:
            self._start().send((op, source, {}))
        except (OSError, ValueError):
            self._kill()
            self._start().send((op, source, {}))
        item, failure = self._receive(self.settings.page_timeout_s)
        if failure is None:
            done, failure = self._receive(self.settings.page_timeout_s)
            if done == _DONE:
                return item, None
        self._kill()
        return None, failure or "no answer"

    def forensics(self, source: SourceFile) -> FileForensics:
        """The file's forensic checks, or an empty result (with the problem) when the child fails."""
        item, failure = self._ask("forensics", source)
        if isinstance(item, FileForensics):
            return item
        log.warning("forensics of %s failed: %s", source.name, failure)
        return FileForensics(source.name)

    def page_count(self, source: SourceFile) -> int:
        """The file's page count before any page is rendered (1 when the child cannot tell)."""
        item, _ = self._ask("count", source)
        return item if isinstance(item, int) else 1

    def survey(self, source: SourceFile) -> tuple[int, bool]:
        """The file's page count, and whether it is a PDF whose first page carries text
        (``ingest.opens_with_text``); (1, False) when the child cannot tell."""
        item, _ = self._ask("survey", source)
        if isinstance(item, tuple) and len(item) == 2:
            return int(item[0]), bool(item[1])
        return 1, False


#: a PDF is drawn by several children when it has at least this many pages and its first page
#: carries text: the pages of a typed document cost the drawing as much as the checking; a scan's
#: cost the OCR ~40 times more than the drawing, and one child drawing ahead keeps up with it (a
#: second only takes the cores from the OCR: the sample dossier took 5 % longer split)
SPLIT_MIN_PAGES = 4


class SplitReader:
    """Several decoder children reading one dossier: a typed PDF's pages (``SPLIT_MIN_PAGES``) are
    drawn by each in turn (with two, the first draws pages 1, 3, 5 ..., the second 2, 4, 6 ...) and
    handed on in page order; any other file, and every question about a whole file, goes to the
    first. Each child keeps its own time and memory bounds, and a page one of them fails on is that
    page's error."""

    def __init__(self, children: list[DecoderProcess]) -> None:
        self.children = children
        self._surveys: dict[int, tuple[SourceFile, int, bool]] = {}

    def __enter__(self) -> SplitReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def page_count(self, source: SourceFile) -> int:
        return self._survey(source)[0]

    def _survey(self, source: SourceFile) -> tuple[int, bool]:
        known = self._surveys.get(id(source))
        if known is None or known[0] is not source:
            known = self._surveys[id(source)] = (source, *self.children[0].survey(source))
        return known[1], known[2]

    def forensics(self, source: SourceFile) -> FileForensics:
        return self.children[0].forensics(source)

    def pages(self, source: SourceFile, *, pages_before: int = 0, previews: bool = True
              ) -> Iterator[RawPage | ReportError]:
        n = len(self.children)
        count, typed = self._survey(source)
        if not typed or count < max(n, SPLIT_MIN_PAGES):
            yield from self.children[0].pages(source, pages_before=pages_before, previews=previews)
            return
        for child in self.children:
            child.launch()
        streams = [child.pages(source, pages_before=pages_before, previews=previews, start=k + 1, step=n)
                   for k, child in enumerate(self.children)]
        ended = [False] * n
        try:
            turn = 0
            while not all(ended):
                k, turn = turn % n, turn + 1
                item = None if ended[k] else next(streams[k], None)
                if item is None:
                    ended[k] = True
                    continue
                yield item
                if isinstance(item, ReportError) and item.page is None:
                    return  # the file refused, or not read on from a page: the others stop there too
        finally:
            for stream in streams:
                stream.close()

    def close(self) -> None:
        for child in self.children:
            child.close()


def _code(failure: str) -> ErrorCode:
    return ErrorCode.page_timeout if failure == "timeout" else ErrorCode.decoder_failed


def _describe(failure: str, timeout: float) -> str:
    if failure == "timeout":
        return f"解码超过 {timeout:g} 秒（`EVIDENCE_PAGE_TIMEOUT_S`）"
    return f"时解码程序异常退出（{failure}；可能超过内存上限 `EVIDENCE_DECODER_MEMORY_MB`）"


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform: the timeout still holds
        log.warning("cannot limit the decoder's memory: %r", exc)


def _serve(conn: Connection, settings: Settings) -> None:
    """The child: read requests, answer with pages (or forensics) and a final ``_DONE``."""
    # one thread each: the child decodes one page at a time, and thread arenas count against the limit
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    _limit_memory(settings.decoder_memory_mb)
    # what hostile files make the libraries say is reported per page; their chatter is noise here
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    import pdfplumber  # noqa: F401 - loaded now, so no page's time limit pays for it
    import pypdfium2  # noqa: F401

    # what is loaded stays: kept out of the cyclic collector's full walks (``pipeline._settle_heap``)
    gc.collect()
    gc.freeze()
    conn.send(_READY)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if request is None:
            return
        if request == _NEXT:
            continue  # the reader's word for a page of a file already finished
        op, source, kwargs = request
        waiting: deque[int] = deque()  # the pixel bytes of each page sent that the reader has not taken
        try:
            if op == "pages":
                previews = kwargs.pop("previews", True)
                for item in iter_pages(source, settings, render=True, **kwargs):
                    message = _pack(take_page_pixels(item, previews=previews))
                    conn.send(message)
                    waiting.append(_pixel_bytes(message))
                    # decode on while the reader has fewer than _PAGES_AHEAD pages (and few enough
                    # pixels) waiting: a page that takes the reader long (a seal read, an OCR) is
                    # time this process works ahead in, not time it waits
                    while waiting and (len(waiting) >= _PAGES_AHEAD or sum(waiting) > _AHEAD_BYTES):
                        if conn.recv() != _NEXT:
                            return
                        waiting.popleft()
            elif op == "count":
                conn.send(page_count(source))
            elif op == "survey":
                conn.send((page_count(source), opens_with_text(source)))
            else:
                conn.send(analyse_file(source.name, source.data))
        except MemoryError:
            conn.send(ReportError(file=source.name, page=None, code=ErrorCode.decoder_failed,
                                  message="解码所需内存超过上限；请降低扫描分辨率，或调高 `EVIDENCE_DECODER_MEMORY_MB`"))
        while waiting:  # the reader's word for each page it is still to take comes before the next request
            if conn.recv() != _NEXT:
                return
            waiting.popleft()
        conn.send(_DONE)


def _pixel_bytes(message: object) -> int:
    """The bytes a packed page holds in shared memory (0 for an error, or a page with neither)."""
    if isinstance(message, tuple) and message[1] is not None:
        return (int(np.prod(message[2])) if message[2] is not None else 0) + message[3]
    return 0


def _pack(item: RawPage | ReportError) -> object:
    """A page for the pipe: its pixels and preview in shared memory (a pipe holds a preview or two
    before the writer waits), the rest pickled: ``(page, block name, image shape, preview bytes)``."""
    if not isinstance(item, RawPage):
        return item
    item.pdf_page_render = None  # pdfium's page stays here
    image, item.image = item.image, None
    preview, item.preview = item.preview or b"", None
    if image is None and not preview:
        return (item, None, None, 0)
    size = (image.nbytes if image is not None else 0) + len(preview)
    block = shared_memory.SharedMemory(create=True, size=max(size, 1))
    at = 0
    if image is not None:
        np.ndarray(image.shape, image.dtype, buffer=block.buf)[...] = image
        at = image.nbytes
    block.buf[at:at + len(preview)] = preview
    name = block.name
    block.close()
    return (item, name, image.shape if image is not None else None, len(preview))


def _unpack(message: object) -> RawPage | ReportError:
    if isinstance(message, ReportError):
        return message
    item, name, shape, preview = message  # type: ignore[misc]
    if name is not None:
        block = shared_memory.SharedMemory(name=name)
        try:
            at = 0
            if shape is not None:
                item.image = np.ndarray(shape, np.uint8, buffer=block.buf).copy()
                at = item.image.nbytes
            if preview:
                item.preview = bytes(block.buf[at:at + preview])
        finally:
            block.close()
            block.unlink()
    return item  # type: ignore[no-any-return]
