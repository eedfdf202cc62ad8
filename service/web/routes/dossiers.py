"""/api/dossiers: upload, queue, status, reports, page images, files, findings, flags, decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from models.api import (
    Accepted,
    Checklist,
    DecisionCreate,
    DecisionPublic,
    DossierDetail,
    DossierPublic,
    Findings,
    Flags,
)
from service import audit
from service.queue import report_version
from service.reports import render
from service.web import dossiers
from service.web.deps import AdminAccount, CurrentAccount, QueueDep, SettingsDep, StoreDep, visible_dossier
from service.web.errors import NotFound

router = APIRouter(prefix="/api/dossiers", tags=["dossiers"])
MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
Fmt = Literal["json", "md", "html", "xlsx"]


@router.post("", status_code=202, response_model=Accepted)
def upload(request: Request, store: StoreDep, queue: QueueDep, settings: SettingsDep, account: CurrentAccount,
           files: Annotated[list[UploadFile], File(description="the dossier's files, in bound order")],
           programme: Annotated[str | None, Form(max_length=80)] = None,
           star: Annotated[int | None, Form(ge=1, le=9, description="one of the programme's star levels")] = None,
           applicant: Annotated[str | None, Form(max_length=200)] = None,
           district: Annotated[str | None, Form(max_length=80, description="reviewers and admins: the district")] = None,
           declared: Annotated[str | None, Form(max_length=4000, description='JSON object, e.g. {"staff_total": "120"}')] = None,
           ) -> Accepted:
    """Keep the files and queue the check; answers at once (202) with the id to poll."""
    form = dossiers.UploadForm(programme=programme, star=star, applicant=applicant, district=district, declared=declared)
    return dossiers.upload(store, queue, settings, account, files, form, request.app.state.upload_limiter)


@router.get("", response_model=list[DossierPublic])
def listing(store: StoreDep, account: CurrentAccount,
            status: Literal["queued", "running", "done", "failed"] | None = None,
            applicant: Annotated[str | None, Query(max_length=200)] = None,
            programme: Annotated[str | None, Query(max_length=80)] = None,
            district: Annotated[str | None, Query(max_length=80)] = None,
            risk_min: Annotated[int | None, Query(ge=0, le=100)] = None,
            sort: Literal["risk", "-risk", "created", "-created", "applicant", "status"] = "risk",
            limit: Annotated[int, Query(ge=1, le=500)] = 200,
            offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[DossierPublic]:
    """The dossiers the caller may see: an applicant its own, a reviewer its districts', an admin all."""
    return dossiers.listing(store, account, status=status, applicant=applicant, programme=programme,
                            district=district, risk_min=risk_min, sort=sort, limit=limit, offset=offset)


@router.get("/{dossier_id}", response_model=DossierDetail)
def get_dossier(dossier_id: str, store: StoreDep, account: CurrentAccount) -> DossierDetail:
    return dossiers.detail(store, visible_dossier(store, account, dossier_id))


@router.get("/{dossier_id}/report.{fmt}", response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
def report(dossier_id: str, fmt: Fmt, store: StoreDep, account: CurrentAccount) -> Response:
    row = visible_dossier(store, account, dossier_id)
    rep = dossiers.report_of(store, row, account)
    images = store.load_evidence(row.id)[1] if fmt == "html" else None
    body = render(rep, fmt, images)
    with store.session() as session:
        audit.record(session, account.name, "download", "dossier", row.id, report_version=report_version(store, row.id),
                     engine_version=row.engine_version, pack_version=f"{rep.programme} {rep.programme_version}",
                     detail={"format": fmt})
    headers = {"Content-Disposition": f'attachment; filename="report-{row.id}.{fmt}"'} if fmt == "xlsx" else {}
    return Response(body, media_type=MEDIA[fmt], headers=headers)


@router.get("/{dossier_id}/pages/{page}.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def page_image(dossier_id: str, page: Annotated[int, Path(ge=1, le=100_000)], store: StoreDep,
               account: CurrentAccount) -> Response:
    """The page as the report shows it (boxes are in the page's own coordinates: scale by width)."""
    row = visible_dossier(store, account, dossier_id)
    from sqlmodel import select

    from models.tables import PageRow

    with store.session() as session:
        found = session.exec(select(PageRow).where(PageRow.dossier_id == row.id, PageRow.number == page)).first()
    data = store.blobs.get(found.preview_sha256) if found and found.preview_sha256 else None
    if data is None:
        raise NotFound("这一页没有图像")
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/{dossier_id}/files/{position}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def original_file(dossier_id: str, position: Annotated[int, Path(ge=0, le=100_000)], store: StoreDep,
                  account: CurrentAccount) -> Response:
    """One uploaded file as it was received (its sha256 checked on the way out)."""
    row = visible_dossier(store, account, dossier_id)
    found = next((f for f in store.files(row.id) if f.position == position), None)
    data = store.blobs.get(found.sha256) if found else None
    if found is None or data is None:
        raise NotFound("没有这个文件")
    with store.session() as session:
        audit.record(session, account.name, "download", "dossier", row.id, detail={"file": found.name, "sha256": found.sha256})
    from urllib.parse import quote

    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}"})


@router.post("/{dossier_id}/files", status_code=202, response_model=Accepted)
def add_files(dossier_id: str, store: StoreDep, queue: QueueDep, settings: SettingsDep, account: CurrentAccount,
              files: Annotated[list[UploadFile], File(description="corrected or missing files, appended in this order")],
              ) -> Accepted:
    """The applicant hands in a corrected or missing file; the dossier is checked again."""
    return dossiers.add_files(store, queue, settings, account, visible_dossier(store, account, dossier_id), files)


@router.get("/{dossier_id}/findings", response_model=Findings)
def findings(dossier_id: str, store: StoreDep, account: CurrentAccount) -> Findings:
    rep = dossiers.report_of(store, visible_dossier(store, account, dossier_id), account)
    return Findings(findings=rep.findings, seals=rep.seals)


@router.get("/{dossier_id}/flags", response_model=Flags)
def flags(dossier_id: str, store: StoreDep, account: CurrentAccount) -> Flags:
    return Flags(risk_flags=dossiers.report_of(store, visible_dossier(store, account, dossier_id), account).risk_flags)


@router.get("/{dossier_id}/checklist", response_model=Checklist)
def checklist(dossier_id: str, store: StoreDep, account: CurrentAccount) -> Checklist:
    return Checklist(checklist=dossiers.report_of(store, visible_dossier(store, account, dossier_id), account).checklist)


@router.get("/{dossier_id}/decisions", response_model=list[DecisionPublic])
def list_decisions(dossier_id: str, store: StoreDep, account: CurrentAccount) -> list[DecisionPublic]:
    return dossiers.decisions(store, visible_dossier(store, account, dossier_id))


@router.post("/{dossier_id}/decisions", status_code=201, response_model=DecisionPublic)
def decide(dossier_id: str, decision: DecisionCreate, store: StoreDep, account: CurrentAccount) -> DecisionPublic:
    """A reviewer's decision on a checklist item, a risk flag or the dossier (kept, and audited)."""
    return dossiers.decide(store, account, visible_dossier(store, account, dossier_id), decision)


@router.delete("/{dossier_id}", status_code=204, response_class=Response)
def delete(dossier_id: str, store: StoreDep, account: AdminAccount) -> Response:
    dossiers.delete(store, account, visible_dossier(store, account, dossier_id))
    return Response(status_code=204)

