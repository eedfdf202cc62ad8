"""The HTTP API: uploads answered at once and checked by the queue, what each role sees, decisions,
downloads, the audit trail, and errors that are always {code, detail}."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import select

from models.tables import AuditEntry, Job
from service import audit
from service.cli import main
from service.ocr.reader import image_hash
from service.queue import Queue, run_job
from service.settings import Settings
from tests.fakes import FakeEngine
from tests.service.web.conftest import CONTRACT, DOSSIER, EINVOICE, Service, make_service


def test_an_upload_is_checked_and_only_its_parties_reach_it(both_service: Service) -> None:
    s = both_service
    c = s.client
    dossier_id = s.upload("applicant-a", EINVOICE, CONTRACT, programme="jinan-star-cloud-2020")
    detail = c.get(f"/api/dossiers/{dossier_id}", headers=s.auth("applicant-a")).json()
    assert detail["status"] == "done" and detail["check_status"] == "ok" and detail["summary"]["pages"] == 3
    assert [f["name"] for f in detail["files"]] == [EINVOICE.name, CONTRACT.name]  # bound order kept
    assert detail["files"][0]["sha256"] == hashlib.sha256(EINVOICE.read_bytes()).hexdigest()
    assert detail["owner"] == "applicant-a" and detail["district"] == "历下区"

    # the applicant, the district's reviewer and the admin see it; nobody else knows it exists
    for name in ("applicant-a", "reviewer-lixia", "admin"):
        assert [d["id"] for d in c.get("/api/dossiers", headers=s.auth(name)).json()] == [dossier_id]
    for name in ("applicant-b", "reviewer-shizhong"):
        assert c.get("/api/dossiers", headers=s.auth(name)).json() == []
        for path in ("", "/report.json", "/pages/1.jpg", "/files/0", "/flags", "/decisions"):
            r = c.get(f"/api/dossiers/{dossier_id}{path}", headers=s.auth(name))
            assert r.status_code == 404 and r.json()["code"] == "not_found", path

    report = c.get(f"/api/dossiers/{dossier_id}/report.json", headers=s.auth("applicant-a")).json()
    assert report["documents"][0]["fields"]["grand_total"]["value"] == "21200.00"
    html = c.get(f"/api/dossiers/{dossier_id}/report.html", headers=s.auth("reviewer-lixia"))
    assert html.status_code == 200 and "<svg" in html.text
    assert c.get(f"/api/dossiers/{dossier_id}/report.xlsx", headers=s.auth("admin")).content[:2] == b"PK"
    assert c.get(f"/api/dossiers/{dossier_id}/pages/1.jpg", headers=s.auth("applicant-a")).content[:2] == b"\xff\xd8"
    original = c.get(f"/api/dossiers/{dossier_id}/files/0", headers=s.auth("applicant-a")).content
    assert original == EINVOICE.read_bytes()
    # no response carries a server path
    for path in ("", "/report.json", "/findings", "/checklist"):
        assert str(s.settings.data_dir) not in c.get(f"/api/dossiers/{dossier_id}{path}", headers=s.auth("admin")).text

    # decisions: reviewers only, on items and flags the report has, kept and audited
    item = report["checklist"][0]["item_id"]
    r = c.post(f"/api/dossiers/{dossier_id}/decisions", headers=s.auth("applicant-a"),
               json={"target": "item", "target_id": item, "verdict": "accept"})
    assert r.status_code == 403 and r.json()["code"] == "reviewers_only"
    r = c.post(f"/api/dossiers/{dossier_id}/decisions", headers=s.auth("reviewer-lixia"),
               json={"target": "item", "target_id": "no-such-item", "verdict": "accept"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_item"
    r = c.post(f"/api/dossiers/{dossier_id}/decisions", headers=s.auth("reviewer-lixia"),
               json={"target": "item", "target_id": item, "verdict": "override"})
    assert r.status_code == 422 and r.json()["code"] == "comment_required"
    r = c.post(f"/api/dossiers/{dossier_id}/decisions", headers=s.auth("reviewer-lixia"),
               json={"target": "item", "target_id": item, "verdict": "override", "comment": "现场核实"})
    assert r.status_code == 201 and r.json()["report_id"]
    assert [d["comment"] for d in c.get(f"/api/dossiers/{dossier_id}/decisions", headers=s.auth("applicant-a")).json()] == ["现场核实"]
    trail = c.get(f"/api/audit?dossier={dossier_id}", headers=s.auth("reviewer-lixia")).json()
    actions = [e["action"] for e in reversed(trail)]
    assert actions[:2] == ["upload", "check"] and "decision" in actions and "download" in actions
    decision = next(e for e in trail if e["action"] == "decision")
    assert decision["actor"] == "reviewer-lixia" and decision["report_version"].startswith("schema ")
    assert decision["engine_version"] and decision["pack_version"].startswith("jinan-star-cloud-2020")

    # deletion: admins only; afterwards the dossier is gone for everyone, the trail stays whole
    assert c.delete(f"/api/dossiers/{dossier_id}", headers=s.auth("reviewer-lixia")).json()["code"] == "admins_only"
    assert c.delete(f"/api/dossiers/{dossier_id}", headers=s.auth("admin")).status_code == 204
    assert c.get(f"/api/dossiers/{dossier_id}", headers=s.auth("admin")).status_code == 404
    assert not s.app.state.store.blobs.path(detail["files"][0]["sha256"]).exists()  # uploads are not kept forever
    verified = c.get("/api/audit/verify", headers=s.auth("admin")).json()
    assert verified["intact"] and verified["entries"] >= 6


def test_filters_and_sorting(service: Service) -> None:
    s = service
    first = s.upload("applicant-a", EINVOICE, applicant="甲公司")
    second = s.upload("applicant-a", CONTRACT, applicant="乙公司")
    c = s.client
    listed = c.get("/api/dossiers?sort=-created", headers=s.auth("admin")).json()
    assert [d["id"] for d in listed] == [first, second]
    assert [d["id"] for d in c.get("/api/dossiers?applicant=乙", headers=s.auth("admin")).json()] == [second]
    assert c.get("/api/dossiers?status=queued", headers=s.auth("admin")).json() == []
    assert len(c.get("/api/dossiers?status=done&programme=jinan-star-cloud-2020", headers=s.auth("admin")).json()) == 2
    assert c.get("/api/dossiers?sort=bogus", headers=s.auth("admin")).json()["code"] == "validation_error"


def test_every_error_is_code_and_detail(service: Service) -> None:
    s, c = service, service.client
    r = c.get("/api/dossiers")
    assert r.status_code == 401 and r.json()["code"] == "not_signed_in"
    r = c.get("/api/dossiers", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "bad_token"
    big_field = "x" * 900_000
    r = c.post("/api/dossiers", headers=s.auth("applicant-a"), data={"applicant": big_field},
               files=[("files", ("a.pdf", EINVOICE.read_bytes(), "application/pdf"))])
    assert r.status_code == 422 and set(r.json()) == {"code", "detail"} and len(r.text) < 2000  # nothing echoed
    r = c.post("/api/dossiers", headers=s.auth("applicant-a"), data={"programme": "nowhere"},
               files=[("files", ("a.pdf", EINVOICE.read_bytes(), "application/pdf"))])
    assert r.status_code == 422 and r.json()["code"] == "unknown_programme"
    assert c.get("/api/nothing-here").json() == {"code": "not_found", "detail": "没有这项内容（或您无权查看）"}
    assert c.put("/api/dossiers").json()["code"] == "method_not_allowed"
    assert c.get("/api/dossiers/../../etc/passwd", headers=s.auth("admin")).status_code == 404

    @s.app.get("/api/test-boom")
    def boom() -> None:
        raise RuntimeError(f"a bug that mentions {s.settings.data_dir}")

    r = c.get("/api/test-boom")
    assert r.status_code == 500 and r.json()["code"] == "internal_error" and str(s.settings.data_dir) not in r.text


def test_size_limits_leave_nothing_half_written(settings: Settings) -> None:
    s = make_service(settings.model_copy(update={"max_file_mb": 1, "max_upload_mb": 3}))
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    r = s.client.post("/api/dossiers", headers=s.auth("applicant-a"), files=[("files", ("big.pdf", big, "application/pdf"))])
    assert r.status_code == 413 and r.json()["code"] == "file_too_large"
    huge = [("files", (f"{i}.pdf", b"0" * (1024 * 1024), "application/pdf")) for i in range(4)]
    r = s.client.post("/api/dossiers", headers=s.auth("applicant-a"), files=huge)
    assert r.status_code == 413 and r.json()["code"] == "upload_too_large"
    blobs = s.settings.data_dir / "blobs"
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]
    assert s.client.get("/api/dossiers", headers=s.auth("admin")).json() == []


def test_docs_work_offline(service: Service) -> None:
    page = service.client.get("/docs").text
    assert "/swagger-ui/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert service.client.get("/swagger-ui/swagger-ui-bundle.js").status_code == 200
    schema = service.client.get("/openapi.json").json()
    assert "/api/dossiers" in schema["paths"] and "ErrorOut" in schema["components"]["schemas"]


def test_sign_in_sessions_csrf_and_rate_limit(service: Service) -> None:
    c = service.client
    form = c.get("/signin")
    csrf = c.cookies.get("ec_csrf")
    assert form.status_code == 200 and csrf and csrf in form.text
    assert c.post("/signin", data={"name": "admin", "password": "correct horse"}).status_code == 403  # no token
    r = c.post("/signin", data={"name": "admin", "password": "correct horse", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and c.cookies.get("ec_session")
    assert c.get("/queue").status_code == 200
    # with a session cookie, anything that changes state needs the session's CSRF token
    r = c.post("/api/accounts", json={"name": "x", "role": "applicant"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    c.cookies.clear()
    c.get("/signin")
    csrf = c.cookies.get("ec_csrf")
    for _ in range(5):
        assert c.post("/signin", data={"name": "admin", "password": "wrong", "csrf": csrf}).status_code == 401
    r = c.post("/signin", data={"name": "admin", "password": "correct horse", "csrf": csrf})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_admins_manage_accounts(service: Service) -> None:
    s, c = service, service.client
    r = c.post("/api/accounts", headers=s.auth("admin"), json={"name": "王审核", "role": "reviewer", "districts": ["历城区"]})
    assert r.status_code == 201 and r.json()["token"].startswith("ec_")
    assert c.get("/api/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()["districts"] == ["历城区"]
    assert c.post("/api/accounts", headers=s.auth("admin"), json={"name": "王审核", "role": "reviewer"}).status_code == 409
    # a reviewer answering for no district would see nothing, not even what it uploads
    nowhere = c.post("/api/accounts", headers=s.auth("admin"), json={"name": "李审核", "role": "reviewer"})
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "bad_district"
    assert c.post("/api/accounts", headers=s.auth("reviewer-lixia"), json={"name": "y", "role": "admin"}).status_code == 403
    stopped = c.delete(f"/api/accounts/{r.json()['id']}", headers=s.auth("admin")).json()
    assert stopped["active"] is False
    assert c.get("/api/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).status_code == 401


def test_cli_users_add_and_audit_verify_names_the_first_broken_entry(
        settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert main(["users", "add", "李四", "--role", "reviewer", "--district", "历下区", "--district", "市中区"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("ec_")
    s = make_service(settings)
    assert s.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["districts"] == ["历下区", "市中区"]
    assert main(["users", "add", "李四", "--role", "reviewer"]) == 2
    assert main(["audit", "verify"]) == 0
    store = s.app.state.store
    with store.session() as session:
        for i in range(3):
            audit.record(session, "someone", "download", "dossier", f"d{i}")
        victim = session.exec(select(AuditEntry).where(AuditEntry.object_id == "d1")).one()
        victim.actor = "someone else"
        session.add(victim)
        session.commit()
        victim_id = victim.id
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"第 {victim_id} 条" in capsys.readouterr().out


def test_a_job_left_running_by_a_dead_worker_is_queued_again(service: Service) -> None:
    s = service
    dossier_id = s.upload("applicant-a", EINVOICE)
    store = s.app.state.store
    with store.session() as session:
        job = session.get(Job, dossier_id)
        job.status, job.worker, job.heartbeat_at = "running", "elsewhere:1", None  # a worker that never reported back
        session.add(job)
        session.commit()
    queue: Queue = s.app.state.queue
    assert queue.sweep() == [dossier_id]  # re-queued, and (immediate queue) checked again at once
    detail = s.client.get(f"/api/dossiers/{dossier_id}", headers=s.auth("admin")).json()
    assert detail["status"] == "done" and detail["attempts"] == 2
    assert json.dumps(detail["summary"])  # the result is whole


def test_the_applicant_adds_a_corrected_file_and_the_dossier_is_checked_again(service: Service) -> None:
    s, c = service, service.client
    dossier_id = s.upload("applicant-a", EINVOICE)
    r = c.post(f"/api/dossiers/{dossier_id}/files", headers=s.auth("applicant-b"),
               files=[("files", (CONTRACT.name, CONTRACT.read_bytes(), "application/pdf"))])
    assert r.status_code == 404
    r = c.post(f"/api/dossiers/{dossier_id}/files", headers=s.auth("applicant-a"),
               files=[("files", (CONTRACT.name, CONTRACT.read_bytes(), "application/pdf"))])
    assert r.status_code == 202
    detail = c.get(f"/api/dossiers/{dossier_id}", headers=s.auth("applicant-a")).json()
    assert [f["name"] for f in detail["files"]] == [EINVOICE.name, CONTRACT.name] and detail["summary"]["pages"] == 3


def test_an_applicant_learns_that_its_invoice_is_in_another_dossier_but_not_whose(service: Service) -> None:
    s, c = service, service.client
    first = s.upload("applicant-a", EINVOICE, applicant="甲科技有限公司")
    second = s.upload("applicant-b", EINVOICE, applicant="乙科技有限公司")
    seen_by_reviewer = c.get(f"/api/dossiers/{second}/flags", headers=s.auth("reviewer-lixia")).json()["risk_flags"]
    match = next(f for f in seen_by_reviewer if f["code"] == "duplicate_invoice_other_dossier")
    assert match["values"]["other_dossier"] == first
    for path in ("/flags", "/report.json", "/report.md"):
        text = c.get(f"/api/dossiers/{second}{path}", headers=s.auth("applicant-b")).text
        assert "duplicate_invoice_other_dossier" in text and first not in text and "甲科技" not in text, path
    page = c.get(f"/dossiers/{second}", headers=s.auth("applicant-b")).text
    assert "详情仅审核人员可见" in page and first not in page
    assert first in c.get(f"/dossiers/{second}", headers=s.auth("reviewer-lixia")).text  # side by side for reviewers


def test_a_damaged_stored_file_fails_the_job_and_says_which_without_a_path(service: Service) -> None:
    s = service
    dossier_id = s.upload("applicant-a", EINVOICE)
    store = s.app.state.store
    (stored,) = store.files(dossier_id)
    store.blobs.path(stored.sha256).write_bytes(b"not the bytes that were uploaded")
    with store.session() as session:
        job = session.get(Job, dossier_id)
        job.status = "queued"
        session.add(job)
        session.commit()
    with pytest.raises(RuntimeError):
        run_job(s.settings, store, dossier_id, final_attempt=True)
    detail = s.client.get(f"/api/dossiers/{dossier_id}", headers=s.auth("applicant-a")).json()
    assert detail["status"] == "failed" and EINVOICE.name in detail["error"]
    assert str(s.settings.data_dir) not in detail["error"] and "/tmp" not in detail["error"]


def test_the_admin_pages_add_and_stop_accounts_with_csrf(service: Service) -> None:
    c = service.client
    c.get("/signin")
    c.post("/signin", data={"name": "admin", "password": "correct horse", "csrf": c.cookies.get("ec_csrf")})
    page = c.get("/accounts")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert c.post("/accounts", data={"name": "新申请人", "role": "applicant", "district": "历下区"}).status_code == 403
    made = c.post("/accounts", data={"name": "新申请人", "role": "applicant", "district": "历下区", "csrf": csrf})
    assert made.status_code == 200 and "ec_" in made.text
    people = c.get("/api/accounts", headers=service.auth("admin")).json()
    new = next(p for p in people if p["name"] == "新申请人")
    assert c.post(f"/accounts/{new['id']}/stop", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not next(p for p in c.get("/api/accounts", headers=service.auth("admin")).json() if p["id"] == new["id"])["active"]
    assert c.get("/accounts", headers=service.auth("reviewer-lixia")).status_code == 404


class _WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it, nothing is written on the way out."""


