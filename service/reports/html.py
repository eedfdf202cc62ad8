"""The report as one self-contained HTML file: tables with page links, then every page with its boxes.

Nothing is fetched: CSS is inline, page images are data URIs, boxes are inline SVG drawn in the
page's own coordinate space (the bbox units of REPORT.md), and the only interaction, hiding the
boxes, is a CSS checkbox. Everything from the dossier goes through jinja2's autoescape.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.domain import AnnexRow, BBox, Finding, PageInfo, Report, Seal
from service.reports.labels import (
    ANNEX_BASIS_LABELS,
    DOCUMENT_TYPE_LABELS,
    FINDING_KIND_LABELS,
    SEVERITY_LABELS,
    SPENDING_STATUS_LABELS,
    STATUS_LABELS,
    TEXT_SOURCE_LABELS,
    annex_spans,
    label,
    risk_words,
)

TEMPLATES = Path(__file__).parent / "templates"

# one colour per finding kind; seals and flag evidence have their own (see the legend)
KIND_COLOURS: dict[str, str] = {
    "field": "#e67e00",
    "date": "#1f63c6",
    "amount": "#1e8f3a",
    "amount_words": "#1e8f3a",
    "credit_code": "#7b3fb5",
    "tax_id": "#7b3fb5",
    "cloud_wording": "#0f9aa8",
}
OTHER_COLOUR = "#6b6b6b"
SEAL_COLOUR = "#d6338f"
FLAG_COLOUR = "#d00000"


@dataclass
class Box:
    x: float
    y: float
    width: float
    height: float
    colour: str
    css: str  # finding | seal, plus flagged
    title: str
    element_id: str


@dataclass
class PageView:
    info: PageInfo
    image_uri: str | None
    findings: list[Finding]
    seals: list[Seal]
    boxes: list[Box] = field(default_factory=list)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _image_uri(data: bytes) -> str:
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _box(bbox: BBox, colour: str, css: str, title: str, element_id: str) -> Box:
    x0, y0, x1, y1 = bbox
    return Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0), colour, css, title, element_id)


def _finding_title(f: Finding, flagged: bool) -> str:
    kind = f"{label(FINDING_KIND_LABELS, f.kind)} {f.kind}"
    parts = [f"{f.field}（{kind}）" if f.field else kind, f.value]
    if f.normalized and f.normalized != f.value:
        parts.append(f"= {f.normalized}")
    parts.append(f"置信度 {f.confidence:.2f}")
    if f.valid is False:
        parts.append("校验位不符")
    if flagged:
        parts.append("风险提示的证据")
    return " · ".join(parts)


def _page_views(report: Report, page_images: Mapping[int, bytes]) -> list[PageView]:
    flagged = {e for flag in report.risk_flags for e in flag.evidence}
    views: list[PageView] = []
    for info in report.pages:
        findings = [f for f in report.findings if f.page == info.page]
        seals = [s for s in report.seals if s.page == info.page]
        image = page_images.get(info.page)
        view = PageView(info, _image_uri(image) if image else None, findings, seals)
        for s in seals:
            hot = s.id in flagged
            title = f"印章 {s.kind or ''}（{s.shape}，{s.color}）· {s.text or '—'} · 置信度 {s.confidence:.2f}"
            view.boxes.append(
                _box(
                    s.bbox,
                    FLAG_COLOUR if hot else SEAL_COLOUR,
                    "seal flagged" if hot else "seal",
                    title,
                    f"seal-{s.id}" if s.id else "",
                )
            )
        for f in findings:
            if f.bbox is None:
                continue
            hot = f.id in flagged
            colour = FLAG_COLOUR if hot else KIND_COLOURS.get(f.kind, OTHER_COLOUR)
            view.boxes.append(
                _box(
                    f.bbox,
                    colour,
                    "finding flagged" if hot else "finding",
                    _finding_title(f, hot),
                    f"finding-{f.id}" if f.id else "",
                )
            )
        # drawn last so flag evidence is on top of neighbouring boxes
        view.boxes.sort(key=lambda b: "flagged" in b.css)
        views.append(view)
    return views


def _annex_rows(annex: list[AnnexRow]) -> list[tuple[AnnexRow, int, int]]:
    """Each row with the rowspan of its category and sub-category cells (0: merged into a row above)."""
    cat = annex_spans([(r.category,) for r in annex])
    sub = annex_spans([(r.category, r.subcategory) for r in annex])
    return list(zip(annex, cat, sub, strict=True))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    return env


def render_html(report: Report, page_images: Mapping[int, bytes] | None = None) -> str:
    """One HTML page: summary, checklist, flags, spending, annex table, errors, then every page."""
    views = _page_views(report, page_images or {})
    findings_by_id = {f.id: f for f in report.findings if f.id}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            pages=views,
            known_pages={p.page for p in report.pages},
            findings_by_id=findings_by_id,
            annex_rows=_annex_rows(report.annex),
            risk_line=risk_words(report),
            status_labels=STATUS_LABELS,
            severity_labels=SEVERITY_LABELS,
            document_type_labels=DOCUMENT_TYPE_LABELS,
            text_source_labels=TEXT_SOURCE_LABELS,
            spending_labels=SPENDING_STATUS_LABELS,
            basis_labels=ANNEX_BASIS_LABELS,
            kind_labels=FINDING_KIND_LABELS,
            label=label,
            kind_colours=KIND_COLOURS,
            other_colour=OTHER_COLOUR,
            seal_colour=SEAL_COLOUR,
            flag_colour=FLAG_COLOUR,
        )
    )
