"""Apply the Alembic migrations next to this file to a database (on every start; a no-op when current)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # a service and its workers may start together: one migrates, the others wait
            conn.execute(text("SELECT pg_advisory_xact_lock(4711001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
