"""Seals read with an engine: the name along the rim and the lines across it, and what was read
confirmed against what the dossier prints (hidden characters, look-alikes, taxpayer ids)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from evaluation.seals import name_similarity, seal_flags
from extractors.seals import NameStrip, find_impressions
from models.domain import Applicant, Document, FieldValue, PageText, Seal, TextLine
from models.enums import DocumentType, FlagCode, SealShape
from service.ocr.ctc import BLANK, FrameProbs
from service.ocr.reader import image_hash
from service.seals.confirm import (
    authority_names,
    confirm_hidden,
    confirm_names,
    confirm_printed,
    confirm_tax_id,
    near_names,
    printed_names,
)
from service.seals.read import ArcReading, Rim, consensus_name, read_seals
from tests.evaluation.test_seals import APPLICANT, SELLER, SELLER_ID, codes, invoice, seal
from tests.extractors.test_seals import RED, SAMPLES, draw_seal, page
from tests.fakes import FakeEngine, NamingEngine


def seals_on(image: np.ndarray, page_text: PageText, engine) -> list[Seal]:  # type: ignore[no-untyped-def]
    """The seals the pipeline reports on one page image: its impressions found, then read."""
    return read_seals(image, find_impressions(image), page_text, 1.0, engine).seals


def test_the_readings_agree_on_the_name_turned_into_order() -> None:
    readings = [("京中导开源科技有限公司北", 0.9), ("北京中导开源科技有限公司", 0.95), ("有限公司北京中导开源科技", 0.8)]
    assert consensus_name(readings)[0] == "北京中导开源科技有限公司"
    assert consensus_name([]) == ("", 0.0)


# --- reading --------------------------------------------------------------------------------------


def test_a_seal_the_engine_cannot_read_is_still_reported() -> None:
    img = page()
    draw_seal(img, (400, 500), (110, 110))
    text = PageText(page=5, width=800, height=1000)
    [s] = seals_on(img, text, FakeEngine)
    assert s.page == 5 and s.shape == SealShape.round and s.arc_text == "" and s.crop_png and s.mask


def test_a_seal_takes_the_horizontal_lines_from_the_page_text() -> None:
    img = page()
    draw_seal(img, (400, 500), (110, 110))
    from models.domain import TextLine
    lines = [TextLine(text="合同专用章", bbox=(360, 540, 440, 560))]
    [s] = seals_on(img, PageText(page=1, width=800, height=1000, lines=lines), FakeEngine)
    assert s.kind == "合同专用章"


@pytest.mark.ocr
def test_the_sample_invoice_seal_is_read() -> None:
    from service.ocr.engine import get_engine

    img = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    seals = seals_on(img, PageText(page=10, width=img.shape[1], height=img.shape[0]), lambda: get_engine("rapidocr"))
    seller = [s for s in seals if s.kind != "监制"]
    assert len(seller) == 1 and len(seals) == 2
    assert name_similarity(seller[0], SELLER) >= 85
    assert seller[0].tax_id == SELLER_ID and seller[0].kind == "发票专用章"


@pytest.mark.ocr
def test_the_three_seals_of_the_sealcut_image_are_found_and_read(realdocs: Path) -> None:
    from service.ocr.engine import get_engine

    img = cv2.imread(str(realdocs / "seal" / "sealcut_three_seals_beijing_zhongdao.jpg"))
    seals = seals_on(img, PageText(page=1, width=img.shape[1], height=img.shape[0]), lambda: get_engine("rapidocr"))
    assert len(seals) == 3
    company, finance, personal = sorted(seals, key=lambda s: s.bbox[0])
    assert name_similarity(company, "北京中导开源科技有限公司") >= 90
    assert finance.kind == "财务专用章" and "财务专用章" in finance.text
    assert personal.shape == SealShape.square and personal.arc_text == "李国庆印"


@pytest.mark.realdocs
def test_the_blue_seal_is_found(realdocs: Path) -> None:
    img = cv2.imread(str(realdocs / "invoice_img" / "paddleocr_kie_guangdong_vat_special_2016_overlay.jpg"))
    imps = find_impressions(img)
    assert any(i.color == "blue" and i.center[1] > 0.5 * img.shape[0] for i in imps)
    assert all(i.color == "blue" for i in imps)  # not the red QR code or the red labels


@pytest.mark.realdocs
@pytest.mark.ocr
def test_no_seals_on_the_unsealed_real_documents(realdocs: Path) -> None:
    # a 数电 invoice carries the tax bureau's 监制 mark: an impression, but no one's seal
    from service.ocr.engine import get_engine

    truth = json.loads((realdocs / "truth.json").read_text(encoding="utf-8"))
    for entry in truth:
        if entry.get("seal", {}).get("present") is False and entry["file"].endswith((".png", ".jpg")):
            img = cv2.imread(str(realdocs / entry["file"]))
            if not find_impressions(img):
                continue
            page = PageText(page=1, width=img.shape[1], height=img.shape[0])
            seals = seals_on(img, page, lambda: get_engine("rapidocr"))
            assert [s.kind for s in seals if s.kind != "监制"] == [], entry["file"]


def test_red_marks_that_are_not_seals_on_a_page_image() -> None:
    img = page()
    cv2.rectangle(img, (100, 100), (400, 160), RED, 2)  # an annotation box
    assert seals_on(img, PageText(page=1, width=800, height=1000), FakeEngine) == []


# --- characters hidden under print, confirmed against the printed name ---------------------------

NAME = "济南明湖数码软件有限公司"
COLS = 8  # strip columns per recogniser frame


class ScoringFake:
    """Answers ``frame_probs`` for the strips it was given: each frame sure of one character, or
    of blank where the pattern says ``_``."""

    id = "fake-scoring"

    def __init__(self) -> None:
        self.frames: dict[str, FrameProbs] = {}
        self.classes = {ch: i + 1 for i, ch in enumerate(dict.fromkeys(NAME + "光甲乙方"))}

    def strip(self, pattern: str, hidden_frames: set[int]) -> NameStrip:
        image = np.full((48, COLS * len(pattern), 3), 255, np.uint8)
        image[0, : len(self.frames) + 1] = 0  # a distinct image per strip
        probs = np.full((len(pattern), len(self.classes) + 1), 0.01 / len(self.classes))
        for t, ch in enumerate(pattern):
            probs[t, BLANK if ch == "_" else self.classes[ch]] = 0.99
        self.frames[image_hash(image)] = FrameProbs(probs, self.classes, COLS)
        cover = np.zeros(image.shape[1])
        for t in hidden_frames:
            cover[t * COLS:(t + 1) * COLS] = 0.4
        return NameStrip(image, cover)

    def frame_probs(self, crop: np.ndarray) -> FrameProbs:
        return self.frames[image_hash(crop)]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        return "", 0.0


# 济 and 湖 lie under black print: their frames read blank
PATTERN = "___南_明___数_码_软_件_有_限_公_司__"
UNDER_PRINT = {1, 2, 6, 7, 8}


def test_characters_hidden_under_print_are_confirmed_from_the_printed_name() -> None:
    engine = ScoringFake()
    strip = engine.strip(PATTERN, UNDER_PRINT)
    got = confirm_hidden([strip], "南明数码软件有限公司", ["乙方（盖章）：" + NAME, "日期：2020年3月2日"], engine)
    assert got == ArcReading(NAME, pytest.approx(0.99, abs=0.01), (0, 3))


def test_a_missing_character_where_no_print_lies_is_not_filled_in() -> None:
    engine = ScoringFake()
    strip = engine.strip(PATTERN, set())
    assert confirm_hidden([strip], "南明数码软件有限公司", [NAME], engine) is None


def test_a_visible_character_that_differs_from_the_printed_name_keeps_the_seal_its_own() -> None:
    # the rim shows 明 where the page prints 光: the seal is not the printed company's
    engine = ScoringFake()
    strip = engine.strip(PATTERN, UNDER_PRINT)
    assert confirm_hidden([strip], "南明数码软件有限公司", ["济南光湖数码软件有限公司"], engine) is None
    assert printed_names(["济南光湖数码软件有限公司"], "南明数码软件有限公司") == []


def test_a_name_mostly_hidden_is_not_confirmed() -> None:
    engine = ScoringFake()
    # only 有限公司 can be seen: too little of the name to say whose it is
    strip = engine.strip("______________有_限_公_司__", set(range(14)))
    assert confirm_hidden([strip], "有限公司", [NAME], engine) is None


def test_printed_names_are_cut_where_names_end_and_hold_the_reading_in_order() -> None:
    lines = ["乙方（盖章）：济南明湖数码软件有限公司", "开户行：中国建设银行股份有限公司济南天桥支行"]
    names = printed_names(lines, "南明数码软件有限公司")
    assert NAME in names
    assert all("银行" not in n and n.endswith(("公司", "行")) for n in names)
    assert printed_names(lines, "山东泺源云计算有限公司") == []


@pytest.mark.ocr
def test_the_real_recogniser_confirms_a_name_half_hidden_by_print_and_nothing_else() -> None:
    """The sample software contract's signature page: black print crosses 济 and 湖 of the
    developer's seal, so the recogniser alone reads 南明数码软件有限公司."""
    from service.ingest import collect_files, iter_pages, render_pdf_page
    from service.ocr.engine import get_engine
    from service.settings import Settings

    settings = Settings()
    [source], _ = collect_files([SAMPLES / "04_软件开发合同.pdf"], settings)
    signature_page = list(iter_pages(source, settings))[1]
    image, _ = render_pdf_page(signature_page, settings.ocr_dpi, settings)  # type: ignore[arg-type]
    engine = get_engine("rapidocr")
    found = read_seals(image, find_impressions(image), PageText(page=2, width=image.shape[1], height=image.shape[0]),
                       1.0, lambda: engine)
    seals, rims = found.seals, found.rims
    [half] = [s for s in seals if s.arc_text == "南明数码软件有限公司"]

    def confirmed_with(printed: str) -> Seal:
        page1 = PageText(page=1, width=600, height=800, lines=[TextLine(text=f"乙方：{printed}", bbox=(0, 0, 300, 20))])
        doc = Document(id="d-con", document_type=DocumentType.contract, pages=[1, 2])
        out = confirm_names(seals, rims, [doc], [page1], Applicant(), lambda: engine)
        return next(s for s in out if s.id == half.id)

    seal = confirmed_with(NAME)
    assert (seal.arc_text, seal.arc_hidden) == (NAME, [0, 3])
    assert seal.text.startswith(NAME) and seal.confidence >= 0.8
    # a visible character that differs (明 -> 光), or characters where the rim shows plain paper
    # between two it reads (软件科有限), leave the seal as read
    for forged in ("济南光湖数码软件有限公司", "济南明湖数码软件科有限公司"):
        assert confirmed_with(forged).arc_text == "南明数码软件有限公司"


