"""Background checks on Huey: one task, ``check_dossier(dossier_id)``, from the stored upload.

The queue is Huey on a SQLite file in the data directory (no extra server) or on Redis when
``EVIDENCE_REDIS_URL`` is set; the task code is the same. A job row per dossier says where the
check is (queued, running with its stage and page, done, failed) and which worker holds it.

Nothing is lost when a worker dies: the uploaded files are blobs (written atomically, verified by
sha256 on read); a check that raises is retried by Huey; and a job left ``running`` by a worker
that stopped reporting (its heartbeat is older than ``job_stale_seconds``, or its process is gone
on this host) is queued again by the sweep every consumer runs at start and then periodically.
A retried check re-reads the pages through the OCR cache, so pages read before the crash cost
nothing the second time. A job is claimed before it runs, so a duplicate delivery does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlmodel import select

from models.tables import Job
from service import audit
from service.dossiers import check
from service.ocr.engine import OcrEngine
from service.pipeline import CheckOptions
from service.settings import Settings
from service.store import Store

log = logging.getLogger(__name__)
RETRIES, RETRY_DELAY = 2, 5


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def make_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    if immediate:  # tests: the task runs inside enqueue
        return Huey(settings.queue_name, immediate=True)
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(settings.data_dir / "queue.db"))


class Queue:
    """The service's task queue: enqueue uploads, run them (consumer), re-queue orphans (sweep)."""

    def __init__(self, settings: Settings, store: Store, *, immediate: bool = False,
                 engine: OcrEngine | None = None) -> None:
        self.settings, self.store, self.engine = settings, store, engine
        self.huey = make_huey(settings, immediate=immediate)
        self.check_task = self.huey.task(retries=RETRIES, retry_delay=RETRY_DELAY, context=True,
                                         name="check_dossier")(self._check_task)

    def enqueue(self, dossier_id: str) -> None:
        self.check_task(dossier_id)

    def _check_task(self, dossier_id: str, task: Any = None) -> str:
        final = task is None or not task.retries
        return run_job(self.settings, self.store, dossier_id, engine=self.engine, final_attempt=final)

    def sweep(self) -> list[str]:
        """Queue again the jobs left running by a worker that is gone. Returns their dossier ids."""
        stale = _now() - timedelta(seconds=self.settings.job_stale_seconds)
        host = socket.gethostname()
        requeued = []
        with self.store.session() as session:
            for job in session.exec(select(Job).where(Job.status == "running")):
                heartbeat = _aware(job.heartbeat_at)
                gone = heartbeat is None or heartbeat < stale
                name, _, pid = job.worker.rpartition(":")
                if not gone and name == host and pid.isdigit() and int(pid) != os.getpid():
                    gone = not _alive(int(pid))
                if gone:
                    log.warning("job %s was left running by %s: queued again", job.dossier_id, job.worker)
                    job.status, job.worker, job.heartbeat_at = "queued", "", None
                    session.add(job)
                    requeued.append(job.dossier_id)
            session.commit()
        for dossier_id in requeued:
            self.enqueue(dossier_id)
        return requeued

    def consumer(self, *, workers: int | None = None, embedded: bool = False) -> Consumer:
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(self.huey, workers=workers or self.settings.worker_threads, worker_type="thread",
                   periodic=False, check_worker_health=True)

    def start_sweeper(self, stop: threading.Event) -> threading.Thread:
        """Sweep now and then every third of ``job_stale_seconds`` until ``stop`` is set."""
        def loop() -> None:
            while True:
                try:
                    self.sweep()
                except Exception:  # noqa: BLE001 - the database may be briefly away; try again
                    log.exception("sweep failed")
                if stop.wait(max(1.0, self.settings.job_stale_seconds / 3)):
                    return

        thread = threading.Thread(target=loop, name="job-sweeper", daemon=True)
        thread.start()
        return thread

    def run_worker(self, workers: int | None = None) -> None:
        """`evidence-check worker`: a consumer in this process until SIGINT/SIGTERM."""
        stop = threading.Event()
        self.start_sweeper(stop)
        try:
            self.consumer(workers=workers).run()
        finally:
            stop.set()


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer inside the web server's process: the server owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(store: Store, dossier_id: str, me: str, stale_seconds: int) -> bool:
    with store.session() as session:
        job = session.get(Job, dossier_id, with_for_update=True)
        if job is None or job.status in ("done", "failed"):
            return False
        heartbeat = _aware(job.heartbeat_at)
        fresh = heartbeat is not None and heartbeat > _now() - timedelta(seconds=stale_seconds)
        if job.status == "running" and job.worker != me and fresh:
            return False  # a duplicate delivery: another live worker has it
        job.status, job.worker, job.attempts = "running", me, job.attempts + 1
        job.started_at = job.heartbeat_at = _now()
        job.stage, job.done, job.total, job.error = "", 0, 0, ""
        session.add(job)
        session.commit()
        return True


