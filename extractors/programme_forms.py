"""What the Zhengzhou cloud-provider call and the "double soft" programmes read on top of the
documents the Jinan programme already knows.

* On an application form (申报表 / 申请表): the applicant kind ticked under 申报类别 (integrated or
  industry cloud platform provider, cloud application provider), the submission date (申报日期,
  or the date under the applicant's seal), and whether the form carries the summary table (汇总表).
* On a contract: whether it is an agent agreement (代理协议 / 合作协议: a company registered
  elsewhere acting through a local one) or an authorisation letter (授权书: a group company
  authorising its branch), with the grantor and grantee of an authorisation.

There is no document type for agent agreements or authorisation letters (REPORT.md's vocabulary
is a contract); both are agreements between named parties with seals, so they classify as
``contract`` and these facts tell them apart.

``combined`` runs several document extractors on one document, so a programme's reading is added
to the one already registered for the type.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.base import Extraction
from extractors.dates import find_dates, parse_date
from extractors.layout import Hit
from extractors.layout_docs import any_label, hit, label_candidates, reading_order
from extractors.text import compact, normalize
from models.domain import PageText

name = "programme_forms"

DocumentExtractor = Callable[[list[PageText]], Extraction]

# (printed name, applicant_kind, detail) of the Zhengzhou call's 申报类别, most specific first
APPLICANT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("综合云平台服务商", "platform", "integrated"),
    ("行业云平台服务商", "platform", "industry"),
    ("云应用服务商", "application", "application"),
)
_TICKED = "■☑✓✔√●▣☒"
_UNTICKED = "□☐○"
_KIND_LABELS = ["申报类别", "申报类型", "服务商类别", "服务商类型", "企业类别"]
_DATE_LABELS = ["申报日期", "填报日期", "报送日期", "申请日期"]
_SUMMARY_TABLE = re.compile(r"汇总表")
_AUTHORISATION = re.compile(r"授权书|授权委托书|授权证明|业务授权")
_AGENCY = re.compile(r"代理协议|代理合同|合作协议|授权代理|委托代理|代理服务协议")
_GRANTOR_LABELS = ["授权人", "授权方", "授权单位"]
_GRANTEE_LABELS = ["被授权人", "被授权方", "被授权单位"]


def combined(*extractors: DocumentExtractor) -> DocumentExtractor:
    """One document extractor that runs ``extractors`` in order; a later one adds fields the
    earlier ones did not read (it never overwrites them), facts, findings and problems."""

    def run(pages: list[PageText]) -> Extraction:
        out = Extraction()
        for fn in extractors:
            ex = fn(pages)
            for key, fv in ex.fields.items():
                out.fields.setdefault(key, fv)
            for key, values in ex.list_fields.items():
                out.list_fields.setdefault(key, values)
            out.line_items = out.line_items or ex.line_items
            out.facts |= {k: v for k, v in ex.facts.items() if k not in out.facts}
            out.findings += ex.findings
            out.problems += ex.problems
        return out

    run.__name__ = "+".join(getattr(fn, "__name__", "extractor") for fn in extractors)
    run.__module__ = __name__
    return run


def _kind_marks(text: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Kinds ticked and kinds merely named in ``text`` (a 申报类别 line or cell)."""
    norm = compact(normalize(text))
    ticked, named = [], []
    for printed, kind, detail in APPLICANT_KINDS:
        i = norm.find(printed)
        if i < 0:
            continue
        # a box before the name decides (□综合… ■行业…); a tick after it only when no box precedes
        # (综合…√), since the next item's box also follows the name
        box = next((c for c in reversed(norm[max(0, i - 2):i]) if c in _TICKED + _UNTICKED), "")
        after = norm[i + len(printed):i + len(printed) + 1]
        if box in _TICKED if box else (after != "" and after in _TICKED):
            ticked.append((printed, kind, detail))
        elif not box:
            named.append((printed, kind, detail))
    return ticked, named


