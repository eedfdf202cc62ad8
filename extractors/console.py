"""Cloud-console screenshots: which vendor, which products, and whether it is public cloud at all.

Vendors and products come from the lexicon (``extractors.lexicon``, data in
``data/cloud_products.yaml``). A private cloud or on-premises console (VMware, OpenStack, a
company's own 云平台 with intranet addresses) does not prove public-cloud use, which 3-star
applicants need (DOMAIN.md §2); that is reported as ``facts["public_cloud"] = False`` and a
``console_not_public_cloud`` problem naming the cues.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from extractors.amounts import amount_findings
from extractors.base import Extraction, Problem
from extractors.dates import find_dates
from extractors.layout import cy, height
from extractors.layout_docs import above, hit, label_candidates, reading_order
from extractors.lexicon import Lexicon, load_lexicon, match_products, match_vendors
from extractors.text import compact
from models.domain import PageText
from models.enums import DocumentType, FlagCode, Severity

name = "console"
document_types = (DocumentType.cloud_console,)

# without a vendor's name, console cues and vendor-specific products must add up to this
_VENDOR_MIN_SCORE = 2
# the left-hand menu of a console ends within this share of the screenshot's width
MENU_SHARE = 0.15
_ACCOUNT_BELOW = re.compile(r"^(?:主账号|主帐号|子账号|RAM用户|IAM用户|账号中心)$")
_ACCOUNT_LABEL = r"(?:账号ID|账号|帐号|账户ID|登录名|用户名|Account ID)"
_REGION_LABEL = r"(?:当前区域|当前地域|区域|地域|可用区)"


def _vendor(pages: list[PageText], products: list[Any]) -> tuple[str, str, Any, float] | None:
    """(vendor name, vendor id, where, confidence): a printed vendor name wins; otherwise console
    cues and vendor-specific products vote."""
    matches = match_vendors(pages)
    named = [m for m in matches if not m.cue]
    if named:
        counts = Counter(m.vendor_id for m in named)
        # most mentions, then the highest on the page (the logo sits top left)
        best = min(named, key=lambda m: (-counts[m.vendor_id], m.page, m.bbox[1], m.bbox[0]))
        return best.vendor, best.vendor_id, best, 1.0
    lex = load_lexicon()
    score: Counter[str] = Counter()
    first: dict[str, Any] = {}
    for m in matches:
        score[m.vendor_id] += 1
        first.setdefault(m.vendor_id, m)
    for p in products:
        if p.vendor:
            vendor = next(v for v in lex.vendors if v.name == p.vendor)
            score[vendor.id] += 1
            first.setdefault(vendor.id, p)
    if not score:
        return None
    vendor_id, points = score.most_common(1)[0]
    if points < _VENDOR_MIN_SCORE:
        return None
    vendor = lex.vendor(vendor_id)
    assert vendor is not None
    return vendor.name, vendor.id, first[vendor_id], 0.6


def _in_menu(bbox: tuple[float, float, float, float], page_width: float) -> bool:
    return bool(page_width) and bbox[2] < page_width * MENU_SHARE


def _private_cues(pages: list[PageText], lex: Lexicon) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    strong: list[dict[str, Any]] = []
    weak: list[dict[str, Any]] = []
    for page, line in reading_order(pages):
        for kind, patterns, out in (
            ("strong", lex.private_cues.strong, strong),
            ("weak", lex.private_cues.weak, weak),
        ):
            for pattern in patterns:
                m = re.search(pattern, line.text, flags=re.IGNORECASE)
                if m:
                    out.append(
                        {
                            "page": page.page,
                            "text": m.group(0),
                            "kind": kind,
                            "bbox": list(hit(page, line, m.start(), m.end()).bbox),
                        }
                    )
    return strong, weak


def extract_console(pages: list[PageText]) -> Extraction:
    """Read a cloud-console screenshot: vendor, products, dates, amounts, instance ids, regions,
    account; facts ``public_cloud`` (True / False / None), ``domains`` (annex domains proven),
    ``vendor_id`` and ``private_cues``."""
    ex = Extraction()
    lex = load_lexicon()
    found = match_products(pages)
    widths = {p.page: p.width for p in pages}
    # a console's left-hand menu lists every product the vendor sells; only names in the main area
    # (breadcrumb, page title, table) show what is in use, unless the screenshot is all menu
    main = [p for p in found if not _in_menu(p.bbox, widths.get(p.page, 0))]
    products = main or found
    menu_only = sorted({p.product for p in found} - {p.product for p in products})
    ex.facts["menu_products"] = menu_only
    vendor = _vendor(pages, products)
    if vendor:
        vname, vid, where, conf = vendor
        ex.set_field("vendor", vname, where.page, where.bbox, conf, name, raw=where.text)
        ex.facts["vendor_id"] = vid
    for p in products:
        ex.add_list_value("products", p.product, p.page, p.bbox, p.confidence, name)

    for page, line in reading_order(pages):
        for start, end, when in find_dates(line.text):
            h = hit(page, line, start, end)
            ex.add_list_value("dates", when.isoformat(), page.page, h.bbox, line.confidence, name)
    for page in pages:
        for finding in amount_findings(page):
            if finding.kind == "amount" and finding.normalized:
                ex.add_list_value(
                    "amounts", finding.normalized, page.page, finding.bbox, finding.confidence, name
                )

    vendors = [v for v in lex.vendors if vendor and v.id == vendor[1]] or lex.vendors
    id_patterns = [re.compile(p) for v in vendors for p in v.instance_id_patterns]
    region_patterns = [re.compile(p) for v in vendors for p in v.region_patterns]
    for page, line in reading_order(pages):
        for rx in id_patterns:
            for m in rx.finditer(line.text):
                h = hit(page, line, m.start(), m.end())
                ex.add_list_value("instance_ids", m.group(0), page.page, h.bbox, line.confidence, name)
        for rx in region_patterns:
            for m in rx.finditer(line.text):
                h = hit(page, line, m.start(), m.end())
                ex.add_list_value("regions", compact(m.group(0)), page.page, h.bbox, line.confidence, name)
    for page in pages:
        for cand in label_candidates(page, _REGION_LABEL + r"\s*[:：]"):
            region = compact(cand.value.text)
            if re.fullmatch(
                r"[\u4e00-\u9fff]{2,8}(?:[\dA-Za-z]{0,2}(?:[(（][\u4e00-\u9fff]{2,4}[)）])?)?", region
            ):
                ex.add_list_value("regions", region, page.page, cand.value.bbox, cand.value.confidence, name)
                break

    _account(pages, ex)

    strong, weak = _private_cues(pages, lex)
    ex.facts["private_cues"] = strong + weak
    if strong:
        public: bool | None = False
    elif vendor:
        public = True
    elif weak:
        public = False
    else:
        public = None
    ex.facts["public_cloud"] = public
    if public is False:
        cues = sorted({c["text"] for c in strong or weak})
        ex.problems.append(
            Problem(
                FlagCode.console_not_public_cloud,
                Severity.medium,
                "截图显示的是私有云或本地部署系统，不是公有云"
                f"（{'、'.join(cues[:6])}" + ("；未出现公有云厂商名称）" if not vendor else "）"),
                fields=[f for f in ("vendor", "products") if f in ex.fields or f in ex.list_fields],
                values={"cues": cues, "vendor": vendor[0] if vendor else None},
            )
        )
    # each product with the annex domains it proves (the lexicon's mapping), and their union
    product_domains: dict[str, list[str]] = {}
    for p in products:
        entry = lex.product(p.product)
        product_domains.setdefault(p.product, sorted(entry.domains) if entry else [])
    ex.facts["product_domains"] = product_domains
    ex.facts["domains"] = sorted({d for ds in product_domains.values() for d in ds})
    return ex


def _account(pages: list[PageText], ex: Extraction) -> None:
    """The signed-in account: a name printed above 主账号 / RAM用户, or after an 账号 label."""
    for page in pages:
        for line in page.lines:
            if _ACCOUNT_BELOW.match(compact(line.text)):
                for other in above(page, line, height(line.bbox) * 1.5):
                    value = compact(other.text)
                    if 2 <= len(value) <= 64 and abs(cy(other.bbox) - cy(line.bbox)) < height(line.bbox) * 3:
                        ex.set_field(
                            "account",
                            value,
                            page.page,
                            other.bbox,
                            other.confidence * 0.8,
                            name,
                            raw=other.text,
                        )
                        return
        for cand in label_candidates(page, _ACCOUNT_LABEL + r"\s*[:：]"):
            value = compact(cand.value.text)
            if re.fullmatch(r"[\w@.\-]{2,64}", value):
                ex.set_field(
                    "account",
                    value,
                    page.page,
                    cand.value.bbox,
                    cand.value.confidence,
                    name,
                    raw=cand.value.text,
                )
                return
