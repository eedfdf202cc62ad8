"""The web service under test: an app on fresh settings whose checks run inside the request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.accounts import create_account
from service.settings import Settings
from service.web.app import create_app

DOSSIER = Path(__file__).resolve().parents[3] / "samples" / "jinan" / "dossier"
EINVOICE = DOSSIER / "05_电子发票.pdf"
CONTRACT = DOSSIER / "03_云服务合同.pdf"


@dataclass
class Service:
    app: FastAPI
    client: TestClient
    settings: Settings
    tokens: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def upload(self, name: str, *paths: Path, **form: str) -> str:
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
        r = self.client.post("/api/dossiers", headers=self.auth(name), files=files, data=form)
        assert r.status_code == 202, r.text
        return str(r.json()["id"])


def make_service(settings: Settings, worker: Literal["immediate", "none"] = "immediate") -> Service:
    app = create_app(settings, worker=worker)
    tokens = {}
    with app.state.store.session() as session:
        for name, role, districts in [("applicant-a", "applicant", ["历下区"]), ("applicant-b", "applicant", ["历下区"]),
                                      ("reviewer-lixia", "reviewer", ["历下区"]), ("reviewer-shizhong", "reviewer", ["市中区"]),
                                      ("admin", "admin", [])]:
            tokens[name] = create_account(session, name, role, district=districts, password="correct horse")[1]
    return Service(app, TestClient(app, raise_server_exceptions=False), settings, tokens)


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    """The service on the default test store (PostgreSQL where it answers, else SQLite)."""
    yield make_service(settings)


@pytest.fixture
def both_service(store_settings: Settings) -> Iterator[Service]:
    """The service on each store backend."""
    yield make_service(store_settings)
