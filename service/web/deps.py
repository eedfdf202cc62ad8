"""Dependencies of the routes: the store, the queue, the settings and who is asking.

``CurrentAccount`` accepts an API token (``Authorization: Bearer …``) or a signed-in browser's
session cookie; with the cookie, a request that changes something must also carry the session's
CSRF token (form field ``csrf`` on pages, header ``X-CSRF-Token`` on the API).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from models.tables import Account, DossierRow, WebSession
from service.accounts import by_token, can_see
from service.queue import Queue
from service.settings import Settings
from service.store import Store
from service.web.errors import ApiError, NotFound, SignInRequired

SESSION_COOKIE = "ec_session"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_queue(request: Request) -> Queue:
    return request.app.state.queue  # type: ignore[no-any-return]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]
QueueDep = Annotated[Queue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def session_of(request: Request, store: Store) -> tuple[WebSession, Account] | None:
    key = request.cookies.get(SESSION_COOKIE)
    if not key or len(key) > 200:
        return None
    with store.session() as session:
        row = session.get(WebSession, hashlib.sha256(key.encode()).hexdigest())
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        account = session.get(Account, row.account_id)
        if expires < datetime.now(UTC) or account is None or not account.active:
            return None
        return row, account


def optional_account(request: Request, store: StoreDep) -> Account | None:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            raise ApiError(401, "bad_token", "Authorization 须为 Bearer <API 令牌>", {"WWW-Authenticate": "Bearer"})
        with store.session() as session:
            account = by_token(session, token.strip())
        if account is None:
            raise ApiError(401, "bad_token", "API 令牌无效或账户已停用", {"WWW-Authenticate": "Bearer"})
        return account
    found = session_of(request, store)
    if found is None:
        return None
    web_session, account = found
    request.state.web_session = web_session
    if request.method not in _SAFE and request.url.path.startswith("/api"):
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, web_session.csrf):
            raise ApiError(403, "csrf_failed", "缺少或错误的 CSRF 令牌（X-CSRF-Token）")
    return account


def current_account(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
    if account is None:
        raise ApiError(401, "not_signed_in", "请先登录，或使用 Bearer API 令牌", {"WWW-Authenticate": "Bearer"})
    return account


def page_account(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
    if account is None:
        raise SignInRequired()
    return account


def require_admin(account: Annotated[Account, Depends(current_account)]) -> Account:
    if account.role != "admin":
        raise ApiError(403, "admins_only", "只有管理员可以这样做")
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]
PageAccount = Annotated[Account, Depends(page_account)]
AdminAccount = Annotated[Account, Depends(require_admin)]


def visible_dossier(store: Store, account: Account, dossier_id: str) -> DossierRow:
    """The dossier if ``account`` may see it; else 404, as if it did not exist."""
    if not (0 < len(dossier_id) <= 32) or not dossier_id.isalnum():
        raise NotFound()
    with store.session() as session:
        row = session.get(DossierRow, dossier_id)
    if row is None or not can_see(account, row):
        raise NotFound()
    return row


def check_csrf(request: Request, sent: str) -> None:
    web_session = getattr(request.state, "web_session", None)
    if web_session is None:  # an API token: no cookie, no cross-site forgery
        return
    if not hmac.compare_digest(sent or "", web_session.csrf):
        raise ApiError(403, "csrf_failed", "表单已过期或来源不明（CSRF），请刷新页面后重试")
