"""Signing in: sessions in the store, a double-submit CSRF token before there is a session, and a
rate limit on failed attempts.

The rate limit is kept in the server process (per name and per client address, over 15 minutes):
enough for one service process; several processes behind a balancer each count their own.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from fastapi import Response

from models.tables import Account, WebSession
from service.settings import Settings
from service.store import Store
from service.web.deps import SESSION_COOKIE

PRE_CSRF_COOKIE = "ec_csrf"
WINDOW = 15 * 60


class SignInLimiter:
    """At most ``attempts`` events per key in a sliding window (in this process): failed sign-ins per
    name and address, uploads per account."""

    def __init__(self, attempts: int, window: float = WINDOW) -> None:
        self.attempts = attempts
        self.window = window
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self.failures[key]
        while seen and seen[0] < now - self.window:
            seen.popleft()
        return seen

    def blocked(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self.lock:
            waits = [int(s[0] + self.window - now) + 1 for k in keys if len(s := self._recent(k, now)) >= self.attempts]
        return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self.lock:
            for key in keys:
                self._recent(key, now).append(now)

    record = failed  # an event that counts against the limit (an upload)

    def succeeded(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)


def start_session(store: Store, settings: Settings, account: Account, response: Response) -> str:
    key = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session() as session:
        session.add(WebSession(key_hash=hashlib.sha256(key.encode()).hexdigest(), account_id=account.id or 0,
                               csrf=secrets.token_urlsafe(24), created_at=now,
                               expires_at=now + timedelta(hours=settings.session_hours)))
        session.commit()
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")
    response.delete_cookie(PRE_CSRF_COOKIE, path="/")
    return key


def end_session(store: Store, key: str | None, response: Response) -> None:
    if key:
        with store.session() as session:
            row = session.get(WebSession, hashlib.sha256(key.encode()).hexdigest())
            if row is not None:
                session.delete(row)
                session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