# --- look-alikes corrected, authority names, tax ids: what the dossier prints ---------------------


def unsure_strip(engine: ScoringFake, pattern: str, unsure: dict[int, dict[str, float]]) -> NameStrip:
    """A strip whose frames are sure of the pattern's characters except where ``unsure`` splits a
    frame's probability between characters."""
    strip = engine.strip(pattern, set())
    frames = engine.frames[image_hash(strip.image)]
    for t, split in unsure.items():
        frames.probs[t] = 1e-4
        for ch, p in split.items():
            frames.probs[t, engine.classes[ch]] = p
    return strip


# the recogniser reads 光 where the seal says 明, but hesitates: 明 has a third of the frame
LOOK_ALIKE = "_济_南_光_湖_数_码_软_件_有_限_公_司_"


def test_a_look_alike_the_recogniser_hesitated_over_is_corrected_from_the_printed_name() -> None:
    engine = ScoringFake()
    strip = unsure_strip(engine, LOOK_ALIKE, {5: {"光": 0.6, "明": 0.35}})
    reading = "济南光湖数码软件有限公司"
    assert near_names([NAME, "济南舜耕智能装备有限公司"], reading) == [NAME]
    got = confirm_printed([strip], reading, [], near_names([NAME], reading), engine)
    assert got is not None and (got.text, got.hidden, got.corrected) == (NAME, (), (2,))


