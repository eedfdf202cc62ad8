"""Render the synthetic Jinan 2020 star-rated cloud dossier and its ground truth.

    python samples/generate.py [--out samples/jinan] [--seed 7]

Deterministic: the same seed gives the same files (reportlab runs with invariant=1, every random
choice comes from one seeded random.Random / numpy Generator). Needs reportlab and the WenQuanYi
fonts (Debian: fonts-wqy-microhei, fonts-wqy-zenhei).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _codes import fmt_money, uscc_is_valid  # noqa: E402
from _data import CUTOFF, Contract, Dossier, Invoice, build, invoice_qr_payload  # noqa: E402
from _docs import (  # noqa: E402
    A4,
    ANNEX_ROWS,
    INVOICE_PAGE,
    bills_image,
    console_image,
    contract_pages,
    form_pages,
    invoice_page,
    licence_page,
)
from _draw import PdfPainter, PilPainter, fonts_available, phone_photo, scan_effect  # noqa: E402
from PIL import Image  # noqa: E402

PROGRAMME = "jinan-star-cloud-2020"

# file name -> pages it contributes to the bound dossier; natural sort of the names is the bound order
FILES: list[tuple[str, int]] = [
    ("01_申请表.pdf", 3),
    ("02_营业执照.jpg", 1),
    ("03_云服务合同.pdf", 2),
    ("04_软件开发合同.pdf", 2),
    ("05_电子发票.pdf", 1),
    ("06_发票扫描.png", 1),
    ("07_发票照片.jpg", 1),
    ("08_发票_其他购买方.pdf", 1),
    ("09_阿里云控制台.png", 1),
    ("10_云桌面截图.png", 1),
]

Page = Callable[[Any], None]


def page_map() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    n = 1
    for name, count in FILES:
        out[name] = list(range(n, n + count))
        n += count
    return out


class RecordingPainter:
    """Passes drawing through and keeps every string drawn (to prove what a page does not say)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.strings: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def text(self, x: float, y: float, s: str, size: float, **kw: Any) -> None:
        self.strings.append(s)
        self.inner.text(x, y, s, size, **kw)


# ---------------------------------------------------------------------------------------------
# writers


def write_text_pdf(path: Path, pages: list[Page], size_mm: tuple[float, float], title: str) -> list[str]:
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(size_mm[0] * mm, size_mm[1] * mm), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setCreator("evidence-checker samples/generate.py")
    strings: list[str] = []
    for draw in pages:
        p = RecordingPainter(PdfPainter(c, *size_mm))
        draw(p)
        strings += p.strings
        c.showPage()
    c.save()
    return strings


def render_raster(draw: Page, size_mm: tuple[float, float], dpi: float,
                  paper: tuple[int, int, int] = (255, 255, 255)) -> tuple[Image.Image, list[str]]:
    p = RecordingPainter(PilPainter(*size_mm, dpi=dpi, paper=paper))
    draw(p)
    return p.inner.img, p.strings


