"""With Redis as the broker: two `evidence-check worker` processes check a batch of ten uploads;
one is killed in the middle of a check and no job is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from models.tables import Job, ReportRow
from service.settings import Settings
from tests.service.web.conftest import DOSSIER, make_service

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("EVIDENCE_TEST_REDIS", "redis://127.0.0.1:6379/0")
pytestmark = pytest.mark.redis
# text-layer PDFs of the sample: no OCR, so the test measures the queue and not the reader
TEXT_PDFS = ["01_申请表.pdf", "03_云服务合同.pdf", "04_软件开发合同.pdf", "05_电子发票.pdf", "08_发票_其他购买方.pdf"]


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip(f"no Redis answers at {REDIS_URL}: {exc}")
    return settings.model_copy(update={"redis_url": REDIS_URL, "queue_name": f"evidence-test-{uuid.uuid4().hex[:8]}",
                                       "job_stale_seconds": 6})


def _worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, EVIDENCE_DATA_DIR=str(settings.data_dir), EVIDENCE_REDIS_URL=settings.redis_url or "",
               EVIDENCE_QUEUE_NAME=settings.queue_name, EVIDENCE_JOB_STALE_SECONDS=str(settings.job_stale_seconds),
               PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_workers_lose_no_job_when_one_is_killed(redis_settings: Settings, tmp_path: Path) -> None:
    s = make_service(redis_settings, worker="none")  # the checks run in the worker processes
    store = s.app.state.store
    workers = [_worker(redis_settings, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        started = time.monotonic()
        ids = [s.upload("applicant-a", DOSSIER / TEXT_PDFS[i % len(TEXT_PDFS)], DOSSIER / TEXT_PDFS[(i + 1) % len(TEXT_PDFS)])
               for i in range(10)]
        uploaded = time.monotonic() - started

        # kill the first worker while it is in the middle of a check
        victim = workers[0]
        deadline = time.monotonic() + 120
        killed_job = None
        while killed_job is None and time.monotonic() < deadline:
            with store.session() as session:
                running = session.exec(select(Job).where(Job.status == "running",
                                                         Job.worker.endswith(f":{victim.pid}"))).first()  # type: ignore[attr-defined]
            if running is not None and running.stage:  # past the start: reading pages
                killed_job = running.dossier_id
                victim.send_signal(signal.SIGKILL)
                victim.wait()
            else:
                time.sleep(0.05)
        assert killed_job is not None, "the first worker never took a job: " + (tmp_path / "worker0.log").read_text()[-2000:]
        killed_at = time.monotonic() - started

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with store.session() as session:
                jobs = {j.dossier_id: j for j in session.exec(select(Job).where(Job.dossier_id.in_(ids)))}  # type: ignore[attr-defined]
            if all(j.status in ("done", "failed") for j in jobs.values()):
                break
            time.sleep(0.2)
        finished = time.monotonic() - started
        log = (tmp_path / "worker1.log").read_text(errors="replace")[-3000:]
        assert {j.status for j in jobs.values()} == {"done"}, log
        assert jobs[killed_job].attempts >= 2 and jobs[killed_job].worker.endswith(f":{workers[1].pid}")
        with store.session() as session:
            reports = {r.dossier_id for r in session.exec(select(ReportRow).where(ReportRow.dossier_id.in_(ids)))}  # type: ignore[attr-defined]
        assert reports == set(ids)
        for dossier_id in ids:  # the stored files are whole
            assert all(store.blobs.get(f.sha256) is not None for f in store.files(dossier_id))
        print(f"\n10 uploads in {uploaded:.1f} s; worker {victim.pid} killed at {killed_at:.1f} s during {killed_job}; "
              f"all 10 checked at {finished:.1f} s (the killed job took {jobs[killed_job].attempts} attempts)")
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                try:
                    w.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.kill()
                    w.wait()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{redis_settings.queue_name}*"):
            client.delete(key)