class _RecordingEngine(FakeEngine):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []  # what was read, in order

    def read(self, image):  # type: ignore[no-untyped-def]
        self.images.append(image_hash(image))
        return super().read(image)


def test_a_killed_check_is_queued_again_and_resumes_from_the_pages_already_read(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import service.queue

    engine = _RecordingEngine()
    s = make_service(settings, worker="none")
    dossier_id = s.upload("applicant-a", DOSSIER / "06_发票扫描.png", DOSSIER / "07_发票照片.jpg")
    store = s.app.state.store
    reporting = service.queue._progress

    def dies_before_the_second_page(*args):  # type: ignore[no-untyped-def]
        report = reporting(*args)

        def progress(stage: str, done: int, total: int) -> None:
            report(stage, done, total)
            # progress counts pages read: the worker dies once page 1 is done, before page 2 is read
            if stage == "reading" and done == 1:
                raise _WorkerKilled()

        return progress

    monkeypatch.setattr(service.queue, "_progress", dies_before_the_second_page)
    with pytest.raises(_WorkerKilled):
        run_job(s.settings, store, dossier_id, engine=engine)
    monkeypatch.setattr(service.queue, "_progress", reporting)
    with store.session() as session:
        job = session.get(Job, dossier_id)
        # progress by stage and page with its total (rows are written at most twice a second, so the
        # last page's count may lag)
        assert job.status == "running" and job.stage == "reading" and job.total == 2 and job.done <= 1
        job.heartbeat_at = None  # what the dead worker leaves once job_stale_seconds have passed
        session.add(job)
        session.commit()
    assert s.app.state.queue.sweep() == [dossier_id]
    before = list(engine.images)
    assert before  # the first page was read before the kill
    assert run_job(s.settings, store, dossier_id, engine=engine) == "done"  # as the next worker runs it
    again = engine.images[len(before):]
    assert again and not set(before) & set(again)  # page 1 comes from the OCR cache; only page 2 is read now
    detail = s.client.get(f"/api/dossiers/{dossier_id}", headers=s.auth("applicant-a")).json()
    assert detail["status"] == "done" and detail["attempts"] == 2 and detail["summary"]["pages"] == 2


def test_pages_carry_security_headers(service: Service) -> None:
    c = service.client
    for path in ("/signin", "/api/health"):
        r = c.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    # Swagger's page runs its own inline start-up script; it still may not be framed
    docs = c.get("/docs")
    assert "Content-Security-Policy" not in docs.headers and docs.headers["X-Frame-Options"] == "DENY"


def test_uploads_are_rate_limited_per_account(settings: Settings) -> None:
    s = make_service(settings.model_copy(update={"uploads_per_hour": 2}), worker="none")
    s.upload("applicant-a", EINVOICE)
    s.upload("applicant-a", EINVOICE)
    files = [("files", (EINVOICE.name, EINVOICE.read_bytes(), "application/pdf"))]
    r = s.client.post("/api/dossiers", headers=s.auth("applicant-a"), files=files)
    assert r.status_code == 429 and r.json()["code"] == "too_many_uploads"
    assert "EVIDENCE_UPLOADS_PER_HOUR" in r.json()["detail"]
    # another account is not held back by the first one's uploads
    s.upload("applicant-b", EINVOICE)


def test_the_upload_form_offers_the_configured_programme_first(settings: Settings) -> None:
    s = make_service(settings.model_copy(update={"default_programme": "zhengzhou-cloud-provider-2018"}), worker="none")
    c = s.client
    c.get("/signin")
    c.post("/signin", data={"name": "admin", "password": "correct horse", "csrf": c.cookies.get("ec_csrf")})
    form = c.get("/upload").text
    assert "<option selected>zhengzhou-cloud-provider-2018</option>" in form
    assert "<option>jinan-star-cloud-2020</option>" in form
