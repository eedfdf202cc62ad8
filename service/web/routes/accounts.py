"""/api/accounts (admins manage accounts), /api/me, and /api/audit (the trail and its check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import select

from models.api import AccountCreate, AccountCreated, AccountPublic, AuditPublic, AuditVerify
from models.tables import Account, AuditEntry
from service import audit
from service.accounts import AccountError, create_account, districts
from service.web.deps import AdminAccount, CurrentAccount, StoreDep, visible_dossier
from service.web.errors import ApiError, NotFound

router = APIRouter(prefix="/api", tags=["accounts and audit"])


def public(account: Account) -> AccountPublic:
    return AccountPublic(id=account.id or 0, name=account.name, role=account.role,  # type: ignore[arg-type]
                         districts=districts(account), active=account.active, created_at=account.created_at)


@router.get("/me", response_model=AccountPublic)
def me(account: CurrentAccount) -> AccountPublic:
    return public(account)


@router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(store: StoreDep, admin: AdminAccount) -> list[AccountPublic]:
    with store.session() as session:
        return [public(a) for a in session.exec(select(Account).order_by(Account.id))]


@router.post("/accounts", status_code=201, response_model=AccountCreated)
def add_account(body: AccountCreate, store: StoreDep, admin: AdminAccount) -> AccountCreated:
    """Make an account; its API token is in this answer only."""
    with store.session() as session:
        try:
            account, token = create_account(session, body.name, body.role, district=body.districts, password=body.password)
        except AccountError as exc:
            raise ApiError(409 if exc.code == "account_exists" else 422, exc.code, exc.detail) from exc
        audit.record(session, admin.name, "account_add", "account", account.name,
                     detail={"role": account.role, "districts": districts(account)})
    return AccountCreated(**public(account).model_dump(), token=token)


@router.delete("/accounts/{account_id}", response_model=AccountPublic)
def deactivate(account_id: Annotated[int, Path(ge=1, le=2**31 - 1)], store: StoreDep, admin: AdminAccount) -> AccountPublic:
    """Stop an account (kept for the record: its decisions and audit entries name it)."""
    with store.session() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise NotFound("没有这个账户")
        if account.id == admin.id:
            raise ApiError(409, "cannot_stop_self", "不能停用自己的账户")
        account.active, account.token_hash = False, None
        session.add(account)
        session.commit()
        audit.record(session, admin.name, "account_stop", "account", account.name)
        return public(account)


@router.get("/audit", response_model=list[AuditPublic])
def audit_trail(store: StoreDep, account: CurrentAccount,
                dossier: Annotated[str | None, Query(max_length=32)] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditPublic]:
    """The trail, newest first: an admin's whole, a reviewer's for one dossier it may see."""
    if dossier:
        visible_dossier(store, account, dossier)
    elif account.role != "admin":
        raise ApiError(403, "admins_only", "只有管理员可以查看全部审计记录；请指定 dossier")
    if account.role == "applicant":
        raise ApiError(403, "reviewers_only", "审计记录只供审核人员查看")
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
    if dossier:
        query = query.where(AuditEntry.object_kind == "dossier", AuditEntry.object_id == dossier)
    with store.session() as session:
        return [AuditPublic.model_validate(e, from_attributes=True) for e in session.exec(query)]


@router.get("/audit/verify", response_model=AuditVerify)
def verify(store: StoreDep, admin: AdminAccount) -> AuditVerify:
    with store.session() as session:
        count, broken = audit.verify(session)
    return AuditVerify(entries=count, intact=broken is None, first_broken=broken.entry_id if broken else None,
                       reason=broken.reason if broken else "")