def _update(store: Store, dossier_id: str, me: str, **values: Any) -> None:
    with store.session() as session:
        job = session.get(Job, dossier_id)
        if job is None or job.worker != me:
            return  # deleted, or given to another worker meanwhile
        for key, value in values.items():
            setattr(job, key, value)
        job.heartbeat_at = _now()
        session.add(job)
        session.commit()


def _progress(store: Store, dossier_id: str, me: str) -> Callable[[str, int, int], None]:
    last = [0.0, ""]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == last[1] and now - float(last[0]) < 0.5 and done < total:
            return  # at most two writes a second
        last[0], last[1] = now, stage
        _update(store, dossier_id, me, stage=stage, done=done, total=total)

    return progress


def run_job(settings: Settings, store: Store, dossier_id: str, *, engine: OcrEngine | None = None,
            final_attempt: bool = True) -> str:
    """Check a stored upload and keep the result; the job row follows. Returns the final status."""
    me = worker_id()
    if not _claim(store, dossier_id, me, settings.job_stale_seconds):
        return "skipped"
    stop = threading.Event()

    def beat() -> None:  # a page of OCR can take longer than the stale limit allows between reports
        while not stop.wait(max(1.0, settings.job_stale_seconds / 4)):
            _update(store, dossier_id, me)

    threading.Thread(target=beat, daemon=True, name=f"heartbeat-{dossier_id}").start()
    scratch = ""
    try:
        row = store.dossier(dossier_id)
        with tempfile.TemporaryDirectory(prefix="evidence-job-") as tmp:
            scratch = tmp
            paths = []
            for f in store.files(dossier_id):
                data = store.blobs.get(f.sha256)
                if data is None:
                    raise RuntimeError(f"stored file {f.name} is missing or damaged (sha256 {f.sha256[:12]}…)")
                target = Path(tmp) / f"{f.position:04d}" / f.name
                target.parent.mkdir()
                target.write_bytes(data)
                paths.append(target)
            options = CheckOptions.from_stored(row.options or {})
            options.previews = True
            checked = check(paths, options, settings, store=store, engine=engine, dossier_id=dossier_id,
                            progress=_progress(store, dossier_id, me))
        report = checked.report
        _update(store, dossier_id, me, status="done", finished_at=_now(), stage="done")
        row = store.dossier(dossier_id)
        with store.session() as session:
            audit.record(session, "system", "check", "dossier", dossier_id,
                         report_version=report_version(store, dossier_id), engine_version=row.engine_version,
                         pack_version=f"{report.programme} {report.programme_version}",
                         detail={"worker": me, "risk": report.risk.score if report.risk else 0,
                                 "status": row.status})
        return "done"
    except Exception as exc:
        log.exception("check of %s failed", dossier_id)
        error = _public_error(exc, scratch, settings)
        if final_attempt:
            _update(store, dossier_id, me, status="failed", finished_at=_now(), error=error)
            with store.session() as session:
                audit.record(session, "system", "check_failed", "dossier", dossier_id, detail={"worker": me})
        else:
            _update(store, dossier_id, me, status="queued", error=error)
        raise
    finally:
        stop.set()  # whatever ends the run, its heartbeat stops, so a sweep can tell it is gone


def _public_error(exc: Exception, scratch: str, settings: Settings) -> str:
    """What the job row (and so the applicant) may read: no server path."""
    text = f"{type(exc).__name__}: {exc}"
    for path in filter(None, (scratch, str(settings.data_dir), tempfile.gettempdir())):
        text = text.replace(path, "…")
    return text[:500]


def report_version(store: Store, dossier_id: str) -> str:
    """'schema <version> report <row id>' of the latest report, or '' before the first check."""
    from models.tables import ReportRow

    with store.session() as session:
        row = session.exec(select(ReportRow).where(ReportRow.dossier_id == dossier_id)
                           .order_by(ReportRow.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return f"schema {row.schema_version} report {row.id}" if row else ""
