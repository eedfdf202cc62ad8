"""Accounts: roles, districts, argon2 password hashes, API tokens, and who may see which dossier.

An applicant sees the dossiers it uploaded; a reviewer sees the dossiers of the districts it is
assigned; an admin sees everything and manages accounts. Whatever one may not see does not exist
for it (the service answers 404, never 403, so ids cannot be probed).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, select

from models.tables import Account, DossierRow

ROLES = ("applicant", "reviewer", "admin")
_HASHER = PasswordHasher()  # argon2id with the library's current parameters
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash("no such account")


class AccountError(ValueError):
    """A request about accounts that cannot be done; ``code`` is stable."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "ec_" + secrets.token_urlsafe(32)


def districts(account: Account) -> list[str]:
    return [d.strip() for d in account.district.split(",") if d.strip()]


def create_account(session: Session, name: str, role: str, *, district: list[str] | None = None,
                   password: str | None = None) -> tuple[Account, str]:
    """Make an account and return it with its API token (shown once; only its hash is kept)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("bad_name", "账户名须为 1 到 80 个字符")
    if role not in ROLES:
        raise AccountError("bad_role", f"角色须为 {' | '.join(ROLES)} 之一")
    places = [d.strip() for d in district or [] if d.strip()]
    if role == "applicant" and len(places) > 1:
        raise AccountError("bad_district", "申请人只属于一个区县")
    if session.exec(select(Account).where(Account.name == name)).first() is not None:
        raise AccountError("account_exists", f"账户 {name} 已存在")
    if role == "reviewer" and not places:
        # a reviewer sees the dossiers of its districts: without one it would see nothing, not
        # even what it uploads itself
        raise AccountError("bad_district", "审核人员须负责至少一个区县（命令行用 --district，接口用 districts）")
    token = new_token()
    account = Account(name=name, role=role, district=",".join(places), token_hash=token_hash(token),
                      password_hash=_HASHER.hash(password) if password else None,
                      created_at=datetime.now(UTC))
    session.add(account)
    session.commit()
    session.refresh(account)
    return account, token


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The active account with that name and password, else None (in the same time either way)."""
    account = session.exec(select(Account).where(Account.name == name.strip())).first()
    stored = account.password_hash if account is not None and account.active else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None or account is None:
        return None
    if _HASHER.check_needs_rehash(stored):
        account.password_hash = _HASHER.hash(password)
        session.add(account)
        session.commit()
    return account


def by_token(session: Session, token: str) -> Account | None:
    account = session.exec(select(Account).where(Account.token_hash == token_hash(token))).first()
    return account if account is not None and account.active else None


def visible_clause(account: Account) -> ColumnElement[bool]:
    """The SQL condition for the dossiers ``account`` may see."""
    if account.role == "admin":
        return true()
    if account.role == "reviewer":
        places = districts(account)
        return DossierRow.district.in_(places) if places else false()  # type: ignore[attr-defined]
    return DossierRow.owner_id == account.id  # type: ignore[return-value]


def can_see(account: Account, dossier: DossierRow) -> bool:
    if account.role == "admin":
        return True
    if account.role == "reviewer":
        return dossier.district in districts(account)
    return dossier.owner_id is not None and dossier.owner_id == account.id
