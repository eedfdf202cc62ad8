"""Render the synthetic sample dossiers of the Zhengzhou 2018 cloud-provider call and of "double
soft" recognition, with their ground truth.

    python samples/generate_programmes.py [--out samples] [--seed 11]

Writes ``zhengzhou/dossier/*`` + ``zhengzhou/truth.json`` and ``double_soft/dossier/*`` +
``double_soft/truth.json``. Every page is a text-layer PDF (CI reads them without OCR); seals are
raster images over the text, as in the Jinan sample. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _codes import digits, fmt_money, make_uscc  # noqa: E402
from _data import Company, Licence, person  # noqa: E402
from _docs import A4, licence_page  # noqa: E402
from _draw import fonts_available  # noqa: E402
from _programme_docs import (  # noqa: E402
    TelecomLicence,
    audit_report_pages,
    copyright_page,
    income_statement_page,
    product_certificate_page,
    provider_form_pages,
    telecom_licence_page,
    test_report_page,
)
from generate import write_text_pdf  # noqa: E402

LICENCE_PAGE = (190.0, 270.0)
DEADLINE = dt.date(2018, 5, 11)


def _company(rng: random.Random, names: set[str], name: str, division: str, address: str, phone: str) -> Company:
    return Company(name=name, credit_code=make_uscc(rng, division), address=address, phone=phone,
                   bank="中国建设银行股份有限公司郑州金水支行", account="4105" + digits(rng, 16),
                   legal_rep=person(rng, names), division=division)


def _licence(c: Company, *, established: dt.date, capital: str, scope: str, issued: dt.date, serial: str) -> Licence:
    return Licence(company=c, entity_type="有限责任公司（自然人投资或控股）", registered_capital=capital,
                   established=established, term=f"{established.year}年{established.month:02d}月{established.day:02d}日至长期",
                   scope=scope, authority="郑州市工商行政管理局高新技术产业开发区分局", issue_date=issued, serial=serial)


def _page_map(files: list[tuple[str, int]]) -> dict[str, list[int]]:
    out, n = {}, 1
    for name, count in files:
        out[name] = list(range(n, n + count))
        n += count
    return out


def _write(docs: Path, name: str, pages: list[Any], size: tuple[float, float], title: str) -> None:
    write_text_pdf(docs / name, pages, size, title)


def licence_truth(lic: Licence) -> dict[str, Any]:
    c = lic.company
    return {"company_name": c.name, "credit_code": c.credit_code, "entity_type": lic.entity_type, "address": c.address,
            "legal_representative": c.legal_rep, "registered_capital": lic.registered_capital,
            "established_date": lic.established.isoformat(), "issue_date": lic.issue_date.isoformat()}


# ---------------------------------------------------------------------------------------------
# Zhengzhou


ZZ_FILES = [
    ("01_申报表及汇总表.pdf", 2),
    ("02_营业执照.pdf", 1),
    ("03_增值电信业务经营许可证.pdf", 1),
    ("04_增值电信业务经营许可证_合作方.pdf", 1),
]


def zhengzhou(out: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    names: set[str] = set()
    docs = out / "dossier"
    docs.mkdir(parents=True, exist_ok=True)
    pm = _page_map(ZZ_FILES)
    applicant = _company(rng, names, "郑州中原数云科技有限公司", "410100",
                         f"郑州高新技术产业开发区科学大道{rng.randint(60, 199)}号{rng.randint(2, 9)}号楼{rng.randint(3, 18)}层",
                         "0371-6" + digits(rng, 7))
    other = _company(rng, names, "河南天中云计算服务有限公司", "410100",
                     f"郑州市金水区花园路{rng.randint(10, 150)}号", "0371-5" + digits(rng, 7))
    contact = person(rng, names)
    mobile = "139" + digits(rng, 8)
    submitted = dt.date(2018, 5, 9)
    platform = "数云工业云平台"
    services = ("提供云主机、云存储、云数据库等基础云资源及工业设备接入、数据分析等 SaaS 应用，"
                "面向郑州市中小制造企业提供上云咨询、迁移和运维服务。")

    lic = _licence(applicant, established=dt.date(2012, 8, 16), capital="5000万元",
                   scope="云计算技术开发、技术服务；第一类增值电信业务中的互联网数据中心业务；计算机系统集成。",
                   issued=dt.date(2017, 3, 2), serial=digits(rng, 15))
    own = TelecomLicence(
        holder=applicant, number=f"豫B1-2013{digits(rng, 4)}",
        business=[("B11", "互联网数据中心业务（含互联网资源协作服务）"), ("B25", "信息服务业务（不含互联网信息服务）")],
        coverage="河南省", issue_date=dt.date(2013, 3, 31), valid_until=dt.date(2018, 3, 31),
        authority="河南省通信管理局")
    partner = TelecomLicence(
        holder=other, number=f"豫B1-2017{digits(rng, 4)}",
        business=[("B11", "互联网数据中心业务（含互联网资源协作服务）")],
        coverage="河南省", issue_date=dt.date(2017, 6, 30), valid_until=dt.date(2022, 6, 30),
        authority="河南省通信管理局")

    _write(docs, "01_申报表及汇总表.pdf",
           provider_form_pages(applicant, kind="integrated", platform=platform, services=services, contact=contact,
                               mobile=mobile, staff=86, submitted=submitted, seed=seed * 100 + 1),
           A4, "郑州市首批企业上云服务商申报表")
    _write(docs, "02_营业执照.pdf", [licence_page(SimpleNamespace(licence=lic, seed=seed))], LICENCE_PAGE, "营业执照")
    _write(docs, "03_增值电信业务经营许可证.pdf", [telecom_licence_page(own, seed * 100 + 3)], A4, "增值电信业务经营许可证")
    _write(docs, "04_增值电信业务经营许可证_合作方.pdf", [telecom_licence_page(partner, seed * 100 + 4)], A4,
           "增值电信业务经营许可证")

    def tl_truth(t: TelecomLicence) -> dict[str, Any]:
        return {"license_number": t.number, "company_name": t.holder.name,
                "business_types": [code for code, _ in t.business], "valid_until": t.valid_until.isoformat(),
                "resource_collaboration": True}

    files = [
        {"file": "01_申报表及汇总表.pdf", "pages": pm["01_申报表及汇总表.pdf"], "document_type": "application_form",
         "fields": {"company_name": applicant.name, "credit_code": applicant.credit_code, "applicant_kind": "platform",
                    "applicant_kind_detail": "integrated", "submission_date": submitted.isoformat()},
         "summary_table_page": pm["01_申报表及汇总表.pdf"][1], "defects": []},
        {"file": "02_营业执照.pdf", "pages": pm["02_营业执照.pdf"], "document_type": "business_license",
         "fields": licence_truth(lic), "defects": []},
        {"file": "03_增值电信业务经营许可证.pdf", "pages": pm["03_增值电信业务经营许可证.pdf"], "document_type": "telecom_license",
         "fields": tl_truth(own), "defects": ["telecom_license_expired"],
         "note": f"the applicant's own licence, valid until {own.valid_until}, before the deadline {DEADLINE}"},
        {"file": "04_增值电信业务经营许可证_合作方.pdf", "pages": pm["04_增值电信业务经营许可证_合作方.pdf"],
         "document_type": "telecom_license", "fields": tl_truth(partner), "defects": ["telecom_license_other_holder"],
         "note": "a valid B11 licence, but held by another company"},
    ]
    return {
        "programme": "zhengzhou-cloud-provider-2018",
        "seed": seed,
        "applicant": {"name": applicant.name, "credit_code": applicant.credit_code},
        "page_count": sum(n for _, n in ZZ_FILES),
        "files": files,
        # the defects show as the licence item's failure; no risk flag code exists for them
        "expected_flags": [],
        "expected_checklist": {
            "scope.applicant_kind": "met",
            "eligibility.registered_in_zhengzhou": "met",
            "qualification.platform_telecom_license": "failed",
            "qualification.application_software_certificate": "not_applicable",
            "materials.application_form": "met",
            "materials.business_license": "met",
            "submission.deadline": "met",
            "submission.summary_table": "needs_review",
            "submission.paper_triplicate": "needs_review",
            "submission.electronic_copy": "needs_review",
        },
        "expected_reasons": {
            "qualification.platform_telecom_license": [own.number, own.valid_until.isoformat(), other.name],
        },
    }


# ---------------------------------------------------------------------------------------------
# Double soft


DS_FILES = [
    ("01_营业执照.pdf", 1),
    ("02_软件著作权登记证书.pdf", 1),
    ("03_软件产品登记测试报告.pdf", 1),
    ("04_软件产品登记证书.pdf", 1),
    ("05_利润表.pdf", 1),
    ("06_专项审计报告.pdf", 3),
]


def double_soft(out: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    names: set[str] = set()
    docs = out / "dossier"
    docs.mkdir(parents=True, exist_ok=True)
    pm = _page_map(DS_FILES)
    applicant = _company(rng, names, "郑州嵩岳软件科技有限公司", "410100",
                         f"郑州高新技术产业开发区翠竹街{rng.randint(1, 60)}号{rng.randint(1, 9)}号楼{rng.randint(2, 20)}层",
                         "0371-8" + digits(rng, 7))
    lab = _company(rng, names, "河南省软件产品测试中心有限公司", "410100", "郑州市金水区文化路80号", "0371-6" + digits(rng, 7))
    firm = _company(rng, names, "河南中豫会计师事务所有限公司", "410100", "郑州市郑东新区商务外环路20号", "0371-5" + digits(rng, 7))
    year = 2017
    software = "嵩岳智能仓储管理系统V2.0"

    lic = _licence(applicant, established=dt.date(2014, 4, 22), capital="1000万元",
                   scope="计算机软件开发、技术服务、技术咨询；信息系统集成；计算机软硬件销售。",
                   issued=dt.date(2016, 9, 12), serial=digits(rng, 15))
    reg_no = f"2017SR{digits(rng, 6)}"
    cert_no = f"软著登字第{digits(rng, 7)}号"
    report_no = f"HNST-2017-R{digits(rng, 4)}"
    product_cert = f"豫RC-2018-{digits(rng, 4)}"

    # figures in 万元 (the audit report) and yuan (the income statement); the staff ratio lands just
    # under its 50 % threshold
    revenue, software_rev, own_rev, rd = Decimal("1250.00"), Decimal("520.00"), Decimal("300.00"), Decimal("106.00")
    staff_total, software_staff = 120, 59
    wan = Decimal(10000)

    _write(docs, "01_营业执照.pdf", [licence_page(SimpleNamespace(licence=lic, seed=seed + 1))], LICENCE_PAGE, "营业执照")
    _write(docs, "02_软件著作权登记证书.pdf", [copyright_page(
        applicant, cert_no=cert_no, reg_no=reg_no, software=software, completed=dt.date(2017, 3, 20),
        published=dt.date(2017, 4, 10), issued=dt.date(2017, 7, 5), seed=seed * 100 + 12)], A4, "计算机软件著作权登记证书")
    _write(docs, "03_软件产品登记测试报告.pdf", [test_report_page(
        applicant, number=report_no, product=software, body=lab, tested=dt.date(2017, 9, 18),
        seed=seed * 100 + 13)], A4, "软件产品登记测试报告")
    _write(docs, "04_软件产品登记证书.pdf", [product_certificate_page(
        applicant, cert_no=product_cert, product=software, issued=dt.date(2018, 1, 15),
        valid_until=dt.date(2023, 1, 14), authority="河南省软件行业协会", seed=seed * 100 + 14)], A4, "软件产品登记证书")
    statement = [
        ("一、营业收入", revenue * wan, Decimal("9860000.00")),
        ("减：营业成本", Decimal("6420000.00"), Decimal("5310000.00")),
        ("税金及附加", Decimal("98000.00"), Decimal("76000.00")),
        ("销售费用", Decimal("1230000.00"), Decimal("1010000.00")),
        ("管理费用", Decimal("1580000.00"), Decimal("1320000.00")),
        ("研发费用", rd * wan, Decimal("820000.00")),
        ("二、营业利润", Decimal("2112000.00"), Decimal("1304000.00")),
        ("三、利润总额", Decimal("2112000.00"), Decimal("1304000.00")),
        ("四、净利润", Decimal("1795200.00"), Decimal("1108400.00")),
    ]
    _write(docs, "05_利润表.pdf", [income_statement_page(applicant, year=year, rows=statement)], A4, "利润表")
    _write(docs, "06_专项审计报告.pdf", audit_report_pages(
        applicant, firm, number=f"豫中会专审字〔2018〕第{digits(rng, 3)}号", year=year, issued=dt.date(2018, 3, 28),
        income=[("营业收入", revenue), ("其中：软件产品收入", software_rev), ("其中：自主软件收入", own_rev),
                ("研究开发费用", rd)],
        staff=[("职工总数", staff_total), ("从事软件开发和相应技术服务人员", software_staff)],
        cpas=(person(rng, names), person(rng, names)), seed=seed * 100 + 16), A4, "专项审计报告")

    audit_pages = pm["06_专项审计报告.pdf"]
    files = [
        {"file": "01_营业执照.pdf", "pages": pm["01_营业执照.pdf"], "document_type": "business_license",
         "fields": licence_truth(lic), "defects": []},
        {"file": "02_软件著作权登记证书.pdf", "pages": pm["02_软件著作权登记证书.pdf"],
         "document_type": "software_copyright_certificate",
         "fields": {"certificate_number": cert_no, "registration_number": reg_no, "software_name": software,
                    "copyright_holder": applicant.name}, "defects": []},
        {"file": "03_软件产品登记测试报告.pdf", "pages": pm["03_软件产品登记测试报告.pdf"], "document_type": "test_report",
         "fields": {"report_number": report_no, "product": software, "testing_body": lab.name}, "defects": []},
        {"file": "04_软件产品登记证书.pdf", "pages": pm["04_软件产品登记证书.pdf"],
         "document_type": "software_product_certificate",
         "fields": {"certificate_number": product_cert, "product_name": software, "holder": applicant.name},
         "defects": []},
        {"file": "05_利润表.pdf", "pages": pm["05_利润表.pdf"], "document_type": "financial_statement",
         "fields": {"revenue": fmt_money(revenue * wan), "rd_expense": fmt_money(rd * wan)}, "unit": "元", "defects": []},
        {"file": "06_专项审计报告.pdf", "pages": audit_pages, "document_type": "audit_report",
         "fields": {"revenue": fmt_money(revenue * wan), "software_revenue": fmt_money(software_rev * wan),
                    "own_software_revenue": fmt_money(own_rev * wan), "rd_expense": fmt_money(rd * wan),
                    "staff_total": str(staff_total), "software_staff": str(software_staff)},
         "unit": "万元", "figure_pages": {"revenue": audit_pages[1], "staff_total": audit_pages[2]},
         "defects": ["software_staff_ratio_below_threshold"],
         "note": f"{software_staff}/{staff_total} = {Decimal(software_staff * 100) / staff_total:.2f}% < 50%"},
    ]
    return {
        "programmes": ["double-soft-software-product", "double-soft-enterprise"],
        "seed": seed,
        "applicant": {"name": applicant.name, "credit_code": applicant.credit_code},
        "page_count": sum(n for _, n in DS_FILES),
        "files": files,
        "expected_flags": [],
        "expected_checklist": {
            "double-soft-software-product": {
                "product.business_license": "met",
                "product.ip_proof": "met",
                "product.test_report": "met",
            },
            "double-soft-enterprise": {
                "enterprise.legal_person": "met",
                "enterprise.software_products": "met",
                "enterprise.software_staff_ratio": "failed",
                "enterprise.equipment_and_premises": "needs_review",
                "enterprise.quality_assurance": "needs_review",
                "enterprise.rd_ratio": "met",
                "enterprise.software_revenue_ratio": "met",
                "enterprise.own_software_revenue_ratio": "met",
                "enterprise.compliance": "needs_review",
                "materials.audit_report": "met",
            },
        },
        "expected_ratios": {
            "enterprise.software_staff_ratio": f"{Decimal(software_staff * 100) / staff_total:.2f}%",
            "enterprise.rd_ratio": f"{rd * 100 / revenue:.2f}%",
            "enterprise.software_revenue_ratio": f"{software_rev * 100 / revenue:.2f}%",
            "enterprise.own_software_revenue_ratio": f"{own_rev * 100 / software_rev:.2f}%",
        },
    }


def generate(out: Path, seed: int = 11) -> dict[str, dict[str, Any]]:
    if not fonts_available():
        raise SystemExit("WenQuanYi fonts not found under /usr/share/fonts/truetype/wqy (fonts-wqy-*)")
    truths = {}
    for folder, build in (("zhengzhou", zhengzhou), ("double_soft", double_soft)):
        truth = build(out / folder, seed)
        (out / folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        truths[folder] = truth
    return truths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    for folder, truth in generate(args.out, args.seed).items():
        dossier = args.out / folder / "dossier"
        size = sum(p.stat().st_size for p in dossier.iterdir() if p.is_file())
        print(f"{dossier}: {len(truth['files'])} files, {truth['page_count']} pages, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
