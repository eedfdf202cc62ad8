import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from models.domain import ReportError, Seal
from models.enums import ErrorCode, Status
from service.reports.html import render_html
from service.reports.labels import DOCUMENT_TYPE_LABELS, TEXT_SOURCE_LABELS
from tests.factories import make_page_image, make_page_images, make_report

_VOID = {"img", "input", "meta", "br", "hr", "link"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: list[str]  # ids of enclosing elements, innermost last
    text: list[str] = field(default_factory=list)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(
            tag, {k: v or "" for k, v in attrs}, [e.attrs["id"] for e in self.stack if "id" in e.attrs]
        )
        self.elements.append(el)
        if tag not in _VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el.text.append(data)


def parse(html: str) -> list[Element]:
    p = _Collect()
    p.feed(html)
    assert not p.stack, "unclosed elements"
    return p.elements


def within(elements: list[Element], element_id: str, tag: str) -> list[Element]:
    return [e for e in elements if e.tag == tag and element_id in e.ancestors]


def test_every_checklist_item_has_its_status_and_page_links() -> None:
    report = make_report()
    elements = parse(render_html(report, make_page_images(report)))
    for item in report.checklist:
        rows = [e for e in elements if e.attrs.get("id") == f"item-{item.item_id}"]
        assert len(rows) == 1, item.item_id
        links = [a.attrs["href"] for a in within(elements, f"item-{item.item_id}", "a")]
        assert links == [f"#page-{p}" for p in item.pages]
        text = "".join(rows[0].text)
        assert item.title in text and item.reason in text
    statuses = {s for s in Status}
    assert {c.status for c in report.checklist} == statuses  # the factory covers every status
    html = render_html(report, None)
    for label in ("满足", "缺失", "需人工复核", "不符合", "不适用"):
        assert f"{label} <code>" in html


def test_every_page_has_an_anchor_and_heading() -> None:
    report = make_report()
    elements = parse(render_html(report, make_page_images(report)))
    for page in report.pages:
        heading = within(elements, f"page-{page.page}", "h3")
        assert len(heading) == 1
        # what a reviewer understands first (page, document type in Chinese), the codes beside it
        assert "".join(heading[0].text) == (
            f"第 {page.page} 页 · {DOCUMENT_TYPE_LABELS[page.document_type]} {page.document_type}"
        )
        (facts,) = [e for e in within(elements, f"page-{page.page}", "p") if "page-facts" in e.attrs.get("class", "")]
        text = "".join(facts.text)
        assert f"文件：{page.file} 第 {page.file_page} 页" in text
        assert f"文字来源：{TEXT_SOURCE_LABELS[page.text_source]} {page.text_source}" in text


def test_svg_overlay_has_page_viewbox_and_a_box_per_finding_and_seal() -> None:
    report = make_report()
    html = render_html(report, make_page_images(report))
    assert html.count('<svg viewBox="0 0 ') == len(report.pages)
    elements = parse(html)
    flagged = {e for f in report.risk_flags for e in f.evidence}
    for page in report.pages:
        anchor = f"page-{page.page}"
        (svg,) = within(elements, anchor, "svg")
        # html.parser lower-cases attribute names; the markup itself says viewBox
        assert svg.attrs["viewbox"] == f"0 0 {page.width:g} {round(page.height, 2):g}"
        rects = {r.attrs["id"]: r for r in within(elements, anchor, "rect")}
        boxed = [f for f in report.findings if f.page == page.page and f.bbox]
        seals = [s for s in report.seals if s.page == page.page]
        assert len(rects) == len(boxed) + len(seals)
        for f in boxed:
            rect = rects[f"finding-{f.id}"]
            x0, y0, x1, y1 = f.bbox  # type: ignore[misc]
            assert float(rect.attrs["x"]) == x0 and float(rect.attrs["y"]) == y0
            assert float(rect.attrs["width"]) == x1 - x0 and float(rect.attrs["height"]) == y1 - y0
            assert ("flagged" in rect.attrs["class"]) == (f.id in flagged)
            tooltip = "".join(rect.text)
            assert f.value in tooltip and f"{f.confidence:.2f}" in tooltip
            assert (f.field or f.kind) in tooltip
        for s in seals:
            assert "seal" in rects[f"seal-{s.id}"].attrs["class"]


def test_flag_evidence_is_drawn_thicker_and_red() -> None:
    report = make_report()
    html = render_html(report, make_page_images(report))
    evidence = report.risk_flags[0].evidence[0]
    rect = re.search(rf'<rect id="finding-{evidence}"[^>]*>', html)
    assert rect and 'class="finding flagged"' in rect.group(0) and 'stroke="#d00000"' in rect.group(0)
    assert "svg rect.flagged { stroke-width: 4;" in html


def test_seal_named_as_evidence_is_highlighted() -> None:
    report = make_report()
    seal: Seal = report.seals[0]
    flags = [report.risk_flags[0].model_copy(update={"evidence": [seal.id]})]
    html = render_html(make_report(risk_flags=flags), make_page_images(report))
    assert re.search(rf'<rect id="seal-{seal.id}" class="seal flagged"', html)


def test_page_images_are_embedded_and_nothing_is_fetched() -> None:
    report = make_report()
    images = make_page_images(report)
    html = render_html(report, images)
    for data in images.values():
        assert f'src="data:image/jpeg;base64,{base64.b64encode(data).decode()}"' in html
    assert not re.search(r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(|@import|<script\b[^>]*\bsrc|<link\b", html, re.I)
    # the images dominate the size; the rest stays small
    assert len(html) - sum(len(base64.b64encode(d)) for d in images.values()) < 60_000


def test_page_without_image_lists_its_findings() -> None:
    report = make_report()
    images = make_page_images(report)
    del images[6]
    elements = parse(render_html(report, images))
    assert not within(elements, "page-6", "img") and not within(elements, "page-6", "svg")
    (details,) = [d for d in within(elements, "page-6", "details") if "log" not in d.attrs.get("class", "")]
    assert "open" in details.attrs
    items = [li for li in within(elements, "page-6", "li") if "data-finding" in li.attrs]
    on_page = [f for f in report.findings if f.page == 6]
    assert len(items) == len(on_page)
    for f in on_page:
        assert any(f.value in "".join(li.text) for li in items)
    assert within(elements, "page-5", "svg")  # the others still draw


def test_no_images_at_all_still_renders_every_page() -> None:
    report = make_report()
    elements = parse(render_html(report, None))
    assert not [e for e in elements if e.tag == "img"]
    assert {e.attrs["id"] for e in elements if e.tag == "article"} == {f"page-{p.page}" for p in report.pages}


def test_sections_show_flags_spending_annex_and_errors() -> None:
    report = make_report()
    html = render_html(report, None)
    elements = parse(html)
    flag_text = "".join(t for e in elements if e.attrs.get("id") == "risk-flags" for t in e.text)
    for flag in report.risk_flags:
        assert flag.code in flag_text and flag.message in flag_text
    assert [
        a.attrs["href"] for a in within(elements, "risk-flags", "a") if "pg" in a.attrs.get("class", "")
    ] == [f"#page-{p}" for f in report.risk_flags for p in f.pages]
    spending = "".join(t for e in elements if e.attrs.get("id") == "spending" for t in e.text)
    assert report.spending.total in spending and "不计入" in spending
    annex_heads = [e for e in within(elements, "annex", "th") if "rowspan" in e.attrs]
    assert [(("".join(e.text)), e.attrs["rowspan"]) for e in annex_heads] == [
        ("基础系统上云", "9"),
        ("管理上云", "3"),
    ]
    annex_links = [a.attrs["href"] for a in within(elements, "annex", "a")]
    assert annex_links == [f"#page-{p}" for row in report.annex for p in row.pages]
    errors = "".join(t for e in elements if e.attrs.get("id") == "errors" for t in e.text)
    for err in report.errors:
        assert err.file in errors and err.message in errors and str(err.code) in errors


def test_everything_from_the_dossier_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    report = make_report()
    findings = [report.findings[0].model_copy(update={"value": evil})]
    errors = [
        ReportError(file=f'"><img src=x onerror=alert(1)>{evil}', code=ErrorCode.corrupt_file, message=evil)
    ]
    report = make_report(
        findings=findings, errors=errors, applicant=report.applicant.model_copy(update={"name": evil})
    )
    html = render_html(report, {1: make_page_image(60, 84)})
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_pages_outside_the_dossier_are_not_links() -> None:
    report = make_report()
    checklist = [report.checklist[0].model_copy(update={"pages": [2, 99]})]
    html = render_html(make_report(checklist=checklist), None)
    assert 'href="#page-2"' in html and 'href="#page-99"' not in html


def test_seal_characters_hidden_under_print_are_named_on_the_page_list() -> None:
    report = make_report()
    seal = report.seals[0].model_copy(update={"arc_text": "济南明湖数码软件有限公司", "arc_hidden": [0, 3]})
    html = render_html(report.model_copy(update={"seals": [seal, *report.seals[1:]]}), make_page_images(report))
    assert "「济湖」被文字遮挡" in html
    plain = render_html(report, make_page_images(report))
    assert "被文字遮挡" not in plain


def test_the_font_stack_names_a_cjk_face_of_each_system_before_the_generic_one() -> None:
    html = render_html(make_report(), None)
    stack = re.search(r"body \{ font-family: ([^;]+);", html)
    assert stack is not None
    faces = [f.strip().strip('"') for f in stack.group(1).split(",")]
    assert faces[-1] == "sans-serif"
    for system in (("Noto Sans CJK SC", "WenQuanYi Micro Hei"),  # Linux (fonts-noto-cjk, fonts-wqy-*)
                   ("PingFang SC", "Hiragino Sans GB"),  # macOS
                   ("Microsoft YaHei",)):  # Windows
        assert any(face in faces[:-1] for face in system), system
