"""The store: checked dossiers, their files, their evidence and their reports.

SQLModel over SQLite (a file in the data directory) by default, or PostgreSQL when
``DATABASE_URL`` is set. The schema is made and changed by the Alembic migrations next to this
file, applied when the store is opened. File bytes and page images live in the data directory
under ``blobs/`` by sha256, written atomically, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select

from models.domain import (
    CheckResult,
    Document,
    Finding,
    PageInfo,
    PageText,
    Report,
    ReportError,
    RiskFlag,
    Seal,
)
from models.enums import Severity
from models.evidence import DossierEvidence, StageTiming
from models.tables import (
    CheckResultRow,
    DocumentRow,
    DossierFile,
    DossierRow,
    FindingRow,
    FlagRow,
    PageRow,
    ReadErrorRow,
    ReportRow,
    SealRow,
    StageRunRow,
    StoredFile,
)
from service.settings import Settings
from service.store.blobs import BlobStore
from service.store.index import IndexEntries, cross_dossier_flags, replace_entries, text_hash
from service.store.migrate import upgrade


class DossierNotFound(LookupError):
    """No stored dossier has that id."""

    code = "dossier_not_found"

    def __init__(self, dossier_id: str) -> None:
        super().__init__(f"没有编号为 {dossier_id!r} 的存档材料；`evidence-check list` 列出已存档的材料")
        self.dossier_id = dossier_id


def database_url(settings: Settings) -> str:
    if settings.database_url:
        url = settings.database_url
        # the psycopg 3 driver is the one installed; plain postgresql:// would ask for psycopg2
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.data_dir / 'evidence.db'}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def new_dossier_id() -> str:
    return uuid.uuid4().hex[:16]


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


class Store:
    """One database and one blob folder. Open it once per process (``Store.open``)."""

    def __init__(self, engine: Engine, blobs: BlobStore) -> None:
        self.engine = engine
        self.blobs = blobs

    @classmethod
    def open(cls, settings: Settings) -> Store:
        engine = make_engine(database_url(settings))
        upgrade(engine)
        return cls(engine, BlobStore(settings.data_dir / "blobs"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # --- files --------------------------------------------------------------------------------

    def put_file(self, session: Session, data: bytes) -> str:
        """Keep ``data`` (once) and return its sha256."""
        digest = self.blobs.put(data)
        if session.get(StoredFile, digest) is None:
            session.add(StoredFile(sha256=digest, size=len(data), created_at=datetime.now(UTC)))
            session.flush()
        return digest

    # --- writing a check ----------------------------------------------------------------------

    def save_check(self, evidence: DossierEvidence, report: Report, *, files: Iterable[tuple[str, bytes]] = (),
                   previews: dict[int, bytes] | None = None, stages: Iterable[StageTiming] = (),
                   options: dict[str, Any] | None = None, engine_version: str = "",
                   dossier_id: str | None = None, index: IndexEntries | None = None) -> str:
        """Store a checked dossier: its files, its evidence and its report. Returns its id."""
        dossier_id = dossier_id or new_dossier_id()
        now = datetime.now(UTC)
        previews = previews or {}
        with self.session() as session:
            row = session.get(DossierRow, dossier_id)
            if row is None:
                row = DossierRow(id=dossier_id, programme=report.programme, status="", created_at=now)
            else:  # read again from its files: the old evidence goes
                self._clear(session, dossier_id, evidence_too=True)
            self._apply(row, report, now, engine_version, options)
            session.add(row)
            session.flush()
            for position, (name, data) in enumerate(files):
                digest = self.put_file(session, data)
                session.add(DossierFile(dossier_id=dossier_id, position=position, name=name, sha256=digest))
            for info, text in zip(evidence.pages, evidence.texts, strict=True):
                preview = previews.get(info.page)
                session.add(PageRow(
                    dossier_id=dossier_id, number=info.page, file=info.file, file_page=info.file_page,
                    document_type=str(info.document_type), text_source=str(info.text_source),
                    image_sha256=info.image_sha256, text_sha256=text_hash(text),
                    preview_sha256=self.blobs.put(preview) if preview else None,
                    info=_dump(info), text=_dump(text)))
            for i, doc in enumerate(evidence.documents):
                session.add(DocumentRow(dossier_id=dossier_id, id=doc.id, position=i,
                                        document_type=str(doc.document_type), pages=doc.pages, data=_dump(doc)))
            for i, finding in enumerate(evidence.findings):
                session.add(FindingRow(dossier_id=dossier_id, id=finding.id, position=i, kind=finding.kind,
                                       page=finding.page, data=_dump(finding)))
            for i, seal in enumerate(evidence.seals):
                session.add(SealRow(dossier_id=dossier_id, id=seal.id, position=i, page=seal.page,
                                    fingerprint=seal.fingerprint, data=_dump(seal)))
            for i, flag in enumerate(evidence.flags):
                session.add(_flag_row(dossier_id, i, flag, "evidence"))
            for i, error in enumerate(evidence.errors):
                session.add(ReadErrorRow(dossier_id=dossier_id, position=i, code=str(error.code), data=_dump(error)))
            self._add_results(session, dossier_id, report, now, engine_version, stages, evidence)
            replace_entries(session, index or IndexEntries(dossier_id, report.applicant, evidence, previews))
            session.commit()
        return dossier_id

    def save_evaluation(self, dossier_id: str, report: Report, *, stages: Iterable[StageTiming] = (),
                        options: dict[str, Any] | None = None, engine_version: str = "",
                        index: IndexEntries | None = None) -> None:
        """Store a re-evaluation of a stored dossier: its checklist, flags and report."""
        now = datetime.now(UTC)
        with self.session() as session:
            row = session.get(DossierRow, dossier_id)
            if row is None:
                raise DossierNotFound(dossier_id)
            self._clear(session, dossier_id, evidence_too=False)
            self._apply(row, report, now, engine_version or row.engine_version, options)
            session.add(row)
            evidence_flags = {r.id for r in session.exec(
                select(FlagRow).where(FlagRow.dossier_id == dossier_id, FlagRow.stage == "evidence"))}
            self._add_results(session, dossier_id, report, now, row.engine_version, stages, None,
                              skip_flags=evidence_flags)
            if index is not None:  # the applicant may be another one now: its index entries follow
                replace_entries(session, index)
            session.commit()

    def _apply(self, row: DossierRow, report: Report, now: datetime, engine_version: str,
               options: dict[str, Any] | None) -> None:
        s = report.summary
        row.applicant_name, row.applicant_credit_code = report.applicant.name, report.applicant.credit_code
        row.programme, row.programme_version, row.star = report.programme, report.programme_version, report.star
        row.status = run_status(report)
        row.checked_at = now
        row.engine_version = engine_version
        row.pages, row.documents, row.flags, row.errors = s.pages, s.documents, s.risk_flags, s.errors
        row.high_flags = sum(f.severity == Severity.high for f in report.risk_flags)
        row.risk_score = report.risk.score if report.risk else 0
        row.inputs = list(report.inputs)
        if options is not None:
            row.options = options

    def _add_results(self, session: Session, dossier_id: str, report: Report, now: datetime, engine_version: str,
                     stages: Iterable[StageTiming], evidence: DossierEvidence | None,
                     skip_flags: set[str] | None = None) -> None:
        reading = {f.id for f in evidence.flags} if evidence is not None else (skip_flags or set())
        for i, flag in enumerate(report.risk_flags):
            if flag.id not in reading:
                session.add(_flag_row(dossier_id, i, flag, "report"))
        for i, result in enumerate(report.checklist):
            session.add(CheckResultRow(dossier_id=dossier_id, item_id=result.item_id, position=i,
                                       status=str(result.status), data=_dump(result)))
        session.add(ReportRow(dossier_id=dossier_id, created_at=now, schema_version=report.schema_version,
                              programme=report.programme, star=report.star, engine_version=engine_version,
                              body=report.model_dump_json()))
        run = uuid.uuid4().hex[:12]
        for timing in stages:
            session.add(StageRunRow(dossier_id=dossier_id, run=run, stage=timing.stage, status=timing.status,
                                    started_at=timing.started_at, seconds=round(timing.seconds, 4),
                                    detail=timing.detail[:2000]))

    def _clear(self, session: Session, dossier_id: str, *, evidence_too: bool) -> None:
        session.exec(delete(CheckResultRow).where(CheckResultRow.dossier_id == dossier_id))  # type: ignore[call-overload]
        flags = delete(FlagRow).where(FlagRow.dossier_id == dossier_id)
        if not evidence_too:
            flags = flags.where(FlagRow.stage == "report")
        session.exec(flags)  # type: ignore[call-overload]
        if evidence_too:
            for table in (PageRow, DocumentRow, FindingRow, SealRow, ReadErrorRow, DossierFile):
                session.exec(delete(table).where(table.dossier_id == dossier_id))  # type: ignore[call-overload,attr-defined]

    # --- reading ------------------------------------------------------------------------------

    def dossier(self, dossier_id: str) -> DossierRow:
        with self.session() as session:
            row = session.get(DossierRow, dossier_id)
        if row is None:
            raise DossierNotFound(dossier_id)
        return row

    def list_dossiers(self, *, sort: str = "checked", limit: int = 1000) -> list[DossierRow]:
        """Stored dossiers, most recently checked first, or riskiest first (``sort="risk"``)."""
        order = [DossierRow.checked_at.desc(), DossierRow.id]  # type: ignore[union-attr]
        if sort == "risk":
            order = [DossierRow.risk_score.desc(), *order]  # type: ignore[attr-defined]
        with self.session() as session:
            return list(session.exec(select(DossierRow).order_by(*order).limit(limit)))

    def load_evidence(self, dossier_id: str) -> tuple[DossierEvidence, dict[int, bytes]]:
        """The stored evidence of a dossier and its page images: all a re-evaluation needs."""
        row = self.dossier(dossier_id)
        with self.session() as session:
            pages = list(session.exec(select(PageRow).where(PageRow.dossier_id == dossier_id).order_by(PageRow.number)))

            def rows(table: Any) -> list[Any]:
                return list(session.exec(select(table).where(table.dossier_id == dossier_id).order_by(table.position)))

            evidence = DossierEvidence(
                inputs=list(row.inputs or []),
                pages=[PageInfo.model_validate(p.info) for p in pages],
                texts=[PageText.model_validate(p.text) for p in pages],
                documents=[Document.model_validate(d.data) for d in rows(DocumentRow)],
                findings=[Finding.model_validate(f.data) for f in rows(FindingRow)],
                seals=[Seal.model_validate(s.data) for s in rows(SealRow)],
                flags=[RiskFlag.model_validate(f.data) for f in rows(FlagRow) if f.stage == "evidence"],
                errors=[ReportError.model_validate(e.data) for e in rows(ReadErrorRow)],
            )
        previews = {}
        for p in pages:
            if p.preview_sha256:
                data = self.blobs.get(p.preview_sha256)
                if data is not None:
                    previews[p.number] = data
        return evidence, previews

    def latest_report(self, dossier_id: str) -> Report:
        self.dossier(dossier_id)
        with self.session() as session:
            row = session.exec(select(ReportRow).where(ReportRow.dossier_id == dossier_id)
                               .order_by(ReportRow.id.desc()).limit(1)).first()  # type: ignore[union-attr]
        if row is None:
            raise DossierNotFound(dossier_id)
        return Report.model_validate_json(row.body)

    def check_results(self, dossier_id: str) -> list[CheckResult]:
        with self.session() as session:
            rows = session.exec(select(CheckResultRow).where(CheckResultRow.dossier_id == dossier_id)
                                .order_by(CheckResultRow.position))
            return [CheckResult.model_validate(r.data) for r in rows]

    def stage_runs(self, dossier_id: str) -> list[StageRunRow]:
        with self.session() as session:
            return list(session.exec(select(StageRunRow).where(StageRunRow.dossier_id == dossier_id)
                                     .order_by(StageRunRow.id)))

    def files(self, dossier_id: str) -> list[DossierFile]:
        with self.session() as session:
            return list(session.exec(select(DossierFile).where(DossierFile.dossier_id == dossier_id)
                                     .order_by(DossierFile.position)))

    def cross_dossier_flags(self, entries: IndexEntries, evidence: DossierEvidence) -> list[RiskFlag]:
        """What this dossier shares with other applicants' stored dossiers (see service.store.index)."""
        with self.session() as session:
            return cross_dossier_flags(session, entries, evidence)

    def count(self) -> int:
        with self.session() as session:
            return int(session.exec(select(func.count()).select_from(DossierRow)).one())


def run_status(report: Report) -> str:
    """ok: every page was read; partial: something could not be read, the rest was checked;
    failed: nothing could be read."""
    if report.summary.pages == 0 or all(p.text_source == "none" for p in report.pages):
        return "failed"
    return "partial" if report.errors else "ok"


def _flag_row(dossier_id: str, position: int, flag: RiskFlag, stage: str) -> FlagRow:
    return FlagRow(dossier_id=dossier_id, id=flag.id, position=position, code=flag.code,
                   severity=str(flag.severity), stage=stage, data=_dump(flag))
