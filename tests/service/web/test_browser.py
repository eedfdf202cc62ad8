"""In a real browser (Playwright driving Debian's chromium, headless): a reviewer uploads the
sample dossier, waits for the check, sees a seal box drawn on an invoice page, records a decision
on a flag and finds it in the audit trail; another applicant cannot reach the dossier (404)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.accounts import create_account
from service.settings import Settings
from tests.fakes import FakeEngine
from tests.service.web.conftest import DOSSIER
from tests.service.web.live import live_server, warm_ocr_cache

CHROMIUM = Path(os.environ.get("EVIDENCE_TEST_CHROMIUM", "/usr/bin/chromium"))
pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """One server for the module: the upload and check happen once, both tests look at them."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser") / "data", database_url=None)
    # the machine's OCR cache has the sample's scans already read; without it, a fake engine
    # (scans read empty) keeps the test quick: the invoice PDF has a text layer and a seal anyway
    engine = None if warm_ocr_cache(settings) else FakeEngine()
    with live_server(settings, engine=engine) as (base, app):
        tokens = {}
        with app.state.store.session() as session:
            for name, role in [("审核员甲", "reviewer"), ("申请人乙", "applicant")]:
                tokens[name] = create_account(session, name, role, district=["历下区"], password=PASSWORD)[1]
        yield base, {"dossier": ""}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(f"{base}/queue")


def test_a_reviewer_uploads_checks_sees_a_seal_and_decides_on_a_flag(site, browser) -> None:  # type: ignore[no-untyped-def]
    base, shared = site
    page = browser.new_page(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    _sign_in(page, base, "审核员甲")
    page.goto(f"{base}/upload")
    page.set_input_files("input[name=files]", sorted(str(p) for p in DOSSIER.iterdir()))
    page.fill("input[name=applicant]", "济南舜耕智能装备有限公司")
    page.click("form[action='/upload'] button[type=submit]")
    page.wait_for_url(f"{base}/dossiers/*")
    dossier_id = page.url.rsplit("/", 1)[-1]
    shared["dossier"] = dossier_id
    # the page refreshes itself while the check runs
    page.wait_for_selector("span.job-done", timeout=240_000)
    assert page.locator("table.checklist tbody tr").count() > 5

    report = page.request.get(f"{base}/api/dossiers/{dossier_id}/report.json").json()
    invoice_pages = {p["page"] for p in report["pages"] if p["document_type"] == "vat_invoice"}
    sealed = sorted({s["page"] for s in report["seals"]} & invoice_pages)
    assert sealed, "the sample's invoices carry seals"
    page.goto(f"{base}/dossiers/{dossier_id}/pages/{sealed[0]}")
    seal_box = page.locator(".page-view svg rect.seal")
    assert seal_box.count() >= 1
    box = seal_box.first.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 10  # drawn where the seal is, at a visible size
    page.click("button[data-zoom='1']")  # zoom keeps the boxes on the page
    assert page.locator(".page-view svg rect.seal").first.bounding_box()["width"] > box["width"]  # type: ignore[index]

    page.goto(f"{base}/dossiers/{dossier_id}")
    flag = page.locator("article.flag").first
    flag_code = flag.locator("code.code").inner_text()
    flag.locator("select[name=verdict]").select_option("reject")
    flag.locator("input[name=comment]").fill("发票购买方与申报企业不符，驳回")
    flag.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "驳回 · 审核员甲" in page.locator("article.flag").first.inner_text()
    trail = page.locator("#audit").inner_text()
    assert "decision" in trail and "verdict=reject" in trail and "发票购买方与申报企业不符，驳回" in trail
    assert flag_code  # the code of REPORT.md is visible beside the words
    page.close()


def test_another_applicant_gets_404_for_that_dossier(site, browser) -> None:  # type: ignore[no-untyped-def]
    base, shared = site
    if not shared["dossier"]:
        pytest.skip("the upload test did not run")
    page = browser.new_page(locale="zh-CN")
    _sign_in(page, base, "申请人乙")
    assert "济南舜耕" not in page.content()  # not in its queue
    response = page.goto(f"{base}/dossiers/{shared['dossier']}")
    assert response is not None and response.status == 404
    for path in ("/pages/9", ""):
        assert page.goto(f"{base}/dossiers/{shared['dossier']}{path}").status == 404  # type: ignore[union-attr]
    for path in ("/report.html", "/pages/9.jpg", "/files/0"):
        assert page.request.get(f"{base}/api/dossiers/{shared['dossier']}{path}").status == 404
    page.close()
