from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REALDOCS = ROOT.parent / "shared" / "realdocs"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data directory per test: no state leaks between tests."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def realdocs() -> Path:
    if not (REALDOCS / "truth.json").is_file():
        pytest.skip(f"real documents not present at {REALDOCS} (they live in ../shared/realdocs)")
    return REALDOCS
