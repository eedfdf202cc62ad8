"""Business licence (营业执照): the applicant's identity, form and place of registration.

Licences print spaced labels in a left column (``名　　称``, ``类　　型``, ``住　　所``) and values in
a column to their right; OCR often merges the first characters of stacked labels into one tall box
(``名类住``) and glues the last one to the value (``称苏州某某公司``). Fields are read label by label
with the helpers in ``extractors.layout_docs``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.base import Extraction, Problem
from extractors.codes import (
    credit_code_problem_words,
    credit_code_problems,
    credit_code_valid,
    division_of,
    find_codes,
    normalize_code,
    registration_number_valid,
    repair_credit_code,
)
from extractors.dates import find_dates, parse_date
from extractors.layout import Hit, below, height, right_of
from extractors.layout_docs import (
    Candidate,
    any_label,
    continuation,
    hit,
    label_candidates,
    spaced,
    split_label_candidates,
)
from extractors.layout_extra import chain_right, row_string, sub_page, text_rows, without_nested
from extractors.text import compact, normalize
from models.domain import PageText, TextLine
from models.enums import DocumentType, FlagCode, Severity, TextSource

name = "license"
document_types = (DocumentType.business_license,)


# Every label a licence prints in its left column; a value line never starts with one.
_LABELS = {
    "company_name": ["名称", "企业名称", "单位名称"],
    "entity_type": ["类型", "主体类型"],
    # individual businesses (个体工商户) print their 组成形式 (个人经营 / 家庭经营) beside 类型
    "composition": ["组成形式"],
    "address": ["住所", "营业场所", "经营场所", "主要经营场所", "地址"],
    "legal_representative": ["法定代表人", "负责人", "经营者", "执行事务合伙人", "投资人", "法人代表"],
    "registered_capital": ["注册资本", "注册资金", "出资额", "出资总额"],
    "established_date": ["成立日期", "注册日期", "设立日期"],
    "business_term": ["营业期限", "经营期限", "合伙期限"],
    "business_scope": ["经营范围"],
    "registration_authority": ["登记机关"],
}
_ALL_LABELS = re.compile(rf"^\s*{any_label([lb for lbs in _LABELS.values() for lb in lbs])}")
# A branch or a form of business that is no legal person cannot apply on its own (DOMAIN.md §2).
_BRANCH = re.compile(r"分公司|分支机构|非法人|分店|办事处")
_NOT_LEGAL_PERSON = re.compile(r"个体工商户|个人独资|合伙企业|普通合伙|有限合伙")
_INDIVIDUAL = re.compile(r"个体工商户|个体户")
# GB 32100: registration department 9 (market regulation), entity type 2 (个体工商户)
_INDIVIDUAL_CODE = "92"
_AUTHORITY = re.compile(
    r"[\u4e00-\u9fff]{2,20}(?:市场监督管理局|工商行政管理局|市场监管局|行政审批服务局|行政审批局)"
)
_COMPANY_NAME = re.compile(r"[\u4e00-\u9fff（）()A-Za-z0-9·]{4,}")


def _candidates(page: PageText, field: str, *, below_ok: bool = False) -> list[Candidate]:
    labels = _LABELS[field]
    out = list(label_candidates(page, any_label(labels), look_below=below_ok))
    for label in labels:
        out += list(split_label_candidates(page, label))
    return out


def _read(
    pages: list[PageText], field: str, accept: Callable[[str], str | None], *, below_ok: bool = False
) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in _candidates(page, field, below_ok=below_ok):
            if _ALL_LABELS.match(cand.value.text):
                continue
            value = accept(cand.value.text)
            if value:
                return value, cand.value
    return None


def _text_value(min_len: int = 2) -> Callable[[str], str | None]:
    def accept(text: str) -> str | None:
        value = normalize(text).strip()
        return value if len(compact(value)) >= min_len else None

    return accept


def _date_value(text: str) -> str | None:
    d = parse_date(text)
    return d.isoformat() if d else None


def _row_date(pages: list[PageText], field: str) -> tuple[str, Hit] | None:
    """A date OCR split into boxes after its label (``成立日期`` ``2013年01月`` ``29日``), read on
    the label's row joined left to right, without the fragments re-read inside a longer box."""
    rx = re.compile(rf"^\s*{any_label(_LABELS[field])}")
    for page in pages:
        lines = without_nested(page.lines)
        for line in lines:
            m = rx.match(line.text)
            if not m:
                continue
            rs = row_string(chain_right(lines, line))
            skip = len(compact(line.text[: m.end()]))
            found = [f for f in find_dates(rs.text) if f[0] >= skip]
            if found:
                start, end, when = found[0]
                box = rs.bbox(start, end)
                conf = min(rs.lines[o].confidence for o in set(rs.owners[start:end]))
                return when.isoformat(), Hit(rs.text[start:end], box, conf * 0.95, page.page)
    return None


