"""Cloud-deployment statement (云端部署/应用说明): what a contract without cloud wording needs.

The programme asks for it to be sealed by both the applicant and the provider (DOMAIN.md §2,
material 4); the seal reader checks the seals, this reader names the two parties and the date so the
checklist can compare them with the contract and the seals.
"""

from __future__ import annotations

import re
from typing import Any

from extractors.base import Extraction
from extractors.cloud_wording import cloud_wording_findings
from extractors.dates import find_dates
from extractors.layout import Hit
from extractors.layout_docs import any_label, hit, label_candidates, topmost_heading
from extractors.text import compact, normalize
from models.domain import PageText
from models.enums import DocumentType

name = "deployment_statement"
document_types = (DocumentType.deployment_statement,)

_APPLICANT = ["申报企业", "申报单位", "使用方", "用户方", "使用单位", "甲方", "需方", "委托方"]
_PROVIDER = [
    "云服务商",
    "云服务提供方",
    "产品提供方",
    "服务提供方",
    "提供方",
    "服务商",
    "乙方",
    "供方",
    "受托方",
]
_TITLE = re.compile(r"说明|声明|证明|确认书|承诺")
_NOT_NAME = re.compile(r"^(?:签|盖|代表|授权|法定|地址|联系|电话|日期|时间)")


def _party(pages: list[PageText], labels: list[str]) -> tuple[str, Hit] | None:
    rx = any_label(labels) + r"\s*(?:[（(][^）)]{0,8}[)）])?"
    for page in pages:
        for cand in label_candidates(page, rx):
            value = normalize(cand.value.text).strip(" :：")
            value = re.split(r"[（(]盖章|[（(]公章|[（(]签", value)[0]
            if len(compact(value)) >= 2 and not _NOT_NAME.match(value):
                return compact(value), cand.value
    return None


def extract_deployment_statement(pages: list[PageText]) -> Extraction:
    """Read a cloud-deployment statement: title, applicant, provider, date.

    Facts: ``parties`` ({applicant, provider}), ``cloud_wording`` (it should name the service).
    """
    ex = Extraction()

    def put(field: str, found: tuple[str, Hit] | None) -> None:
        if found:
            value, h = found
            ex.set_field(field, value, h.page, h.bbox, h.confidence, name, raw=h.text)

    for page in pages[:1]:
        line = topmost_heading(page, lambda t: bool(_TITLE.search(t)) and len(compact(t)) <= 40)
        if line is not None:
            put("title", (compact(line.text), hit(page, line)))
    applicant = _party(pages, _APPLICANT)
    provider = _party(pages, _PROVIDER)
    put("applicant", applicant)
    put("provider", provider)
    parties: dict[str, Any] = {
        "applicant": applicant[0] if applicant else None,
        "provider": provider[0] if provider else None,
    }
    ex.facts["parties"] = parties

    # the date under the seals: the lowest date on the last page
    for page in reversed(pages):
        dated = [(ln, s, e, when) for ln in page.lines for s, e, when in find_dates(ln.text)]
        if dated:
            ln, s, e, when = max(dated, key=lambda d: (d[0].bbox[1], d[3]))
            put("date", (when.isoformat(), hit(page, ln, s, e)))
            break
    ex.facts["cloud_wording"] = any(cloud_wording_findings(p) for p in pages)
    return ex