def test_a_clearly_read_different_character_is_never_corrected() -> None:
    # the rim shows 光 plainly: a forged or different seal keeps what it says
    engine = ScoringFake()
    strip = unsure_strip(engine, LOOK_ALIKE, {})
    assert confirm_printed([strip], "济南光湖数码软件有限公司", [], [NAME], engine) is None
    # and a name differing in more than a look-alike or two is no candidate at all
    assert near_names(["济南光明数据软件有限公司"], "济南明湖数码软件有限公司") == []


def test_an_authority_seal_is_named_from_the_division_printed_on_the_licence() -> None:
    texts = ["名称 上海市金山区青丝源保健按摩店", "经营场所 上海市金山区朱泾镇某路1号"]
    names = authority_names(texts, "上海市金小区市场监督管理局")
    assert "上海市金山区市场监督管理局" in names
    assert near_names(names, "上海市金小区市场监督管理局") == ["上海市金山区市场监督管理局"]
    assert authority_names(texts, "山东泺源云计算有限公司") == []


class CodeFake:
    """``frame_probs`` for tax-id line crops: one frame per pattern character."""

    id = "fake-codes"

    def __init__(self) -> None:
        self.classes = {ch: i + 1 for i, ch in enumerate("0123456789ABCDEFGHJKLMNPQRTUWXY")}
        self.frames: dict[str, FrameProbs] = {}

    def line(self, pattern: str, unsure: dict[int, dict[str, float]] | None = None) -> np.ndarray:
        image = np.full((40, 8 * len(pattern), 3), 255, np.uint8)
        image[0, : len(self.frames) + 1] = 0
        probs = np.full((len(pattern), len(self.classes) + 1), 1e-4)
        for t, ch in enumerate(pattern):
            for c, p in (unsure or {}).get(t, {ch: 0.99}).items():
                probs[t, BLANK if c == "_" else self.classes[c]] = p
        self.frames[image_hash(image)] = FrameProbs(probs, self.classes, 8.0)
        return image

    def frame_probs(self, crop: np.ndarray) -> FrameProbs:
        return self.frames[image_hash(crop)]


