"""Certificates a dossier may carry as 其他证明性材料 or as the provider's credentials.

* 计算机软件著作权登记证书 (software copyright): 证书号 软著登字第…号, 登记号 like 2021SR0902973;
* 增值电信业务经营许可证 (telecom licence): B1-20180001 nationwide, 豫B2-… provincial; cloud services
  need B11 互联网数据中心业务 including 互联网资源协作服务;
* 软件产品登记证书 / 软件产品证书;
* software test reports (测试报告 / 检测报告).

Each is a small label → value form read with ``extractors.layout_docs``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from extractors.base import Extraction
from extractors.dates import find_dates, parse_date
from extractors.layout import Hit
from extractors.layout_docs import any_label, hit, label_candidates, reading_order, topmost_heading
from extractors.text import compact, normalize
from models.domain import PageText

name = "certificates"

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_TELECOM_NUMBER = re.compile(rf"(?:[{_PROVINCES}]\s*)?[AB]\s*[12]\s*[-－—.]\s*\d{{8}}")
_BUSINESS_TYPE = re.compile(
    r"(?<![A-Za-z0-9])([AB][12]\d?)(?:[.\-]\d)?\s*[类]?\s*[:：、]?\s*([\u4e00-\u9fff]{2,20}业务)?"
)
_SOFTWARE_REG = re.compile(r"\d{4}\s*SR\s*\d{5,8}", re.IGNORECASE)
_COPYRIGHT_CERT = re.compile(r"软著登字\s*第\s*\d+\s*号")


def _put(ex: Extraction, field: str, found: tuple[str, Hit] | None, extractor: str) -> None:
    if found:
        value, h = found
        ex.set_field(field, value, h.page, h.bbox, h.confidence, extractor, raw=h.text)


def _read(
    pages: list[PageText],
    labels: list[str],
    accept: Callable[[str], str | None] = lambda t: compact(t) or None,
    **kwargs: Any,
) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, any_label(labels), **kwargs):
            value = accept(cand.value.text)
            if value:
                return value, cand.value
    return None


def _date(text: str) -> str | None:
    d = parse_date(text)
    return d.isoformat() if d else None


def _search(pages: list[PageText], rx: re.Pattern[str]) -> tuple[str, Hit] | None:
    for page, line in reading_order(pages):
        m = rx.search(line.text)
        if m:
            return compact(m.group(0)), hit(page, line, m.start(), m.end())
    return None


def _bottom_date(pages: list[PageText], exclude: set[str]) -> tuple[str, Hit] | None:
    """The lowest date on the last page that is not a labelled field's date (the issue date sits
    under the seal)."""
    for page in reversed(pages):
        dated = [
            (ln, s, e, when)
            for ln in page.lines
            for s, e, when in find_dates(ln.text)
            if when.isoformat() not in exclude
        ]
        if dated:
            ln, s, e, when = max(dated, key=lambda d: d[0].bbox[1])
            return when.isoformat(), hit(page, ln, s, e)
    return None


def extract_software_copyright(pages: list[PageText]) -> Extraction:
    """Software copyright registration certificate: certificate_number, registration_number,
    software_name, copyright_holder, completion_date, first_publication_date, issue_date."""
    ex = Extraction()
    extractor = "software_copyright"
    _put(ex, "certificate_number", _search(pages, _COPYRIGHT_CERT), extractor)
    reg = _read(
        pages, ["登记号"], lambda t: (m := _SOFTWARE_REG.search(t)) and compact(m.group(0)).upper() or None
    )
    _put(ex, "registration_number", reg or _search(pages, _SOFTWARE_REG), extractor)
    _put(ex, "software_name", _read(pages, ["软件名称", "软件全称"], lambda t: compact(t) or None), extractor)
    _put(
        ex,
        "copyright_holder",
        _read(pages, ["著作权人", "著作权人(国籍)"], lambda t: normalize(t) or None),
        extractor,
    )
    _put(ex, "completion_date", _read(pages, ["开发完成日期"], _date), extractor)
    first = _read(pages, ["首次发表日期"], lambda t: compact(t) or None)
    if first and (d := _date(first[0])):
        _put(ex, "first_publication_date", (d, first[1]), extractor)
        ex.facts["published"] = True
    elif first:
        ex.facts["published"] = "未发表" not in first[0]
    exclude = {fv.value for f, fv in ex.fields.items() if f.endswith("_date")}
    _put(
        ex,
        "issue_date",
        _read(pages, ["发证日期", "登记日期"], _date) or _bottom_date(pages, exclude),
        extractor,
    )
    return ex


def extract_telecom_license(pages: list[PageText]) -> Extraction:
    """增值电信业务经营许可证: license_number, company_name, business_types (list of codes such as
    B11), valid_until. Facts: ``business_type_names`` ({code: name}), ``resource_collaboration``
    (互联网资源协作服务 listed: what cloud services need)."""
    ex = Extraction()
    extractor = "telecom_license"
    number = _read(
        pages,
        ["经营许可证编号", "许可证编号", "编号"],
        lambda t: (m := _TELECOM_NUMBER.search(t)) and compact(m.group(0)) or None,
    )
    _put(ex, "license_number", number or _search(pages, _TELECOM_NUMBER), extractor)
    _put(
        ex,
        "company_name",
        _read(
            pages,
            ["公司名称", "经营者名称", "单位名称", "企业名称"],
            lambda t: compact(t) if len(compact(t)) >= 4 else None,
        ),
        extractor,
    )
    names: dict[str, str] = {}
    for page, line in reading_order(pages):
        if _TELECOM_NUMBER.search(line.text):
            continue
        for m in _BUSINESS_TYPE.finditer(normalize(line.text)):
            code = m.group(1)
            if len(code) < 3:
                continue
            h = hit(page, line, m.start(), m.end())
            ex.add_list_value("business_types", code, page.page, h.bbox, line.confidence, extractor)
            if m.group(2):
                names.setdefault(code, m.group(2))
    ex.facts["business_type_names"] = names
    ex.facts["resource_collaboration"] = any(
        "互联网资源协作" in compact(ln.text) for p in pages for ln in p.lines
    )
    valid = _read(pages, ["有效期至", "有效期限", "有效期"], lambda t: _last_date(t))
    _put(ex, "valid_until", valid, extractor)
    return ex


def _last_date(text: str) -> str | None:
    found = find_dates(text)
    return found[-1][2].isoformat() if found else None


def extract_software_product_certificate(pages: list[PageText]) -> Extraction:
    """软件产品证书 / 软件产品登记证书: certificate_number, product_name, holder, issue_date,
    valid_until."""
    ex = Extraction()
    extractor = "software_product_certificate"
    _put(
        ex,
        "certificate_number",
        _read(
            pages,
            ["证书编号", "登记号", "证书号", "编号"],
            lambda t: compact(t) if re.search(r"\d{4}", t) else None,
        ),
        extractor,
    )
    _put(ex, "product_name", _read(pages, ["软件产品名称", "产品名称", "软件名称"]), extractor)
    _put(
        ex,
        "holder",
        _read(
            pages,
            ["申请企业", "企业名称", "申请单位", "开发企业", "持有人", "著作权人"],
            lambda t: compact(t) if len(compact(t)) >= 4 else None,
        ),
        extractor,
    )
    issue = _read(pages, ["发证日期", "登记日期", "签发日期"], _date)
    valid = _read(pages, ["有效期至", "有效期"], _last_date)
    _put(ex, "valid_until", valid, extractor)
    exclude = {valid[0]} if valid else set()
    _put(ex, "issue_date", issue or _bottom_date(pages, exclude), extractor)
    return ex


def extract_test_report(pages: list[PageText]) -> Extraction:
    """Software test report: report_number, product, testing_body, report_date, title."""
    ex = Extraction()
    extractor = "test_report"
    if pages:
        line = topmost_heading(pages[0], lambda t: bool(re.search(r"报告", t)) and len(compact(t)) <= 30)
        if line is not None:
            _put(ex, "title", (compact(line.text), hit(pages[0], line)), extractor)
    _put(
        ex,
        "report_number",
        _read(
            pages,
            ["报告编号", "报告号", "编号", "No"],
            lambda t: compact(t) if re.search(r"\d{3}", t) else None,
        ),
        extractor,
    )
    _put(ex, "product", _read(pages, ["产品名称", "软件名称", "样品名称", "项目名称", "测试对象"]), extractor)
    _put(
        ex,
        "testing_body",
        _read(
            pages,
            ["检测单位", "测试单位", "检测机构", "测试机构", "检验单位", "承检单位"],
            lambda t: compact(t) if len(compact(t)) >= 4 else None,
        ),
        extractor,
    )
    date = _read(pages, ["报告日期", "签发日期", "批准日期", "检测日期", "测试日期"], _last_date)
    _put(ex, "report_date", date or _bottom_date(pages, set()), extractor)
    return ex