def _term_value(text: str) -> str | None:
    """``2013年01月29日至2023年01月28日`` -> ``2013-01-29至2023-01-28``; open ends kept as printed."""
    found = find_dates(text)
    if not found:
        return None
    start = found[0][2].isoformat()
    if len(found) > 1:
        return f"{start}至{found[1][2].isoformat()}"
    rest = normalize(text[found[0][1] :]).lstrip("至起- ")
    return f"{start}至{rest}" if rest else start


def _capital_value(text: str) -> str | None:
    value = compact(text)
    return value if re.search(r"\d|[壹贰叁肆伍陆柒捌玖拾佰仟万]", value) else None


def _code_on_line(line_text: str, kind: str) -> tuple[int, int, str] | None:
    for start, end, code, found_kind in find_codes(line_text):
        if found_kind == kind:
            return start, end, code
    return None


def _read_code(pages: list[PageText], labels: list[str], kind: str) -> tuple[str, Hit] | None:
    """A code printed after its label, in the same box or the next one on the row (or, failing
    that, alone somewhere on the licence)."""
    rx = re.compile(any_label(labels))
    fallback: tuple[str, Hit] | None = None
    for page in pages:
        for line in page.lines:
            m = rx.search(line.text)
            if m:
                found = _code_on_line(line.text[m.end() :], kind)
                if found:
                    return found[2], hit(page, line, m.end() + found[0], m.end() + found[1])
                for other in right_of(page, line, height(line.bbox) * 6)[:2]:
                    found = _code_on_line(other.text, kind)
                    if found:
                        return found[2], hit(page, other, found[0], found[1])
            if fallback is None:
                found = _code_on_line(line.text, kind)
                if found:
                    fallback = (found[2], hit(page, line, found[0], found[1]))
    return fallback


def _issue_date(
    pages: list[PageText], authority_line: TextLine | None, page_no: int | None
) -> tuple[str, Hit] | None:
    """The issue date printed under (or beside) 登记机关 at the bottom of the licence."""
    for page in pages:
        if page_no is not None and page.page != page_no:
            continue
        if authority_line is not None:
            h = height(authority_line.bbox)
            region = [
                ln
                for ln in page.lines
                if ln.bbox[1] >= authority_line.bbox[1] - h * 0.5
                and ln.bbox[1] <= authority_line.bbox[3] + h * 6
                and ln.bbox[2] >= authority_line.bbox[0] - h
                and "年报" not in ln.text
            ]
        else:
            region = [ln for ln in page.lines if ln.bbox[1] > page.height * 0.75 and "年报" not in ln.text]
        for line in sorted(region, key=lambda ln: (ln.bbox[1], ln.bbox[0])):
            found = find_dates(line.text)
            if found:
                start, end, when = found[-1]
                return when.isoformat(), hit(page, line, start, end)
        # under the seal OCR splits the date into boxes (``2025年10月`` | ``24日``): read each row
        # joined, without the fragments re-read inside a longer box
        for row in text_rows(sub_page(page, without_nested(region))):
            rs = row_string(row)
            found = find_dates(rs.text)
            if found:
                start, end, when = found[-1]
                box = rs.bbox(start, end)
                conf = min(rs.lines[o].confidence for o in set(rs.owners[start:end]))
                return when.isoformat(), Hit(rs.text[start:end], box, conf * 0.95, page.page)
    return None


