"""A bounded fuzz run over ingest: mutated PDFs, images, zips and OFDs go through the whole read
(collect_files, then the isolated page reader). Nothing may escape as an exception, and every
file must give pages or errors with no page left unaccounted for (bench/hostile.py runs more)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain import ReportError
from service.decoding import DecoderProcess
from service.ingest import collect_files
from service.settings import Settings
from tests.hostile_corpus import mutate, seeds, unaccounted

SEEDS = seeds()


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=None, page_timeout_s=10,
                    max_file_pages=50, max_pages=200)


@pytest.fixture(scope="module")
def reader(limits: Settings) -> Iterator[DecoderProcess]:
    with DecoderProcess(limits) as decoder:
        yield decoder
    decoder.stop()


def read_all(path: Path, limits: Settings, reader: DecoderProcess) -> list[str]:
    """Read one input as a dossier would; the problems of accounting found (an exception propagates)."""
    files, errors = collect_files([path], limits)
    problems = []
    if not files and not errors:
        problems.append(f"{path.name}: no file and no error")
    for source in files:
        pages, page_errors = [], []
        for item in reader.pages(source):
            if isinstance(item, ReportError):
                assert item.file == source.name and item.message
                page_errors.append((item.page, str(item.code)))
            else:
                assert item.file == source.name
                assert item.image is not None or item.ofd_lines is not None
                pages.append(item.file_page)
        problems += [f"{source.name}: {p}" for p in unaccounted(pages, page_errors)]
    return problems


@given(name=st.sampled_from(sorted(SEEDS)), rng=st.randoms(use_true_random=False))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_mutated_files_never_escape_and_never_lose_a_page(name: str, rng: random.Random, tmp_path: Path,
                                                         limits: Settings, reader: DecoderProcess) -> None:
    path = tmp_path / name
    path.write_bytes(mutate(SEEDS[name], rng))
    assert read_all(path, limits, reader) == []


def test_the_seeds_themselves_read_cleanly(tmp_path: Path, limits: Settings, reader: DecoderProcess) -> None:
    for name, data in SEEDS.items():
        path = tmp_path / name
        path.write_bytes(data)
        files, errors = collect_files([path], limits)
        assert errors == [], name
        for source in files:
            assert not [i for i in reader.pages(source) if isinstance(i, ReportError)], source.name
