"""Settings, read once at the edge (CLI, API, worker) and passed down; extractors never see them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of the product's state lives in ``data_dir``: OCR cache, stored dossiers, the database."""

    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("evidence-checker", appauthor=False)))
    # the OCR engine: "rapidocr" (PP-OCR models shipped in the rapidocr wheel) or "paddleocr"
    ocr_engine: str = "rapidocr"
    # the programme a check is evaluated against when none is named (a rule pack id)
    default_programme: str = "jinan-star-cloud-2020"
    # the store: a SQLite file in the data directory unless DATABASE_URL names another database
    # (postgresql://user@host/db in production)
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "EVIDENCE_DATABASE_URL"))
    # limits that keep one dossier from exhausting the machine; each error message names the
    # variable to raise
    max_upload_mb: int = 1000  # a dossier's files together, as given or uploaded
    max_file_mb: int = 200
    max_files: int = 1000  # document files per dossier, archive members included
    max_archive_mb: int = 1000  # everything the dossier's archives expand to, nested ones included
    max_archive_members: int = 2000
    # deflate cannot exceed ~1030:1, so this refuses only the bzip2/lzma bombs that reach 10^6:1
    max_archive_ratio: int = 2000
    max_archive_depth: int = 3  # a zip in a zip in a zip
    max_pages: int = 600  # per dossier
    max_file_pages: int = 600  # per file, refused from its page count before any page is rendered
    max_image_megapixels: int = 120  # checked from the image header, before decoding
    # PDF rendering, text layers and image decoding run in a child process (isolate_decoders):
    # a page it has not delivered after page_timeout_s, or that takes it past decoder_memory_mb of
    # address space, is reported and the next page is read in a fresh child
    isolate_decoders: bool = True
    page_timeout_s: float = 30.0
    decoder_memory_mb: int = 2048  # each
    # isolated decoder children per check: a PDF's pages are drawn by them in turn (page 1 by the
    # first, page 2 by the second ...), so a text-layer PDF is read at the pace of both cores
    decoder_processes: int = 2
    # resolution for rendering PDF pages that need OCR, and for the report's page images
    ocr_dpi: int = 200
    preview_dpi: int = 110

    # the web service's task queue: Huey on a SQLite file in the data directory, or on Redis when
    # EVIDENCE_REDIS_URL is set (then `evidence-check worker` runs on any machine that reaches it)
    redis_url: str | None = None
    queue_name: str = "evidence-checker"  # one Redis can carry several services' queues
    worker_threads: int = 1  # checks one consumer runs at once
    # a running job whose worker has not reported for this long is given to another worker
    job_stale_seconds: int = 60
    max_upload_files: int = 200
    session_hours: int = 12
    secure_cookies: bool = False  # set behind HTTPS so session cookies never travel in clear
    signin_attempts: int = 5  # failed sign-ins per name and address per 15 minutes
    uploads_per_hour: int = 60  # dossiers one account may upload in an hour

    @property
    def ocr_cache_dir(self) -> Path:
        return self.data_dir / "ocr-cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
