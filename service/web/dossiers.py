"""What the API and the pages do with dossiers: upload, list, show, decide, delete.

Routes stay thin; every function here takes the account asking and answers only what it may see.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import UploadFile
from sqlalchemy import func, or_
from sqlmodel import select

from models.api import (
    Accepted,
    DecisionCreate,
    DecisionPublic,
    DossierDetail,
    DossierPublic,
    FileOut,
    Progress,
)
from models.domain import Report
from models.tables import (
    Account,
    Decision,
    DossierFile,
    DossierRow,
    Job,
    PageRow,
    ReportRow,
    StoredFile,
)
from service import audit, rulepacks
from service.accounts import districts, visible_clause
from service.pipeline import CheckOptions
from service.queue import Queue, report_version
from service.settings import Settings
from service.store import Store, new_dossier_id
from service.web.auth import SignInLimiter
from service.web.errors import ApiError, NotFound
from service.web.uploads import BlobTooLarge, put_stream

SORTS = {"risk": "风险由高到低", "-risk": "风险由低到高", "created": "最新上传", "-created": "最早上传",
         "applicant": "申请人", "status": "状态"}
_NAME_JUNK = re.compile(r"[\x00-\x1f\\/:*?\"<>|]")


@dataclass
class UploadForm:
    programme: str | None = None  # None: the configured default (EVIDENCE_DEFAULT_PROGRAMME)
    star: int | None = None
    applicant: str | None = None
    district: str | None = None
    declared: str | None = None


def safe_name(name: str, index: int) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _NAME_JUNK.sub("_", base).strip(" .")[:200]
    return base or f"file-{index}"


def _options(form: UploadForm, settings: Settings) -> CheckOptions:
    form.programme = form.programme or settings.default_programme
    if form.programme not in rulepacks.available():
        raise ApiError(422, "unknown_programme", f"没有这个项目（规则包）；可选：{', '.join(rulepacks.available())}")
    try:
        rulepacks.load(form.programme).star_for(form.star)
    except ValueError as exc:
        raise ApiError(422, "bad_star", f"该项目没有这个星级：{exc}") from exc
    figures: dict[str, str] = {}
    if form.declared:
        try:
            parsed = json.loads(form.declared)
        except ValueError as exc:
            raise ApiError(422, "bad_declared", "declared 须为 JSON 对象，如 {\"staff_total\": \"120\"}") from exc
        if not isinstance(parsed, dict) or len(parsed) > 50:
            raise ApiError(422, "bad_declared", "declared 须为不超过 50 项的 JSON 对象（名称: 数值）")
        figures = {str(k)[:80]: str(v)[:200] for k, v in parsed.items()}
    return CheckOptions(programme=form.programme, star=form.star, applicant=form.applicant or None, declared=figures)


def _district(account: Account, wanted: str | None) -> str:
    mine = districts(account)
    if account.role == "applicant" or not wanted:
        return mine[0] if mine else ""
    if account.role == "reviewer" and wanted not in mine:
        raise ApiError(422, "bad_district", f"只能为您负责的区县上传：{'、'.join(mine) or '（无）'}")
    return wanted


def _store_files(store: Store, settings: Settings, files: list[UploadFile]) -> list[tuple[str, str, int]]:
    if not files:
        raise ApiError(422, "no_files", "请至少上传一个文件")
    if len(files) > settings.max_upload_files:
        raise ApiError(413, "too_many_files", f"一次最多上传 {settings.max_upload_files} 个文件（EVIDENCE_MAX_UPLOAD_FILES）")
    out = []
    limit = settings.max_file_mb * 1024 * 1024
    for index, upload in enumerate(files, start=1):
        name = safe_name(upload.filename or "", index)
        try:
            digest, size = put_stream(store.blobs, upload.file, limit)
        except BlobTooLarge as exc:
            raise ApiError(413, "file_too_large",
                           f"{name} 超过 {settings.max_file_mb} MB（EVIDENCE_MAX_FILE_MB）；请拆分或压缩") from exc
        out.append((name, digest, size))
    return out


def _add_files(store: Store, session: Any, dossier_id: str, stored: list[tuple[str, str, int]], start: int) -> None:
    now = datetime.now(UTC)
    for offset, (name, digest, size) in enumerate(stored):
        if session.get(StoredFile, digest) is None:
            session.add(StoredFile(sha256=digest, size=size, created_at=now))
            session.flush()
        session.add(DossierFile(dossier_id=dossier_id, position=start + offset, name=name, sha256=digest))


def upload(store: Store, queue: Queue, settings: Settings, account: Account, files: list[UploadFile],
           form: UploadForm, limiter: SignInLimiter | None = None) -> Accepted:
    """Keep the files (bound order), make the dossier and its job, queue the check: 202 at once."""
    options = _options(form, settings)
    if limiter is not None:
        key = f"upload:{account.id}"
        wait = limiter.blocked(key)
        if wait:
            raise ApiError(429, "too_many_uploads",
                           f"上传过于频繁：每个账号每小时最多 {settings.uploads_per_hour} 份，请 {wait} 秒后再试"
                           "（EVIDENCE_UPLOADS_PER_HOUR）")
        limiter.record(key)
    district = _district(account, form.district)
    stored = _store_files(store, settings, files)
    dossier_id = new_dossier_id()
    now = datetime.now(UTC)
    with store.session() as session:
        session.add(DossierRow(id=dossier_id, applicant_name=form.applicant or None, programme=options.programme,
                               star=options.star, status="", created_at=now, owner_id=account.id, district=district,
                               inputs=[name for name, _, _ in stored], options=options.stored()))
        session.flush()
        _add_files(store, session, dossier_id, stored, 0)
        session.add(Job(dossier_id=dossier_id, status="queued", created_at=now))
        session.commit()
        audit.record(session, account.name, "upload", "dossier", dossier_id,
                     pack_version=options.programme,
                     detail={"files": [{"name": n, "sha256": d, "size": s} for n, d, s in stored],
                             "district": district})
    queue.enqueue(dossier_id)
    return Accepted(id=dossier_id, status=_job_status(store, dossier_id))


def add_files(store: Store, queue: Queue, settings: Settings, account: Account, row: DossierRow,
              files: list[UploadFile]) -> Accepted:
    """A corrected or missing file from the applicant: appended in bound order, and the dossier checked again."""
    if account.role != "admin" and row.owner_id != account.id:
        raise ApiError(403, "owner_only", "只有提交材料的申请人可以补充文件")
    with store.session() as session:
        job = session.get(Job, row.id)
        if job is not None and job.status in ("queued", "running"):
            raise ApiError(409, "check_in_progress", "材料正在检查中，请在检查完成后再补充文件")
    stored = _store_files(store, settings, files)
    with store.session() as session:
        count = session.exec(select(func.count()).select_from(DossierFile).where(DossierFile.dossier_id == row.id)).one()
        _add_files(store, session, row.id, stored, int(count))
        job = session.get(Job, row.id) or Job(dossier_id=row.id, status="queued", created_at=datetime.now(UTC))
        job.status, job.error, job.stage, job.done, job.total = "queued", "", "", 0, 0
        job.worker, job.heartbeat_at, job.finished_at = "", None, None
        session.add(job)
        session.commit()
        audit.record(session, account.name, "add_files", "dossier", row.id, report_version=report_version(store, row.id),
                     detail={"files": [{"name": n, "sha256": d, "size": s} for n, d, s in stored]})
    queue.enqueue(row.id)
    return Accepted(id=row.id, status=_job_status(store, row.id))


def _job_status(store: Store, dossier_id: str) -> Any:
    with store.session() as session:
        job = session.get(Job, dossier_id)
    return job.status if job else "done"


def _public(row: DossierRow, job: Job | None, owner: str | None) -> dict[str, Any]:
    return dict(id=row.id, status=job.status if job else ("done" if row.checked_at else "queued"),
                applicant=row.applicant_name, programme=row.programme, star=row.star, district=row.district,
                owner=owner, risk_score=row.risk_score, risk_level=risk_level(row) if row.checked_at else None,
                flags=row.flags, high_flags=row.high_flags, pages=row.pages, created_at=row.created_at,
                checked_at=row.checked_at)


def risk_level(row: DossierRow) -> str:
    from evaluation.risk import weights

    levels = weights().levels
    return "high" if row.risk_score >= levels["high"] else "medium" if row.risk_score >= levels["medium"] else "low"


def listing(store: Store, account: Account, *, status: str | None = None, applicant: str | None = None,
            programme: str | None = None, district: str | None = None, risk_min: int | None = None,
            sort: str = "risk", limit: int = 200, offset: int = 0) -> list[DossierPublic]:
    query = (select(DossierRow, Job, Account.name)
             .join(Job, Job.dossier_id == DossierRow.id, isouter=True)  # type: ignore[arg-type]
             .join(Account, Account.id == DossierRow.owner_id, isouter=True)  # type: ignore[arg-type]
             .where(visible_clause(account)))
    if status:
        query = query.where(Job.status == status) if status != "done" else query.where(
            or_(Job.status == "done", Job.status.is_(None)))  # type: ignore[union-attr]
    if applicant:
        query = query.where(DossierRow.applicant_name.contains(applicant))  # type: ignore[union-attr]
    if programme:
        query = query.where(DossierRow.programme == programme)
    if district:
        query = query.where(DossierRow.district == district)
    if risk_min is not None:
        query = query.where(DossierRow.risk_score >= risk_min)
    order = {"risk": [DossierRow.risk_score.desc()], "-risk": [DossierRow.risk_score],  # type: ignore[attr-defined]
             "created": [DossierRow.created_at.desc()], "-created": [DossierRow.created_at],  # type: ignore[attr-defined]
             "applicant": [DossierRow.applicant_name], "status": [Job.status]}[sort]
    query = query.order_by(*order, DossierRow.created_at.desc(), DossierRow.id).offset(offset).limit(limit)  # type: ignore[attr-defined]
    with store.session() as session:
        return [DossierPublic(**_public(row, job, owner)) for row, job, owner in session.exec(query)]


def latest_report_row(store: Store, dossier_id: str) -> ReportRow | None:
    with store.session() as session:
        return session.exec(select(ReportRow).where(ReportRow.dossier_id == dossier_id)
                            .order_by(ReportRow.id.desc()).limit(1)).first()  # type: ignore[union-attr]


CROSS_DOSSIER_CODES = ("duplicate_invoice_other_dossier", "reused_image_other_dossier")


def for_viewer(report: Report, account: Account) -> Report:
    """The report as ``account`` may read it: an applicant does not learn who else handed in the
    same invoice or picture (the other applicant, its dossier and page), only that someone did."""
    if account.role != "applicant":
        return report
    flags = []
    for flag in report.risk_flags:
        if flag.code in CROSS_DOSSIER_CODES:
            words = "发票" if flag.code == "duplicate_invoice_other_dossier" else "页面或图像"
            flag = flag.model_copy(update={"values": {}, "message": (
                f"第 {'、'.join(map(str, flag.pages))} 页的{words}也出现在另一申报企业的材料中（详情仅审核人员可见）")})
        flags.append(flag)
    return report.model_copy(update={"risk_flags": flags})


def report_of(store: Store, row: DossierRow, account: Account) -> Report:
    found = latest_report_row(store, row.id)
    if found is None:
        raise ApiError(409, "not_checked_yet", "这份材料还没有检查完成，暂无报告")
    return for_viewer(Report.model_validate_json(found.body), account)


def detail(store: Store, row: DossierRow) -> DossierDetail:
    with store.session() as session:
        job = session.get(Job, row.id)
        owner = session.get(Account, row.owner_id) if row.owner_id else None
        files = list(session.exec(select(DossierFile, StoredFile)
                                  .join(StoredFile, StoredFile.sha256 == DossierFile.sha256)  # type: ignore[arg-type]
                                  .where(DossierFile.dossier_id == row.id).order_by(DossierFile.position)))
    found = latest_report_row(store, row.id)
    report = Report.model_validate_json(found.body) if found else None
    return DossierDetail(
        **_public(row, job, owner.name if owner else None),
        progress=Progress(stage=job.stage, done=job.done, total=job.total) if job else Progress(),
        error=job.error if job else "", attempts=job.attempts if job else 0, check_status=row.status,
        summary=report.summary if report else None, risk=report.risk if report else None,
        files=[FileOut(position=f.position, name=f.name, sha256=f.sha256, size=s.size) for f, s in files])


def decide(store: Store, account: Account, row: DossierRow, decision: DecisionCreate) -> DecisionPublic:
    if account.role not in ("reviewer", "admin"):
        raise ApiError(403, "reviewers_only", "只有审核人员可以作出审核决定")
    found = latest_report_row(store, row.id)
    if found is None:
        raise ApiError(409, "not_checked_yet", "这份材料还没有检查完成，暂不能作出审核决定")
    report = Report.model_validate_json(found.body)
    if decision.target == "item" and decision.target_id not in {c.item_id for c in report.checklist}:
        raise ApiError(422, "unknown_item", "报告里没有这个检查项")
    if decision.target == "flag" and decision.target_id not in {f.id for f in report.risk_flags}:
        raise ApiError(422, "unknown_flag", "报告里没有这条风险提示")
    if decision.target == "dossier":
        decision = decision.model_copy(update={"target_id": ""})
    if decision.verdict == "override" and not decision.comment.strip():
        raise ApiError(422, "comment_required", "改判（override）须写明理由")
    with store.session() as session:
        entry = Decision(dossier_id=row.id, target=decision.target, target_id=decision.target_id,
                         verdict=decision.verdict, comment=decision.comment.strip(), account_id=account.id,
                         account_name=account.name, report_id=found.id, created_at=datetime.now(UTC))
        session.add(entry)
        session.commit()
        session.refresh(entry)
        audit.record(session, account.name, "decision", "dossier", row.id,
                     report_version=f"schema {found.schema_version} report {found.id}",
                     engine_version=found.engine_version, pack_version=f"{report.programme} {report.programme_version}",
                     detail={"decision": entry.id, "target": entry.target, "target_id": entry.target_id,
                             "verdict": entry.verdict, "comment": entry.comment})
        return DecisionPublic.model_validate(entry, from_attributes=True)


def decisions(store: Store, row: DossierRow) -> list[DecisionPublic]:
    with store.session() as session:
        rows = session.exec(select(Decision).where(Decision.dossier_id == row.id).order_by(Decision.id))
        return [DecisionPublic.model_validate(d, from_attributes=True) for d in rows]


def delete(store: Store, account: Account, row: DossierRow) -> None:
    """Remove the dossier, its evidence and the bytes no other dossier holds (the audit trail stays)."""
    with store.session() as session:
        found = session.get(DossierRow, row.id)
        if found is None:
            raise NotFound()
        files = set(session.exec(select(DossierFile.sha256).where(DossierFile.dossier_id == row.id)))
        previews = {p for p in session.exec(select(PageRow.preview_sha256).where(PageRow.dossier_id == row.id)) if p}
        session.delete(found)
        session.commit()
        kept = set(session.exec(select(DossierFile.sha256).where(DossierFile.sha256.in_(files))))  # type: ignore[attr-defined]
        kept |= {p for p in session.exec(select(PageRow.preview_sha256).where(
            PageRow.preview_sha256.in_(previews | files))) if p}  # type: ignore[union-attr]
        for digest in files - kept:
            stored = session.get(StoredFile, digest)
            if stored is not None:
                session.delete(stored)
        session.commit()
        for digest in (files | previews) - kept:
            store.blobs.path(digest).unlink(missing_ok=True)
        audit.record(session, account.name, "delete", "dossier", row.id, pack_version=row.programme,
                     engine_version=row.engine_version,
                     detail={"applicant": row.applicant_name, "district": row.district})

