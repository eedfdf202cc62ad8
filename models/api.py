"""The web API's request and response shapes (what OpenAPI publishes), beside the tables they show.

Families after the tables: ``AccountCreate`` → ``Account`` (table) → ``AccountPublic``; a public
shape never carries a hash, a server path or anything another party owns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.domain import CheckResult, Finding, RiskFlag, RiskScore, Seal, Summary

JobStatus = Literal["queued", "running", "done", "failed"]
Role = Literal["applicant", "reviewer", "admin"]
Verdict = Literal["accept", "reject", "override"]
Target = Literal["item", "flag", "dossier"]


class ErrorOut(BaseModel):
    """Every error the service answers: a stable code and a sentence for people."""

    code: str
    detail: str


class Accepted(BaseModel):
    id: str
    status: JobStatus


class Progress(BaseModel):
    stage: str = ""
    done: int = 0
    total: int = 0


class FileOut(BaseModel):
    position: int
    name: str
    sha256: str
    size: int


class DossierPublic(BaseModel):
    """A row of the queue."""

    id: str
    status: JobStatus
    applicant: str | None
    programme: str
    star: int | None
    district: str
    owner: str | None
    risk_score: int
    risk_level: str | None
    flags: int
    high_flags: int
    pages: int
    created_at: datetime
    checked_at: datetime | None


class DossierDetail(DossierPublic):
    progress: Progress
    error: str = ""
    attempts: int = 0
    check_status: str = ""  # ok | partial | failed: how the last run went (empty before the first)
    summary: Summary | None = None
    risk: RiskScore | None = None
    files: list[FileOut] = Field(default_factory=list)


class DecisionBase(BaseModel):
    target: Target
    target_id: str = Field(default="", max_length=200)
    verdict: Verdict
    comment: str = Field(default="", max_length=4000)


class DecisionCreate(DecisionBase):
    pass


class DecisionPublic(DecisionBase):
    id: int
    dossier_id: str
    account_name: str
    report_id: int | None
    created_at: datetime


class AccountBase(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    role: Role
    districts: list[str] = Field(default_factory=list, max_length=50)


class AccountCreate(AccountBase):
    password: str | None = Field(default=None, min_length=8, max_length=200)


class AccountPublic(AccountBase):
    id: int
    active: bool
    created_at: datetime


class AccountCreated(AccountPublic):
    token: str  # shown once


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    object_kind: str
    object_id: str
    report_version: str
    engine_version: str
    pack_version: str
    detail: dict[str, Any] = Field(default_factory=dict)
    hash: str


class AuditVerify(BaseModel):
    entries: int
    intact: bool
    first_broken: int | None = None
    reason: str = ""


class Findings(BaseModel):
    findings: list[Finding]
    seals: list[Seal]


class Flags(BaseModel):
    risk_flags: list[RiskFlag]


class Checklist(BaseModel):
    checklist: list[CheckResult]