def extract_license(pages: list[PageText]) -> Extraction:
    """Read a business licence: identity, form, address, capital, dates, scope, authority.

    Facts: ``independent_legal_person`` (False for a branch or a form with no legal personality,
    True when an entity type was read, None when unknown), ``is_individual_business`` (a 个体工商户:
    its type, its name's suffix, its 组成形式, or a credit code registered as one — characters 1-2
    ``92``; None when nothing tells) and ``division`` (characters 3-8 of the credit code, where the
    company was registered).
    """
    ex = Extraction()

    def put(field: str, found: tuple[str, Hit] | None) -> None:
        if found:
            value, h = found
            ex.set_field(field, value, h.page, h.bbox, h.confidence, name, raw=h.text)

    # new licences print an 18-character credit code; old ones a 15-digit 注册号 with its own check
    for field, labels, is_valid, why in (
        ("credit_code", ["统一社会信用代码", "信用代码"], credit_code_valid,
         lambda v: f"营业执照统一社会信用代码 {v} 校验不通过：{credit_code_problem_words(v)}"),
        ("registration_number", ["注册号"], registration_number_valid,
         lambda v: f"营业执照注册号 {v} 校验位不正确（ISO 7064 MOD 11,10）"),
    ):
        found = _read_code(pages, labels, field)
        if not found:
            continue
        value, where = normalize_code(found[0]), found[1]
        if field == "credit_code" and any(p.text_source == TextSource.ocr for p in pages if p.page == where.page):
            value = repair_credit_code(value)  # OCR confusions the check characters undo
        valid = is_valid(value)
        ex.set_field(field, value, where.page, where.bbox, where.confidence, name, raw=where.text, valid=valid)
        if not valid:
            values: dict[str, object] = {field: value}
            if field == "credit_code":
                values["problems"] = credit_code_problems(value)
            ex.problems.append(Problem(FlagCode.credit_code_invalid, Severity.high, why(value),
                                       fields=[field], values=values))
        break

    def company(text: str) -> str | None:
        value = compact(text)
        return value if _COMPANY_NAME.fullmatch(value) else None

    put("company_name", _read(pages, "company_name", company))
    put("entity_type", _read(pages, "entity_type", _text_value(2)))
    put("composition", _read(pages, "composition", _text_value(2)))
    put("address", _read(pages, "address", _text_value(4)))
    put("legal_representative", _read(pages, "legal_representative", lambda t: compact(t) or None))
    put("registered_capital", _read(pages, "registered_capital", _capital_value))
    put("established_date", _read(pages, "established_date", _date_value) or _row_date(pages, "established_date"))
    put("business_term", _read(pages, "business_term", _term_value))

    scope = _read(pages, "business_scope", _text_value(2))
    if scope:
        page = next(p for p in pages if p.page == scope[1].page)
        full = continuation(page, scope[1], lambda ln: bool(_ALL_LABELS.match(ln.text)) or "年报" in ln.text)
        ex.set_field(
            "business_scope", compact(full.text), full.page, full.bbox, full.confidence, name, raw=full.text
        )

    authority_label: TextLine | None = None
    authority_page: int | None = None
    for page in pages:
        for cand in label_candidates(page, spaced("登记机关"), look_below=True):
            authority_label, authority_page = cand.label, page.page
            m = _AUTHORITY.search(compact(cand.value.text))
            if m and "registration_authority" not in ex.fields:
                ex.set_field(
                    "registration_authority",
                    m.group(0),
                    page.page,
                    cand.value.bbox,
                    cand.value.confidence,
                    name,
                    raw=cand.value.text,
                )
        if authority_label is None:
            for line in page.lines:
                if compact(line.text) == "登记机关":
                    authority_label, authority_page = line, page.page
    if "registration_authority" not in ex.fields:
        # often only the seal says it; the seal reader's text lines land on the page too
        for page in pages:
            for line in page.lines:
                m = _AUTHORITY.search(compact(line.text))
                if m:
                    ex.set_field(
                        "registration_authority",
                        m.group(0),
                        page.page,
                        line.bbox,
                        line.confidence * 0.8,
                        name,
                        raw=line.text,
                    )
                    break
            if "registration_authority" in ex.fields:
                break
    if authority_label is not None:
        put("issue_date", _issue_date(pages, authority_label, authority_page))
        if "issue_date" not in ex.fields:
            page = next(p for p in pages if p.page == authority_page)
            for other in below(page, authority_label, height(authority_label.bbox) * 4):
                d = _date_value(other.text)
                if d:
                    put("issue_date", (d, hit(page, other)))
                    break

    _facts(ex)
    return ex


def _facts(ex: Extraction) -> None:
    entity_type = ex.fields.get("entity_type")
    company = ex.fields.get("company_name")
    texts = [fv.value for fv in (entity_type, company) if fv]
    branch = next((t for t in texts if _BRANCH.search(t)), None)
    other = next((t for t in texts if _NOT_LEGAL_PERSON.search(t)), None)
    if branch:
        ex.facts["independent_legal_person"] = False
        ex.facts["not_legal_person_reason"] = "branch"
        ex.problems.append(
            Problem(
                FlagCode.branch_not_independent,
                Severity.high,
                f"营业执照显示为分支机构（{branch}），不是独立法人",
                fields=[f for f in ("entity_type", "company_name") if f in ex.fields],
                values={
                    "entity_type": entity_type.value if entity_type else None,
                    "company_name": company.value if company else None,
                },
            )
        )
    elif other:
        ex.facts["independent_legal_person"] = False
        ex.facts["not_legal_person_reason"] = "no_legal_personality"
    elif entity_type:
        ex.facts["independent_legal_person"] = True
    else:
        ex.facts["independent_legal_person"] = None
    code = ex.fields.get("credit_code")
    reg = ex.fields.get("registration_number")
    individual = bool(
        any(_INDIVIDUAL.search(t) for t in texts)
        or "composition" in ex.fields
        or (code and credit_code_valid(code.value) and code.value.startswith(_INDIVIDUAL_CODE))
    )
    if individual:
        ex.facts["is_individual_business"] = True
        if ex.facts["independent_legal_person"] is not False:
            ex.facts["independent_legal_person"] = False
            ex.facts["not_legal_person_reason"] = "no_legal_personality"
    elif entity_type or code:
        ex.facts["is_individual_business"] = False
    else:
        ex.facts["is_individual_business"] = None
    if code:
        ex.facts["division"] = division_of(code.value)
    elif reg and reg.value[:6].isdigit():
        # a 注册号 starts with the division code of the authority that registered the company
        ex.facts["division"] = reg.value[:6]
    else:
        ex.facts["division"] = None
