"""The evidence index: the same invoice or screenshot handed in by two applicants is caught."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.enums import FlagCode
from service import dossiers
from service.ingest import pil_to_bgr
from service.pipeline import CheckOptions
from service.settings import Settings
from service.store import Store
from service.store.index import bands, hamming, image_hash
from tests.fakes import FakeEngine

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "jinan" / "dossier"
EINVOICE = SAMPLE / "05_电子发票.pdf"  # a text-layer e-invoice: no OCR needed
CONSOLE_LINES = ["阿里云 控制台 云服务器 ECS 实例列表", "实例ID/名称 可用区 运行中 公网IP 私有IP 规格 vCPU",
                 "i-bp1f2k3l4m5n6o7p8q9r 华东1（杭州）可用区H 运行中 47.96.12.34 172.16.0.12",
                 "i-bp1a2b3c4d5e6f7g8h9i 华东1（杭州）可用区H 运行中 47.96.12.35 172.16.0.13",
                 "创建时间 2020-03-05 12:00 费用中心 云数据库 RDS 对象存储 OSS"]


def _screenshot(seed: int) -> Image.Image:
    """A console-like screenshot: a header bar, a side menu and a table of rows of 'text'."""
    rng = np.random.default_rng(seed)
    img = np.full((800, 1280, 3), 245, np.uint8)
    img[:56] = (40, 44, 52)
    img[56:, :200] = (255, 255, 255)
    for row in range(12):
        y = 120 + row * 48
        img[y:y + 1, 220:1260] = 220
        for col, x in enumerate((230, 470, 700, 900, 1080)):
            width = int(rng.integers(60, 170))
            shade = 90 if col else 30
            img[y + 16:y + 30, x:x + width] = shade
    img[70:100, 1100:1240] = (255, 106, 0)  # an orange button
    return Image.fromarray(img)


def _register(engine: FakeEngine, path: Path) -> None:
    """The fake engine reads the console's lines on the image as the pipeline decodes it."""
    bgr = pil_to_bgr(Image.open(path))
    h, w = bgr.shape[:2]
    engine.register(bgr, [(text, (0.05 * w, (0.08 + 0.1 * i) * h, 0.9 * w, (0.12 + 0.1 * i) * h))
                          for i, text in enumerate(CONSOLE_LINES)])


def _check(paths: list[Path], applicant: str, settings: Settings, engine: FakeEngine,
           dossier_id: str | None = None) -> dossiers.Checked:
    return dossiers.check(paths, CheckOptions(applicant=applicant, previews=False), settings,
                          store=Store.open(settings), engine=engine, dossier_id=dossier_id)


@pytest.fixture
def screenshots(tmp_path: Path) -> tuple[Path, Path]:
    original = tmp_path / "a" / "控制台截图.png"
    original.parent.mkdir()
    _screenshot(3).save(original)
    # the same screenshot handed in again: scaled to 90 % and re-encoded as JPEG
    copy = tmp_path / "b" / "截图.jpg"
    copy.parent.mkdir()
    img = Image.open(original)
    img.resize((int(img.width * 0.9), int(img.height * 0.9)), Image.LANCZOS).convert("RGB").save(copy, quality=85)
    return original, copy


def test_the_same_invoice_and_screenshot_under_two_applicants_are_flagged_on_the_later(
        settings: Settings, screenshots: tuple[Path, Path]) -> None:
    engine = FakeEngine()
    for path in screenshots:
        _register(engine, path)
    first = _check([EINVOICE, screenshots[0]], "济南甲数据科技有限公司", settings, engine)
    assert not [f for f in first.report.risk_flags if f.code in (FlagCode.duplicate_invoice_other_dossier,
                                                                    FlagCode.reused_image_other_dossier)]
    second = _check([EINVOICE, screenshots[1]], "济南乙智能装备有限公司", settings, engine)
    by_code = {f.code: f for f in second.report.risk_flags}
    dup = by_code[FlagCode.duplicate_invoice_other_dossier]
    assert dup.values["other_dossier"] == first.dossier_id
    assert dup.values["other_applicant"] == "济南甲数据科技有限公司" and dup.values["other_page"] == 1
    assert first.dossier_id in dup.message and "济南甲数据科技有限公司" in dup.message
    reused = by_code[FlagCode.reused_image_other_dossier]
    assert reused.pages == [2] and reused.values["other_page"] == 2 and reused.values["kind"] == "screenshot"
    assert reused.values["other_dossier"] == first.dossier_id
    # the risk score counts them, and the store sorts the riskier dossier first
    assert second.report.risk is not None and second.report.risk.level == "high"
    store = Store.open(settings)
    assert [r.id for r in store.list_dossiers(sort="risk")][0] == second.dossier_id

    # re-checking the first flags nothing new: the later dossier is the one that repeats evidence
    again = dossiers.recheck(store, first.dossier_id)
    assert {f.id for f in again.report.risk_flags} == {f.id for f in first.report.risk_flags}
    # and the first checked afresh under its own id replaces its own entries, never flags itself
    fresh = _check([EINVOICE, screenshots[0]], "济南甲数据科技有限公司", settings, engine, first.dossier_id)
    assert {f.code for f in fresh.report.risk_flags} == {f.code for f in first.report.risk_flags}


