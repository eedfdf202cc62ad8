"""The web pages (server-rendered Jinja2, Chinese text with the report's codes beside the words).

Forms post here with the session's CSRF token; downloads, page images and files are the API's
own routes, which accept the session cookie too.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from models.api import DecisionCreate
from models.domain import Report
from models.tables import AuditEntry, DossierRow
from service import audit, rulepacks
from service.accounts import AccountError, authenticate, can_see, create_account, districts
from service.reports.html import _page_views
from service.web import dossiers
from service.web.auth import PRE_CSRF_COOKIE, end_session, start_session
from service.web.deps import (
    SESSION_COOKIE,
    PageAccount,
    QueueDep,
    SettingsDep,
    StoreDep,
    check_csrf,
    visible_dossier,
)
from service.web.errors import ApiError, NotFound

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    web_session = getattr(request.state, "web_session", None)
    context.setdefault("csrf", web_session.csrf if web_session else "")
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") and len(target) < 300 else "/queue"


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/signin")
def signin_form(request: Request, next: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    token = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = _render(request, "signin.html", csrf=token, next=_safe_next(next), error="")
    response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


@router.post("/signin")
def signin(request: Request, store: StoreDep, settings: SettingsDep, name: Annotated[str, Form(max_length=80)],
           password: Annotated[str, Form(max_length=200)], csrf: Short = "",
           next: Annotated[str, Form(max_length=300)] = "/queue") -> Response:
    cookie = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise ApiError(403, "csrf_failed", "表单已过期，请刷新登录页后重试")
    limiter = request.app.state.limiter
    keys = (f"name:{name.strip()}", f"addr:{request.client.host if request.client else '-'}")
    wait = limiter.blocked(*keys)
    if wait:
        raise ApiError(429, "too_many_attempts", f"登录失败次数过多，请 {wait // 60 + 1} 分钟后再试",
                       {"Retry-After": str(wait)})
    with store.session() as session:
        account = authenticate(session, name, password)
    if account is None:
        limiter.failed(*keys)
        return _render(request, "signin.html", status=401, csrf=cookie, next=_safe_next(next),
                       error="账户名或密码不正确（bad_credentials）")
    limiter.succeeded(*keys)
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_session(store, settings, account, response)
    return response


@router.post("/signout")
def signout(request: Request, store: StoreDep, account: PageAccount, csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    response = RedirectResponse("/signin", status_code=303)
    end_session(store, request.cookies.get(SESSION_COOKIE), response)
    return response


@router.get("/queue")
def queue_page(request: Request, store: StoreDep, account: PageAccount,
               status: Annotated[str | None, Query(max_length=20)] = None,
               applicant: Annotated[str | None, Query(max_length=200)] = None,
               programme: Annotated[str | None, Query(max_length=80)] = None,
               sort: Annotated[str, Query(max_length=20)] = "risk") -> Response:
    sort = sort if sort in dossiers.SORTS else "risk"
    status = status if status in ("queued", "running", "done", "failed") else None
    rows = dossiers.listing(store, account, status=status or None, applicant=applicant or None,
                            programme=programme or None, sort=sort)
    return _render(request, "queue.html", account=account, rows=rows, sorts=dossiers.SORTS,
                   filters={"status": status or "", "applicant": applicant or "", "programme": programme or "",
                            "sort": sort}, programmes=rulepacks.available())


@router.get("/upload")
def upload_form(request: Request, account: PageAccount, settings: SettingsDep) -> Response:
    return _render(request, "upload.html", account=account, programmes=rulepacks.available(),
                   default_programme=settings.default_programme, districts=districts(account))


@router.post("/upload")
def upload(request: Request, store: StoreDep, queue: QueueDep, settings: SettingsDep, account: PageAccount,
           files: Annotated[list[UploadFile], File()], csrf: Short = "",
           programme: Annotated[str | None, Form(max_length=80)] = None,
           star: Annotated[str, Form(max_length=2)] = "",
           applicant: Annotated[str, Form(max_length=200)] = "",
           district: Annotated[str, Form(max_length=80)] = "") -> Response:
    check_csrf(request, csrf)
    files = [f for f in files if f.filename]
    form = dossiers.UploadForm(programme=programme, star=int(star) if star.isdigit() else None,
                               applicant=applicant.strip() or None, district=district or None)
    accepted = dossiers.upload(store, queue, settings, account, files, form, request.app.state.upload_limiter)
    return RedirectResponse(f"/dossiers/{accepted.id}", status_code=303)


def _crop(report: Report, evidence: str) -> dict[str, Any] | None:
    """Where a flag's evidence is: the page and the box, widened a little for context."""
    found = next((x for x in [*report.findings, *report.seals] if x.id == evidence), None)
    if found is None or found.bbox is None:
        return None
    info = next((p for p in report.pages if p.page == found.page), None)
    if info is None:
        return None
    x0, y0, x1, y1 = found.bbox
    pad = max(x1 - x0, y1 - y0) * 0.3 + 10
    left, top = max(0.0, x0 - pad), max(0.0, y0 - pad)
    right, bottom = min(info.width, x1 + pad), min(info.height, y1 + pad)
    return {"page": found.page, "width": info.width, "height": info.height, "x": left, "y": top,
            "w": max(1.0, right - left), "h": max(1.0, bottom - top), "box": [x0, y0, x1 - x0, y1 - y0]}