def spaced(code: str) -> str:
    return "_" + "_".join(code) + "_"


def test_a_tax_id_read_with_a_digit_dropped_is_the_printed_one_its_frames_support() -> None:
    engine = CodeFake()
    # the seal says 91370100MA949D4H6D; the recogniser lost the second 0 of 0100 (it hesitated
    # between that 0 and a blank) and reads 9137010MA949D4H6D, whose check cannot hold
    pattern = spaced(SELLER_ID)
    at = pattern.index("0_0_M") + 2
    line = engine.line(pattern, {at: {"_": 0.6, "0": 0.35}})
    codes = {SELLER_ID: "p10 seller_tax_id", "91370102MA5Y4CL13P": "p10 buyer_tax_id"}
    assert confirm_tax_id([[line]], "9137010MA949D4H6D", codes, engine) == (SELLER_ID, "p10 seller_tax_id")


def test_a_seal_clearly_showing_another_taxpayers_id_keeps_it() -> None:
    engine = CodeFake()
    other = "91370102MA5Y4CL13P"
    line = engine.line(spaced(other))
    assert confirm_tax_id([[line]], other, {SELLER_ID: "p10 seller_tax_id"}, engine) == (other, None)
    flags = seal_flags([invoice()], [seal(tax_id=other)], APPLICANT)
    assert codes(flags) == [FlagCode.seal_tax_id_mismatch]