def test_the_same_applicant_handing_in_again_is_not_flagged(settings: Settings,
                                                            screenshots: tuple[Path, Path]) -> None:
    engine = FakeEngine()
    for path in screenshots:
        _register(engine, path)
    _check([EINVOICE, screenshots[0]], "济南甲数据科技有限公司", settings, engine)
    again = _check([EINVOICE, screenshots[1]], "济南甲数据科技有限公司", settings, engine)
    assert not [f for f in again.report.risk_flags if "other_dossier" in f.code]


def test_two_pages_of_one_template_with_other_text_are_not_a_reuse(settings: Settings, tmp_path: Path) -> None:
    engine = FakeEngine()
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    _screenshot(3).save(a)
    pixels = np.asarray(_screenshot(3)).copy()
    pixels[790:, 1270:] = 0  # the same picture but for a corner (so the fake engine can tell them apart) ...
    Image.fromarray(pixels).save(b)
    _register(engine, a)
    bgr = pil_to_bgr(Image.open(b))
    engine.register(bgr, [("阿里云 控制台 云服务器 ECS 实例列表", (60, 60, 900, 90)),
                          ("另一个账号的实例 i-uf6a7b8c9d0e1f2g3h4 华北2（北京） 运行中 39.105.1.2", (60, 140, 1100, 170))])
    _check([a], "济南甲数据科技有限公司", settings, engine)
    other = _check([b], "济南乙智能装备有限公司", settings, engine)
    # ... but the fake engine reads other text on it: one template, two accounts, no reuse
    assert not [f for f in other.report.risk_flags if f.code == FlagCode.reused_image_other_dossier]


def test_hashes_survive_rescaling_and_re_encoding() -> None:
    img = _screenshot(5)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    small = io.BytesIO()
    img.resize((1152, 720)).save(small, "JPEG", quality=80)
    cropped = io.BytesIO()
    img.crop((12, 8, 1268, 792)).save(cropped, "JPEG", quality=90)
    h = image_hash(buf.getvalue())
    assert h is not None
    for other in (small, cropped):
        o = image_hash(other.getvalue())
        assert o is not None and hamming(h, o) <= 8
    different = io.BytesIO()
    _screenshot(6).save(different, "PNG")
    assert hamming(h, image_hash(different.getvalue()) or "0" * 16) > 8
    assert image_hash(b"not an image") is None
    assert len(bands(h)) == 4 and all(0 <= b < 65536 for b in bands(h))


def test_a_seal_impression_pasted_into_another_applicants_dossier_is_flagged(settings: Settings,
                                                                              tmp_path: Path) -> None:
    import cv2

    from tests.extractors.test_seals import draw_seal, page

    # applicant A's contract page carries a stamping of its seal
    original = page(1400, 1000)
    draw_seal(original, (700, 1100), (120, 120), seed=3)
    # applicant B's statement page has that impression cut out and pasted elsewhere
    forged = page(1400, 1000)
    forged[300:560, 180:440] = original[970:1230, 570:830]
    # and a third applicant stamped a seal of its own, much like it, but a real stamping
    honest = page(1400, 1000)
    draw_seal(honest, (690, 1110), (121, 121), seed=9, angle=3.0)
    engine = FakeEngine()
    paths = []
    texts = {"a": "云服务采购合同 甲方济南甲数据科技有限公司 乙方山东云计算有限公司 服务期限一年",
             "b": "上云情况说明 我单位业务系统部署于阿里云 云服务器ECS 对象存储OSS 特此说明",
             "c": "软件开发合同 委托方济南丙软件有限公司 受托方某某信息技术有限公司 开发周期六个月"}
    for name, img in (("a", original), ("b", forged), ("c", honest)):
        path = tmp_path / f"{name}.png"
        cv2.imwrite(str(path), img)
        engine.register(pil_to_bgr(Image.open(path)), [(texts[name], (100, 80, 900, 120))])
        paths.append(path)
    _check([paths[0]], "济南甲数据科技有限公司", settings, engine)
    b = _check([paths[1]], "济南乙智能装备有限公司", settings, engine)
    (flag,) = [f for f in b.report.risk_flags if f.code == FlagCode.reused_image_other_dossier]
    assert flag.values["kind"] == "seal" and flag.values["similarity"] >= 0.96 and flag.evidence
    assert flag.values["other_applicant"] == "济南甲数据科技有限公司"
    c = _check([paths[2]], "济南丙软件有限公司", settings, engine)
    assert not [f for f in c.report.risk_flags if f.code == FlagCode.reused_image_other_dossier]
