"""A real server on a free port (uvicorn in a thread, with the embedded worker) for browser tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from service.settings import Settings
from service.web.app import create_app

WARM_OCR_CACHE = Path.home() / ".local" / "share" / "evidence-checker" / "ocr-cache"


def warm_ocr_cache(settings: Settings) -> bool:
    """Copy this machine's OCR cache into the test's data dir (the samples are read there already)."""
    if not WARM_OCR_CACHE.is_dir():
        return False
    shutil.copytree(WARM_OCR_CACHE, settings.ocr_cache_dir, dirs_exist_ok=True)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Settings, **kwargs: object) -> Iterator[tuple[str, FastAPI]]:
    app = create_app(settings, worker="embedded", **kwargs)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=15)
