"""Every error the service answers is ``{code, detail}`` with the right status, validation and 500s included.

Pages (paths outside ``/api``) asked for by a browser get the same code and words as a small HTML
page. Nothing echoes the request back: a validation error names the field and the rule, never the
value sent (a 900 KB field is not returned), and no message carries a server path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests"}
_WORDS = {404: "没有这项内容（或您无权查看）", 405: "不支持这种请求方法", 401: "请先登录"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


class NotFound(ApiError):
    def __init__(self, what: str = "没有这项内容（或您无权查看）") -> None:
        super().__init__(404, "not_found", what)


class SignInRequired(Exception):
    """A page asked for without a session: the browser goes to the sign-in form."""


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, code: str, detail: str,
                   headers: dict[str, str] | None = None) -> Response:
    if _wants_html(request):
        templates = getattr(request.app.state, "templates", None)
        if templates is not None:
            return templates.TemplateResponse(request, "error.html", {"status": status, "code": code, "detail": detail},
                                              status_code=status, headers=headers)
        return HTMLResponse(f"<h1>{status}</h1><p>{code}</p>", status_code=status, headers=headers)
    return JSONResponse({"code": code, "detail": detail}, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")) or "请求"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(SignInRequired)
    async def _signin(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = _WORDS.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "请求有误")
        return error_response(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), detail,
                              getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        parts = [f"{_field(tuple(e.get('loc', ())))}: {e.get('msg', '无效')}" for e in exc.errors()[:10]]
        return error_response(request, 422, "validation_error", "; ".join(parts)[:1000])

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error", "服务器内部错误，已记入日志；请稍后再试或联系管理员")