def test_with_nothing_printed_the_readings_vote_for_one_whose_check_holds() -> None:
    engine = CodeFake()
    # one variant misreads the last character (8 for D: no check holds), the widened one reads it
    wrong = engine.line(spaced(SELLER_ID[:-1] + "8"))
    right = engine.line(spaced(SELLER_ID))
    assert confirm_tax_id([[wrong, right]], SELLER_ID[:-1] + "8", {}, engine) == (SELLER_ID, None)
    assert confirm_tax_id([[wrong]], SELLER_ID[:-1] + "8", {}, engine) == (SELLER_ID[:-1] + "8", None)


def test_a_seal_whose_name_and_id_are_printed_is_confirmed_and_a_stranger_is_not() -> None:
    doc = invoice(pages=[3])
    page3 = PageText(page=3, width=600, height=800, lines=[TextLine(text=f"名称：{SELLER}", bbox=(0, 0, 300, 20))])
    ours = seal(page_no=3, sid="s-ours")
    stranger = seal(page_no=3, arc="济南光明数据软件有限公司", tax_id="91370102MA5Y4CL13P", sid="s-other")
    out = confirm_names([ours, stranger], [], [doc], [page3], APPLICANT, lambda: ScoringFake())  # type: ignore[arg-type, return-value]
    assert out[0].confirmed and out[0].confirmed_by == ["name: p3 seller_name", "tax_id: p3 seller_tax_id"]
    assert not out[1].confirmed and out[1].confirmed_by == []
    assert out[1].arc_text == "济南光明数据软件有限公司"
    assert FlagCode.seal_text_mismatch in codes(seal_flags([doc], out[1:], APPLICANT))


def test_a_tax_id_printed_in_the_page_text_confirms_the_seal_but_the_seals_own_reading_does_not() -> None:
    doc = Document(id="d-inv", document_type=DocumentType.vat_invoice, pages=[3],
                   fields={"seller_name": FieldValue(value=SELLER, page=3, finding_id="f-seller")})
    ours = seal(page_no=3)  # its box: (10, 10, 100, 80)
    printed = TextLine(text="纳税人识别号：9137 0100 MA94 9D4H 6D", bbox=(200, 300, 500, 320))
    on_seal = TextLine(text=SELLER_ID, bbox=(20, 40, 90, 50))  # the page reader's reading of the seal
    page3 = PageText(page=3, width=600, height=800, lines=[printed])
    [out] = confirm_names([ours], [], [doc], [page3], APPLICANT, lambda: ScoringFake())  # type: ignore[arg-type, return-value]
    assert out.confirmed and out.confirmed_by == ["name: p3 seller_name", "tax_id: p3"]
    page3 = PageText(page=3, width=600, height=800, lines=[on_seal])
    [out] = confirm_names([ours], [], [doc], [page3], APPLICANT, lambda: ScoringFake())  # type: ignore[arg-type, return-value]
    assert not out.confirmed and out.confirmed_by == ["name: p3 seller_name"] and out.tax_id == SELLER_ID


