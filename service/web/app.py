"""The web service: the API under /api, the pages, /docs (served offline), and an embedded worker.

``create_app`` is the one way to build it (``evidence-check serve`` and the tests call it); the
settings are read here, at the edge, and handed down through ``app.state``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.api import ErrorOut
from service import rulepacks
from service.ocr.engine import OcrEngine
from service.queue import Queue

# the report's own Chinese words for its codes, as the HTML report uses them
from service.reports.html import DOCUMENT_TYPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, label
from service.settings import Settings
from service.store import Store
from service.web import errors
from service.web.auth import SignInLimiter
from service.web.routes import accounts, dossiers, pages

HERE = Path(__file__).resolve().parent
JOB_LABELS = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "检查失败"}
VERDICT_LABELS = {"accept": "认可", "reject": "驳回", "override": "改判"}
ROLE_LABELS = {"applicant": "申请人", "reviewer": "审核人员", "admin": "管理员"}
RISK_LABELS = {"high": "高", "medium": "中", "low": "低"}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": words}
    for code, words in {400: "bad request", 401: "not signed in", 403: "not allowed", 404: "not found (or not yours)",
                        409: "conflict", 413: "too large", 422: "invalid input", 429: "too many attempts",
                        500: "server error"}.items()
}


class BodyLimit:
    """Counts the bytes of a request body as they arrive and stops past the limit (no Content-Length needed).

    Past the limit the app is told the client left (so nothing more is read or stored) and whatever
    it answers is replaced by a 413 ``{code, detail}``.
    """

    def __init__(self, app: ASGIApp, limit_mb: int) -> None:
        self.app, self.limit_mb, self.limit = app, limit_mb, limit_mb * 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        over = [declared.isdigit() and int(declared) > self.limit]
        if over[0]:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if over[0]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over[0] = True
                    return {"type": "http.disconnect"}
            return message

        sent = [False]

        async def guarded(message: Message) -> None:
            if over[0]:
                if not sent[0]:
                    sent[0] = True
                    await self._refuse(send)
                return
            await send(message)

        await self.app(scope, limited, guarded)
        if over[0] and not sent[0]:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"code": "upload_too_large",
                           "detail": f"一次上传的文件合计不能超过 {self.limit_mb} MB（EVIDENCE_MAX_UPLOAD_MB）"},
                          ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.globals.update(JOB_LABELS=JOB_LABELS, VERDICT_LABELS=VERDICT_LABELS, ROLE_LABELS=ROLE_LABELS,
                       RISK_LABELS=RISK_LABELS, STATUS_LABELS={k.value: v for k, v in STATUS_LABELS.items()},
                       SEVERITY_LABELS={k.value: v for k, v in SEVERITY_LABELS.items()},
                       DOCUMENT_TYPE_LABELS=DOCUMENT_TYPE_LABELS, label=label)
    env.filters["num"] = lambda v: f"{v:.2f}".rstrip("0").rstrip(".")
    env.filters["when"] = lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "—"
    return templates


def create_app(settings: Settings | None = None, *, worker: Literal["embedded", "immediate", "none"] = "embedded",
               engine: OcrEngine | None = None) -> FastAPI:
    """The service. ``worker``: run checks in an embedded consumer, inside the request (tests), or elsewhere."""
    settings = settings or Settings()
    for pack in rulepacks.available():  # a broken rule pack stops the start, not the first upload
        rulepacks.load(pack)
    store = Store.open(settings)
    queue = Queue(settings, store, immediate=worker == "immediate", engine=engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker != "embedded":
            yield
            return
        stop = threading.Event()
        queue.start_sweeper(stop)
        consumer = queue.consumer(embedded=True)
        consumer.start()
        try:
            yield
        finally:
            stop.set()
            consumer.stop(graceful=False)

    app = FastAPI(title="evidence-checker", version="0.2.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  responses=ERROR_RESPONSES,
                  description="Checks Chinese enterprise cloud-subsidy dossiers. Sign in with a Bearer API token "
                              "(`evidence-check users add`). Errors are always `{code, detail}`.")
    app.state.settings, app.state.store, app.state.queue = settings, store, queue
    app.state.templates = _templates()
    app.state.limiter = SignInLimiter(settings.signin_attempts)
    app.state.upload_limiter = SignInLimiter(settings.uploads_per_hour, window=3600)
    errors.install(app)
    app.add_middleware(BodyLimit, limit_mb=settings.max_upload_mb)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        path = request.url.path
        # the service's own pages load nothing from elsewhere and run only its own script; Swagger's
        # page and the self-contained HTML report carry inline code of their own
        if not (path == "/docs" or path.endswith("/report.html")):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        return response
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/swagger-ui", StaticFiles(directory=_swagger_dir()), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="evidence-checker API",
                                   swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/swagger-ui/favicon-32x32.png")

    @app.get("/api/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/programmes", tags=["service"])
    def programmes() -> list[dict[str, Any]]:
        out = []
        for pack_id in rulepacks.available():
            pack = rulepacks.load(pack_id)
            out.append({"id": pack.id, "version": pack.version, "title": pack.title,
                        "items": [{"id": i.id, "title": i.title, "stars": i.stars} for i in pack.items]})
        return out

    app.include_router(dossiers.router)
    app.include_router(accounts.router)
    app.include_router(pages.router)
    return app


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)
