"""Nothing lost: a check killed at any point leaves its dossier re-checkable or checked, never half
stored (the store writes a check in one transaction; blobs go first, by content, atomically)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlmodel import func, select

from models.tables import CheckResultRow, DossierFile, DossierRow, PageRow, ReadErrorRow, ReportRow
from service.settings import Settings
from service.store import Store

ROOT = Path(__file__).resolve().parents[2]
EINVOICE = ROOT / "samples" / "jinan" / "dossier" / "05_电子发票.pdf"

# a check whose store write is killed (SIGKILL, no clean-up) after every row of it has been added
# and before the commit; ``patched`` names what is replaced by the kill
_KILLED_CHECK = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import service.store
    from service import dossiers
    from service.pipeline import CheckOptions
    from service.settings import Settings
    from service.store import Store
    from tests.fakes import FakeEngine

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    settings = Settings(data_dir=Path(sys.argv[1]), database_url=None)
    store = Store.open(settings)
    setattr(service.store, "replace_entries", die)
    if sys.argv[2] == "check":
        dossiers.check([Path(sys.argv[3])], CheckOptions(), settings, store=store, engine=FakeEngine())
    else:
        dossiers.recheck(store, sys.argv[3], programme="zhengzhou-cloud-provider-2018")
""")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _KILLED_CHECK, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _whole(store: Store) -> None:
    """Every stored dossier is whole: its pages, errors, checklist and report all there."""
    for row in store.list_dossiers():
        with store.session() as session:
            pages = session.exec(select(func.count()).select_from(PageRow).where(PageRow.dossier_id == row.id)).one()
            errors = session.exec(select(func.count()).select_from(ReadErrorRow)
                                  .where(ReadErrorRow.dossier_id == row.id)).one()
            results = session.exec(select(func.count()).select_from(CheckResultRow)
                                   .where(CheckResultRow.dossier_id == row.id)).one()
        assert pages == row.pages and errors == row.errors and results > 0
        report = store.latest_report(row.id)
        assert len(report.pages) == row.pages
        for stored in store.files(row.id):
            assert store.blobs.get(stored.sha256) is not None  # present and matching its sha256


def test_a_check_killed_before_its_commit_leaves_nothing_half_stored(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    done = _run(str(settings.data_dir), "check", str(EINVOICE))
    assert done.returncode == -9, done.stderr
    store = Store.open(settings)
    for table in (DossierRow, PageRow, DossierFile, ReadErrorRow, CheckResultRow, ReportRow):
        assert _count(store, table) == 0, table.__name__
    # and the dossier can simply be checked again
    from service import dossiers
    from service.pipeline import CheckOptions
    from tests.fakes import FakeEngine

    checked = dossiers.check([EINVOICE], CheckOptions(), settings, store=store, engine=FakeEngine())
    assert store.count() == 1 and checked.dossier_id
    _whole(store)


def test_a_recheck_killed_before_its_commit_leaves_the_last_check_whole(tmp_path: Path) -> None:
    from service import dossiers
    from service.pipeline import CheckOptions
    from tests.fakes import FakeEngine

    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    store = Store.open(settings)
    checked = dossiers.check([EINVOICE], CheckOptions(), settings, store=store, engine=FakeEngine())
    before = store.latest_report(checked.dossier_id or "")
    done = _run(str(settings.data_dir), "recheck", checked.dossier_id or "")
    assert done.returncode == -9, done.stderr
    store = Store.open(settings)
    assert store.latest_report(checked.dossier_id or "") == before
    assert store.dossier(checked.dossier_id or "").programme == before.programme
    _whole(store)


def test_a_command_line_check_killed_at_any_moment_leaves_the_store_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "EVIDENCE_DATA_DIR": str(data), "EVIDENCE_DATABASE_URL": "", "DATABASE_URL": ""}
    argv = [sys.executable, "-m", "service.cli", "check", str(EINVOICE), "--format", "json", "-o",
            str(tmp_path / "r.json"), "--quiet"]
    for delay in (0.5, 1.5, 3.0, 5.0):
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.kill()
        process.wait(30)
        _whole(Store.open(Settings(data_dir=data, database_url=None)))
        report = tmp_path / "r.json"
        if report.exists():  # written atomically: whole or absent
            import json

            json.loads(report.read_text(encoding="utf-8"))
    assert subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=300).returncode == 0
    store = Store.open(Settings(data_dir=data, database_url=None))
    assert store.count() >= 1
    _whole(store)
