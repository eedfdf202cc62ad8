"""What the report says about pages that are none of the product's types, through the whole
pipeline (a fake OCR engine reads two scans): the document they are, the type they resemble, why
they are not it, their principal date; and no rule item counts them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from models.enums import DocumentType, Status
from service.pipeline import CheckOptions, check_dossier
from service.settings import Settings
from tests.fakes import FakeEngine

Box = tuple[float, float, float, float]

DECLARATION: list[tuple[str, Box]] = [
    ("中华人民共和国海关进口货物报关单", (400, 40, 1100, 90)),
    ("境内收货人(91370102MA3C4K7P9Y)", (60, 140, 420, 170)), ("进口日期", (700, 140, 800, 170)),
    ("申报日期", (900, 140, 1000, 170)),
    ("济南云帆信息科技有限公司", (60, 180, 420, 210)), ("20260316", (700, 180, 800, 210)),
    ("20260316", (900, 180, 1000, 210)),
    ("合同协议号", (60, 260, 200, 290)), ("QGM3860", (60, 300, 200, 330)),
    ("随附单证：代理报关委托协议（电子）；发票；装箱单；合同", (60, 380, 900, 410)),
    ("申报单位（签章）", (900, 1000, 1100, 1030)),
]
BANNER: list[tuple[str, Box]] = [
    ("营业执照", (300, 200, 900, 320)),
    ("办理营业执照 一站式服务", (300, 400, 900, 450)),
]


def _scan(folder: Path, name: str, seed: int, lines: list[tuple[str, Box]], engine: FakeEngine) -> None:
    page = np.full((1400, 1200, 3), 255, np.uint8)
    # a few grey marks where the text is, different per page so the images differ
    for _, (x0, y0, x1, y1) in lines:
        cv2.rectangle(page, (int(x0), int(y0) + 8), (int(x1) - seed, int(y1) - 8), (90, 90, 90), -1)
    cv2.imwrite(str(folder / name), page)
    engine.register(cv2.imread(str(folder / name)), lines)


def test_look_alikes_are_other_documents_named_dated_and_not_counted(tmp_path: Path) -> None:
    engine = FakeEngine()
    dossier = tmp_path / "dossier"
    dossier.mkdir()
    _scan(dossier, "01_declaration.png", 1, DECLARATION, engine)
    _scan(dossier, "02_banner.png", 2, BANNER, engine)
    report = check_dossier([dossier], CheckOptions(previews=False), Settings(data_dir=tmp_path / "data"),
                           engine=engine).report
    assert [d.document_type for d in report.documents] == [DocumentType.other, DocumentType.other]
    declaration, banner = report.documents
    assert declaration.title == "海关进口货物报关单" and declaration.facts["near_miss"] == "海关进口货物报关单"
    assert declaration.facts["resembles"] == "contract"
    assert declaration.value("issue_date") == "2026-03-16"
    assert banner.facts["resembles"] == "business_license"
    assert banner.facts["why_other"].startswith("像营业执照，但没有统一社会信用代码或注册号")
    assert any(n.startswith("分类：海关进口货物报关单（other") for n in report.pages[0].notes)
    by_item = {r.item_id: r for r in report.checklist}
    assert by_item["materials.02_business_license"].status == Status.missing
    assert by_item["materials.03_contracts_and_invoices"].status == Status.missing