def _latest(decided: list[Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for d in decided:
        out[(d.target, d.target_id)] = d
    return out


@router.get("/dossiers/{dossier_id}")
def dossier_page(request: Request, dossier_id: str, store: StoreDep, account: PageAccount) -> Response:
    row = visible_dossier(store, account, dossier_id)
    info = dossiers.detail(store, row)
    found = dossiers.latest_report_row(store, row.id)
    report = dossiers.for_viewer(Report.model_validate_json(found.body), account) if found else None
    decided = dossiers.decisions(store, row)
    crops: dict[str, list[dict[str, Any]]] = {}
    matches = []
    if report is not None:
        for flag in report.risk_flags:
            crops[flag.id] = [c for e in flag.evidence[:4] if (c := _crop(report, e))]
            other = flag.values.get("other_dossier")
            if other:
                with store.session() as session:
                    other_row = session.get(DossierRow, str(other))
                matches.append({"flag": flag, "other": other, "other_page": flag.values.get("other_page"),
                                "other_applicant": flag.values.get("other_applicant"),
                                "visible": other_row is not None and can_see(account, other_row)})
    trail: list[AuditEntry] = []
    if account.role != "applicant":
        with store.session() as session:
            trail = list(session.exec(select(AuditEntry).where(AuditEntry.object_kind == "dossier",
                                                                AuditEntry.object_id == row.id)
                                      .order_by(AuditEntry.id.desc()).limit(100)))
    names = {} if report is None else {**{c.item_id: c.title for c in report.checklist},
                                       **{f.id: f.code for f in report.risk_flags}}
    return _render(request, "dossier.html", account=account, row=row, info=info, report=report, decided=decided,
                   names=names,
                   latest=_latest(decided), crops=crops, matches=matches, trail=trail,
                   refresh=info.status in ("queued", "running"))


@router.get("/dossiers/{dossier_id}/pages/{page}")
def page_viewer(request: Request, dossier_id: str, page: int, store: StoreDep, account: PageAccount,
                box: Annotated[str | None, Query(max_length=80)] = None) -> Response:
    row = visible_dossier(store, account, dossier_id)
    report = dossiers.report_of(store, row, account)
    views = {v.info.page: v for v in _page_views(report, {})}
    view = views.get(page)
    if view is None:
        raise NotFound("没有这一页")
    flags = [f for f in report.risk_flags if page in f.pages]
    return _render(request, "page.html", account=account, row=row, report=report, view=view, flags=flags,
                   total=len(report.pages), focus=box or "")


def _redirect_back(dossier_id: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/dossiers/{dossier_id}{anchor}", status_code=303)


@router.post("/dossiers/{dossier_id}/decisions")
def decide(request: Request, dossier_id: str, store: StoreDep, account: PageAccount,
           target: Annotated[str, Form(max_length=10)], verdict: Annotated[str, Form(max_length=10)],
           target_id: Short = "", comment: Annotated[str, Form(max_length=4000)] = "", csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    row = visible_dossier(store, account, dossier_id)
    try:
        decision = DecisionCreate(target=target, target_id=target_id, verdict=verdict, comment=comment)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ApiError(422, "bad_decision", "审核决定须为 accept / reject / override 之一") from exc
    dossiers.decide(store, account, row, decision)
    return _redirect_back(row.id, f"#{target}-{target_id}" if target_id else "#decision")


@router.post("/dossiers/{dossier_id}/files")
def add_files(request: Request, dossier_id: str, store: StoreDep, queue: QueueDep, settings: SettingsDep,
              account: PageAccount, files: Annotated[list[UploadFile], File()], csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    row = visible_dossier(store, account, dossier_id)
    dossiers.add_files(store, queue, settings, account, row, [f for f in files if f.filename])
    return _redirect_back(row.id)


@router.post("/dossiers/{dossier_id}/delete")
def delete(request: Request, dossier_id: str, store: StoreDep, account: PageAccount, csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    if account.role != "admin":
        raise ApiError(403, "admins_only", "只有管理员可以删除材料")
    dossiers.delete(store, account, visible_dossier(store, account, dossier_id))
    return RedirectResponse("/queue", status_code=303)


@router.get("/accounts")
def accounts_page(request: Request, store: StoreDep, account: PageAccount, token: str = "") -> Response:
    if account.role != "admin":
        raise NotFound()
    from models.tables import Account

    with store.session() as session:
        people = list(session.exec(select(Account).order_by(Account.id)))
    return _render(request, "accounts.html", account=account, people=people, districts=districts, token="")


@router.post("/accounts")
def add_account(request: Request, store: StoreDep, account: PageAccount, name: Annotated[str, Form(max_length=80)],
                role: Annotated[str, Form(max_length=20)], district: Short = "",
                password: Annotated[str, Form(max_length=200)] = "", csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    if account.role != "admin":
        raise NotFound()
    from models.tables import Account

    with store.session() as session:
        try:
            created, token = create_account(session, name, role, district=district.replace("，", ",").split(","),
                                            password=password or None)
        except AccountError as exc:
            raise ApiError(409 if exc.code == "account_exists" else 422, exc.code, exc.detail) from exc
        audit.record(session, account.name, "account_add", "account", created.name,
                     detail={"role": created.role, "districts": districts(created)})
        people = list(session.exec(select(Account).order_by(Account.id)))
    return _render(request, "accounts.html", account=account, people=people, districts=districts, token=token,
                   created=created.name)


@router.post("/accounts/{account_id}/stop")
def stop_account(request: Request, account_id: int, store: StoreDep, account: PageAccount, csrf: Short = "") -> Response:
    check_csrf(request, csrf)
    if account.role != "admin":
        raise NotFound()
    from service.web.routes.accounts import deactivate

    deactivate(account_id, store, account)
    return RedirectResponse("/accounts", status_code=303)


@router.get("/audit")
def audit_page(request: Request, store: StoreDep, account: PageAccount) -> Response:
    if account.role != "admin":
        raise NotFound()
    with store.session() as session:
        entries = list(session.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300)))  # type: ignore[union-attr]
        count, broken = audit.verify(session)
    return _render(request, "audit.html", account=account, entries=entries, count=count, broken=broken)
