"""The store's tables (SQLModel): what a checked dossier leaves behind.

A dossier row carries what a queue shows (applicant, programme, status, flag counts); its files
are kept by sha256 (the bytes once, in the data directory); its pages, documents, findings, seals,
flags and checklist results are rows with the columns the service filters on and the full domain
object as JSON, so a re-check rebuilds the evidence exactly as the check produced it. Every report
written for the dossier is kept.

The schema is created and changed only by the Alembic migrations in ``service/store/migrations``;
a change here needs a new migration (a test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class DossierRow(SQLModel, table=True):
    __tablename__ = "dossier"

    id: str = Field(primary_key=True, max_length=32)
    applicant_name: str | None = Field(default=None, index=True)
    applicant_credit_code: str | None = Field(default=None, index=True)
    programme: str = Field(index=True)
    programme_version: str = ""
    star: int | None = None
    # the run's outcome: ok | partial (something could not be read, the rest was checked) | failed
    status: str = Field(index=True)
    created_at: datetime
    checked_at: datetime | None = None
    engine_version: str = ""
    pages: int = 0
    documents: int = 0
    flags: int = 0
    high_flags: int = 0
    errors: int = 0
    risk_score: int = Field(default=0, index=True)  # 0-100 from the flags (service/data/risk.yaml)
    # the names the files were given in (never a server path)
    inputs: Any = _json()
    options: Any = _json()
    # who handed it in (the uploading account; None for a dossier checked on the command line)
    # and the district whose reviewers see it
    owner_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="SET NULL")
    district: str = Field(default="", index=True)


class StoredFile(SQLModel, table=True):
    """File bytes, kept once whatever the number of dossiers that hold them."""

    __tablename__ = "stored_file"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    created_at: datetime


class DossierFile(SQLModel, table=True):
    __tablename__ = "dossier_file"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    position: int
    name: str
    sha256: str = Field(foreign_key="stored_file.sha256", index=True)


class PageRow(SQLModel, table=True):
    __tablename__ = "page"
    __table_args__ = (Index("ix_page_dossier_number", "dossier_id", "number", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    number: int
    file: str
    file_page: int
    document_type: str
    text_source: str
    image_sha256: str | None = Field(default=None, index=True)
    text_sha256: str = Field(index=True)
    preview_sha256: str | None = None  # the report's page image, a blob
    info: Any = _json()  # models.domain.PageInfo
    text: Any = _json()  # models.domain.PageText


class DocumentRow(SQLModel, table=True):
    __tablename__ = "document"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True)
    position: int
    document_type: str = Field(index=True)
    pages: Any = _json()
    data: Any = _json()  # models.domain.Document, as extracted (before dossier analysis)


class FindingRow(SQLModel, table=True):
    __tablename__ = "finding"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True)
    position: int
    kind: str = Field(index=True)
    page: int
    data: Any = _json()


class SealRow(SQLModel, table=True):
    __tablename__ = "seal"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True)
    position: int
    page: int
    fingerprint: str = Field(default="", index=True)
    data: Any = _json()


class FlagRow(SQLModel, table=True):
    __tablename__ = "flag"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True)
    position: int
    code: str = Field(index=True)
    severity: str
    # 'evidence' for flags raised while reading the pages (kept by a re-check), 'report' for the
    # flags of the latest evaluation (replaced by a re-check)
    stage: str
    data: Any = _json()


class CheckResultRow(SQLModel, table=True):
    __tablename__ = "check_result"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    item_id: str = Field(primary_key=True)
    position: int
    status: str = Field(index=True)
    data: Any = _json()


class ReadErrorRow(SQLModel, table=True):
    """What could not be read, and why (report.errors)."""

    __tablename__ = "read_error"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    position: int
    code: str
    data: Any = _json()


class ReportRow(SQLModel, table=True):
    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    created_at: datetime
    schema_version: str
    programme: str
    star: int | None = None
    engine_version: str = ""
    body: str = Field(sa_column=Column(Text, nullable=False))  # the JSON report as written


class StageRunRow(SQLModel, table=True):
    """One stage of one run over a dossier: what a worker resumes from and what a profile reads."""

    __tablename__ = "stage_run"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    run: str = Field(index=True)  # one id per check or re-check
    stage: str
    status: str  # ok | partial | failed | skipped
    started_at: datetime
    seconds: float
    detail: str = ""


# --- the web service: accounts, sessions, jobs, decisions, audit ------------------------------


class Account(SQLModel, table=True):
    """A person or program that signs in: applicant, reviewer or admin.

    Only hashes are kept: the password as argon2id, the API token as sha256 (a token is random
    and long, so a slow hash buys nothing there).
    """

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=80)
    role: str  # applicant | reviewer | admin
    # an applicant's district; the districts a reviewer is assigned (comma-separated)
    district: str = ""
    password_hash: str | None = None
    token_hash: str | None = Field(default=None, unique=True, index=True)
    active: bool = True
    created_at: datetime


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random key, the row its sha256 and the CSRF token."""

    __tablename__ = "web_session"

    key_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    csrf: str
    created_at: datetime
    expires_at: datetime