def _applicant_kind(pages: list[PageText]) -> tuple[tuple[str, str, str], Hit] | None:
    """The kind ticked on the form; or the only kind a 申报类别 line names without boxes."""
    for page in pages:
        for cand in label_candidates(page, any_label(_KIND_LABELS), anchored=False, right_count=4):
            ticked, named = _kind_marks(cand.value.text)
            chosen = ticked or (named if len(named) == 1 else [])
            if len(chosen) == 1:
                return chosen[0], cand.value
    # a box ticked anywhere on the form (the kinds printed as a checklist without a label)
    for page, line in reading_order(pages):
        ticked, _ = _kind_marks(line.text)
        if len(ticked) == 1:
            printed = ticked[0][0]
            start = line.text.find(printed[0])
            return ticked[0], hit(page, line, max(0, start), max(0, start) + len(printed))
    return None


def _submission_date(pages: list[PageText]) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, any_label(_DATE_LABELS), anchored=False):
            d = parse_date(cand.value.text)
            if d:
                return d.isoformat(), cand.value
    # the date under the applicant's seal: the lowest date of the form's first page
    if pages:
        page = pages[0]
        dated = [(ln, s, e, when) for ln in page.lines for s, e, when in find_dates(ln.text)
                 if re.search(r"盖章|公章|年\s*\d+\s*月", ln.text) or ln.bbox[1] > page.height * 0.6]
        if dated:
            ln, s, e, when = max(dated, key=lambda d: d[0].bbox[1])
            return when.isoformat(), hit(page, ln, s, e)
    return None


def extract_programme_form(pages: list[PageText]) -> Extraction:
    """The Zhengzhou call's application form fields.

    Fields: ``applicant_kind`` (platform | application), ``submission_date``. Facts:
    ``applicant_kind_detail`` (integrated | industry | application), ``applicant_kind_label`` (as
    printed), ``summary_table_pages`` (pages titled …汇总表).
    """
    ex = Extraction()
    kind = _applicant_kind(pages)
    if kind:
        (printed, value, detail), h = kind
        ex.set_field("applicant_kind", value, h.page, h.bbox, h.confidence, name, raw=h.text)
        ex.facts["applicant_kind_detail"] = detail
        ex.facts["applicant_kind_label"] = printed
    submitted = _submission_date(pages)
    if submitted:
        value, h = submitted
        ex.set_field("submission_date", value, h.page, h.bbox, h.confidence, name, raw=h.text)
    ex.facts["summary_table_pages"] = sorted({
        p.page for p in pages
        if any(_SUMMARY_TABLE.search(compact(ln.text)) and len(compact(ln.text)) <= 40 for ln in p.lines[:6])
    })
    return ex


def _party(pages: list[PageText], labels: list[str]) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, any_label(labels)):
            value = re.sub(r"[（(]?(?:盖章|公章)[)）]?", "", compact(cand.value.text))
            if len(value) >= 4 and re.search(r"[\u4e00-\u9fff]{2}", value) and not re.search(r"[，。；]", value):
                return value, cand.value
    return None


def extract_agreement(pages: list[PageText]) -> Extraction:
    """Agent agreement or authorisation letter facts on a ``contract`` document.

    Facts: ``agreement_kind`` (authorisation | agency | None). Fields of an authorisation:
    ``grantor``, ``grantee`` (授权人 / 被授权人 or 授权方 / 被授权方). An agency agreement's
    parties are the contract's ``party_a`` / ``party_b``.
    """
    ex = Extraction()
    head = "".join(compact(ln.text) for p in pages[:1] for ln in sorted(p.lines, key=lambda ln: ln.bbox[1])[:4])
    if _AUTHORISATION.search(head):
        ex.facts["agreement_kind"] = "authorisation"
    elif _AGENCY.search(head):
        ex.facts["agreement_kind"] = "agency"
    else:
        ex.facts["agreement_kind"] = None
        return ex
    # 被授权人 contains 授权人: read the grantee first and never take its line as the grantor's
    grantee = _party(pages, _GRANTEE_LABELS)
    if grantee:
        ex.set_field("grantee", grantee[0], grantee[1].page, grantee[1].bbox, grantee[1].confidence, name,
                     raw=grantee[1].text)
    grantor = _party(pages, _GRANTOR_LABELS)
    if grantor and (not grantee or grantor[0] != grantee[0]):
        ex.set_field("grantor", grantor[0], grantor[1].page, grantor[1].bbox, grantor[1].confidence, name,
                     raw=grantor[1].text)
    return ex