def write_image_pdf(path: Path, images: list[Image.Image], size_mm: tuple[float, float], title: str) -> None:
    """A scanned document: each page one JPEG, no text layer at all."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(size_mm[0] * mm, size_mm[1] * mm), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setCreator("evidence-checker samples/generate.py")
    for im in images:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=72, optimize=True)
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, size_mm[0] * mm, size_mm[1] * mm)
        c.showPage()
    c.save()


def save_jpeg(im: Image.Image, path: Path, quality: int = 80) -> None:
    im.save(path, "JPEG", quality=quality, optimize=True)


def save_png(im: Image.Image, path: Path, colors: int = 0) -> None:
    if colors:
        im = im.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    im.save(path, "PNG", optimize=True)


# ---------------------------------------------------------------------------------------------
# ground truth


def annex_rows(pm: dict[str, list[int]]) -> list[dict[str, Any]]:
    """The annex table as the applicant fills it: domains marked on cloud, with dossier pages."""
    contract = pm["03_云服务合同.pdf"][:1]
    console, bills = pm["09_阿里云控制台.png"], pm["10_云桌面截图.png"]
    evidence: dict[str, list[int]] = {
        "门户网站": contract + console + bills,
        "数据库": contract + console,
        "存储资源": contract + console,
        "计算资源": contract + console,
        "工作文件存储和备份": console + bills,
        "IT运维": pm["03_云服务合同.pdf"][:1] + console,
        "应用软件": pm["04_软件开发合同.pdf"],
        "设备管理": pm["04_软件开发合同.pdf"][:1],
        "成本下降": pm["05_电子发票.pdf"] + pm["07_发票照片.jpg"],
    }
    rows = []
    for cat, sub, domains in ANNEX_ROWS:
        for dom in domains:
            pages = sorted(set(evidence.get(dom, [])))
            rows.append({"category": cat, "subcategory": sub, "domain": dom, "on_cloud": bool(pages),
                         "pages": pages})
    return rows


def invoice_truth(inv: Invoice) -> dict[str, Any]:
    f: dict[str, Any] = {
        "invoice_kind": inv.kind,
        "invoice_code": inv.code,
        "invoice_number": inv.number,
        "issue_date": inv.issue_date.isoformat(),
    }
    if inv.check_code:
        f["check_code"] = inv.check_code
    f |= {
        "buyer_name": inv.buyer.name,
        "buyer_tax_id": inv.buyer.credit_code,
        "seller_name": inv.seller.name,
        "seller_tax_id": inv.seller.credit_code,
        "amount_total": fmt_money(inv.amount_total),
        "tax_total": fmt_money(inv.tax_total),
        "grand_total": fmt_money(inv.grand_total),
        "grand_total_words": inv.words,
        "line_items": [{"name": ln.name, "spec": ln.spec, "unit": ln.unit, "quantity": f"{ln.qty.normalize():f}",
                        "unit_price": fmt_money(ln.price), "amount": fmt_money(ln.amount),
                        "tax_rate": f"{ln.rate:.2f}", "tax": fmt_money(ln.tax)} for ln in inv.lines],
    }
    return f


def contract_truth(ct: Contract) -> dict[str, Any]:
    return {
        "title": ct.title,
        "contract_number": ct.number,
        "party_a": ct.party_a.name,
        "party_a_credit_code": ct.party_a.credit_code,
        "party_b": ct.party_b.name,
        "party_b_credit_code": ct.party_b.credit_code,
        "signing_date": ct.signing_date.isoformat(),
        "amount": fmt_money(ct.amount),
        "amount_words": ct.amount_words,
        "term_start": ct.term_start.isoformat(),
        "term_end": ct.term_end.isoformat(),
    }


def build_truth(ds: Dossier, pm: dict[str, list[int]], annex: list[dict[str, Any]],
                extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    a, lic = ds.applicant, ds.licence
    files: list[dict[str, Any]] = []

    def add(name: str, doc_type: str, fields: dict[str, Any], seals: list[dict[str, Any]],
            defects: list[str], **more: Any) -> None:
        entry: dict[str, Any] = {"file": name, "pages": pm[name], "document_type": doc_type, "fields": fields,
                                 "seals": seals}
        entry |= more
        entry["defects"] = defects
        entry |= extra.get(name, {})
        files.append(entry)

    p01 = pm["01_申请表.pdf"]
    add("01_申请表.pdf", "application_form", {
        "company_name": a.name,
        "entity_nature": "有限责任公司（企业法人）",
        "address": a.address,
        "credit_code": a.credit_code,
        "registered_capital_wan": "500",
        "legal_representative": a.legal_rep,
        "contact_name": ds.contact,
        "staff_count": ds.staff,
        "cloud_staff_count": ds.cloud_staff,
        "star_level": 3,
        "deployment_model": "公有云",
        "cloud_partner": ds.provider_a.name,
        "cloud_start_date": ds.cloud_start.isoformat(),
        "industry": ds.industry,
        "fill_date": ds.fill_date.isoformat(),
        "pledge_signed": True,
        "pledge_sealed": True,
    }, [{"text": a.name, "shape": "round", "page": p01[0], "kind": "company_seal"},
        {"text": a.name, "shape": "round", "page": p01[1], "kind": "company_seal"}], [],
        annex_page=p01[2])
    add("02_营业执照.jpg", "business_license", {
        "company_name": a.name,
        "credit_code": a.credit_code,
        "entity_type": lic.entity_type,
        "address": a.address,
        "legal_representative": a.legal_rep,
        "registered_capital": lic.registered_capital,
        "established_date": lic.established.isoformat(),
        "business_term": lic.term,
        "business_scope": lic.scope,
        "registration_authority": lic.authority,
        "issue_date": lic.issue_date.isoformat(),
    }, [{"text": lic.authority, "shape": "round", "page": pm["02_营业执照.jpg"][0], "kind": "authority_seal"}], [])
    for ct in (ds.cloud_contract, ds.dev_contract):
        last = pm[ct.file][-1]
        add(ct.file, "contract", contract_truth(ct), [
            {"text": ct.party_a.name, "bottom_text": "合同专用章", "shape": "round", "page": last,
             "kind": "contract_seal"},
            {"text": ct.party_b.name, "bottom_text": "合同专用章", "shape": "round", "page": last,
             "kind": "contract_seal"},
            *({"text": ct.party_a.name, "shape": "round", "page": pg, "kind": "riding_seam", "riding_seam": True}
              for pg in (pm[ct.file] if ct.riding_seam else []))], ct.defects, cloud_wording=ct.cloud_wording)
    for inv in ds.invoices:
        pg = pm[inv.file][0]
        add(inv.file, "vat_invoice", invoice_truth(inv), [
            {"text": inv.seller.name, "tax_id": inv.seller.credit_code, "bottom_text": "发票专用章",
             "shape": "oval", "page": pg, "kind": "invoice_seal"},
            {"text": "全国统一发票监制章", "shape": "oval", "page": pg, "kind": "supervision_seal"}], inv.defects)
    add("09_阿里云控制台.png", "cloud_console", {
        "vendor": "阿里云",
        "products": ["云服务器 ECS", "对象存储 OSS", "云数据库 RDS", "CDN"],
        "instance_ids": [i["id"] for i in ds.instances],
        "regions": sorted({i["region"] for i in ds.instances}),
        "dates": sorted({d for i in ds.instances for d in (i["created"][:10], i["expires"][:10])}),
        "account": ds.console_account.split("@")[0],
    }, [], [])
    add("10_云桌面截图.png", "cloud_console", {
        "vendor": "阿里云",
        "products": sorted({b["product"] for b in ds.bills}),
        "dates": [b["date"] for b in ds.bills],
        "amounts": [b["amount"] for b in ds.bills],
        "account": ds.console_account,
    }, [], [])

    flags = [{"code": code, "file": f["file"]} for f in files for code in f["defects"]]
    order = ["date_before_cutoff", "credit_code_invalid", "invoice_amount_words_mismatch", "buyer_not_applicant",
             "contract_lacks_cloud_wording"]
    flags.sort(key=lambda fl: (order.index(fl["code"]) if fl["code"] in order else 99, fl["file"]))
    # an eligible invoice counts only when its amount is unambiguous; one whose 大写 differs from its
    # 小写 (or whose arithmetic fails) waits for a reviewer instead (issue 9)
    eligible = [inv for inv in ds.invoices if inv.issue_date >= CUTOFF and inv.buyer.name == a.name]
    ambiguous = {"invoice_amount_words_mismatch", "invoice_arithmetic_mismatch"}
    counted = [inv for inv in eligible if not ambiguous & set(inv.defects)]
    review = [inv for inv in eligible if ambiguous & set(inv.defects)]
    total = sum((inv.grand_total for inv in counted), start=counted[0].grand_total * 0)
    return {
        "programme": PROGRAMME,
        "seed": ds.seed,
        "star": 3,
        "applicant": {"name": a.name, "credit_code": a.credit_code},
        "providers": [
            {"name": c.name, "credit_code": c.credit_code, "credit_code_valid": uscc_is_valid(c.credit_code),
             "role": role}
            for c, role in ((ds.provider_a, "cloud_service_provider"), (ds.provider_b, "software_developer"))
        ],
        "page_count": sum(n for _, n in FILES),
        "files": files,
        "annex_table": annex,
        "expected_flags": flags,
        "expected_checklist": {
            "materials.01_application_form": "met",
            "materials.02_business_license": "met",
            "materials.04_deployment_statement": "failed",
            "materials.06_usage_screenshots": "met",
            "eligibility.registered_in_jinan": "met",
            "eligibility.independent_legal_person": "met",
            "eligibility.cloud_spending_since_cutoff": "met",
        },
        "expected_spending": {
            "since": CUTOFF.isoformat(),
            "total": fmt_money(total),
            "invoice_count": len(counted),
            "invoices": [inv.file for inv in counted],
            "needs_review": [inv.file for inv in review],
        },
    }


# ---------------------------------------------------------------------------------------------


def generate(out: Path, seed: int = 7) -> dict[str, Any]:
    if not fonts_available():
        raise SystemExit("WenQuanYi fonts not found under /usr/share/fonts/truetype/wqy (fonts-wqy-*)")
    # the documents a user checks, apart from the truth that scores them
    docs = out / "dossier"
    docs.mkdir(parents=True, exist_ok=True)
    ds = build(seed)
    pm = page_map()
    annex = annex_rows(pm)
    extra: dict[str, dict[str, Any]] = {}

    # 01 application form: text layer
    write_text_pdf(docs / "01_申请表.pdf", form_pages(ds, annex), A4, "星级上云企业评定申请表")
    extra["01_申请表.pdf"] = {"text_source": "text_layer"}

    # 02 business licence: a colour scan, slightly tilted
    img, _ = render_raster(licence_page(ds), (190.0, 270.0), dpi=120, paper=(253, 250, 240))
    save_jpeg(scan_effect(img, seed * 10 + 2, tint=(252, 249, 238), noise=3.0, angle=0.35, blur=0.45),
              docs / "02_营业执照.jpg", quality=80)
    extra["02_营业执照.jpg"] = {"text_source": "ocr"}

    # 03 cloud contract: text layer
    strings = write_text_pdf(docs / "03_云服务合同.pdf", contract_pages(ds, ds.cloud_contract, seed * 100 + 30), A4,
                             ds.cloud_contract.title)
    assert any("云服务" in s for s in strings)
    extra["03_云服务合同.pdf"] = {"text_source": "text_layer"}

    # 04 software contract: scanned, image-only PDF, and no cloud wording anywhere on it
    pages, strings = [], []
    for i, draw in enumerate(contract_pages(ds, ds.dev_contract, seed * 100 + 40)):
        img, s = render_raster(draw, A4, dpi=130)
        strings += s
        pages.append(scan_effect(img, seed * 10 + 40 + i, noise=2.5, angle=(-0.3, 0.25)[i], blur=0.4))
    assert not any("云" in s for s in strings), "the development contract must not mention cloud"
    write_image_pdf(docs / "04_软件开发合同.pdf", pages, A4, ds.dev_contract.title)
    extra["04_软件开发合同.pdf"] = {"text_source": "ocr"}

    inv05, inv06, inv07, inv08 = ds.invoices
    # every invoice carries a real QR code that encodes its printed fields
    qr = {inv.file: invoice_qr_payload(inv) for inv in ds.invoices}
    # 05 / 08 e-invoices: text layer
    for inv, sseed in ((inv05, 50), (inv08, 80)):
        write_text_pdf(docs / inv.file, [invoice_page(inv, seal_seed=seed * 100 + sseed, paper=False,
                                                      qr_payload=qr[inv.file])],
                       INVOICE_PAGE, inv.title)
        extra[inv.file] = {"text_source": "text_layer"}

    # 06 paper special invoice, flatbed scan; the seller seal sits over the seller's id and address
    img, _ = render_raster(invoice_page(inv06, seal_seed=seed * 100 + 60, paper=True, data_offset=(1.2, 0.6),
                                        seal_at=(66.0, 98.0), qr_payload=qr[inv06.file]),
                           INVOICE_PAGE, dpi=150, paper=(250, 252, 248))
    save_png(scan_effect(img, seed * 10 + 6, tint=(248, 246, 238), noise=2.0, angle=-0.25, blur=0.45),
             docs / inv06.file, colors=64)
    extra[inv06.file] = {"text_source": "ocr", "seal_covers_text": ["seller_tax_id", "seller address"]}

    # 07 paper ordinary invoice, phone photo taken sideways
    img, _ = render_raster(invoice_page(inv07, seal_seed=seed * 100 + 70, paper=True, data_offset=(-0.8, 0.9),
                                        qr_payload=qr[inv07.file]),
                           INVOICE_PAGE, dpi=170, paper=(252, 251, 246))
    save_jpeg(phone_photo(img, seed * 10 + 7, out_long=1600, skew_deg=4.0, rotate_quarter=1), docs / inv07.file,
              quality=80)
    extra[inv07.file] = {"text_source": "ocr",
                         "image": {"rotated_ccw_deg": 90, "skew_deg": 4.0, "perspective": True,
                                   "to_upright": "rotate 90 degrees clockwise"}}

    # 09 / 10 console screenshots
    save_png(console_image(ds), docs / "09_阿里云控制台.png", colors=128)
    save_png(bills_image(ds), docs / "10_云桌面截图.png", colors=128)
    extra["09_阿里云控制台.png"] = {"text_source": "ocr"}
    extra["10_云桌面截图.png"] = {"text_source": "ocr"}

    for inv in ds.invoices:
        extra[inv.file]["qr_payload"] = qr[inv.file]
    truth = build_truth(ds, pm, annex, extra)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "jinan")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    truth = generate(args.out, args.seed)
    size = sum(p.stat().st_size for p in (args.out / "dossier").iterdir() if p.is_file())
    print(f"{args.out}: {len(truth['files'])} files, {truth['page_count']} pages, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