class Job(SQLModel, table=True):
    """The check of an uploaded dossier as the queue runs it: what the status page and the sweep read."""

    __tablename__ = "job"

    dossier_id: str = Field(foreign_key="dossier.id", primary_key=True, ondelete="CASCADE")
    status: str = Field(index=True)  # queued | running | done | failed
    stage: str = ""
    done: int = 0
    total: int = 0
    attempts: int = 0
    worker: str = ""  # host:pid of the worker running it
    heartbeat_at: datetime | None = None
    error: str = ""
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Decision(SQLModel, table=True):
    """A reviewer's decision on a checklist item, a risk flag or the whole dossier (kept for the blacklist process)."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    target: str  # item | flag | dossier
    target_id: str = ""  # the item id or the flag id; empty for the dossier
    verdict: str  # accept | reject | override
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    account_name: str
    report_id: int | None = None  # the report the decision was taken on
    created_at: datetime


class AuditEntry(SQLModel, table=True):
    """One line of the append-only audit trail; ``hash`` covers the line and the previous line's hash."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str  # the account's name, or "system" for the queue
    action: str = Field(index=True)  # upload | check | decision | download | delete | account ...
    object_kind: str  # dossier | account
    object_id: str = Field(index=True)
    report_version: str = ""  # schema version and report row id the action concerned
    engine_version: str = ""
    pack_version: str = ""
    detail: Any = _json()
    prev_hash: str
    hash: str = Field(unique=True)


# --- the evidence index: what lets one dossier be checked against every stored one -------------


class InvoiceKeyRow(SQLModel, table=True):
    """An invoice's identity (code + number, or the 20-digit 数电 number) in a stored dossier."""

    __tablename__ = "invoice_key"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    key: str = Field(index=True)
    document_id: str
    page: int
    applicant_key: str = ""  # who handed it in: credit code, else name (see service.store.index)
    applicant_name: str = ""


class ImageHashRow(SQLModel, table=True):
    """A perceptual fingerprint of a page image, a screenshot or a seal impression.

    The 64-bit hash is also split into four 16-bit bands, each indexed: two hashes at most 7 bits
    apart have a band at most 1 bit apart (pigeonhole), so near-duplicates are found by looking up
    each band's 17 neighbours in the indexes instead of scanning (multi-index hashing).
    """

    __tablename__ = "image_hash"
    __table_args__ = tuple(Index(f"ix_image_hash_h{i}", f"h{i}") for i in range(4))

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, ondelete="CASCADE")
    kind: str  # page | screenshot | seal
    page: int
    ref: str = ""  # the seal's id for a seal
    hash: str  # 16 hex digits
    h0: int
    h1: int
    h2: int
    h3: int
    text_sha256: str = ""  # the page's text, to tell a reused page from a page of the same template
    applicant_key: str = ""
    applicant_name: str = ""
