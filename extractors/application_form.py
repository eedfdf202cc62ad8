"""The application form 星级上云企业评定申请表 and its annex table 企业上云业务及应用表.

The form is a table: a label cell and, to its right, the value cell (OCR gives each cell its own
box). Blank forms print hint text in some value cells (``指公有云、私有云、混合云等``); that text is
removed before a value is accepted. The annex table lists the programme's domains; for each the
applicant marks 是 / √ in the "on cloud / met" column and writes the dossier page of the proof in
the last column. Those columns are located by their header cells, and each domain's row by the
domain's cell (``data/annex_domains.yaml`` holds the domains exactly as printed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from extractors.base import Extraction, Problem
from extractors.codes import credit_code_problem_words, credit_code_problems, credit_code_valid, find_codes
from extractors.dates import parse_date
from extractors.layout import Hit, cy, height, v_overlap
from extractors.layout_docs import any_label, label_candidates
from extractors.lexicon import annex_rows
from extractors.text import compact, normalize
from models.domain import PageText, TextLine
from models.enums import DocumentType, FlagCode, Severity

name = "application_form"
document_types = (DocumentType.application_form,)

# hint text the blank form prints in value cells
_HINTS = (
    "指公有云、私有云、混合云等",
    "指公有云、私有云等以及工业互联网平台服务商",
    "行业名称请参照GB/T4754-2017《国民经济行业分类》",
    "如软件和信息技术服务业、制造业、建筑业等",
)
_SUB_LABELS = re.compile(r"^(?:姓名|电话|职务|手机|人|万元|\(盖章\)|（盖章）|盖章)$")
# every label of the form: a value never is one
_FORM_LABELS = re.compile(
    r"^(?:中文名称|单位性质|注册地址|统一社会信用代码|注册资金|注册资本|法人代表|法定代表人|联系人|企业规模|总人数|"
    r"使用云服务人员数量|申请评定星级|云服务部署模型|上云合作机构|上云开始时间|所处行业|办公电话|传真|电子邮箱|申报企业|填报日期)"
)
_STARS = {"三": "3", "四": "4", "五": "5", "3": "3", "4": "4", "5": "5"}
_MODELS = (("混合云", "hybrid"), ("私有云", "private"), ("公有云", "public"))
_CHECKED = re.compile(r"[☑■✓✔√●▇✅]")
_MARK_YES = re.compile(r"是|√|✓|✔|☑|■|●|满足|已上云|有|Y(?:es)?|y(?:es)?|V|v")
_MARK_NO = re.compile(r"否|×|✗|✘|无|未|N(?:o)?")
_PLEDGE = re.compile(r"真实性承诺|均真实、?完整|如有不实")


def _strip_hints(text: str) -> str:
    value = compact(text)
    for h in _HINTS:
        value = value.replace(compact(h), "")
    value = value.replace("(盖章)", "").replace("（盖章）", "")
    return value.strip("_＿ ")


def _read(
    pages: list[PageText], label: str, accept: Callable[[str], str | None], *, right_count: int = 4
) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, any_label([label]), right_count=right_count, anchored=False):
            text = _strip_hints(cand.value.text)
            if not text or _SUB_LABELS.match(text) or _FORM_LABELS.match(text):
                continue
            value = accept(text)
            if value:
                return value, cand.value
    return None


def _name(text: str) -> str | None:
    value = re.sub(r"[（(]?盖章[)）]?", "", text)
    if re.search(r"[，。；,;]", value):
        return None  # a sentence of the form's instructions, not a name
    return value if len(value) >= 4 and re.search(r"[\u4e00-\u9fff]{2}", value) else None


def _person(text: str) -> str | None:
    return text if 2 <= len(text) <= 20 and not re.search(r"\d", text) else None


def _capital(text: str) -> str | None:
    m = re.search(r"\d+(?:\.\d+)?", text)
    if not m:
        return None
    # the label says 注册资金(万元): a bare figure is in 万元
    return text if "万" in text or "元" in text else f"{m.group(0)}万元"


def _count(text: str) -> str | None:
    m = re.fullmatch(r"(\d+)人?", text)
    return m.group(1) if m else None


def _star(text: str) -> str | None:
    m = re.search(r"([三四五345])\s*星", text)
    return _STARS[m.group(1)] if m else None


def _model(text: str) -> str | None:
    # a ticked box decides; otherwise the one model named
    ticked = [code for word, code in _MODELS if re.search(rf"[☑■✓✔√●]\s*{word}|{word}\s*[☑■✓✔√●]", text)]
    if ticked:
        return ticked[0]
    named = [code for word, code in _MODELS if word in text]
    return named[0] if len(named) == 1 else None


def _date(text: str) -> str | None:
    d = parse_date(text)
    if d:
        return d.isoformat()
    m = re.search(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*月?", text)
    if m and 1 <= int(m.group(2)) <= 12:
        # month only: the first of the month, the earliest it can mean
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-01"
    return None


def _text(text: str) -> str | None:
    return text if len(text) >= 2 else None


def extract_application_form(pages: list[PageText]) -> Extraction:
    """Read the application form's fields and its annex table.

    Facts: ``annex_marked`` ([{domain, category, subcategory, marked, pages, page, bbox}] for every
    annex row found), ``annex_found``, ``pledge_present``.
    """
    ex = Extraction()

    def put(field: str, found: tuple[str, Hit] | None, **kw: Any) -> None:
        if found:
            value, h = found
            ex.set_field(field, value, h.page, h.bbox, h.confidence, name, raw=h.text, **kw)

    put(
        "company_name",
        _read(pages, "中文名称", _name) or _read(pages, "申报企业", _name) or _read(pages, "申报单位", _name),
    )
    code = _credit_code(pages)
    if code:
        value, h = code
        valid = credit_code_valid(value)
        put("credit_code", code, valid=valid)
        if not valid:
            ex.problems.append(
                Problem(
                    FlagCode.credit_code_invalid,
                    Severity.high,
                    f"申请表所填统一社会信用代码 {value} 校验不通过：{credit_code_problem_words(value)}",
                    fields=["credit_code"],
                    values={"credit_code": value, "problems": credit_code_problems(value)},
                )
            )
    put("registered_capital", _read(pages, "注册资金", _capital) or _read(pages, "注册资本", _capital))
    put("legal_representative", _read(pages, "法人代表", _person) or _read(pages, "法定代表人", _person))
    put("staff_count", _read(pages, "总人数", _count))
    put("cloud_staff_count", _read(pages, "使用云服务人员数量", _count))
    put("entity_nature", _read(pages, "单位性质", _text))
    put("fill_date", _read(pages, "填报日期", _date) or _read(pages, "填表日期", _date))
    put("star_level", _read(pages, "申请评定星级", _star))
    put("deployment_model", _read(pages, "云服务部署模型", _model))
    put("cloud_partner", _read(pages, "上云合作机构", _name))
    put("cloud_start_date", _read(pages, "上云开始时间", _date))
    put("industry", _read(pages, "所处行业", _text))
    put("registered_address", _read(pages, "注册地址", _text))

    rows = _annex(pages)
    ex.facts["annex_found"] = bool(rows)
    ex.facts["annex_marked"] = rows
    ex.facts["pledge_present"] = any(_PLEDGE.search(compact(ln.text)) for p in pages for ln in p.lines)
    return ex


def _credit_code(pages: list[PageText]) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, any_label(["统一社会信用代码"]), anchored=False):
            for start, end, code, kind in find_codes(cand.value.text):
                if kind == "credit_code":
                    n = max(1, len(cand.value.text))
                    x0, y0, x1, y1 = cand.value.bbox
                    w = (x1 - x0) / n
                    return code, Hit(
                        code, (x0 + w * start, y0, x0 + w * end, y1), cand.value.confidence, page.page
                    )
    return None


# ---- annex table


def _header(page: PageText, rx: str) -> TextLine | None:
    return next((ln for ln in page.lines if re.search(rx, compact(ln.text))), None)


def _pages_in(text: str) -> list[int]:
    """``12`` / ``P12`` / ``12、15`` / ``15-17`` -> page numbers."""
    out: list[int] = []
    for m in re.finditer(r"(\d{1,4})\s*(?:[-~～—至]\s*(\d{1,4}))?", text):
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if b < a or b - a > 50:
            b = a
        out.extend(range(a, b + 1))
    return sorted(set(out))


def _annex(pages: list[PageText]) -> list[dict[str, Any]]:
    table = annex_rows()
    by_domain = {compact(d): (c, s, d) for c, s, d in table}
    found: dict[str, dict[str, Any]] = {}
    for page in pages:
        mark_head = _header(page, r"是否上云|是否满足")
        if mark_head is None:
            continue
        page_head = _header(page, r"页码")
        domain_head = next((ln for ln in page.lines if compact(ln.text) == "域"), None)
        mark_x = (mark_head.bbox[0] + mark_head.bbox[2]) / 2
        page_x = (page_head.bbox[0] + page_head.bbox[2]) / 2 if page_head else None
        domain_x = (domain_head.bbox[0] + domain_head.bbox[2]) / 2 if domain_head else None
        # cells whose text is a domain (营销 is both a sub-category and a domain: the domain column wins)
        cells: dict[str, TextLine] = {}
        for line in page.lines:
            key = compact(line.text)
            if line.bbox[1] < mark_head.bbox[1] - height(mark_head.bbox):
                continue
            for dkey in by_domain:
                if key == dkey or (key.startswith(dkey) and not _starts_with_longer(key, dkey, by_domain)):
                    prev = cells.get(dkey)
                    if prev is None or _closer(line, prev, domain_x):
                        cells[dkey] = line
        for dkey, cell in cells.items():
            category, subcategory, domain = by_domain[dkey]
            mark_text, page_text = _row_cells(page, cell, dkey, mark_x, page_x)
            marked = bool(_MARK_YES.search(mark_text)) and not _MARK_NO.search(mark_text)
            if not mark_text and page_text:
                marked = True  # a page number alone says the applicant claims the domain
            entry = {
                "domain": domain,
                "category": category,
                "subcategory": subcategory,
                "marked": marked,
                "pages": _pages_in(page_text),
                "page": page.page,
                "bbox": list(cell.bbox),
                "mark_text": mark_text,
            }
            if domain not in found or (marked and not found[domain]["marked"]):
                found[domain] = entry
    order = [d for _, _, d in table]
    return [found[d] for d in order if d in found]


def _starts_with_longer(key: str, dkey: str, by_domain: dict[str, Any]) -> bool:
    return any(other != dkey and other.startswith(dkey) and key.startswith(other) for other in by_domain)


def _closer(line: TextLine, prev: TextLine, domain_x: float | None) -> bool:
    if domain_x is None:
        return line.bbox[0] > prev.bbox[0]  # sub-categories sit left of domains
    return _x_distance(line, domain_x) < _x_distance(prev, domain_x)


def _x_distance(line: TextLine, x: float) -> float:
    """How far ``x`` is from the box horizontally (0 inside it; a merged row box is wide)."""
    return max(0.0, line.bbox[0] - x, x - line.bbox[2])


def _row_cells(
    page: PageText, cell: TextLine, dkey: str, mark_x: float, page_x: float | None
) -> tuple[str, str]:
    """The texts in the mark column and the page column on the domain's row."""
    mark: list[str] = []
    pages_: list[str] = []
    boundary = (mark_x + page_x) / 2 if page_x is not None else float("inf")
    # characters printed in the domain's own box after its name (OCR merged the row)
    key = compact(cell.text)
    if len(key) > len(dkey):
        n = max(1, len(cell.text))
        w = (cell.bbox[2] - cell.bbox[0]) / n
        seen, rest_at = 0, len(cell.text)
        for i, ch in enumerate(cell.text):
            if not ch.isspace():
                seen += 1
                if seen == len(dkey):
                    rest_at = i + 1
                    break
        for m in re.finditer(r"\S+", cell.text[rest_at:]):
            x = cell.bbox[0] + w * (rest_at + (m.start() + m.end()) / 2)
            (mark if x < boundary else pages_).append(m.group(0))
    for other in page.lines:
        if other is cell or other.bbox[0] < cell.bbox[2] - height(cell.bbox) * 0.5:
            continue
        if v_overlap(other.bbox, cell.bbox) < 0.4 or abs(cy(other.bbox) - cy(cell.bbox)) > height(cell.bbox):
            continue
        cx = (other.bbox[0] + other.bbox[2]) / 2
        if cx < mark_x - (mark_x - cell.bbox[2]) * 0.9:
            continue
        (mark if cx < boundary else pages_).append(normalize(other.text))
    # page numbers keep their blanks: "12 15" are two pages, not 1215
    return compact("".join(mark)), normalize(" ".join(pages_))