@pytest.mark.ocr
def test_the_real_recogniser_takes_a_look_alike_from_the_printed_seller_but_not_a_clear_difference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample invoice scan: the recogniser reads the seller's seal as 山东源源云计算有限公司,
    unsure of its third character (泺 in the seller's name printed on the invoice)."""
    from service.ocr.engine import get_engine

    image = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    engine = get_engine("rapidocr")
    size = {"width": image.shape[1], "height": image.shape[0]}
    found = read_seals(image, find_impressions(image), PageText(page=1, **size), 1.0, lambda: engine)
    seals, rims = found.seals, found.rims
    [ours] = [s for s in seals if s.kind == "发票专用章"]
    assert Levenshtein.distance(ours.arc_text, SELLER) <= 1

    def confirmed_with(printed: str, rims: list[Rim] = rims) -> Seal:
        doc = invoice(seller=printed)
        [out] = [s for s in confirm_names(seals, rims, [doc], [], Applicant(), lambda: engine) if s.id == ours.id]
        return out

    right = confirmed_with(SELLER)
    assert right.arc_text == right.name == SELLER and right.confirmed
    assert right.arc_corrected == ([2] if ours.arc_text != SELLER else [])
    # 算 is read plainly: a printed 费 there is another name, and the seal keeps its own
    other = ours.arc_text[:7] + "费" + ours.arc_text[8:]
    kept = confirmed_with(other)
    assert kept.arc_text == ours.arc_text and kept.arc_corrected == [] and "name" not in " ".join(kept.confirmed_by)

    # read on the page that prints the seller's name, the seal keeps what the recogniser made of
    # its name strips: confirming that name runs the network on none of them again, and agrees
    printed = PageText(page=1, lines=[TextLine(text=f"名称：{SELLER}", bbox=(0, 0, 300, 20))], **size)
    on_page = read_seals(image, find_impressions(image), printed, 1.0, lambda: engine).rims
    assert next(rim for rim in on_page if rim.seal_id == ours.id).frames
    scored: list[int] = []
    monkeypatch.setattr(engine, "frame_probs", lambda crop: scored.append(1) or type(engine).frame_probs(engine, crop))
    assert confirmed_with(SELLER, on_page) == right and not scored


# --- found once a page ----------------------------------------------------------------------------


def test_the_pipeline_finds_the_impressions_of_a_page_once_and_reads_the_print_under_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import service.pipeline
    from extractors.seals.ink import suppress_ink
    from service.pipeline import CheckOptions, read_dossier
    from service.settings import Settings

    img = page()
    draw_seal(img, (400, 500), (110, 110))
    (tmp_path / "dossier").mkdir()
    cv2.imwrite(str(tmp_path / "dossier" / "scan.png"), img)
    [imp] = find_impressions(img)
    x0, y0, x1, y1 = imp.bbox
    engine = FakeEngine()
    # the print under the seal shows only when the reader re-reads its box with the ink faded out
    engine.register(suppress_ink(img[max(0, y0 - 10):y1 + 10, max(0, x0 - 10):x1 + 10]),
                    [("合同专用章", (40, 60, 180, 90))])
    calls: list[int] = []

    def counting(image: np.ndarray):  # type: ignore[no-untyped-def]
        calls.append(1)
        return find_impressions(image)

    monkeypatch.setattr(service.pipeline, "find_impressions", counting)
    settings = Settings(data_dir=tmp_path / "data")
    for cached in (False, True):
        calls.clear()
        evidence = read_dossier([tmp_path / "dossier"], CheckOptions(previews=False), settings, engine=engine).evidence
        assert evidence.pages[0].ocr_cached is cached
        assert len(calls) == 1  # while reading the text (cold), or for the seals (cached)
        [s] = evidence.seals
        assert s.bbox == tuple(float(v) for v in imp.bbox) and s.kind == "合同专用章"


def test_a_seal_read_once_is_served_from_the_cache_as_it_was_read(tmp_path: Path) -> None:
    from service.ocr.reader import OcrCache

    img = page()
    draw_seal(img, (400, 500), (110, 110))
    text = PageText(page=3, width=800, height=1000)
    cache, engine = OcrCache(tmp_path / "ocr-cache"), NamingEngine()
    first = read_seals(img, find_impressions(img), text, 1.0, lambda: engine, cache).seals
    assert engine.recognized > 0 and first[0].arc_text == "济南云帆信息技术有限公司"
    engine.recognized = 0
    # the same impression again (a re-check, or the seller's seal on the next e-invoice): no recognition
    again = read_seals(img.copy(), find_impressions(img), text, 1.0, lambda: engine, cache).seals
    assert engine.recognized == 0 and again == first
