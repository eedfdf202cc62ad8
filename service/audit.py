"""The audit trail: append-only entries, each carrying the hash of the one before.

Every upload, check, decision, download, deletion and account change is one entry (who, when,
what, and the report, engine and rule-pack versions it concerned). An entry's hash covers its own
fields and the previous entry's hash, so changing or removing any entry breaks every hash after
it; ``verify`` walks the chain and names the first entry that does not hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from models.tables import AuditEntry

GENESIS = "0" * 64


def entry_hash(entry: AuditEntry) -> str:
    body = {
        "prev": entry.prev_hash,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds") if entry.at.tzinfo
        else entry.at.replace(tzinfo=UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor, "action": entry.action, "object_kind": entry.object_kind,
        "object_id": entry.object_id, "report_version": entry.report_version,
        "engine_version": entry.engine_version, "pack_version": entry.pack_version,
        "detail": entry.detail,
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(session: Session, actor: str, action: str, object_kind: str, object_id: str, *,
           report_version: str = "", engine_version: str = "", pack_version: str = "",
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry and commit. Appends are serialised so the chain never forks."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4711002)"))
    else:  # SQLite: take the write lock now, not at the insert, so no one appends in between
        session.execute(text("UPDATE audit_entry SET id = id WHERE 0"))
    last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    entry = AuditEntry(at=datetime.now(UTC), actor=actor, action=action,
                       object_kind=object_kind, object_id=object_id, report_version=report_version,
                       engine_version=engine_version, pack_version=pack_version, detail=detail or {},
                       prev_hash=last.hash if last else GENESIS, hash="")
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry


@dataclass
class Broken:
    entry_id: int
    reason: str


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(session.exec(select(AuditEntry).where(AuditEntry.id > last)  # type: ignore[operator]
                                 .order_by(AuditEntry.id).limit(batch)))
        if not rows:
            return
        yield from rows
        last = rows[-1].id or last


def verify(session: Session) -> tuple[int, Broken | None]:
    """(entries checked, the first broken entry or None)."""
    prev, count = GENESIS, 0
    for entry in _entries(session):
        count += 1
        if entry.prev_hash != prev:
            return count, Broken(entry.id or 0, "上一条记录的哈希不符（前面的记录被删除或改动）")
        if entry_hash(entry) != entry.hash:
            return count, Broken(entry.id or 0, "本条记录的内容与其哈希不符（记录被改动）")
        prev = entry.hash
    return count, None
