from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REALDOCS = ROOT.parent / "shared" / "realdocs"
# the local PostgreSQL server the tests use when it answers (this machine kind runs one); the tests
# make a database of their own on it and drop it at the end
POSTGRES_ADMIN_URL = os.environ.get("EVIDENCE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
# OpenVINO computes in bf16 on CPUs that can and in f32 on the rest, and the two read a few lines
# differently; the tests read in f32 everywhere, so that the golden reports hold on any CPU
os.environ.setdefault("EVIDENCE_OCR_PRECISION", "f32")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden reports in tests/golden from what the product reports now")


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url, connect_timeout=3, autocommit=True)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this test session's own on the local PostgreSQL server, or None if none answers."""
    try:
        admin = _connect(POSTGRES_ADMIN_URL)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no server here
        pytest.postgres_skip_reason = f"no PostgreSQL answers at {POSTGRES_ADMIN_URL}: {exc}".splitlines()[0]  # type: ignore[attr-defined]
        yield None
        return
    name = f"evidence_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _fresh_schema(database: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _connect(database) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database}?options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url(postgres_database: str | None) -> str:
    """A fresh, empty schema on the local PostgreSQL server (skips where none answers)."""
    if postgres_database is None:
        pytest.skip(getattr(pytest, "postgres_skip_reason", "no PostgreSQL server"))
    return _fresh_schema(postgres_database)


@pytest.fixture
def settings(tmp_path: Path, postgres_database: str | None) -> Settings:
    """Settings with a fresh data directory per test: no state leaks between tests.

    The store is a fresh schema on the local PostgreSQL server when one answers (the production
    database), else a SQLite file in the data directory.
    """
    url = _fresh_schema(postgres_database) if postgres_database else None
    return Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=None)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for each store backend: SQLite, and PostgreSQL where it answers."""
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "data", database_url=None)
    return Settings(data_dir=tmp_path / "data", database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def realdocs() -> Path:
    if not (REALDOCS / "truth.json").is_file():
        pytest.skip(f"real documents not present at {REALDOCS} (they live in ../shared/realdocs)")
    return REALDOCS
