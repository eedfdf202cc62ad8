"""Reading seals with the OCR engine: the name along the rim (``read_arc``), the lines across the
middle (``read_center``), and each impression of a page turned into the report's Seal
(``read_seals``), readings cached by the impression's pixels.

The impressions are found once per page by the pipeline (``extractors.seals.find_impressions``);
the crops the recogniser reads are made in ``extractors.seals``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extractors.seals import (
    Impression,
    arc_strips,
    center_lines,
    inner_crop,
    local_view,
    name_strips,
    seal_from_impression,
    square_cells,
)
from models.domain import PageText, Seal
from models.enums import SealShape
from service.ocr.ctc import FrameProbs
from service.ocr.engine import OcrEngine
from service.ocr.reader import OcrCache, image_hash
from service.pdfdraw import DrawnImage

log = logging.getLogger(__name__)


CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class ArcReading:
    """What the rim of a seal says: the text, the recogniser's confidence, the positions in the
    text of characters hidden under black print that were taken from a name printed in the
    seal's document (see ``confirm_hidden``), and those the recogniser misread that a printed
    name corrected (see ``confirm_printed``)."""

    text: str = ""
    confidence: float = 0.0
    hidden: tuple[int, ...] = ()
    corrected: tuple[int, ...] = ()


def read_arc(image: np.ndarray, imp: Impression, engine: OcrEngine,
             frames: dict[str, FrameProbs] | None = None) -> ArcReading:
    """The text along the rim (the owner's name), trying each likely start angle. ``frames``, when
    given, receives the recogniser's output for each whole-name strip read (by the strip's
    pixels, ``image_hash``) where the engine gives it, for confirming the name later
    (``service.seals.confirm``) without reading the strips again."""
    if imp.shape == SealShape.square:
        chars, scores = [], []
        for cell in square_cells(image, imp):
            text, score = engine.recognize(cell)
            if not CJK.search(text):  # a lone glyph read as a Latin letter: more margin helps
                text, score = engine.recognize(cv2.copyMakeBorder(cell, 20, 20, 20, 20, cv2.BORDER_CONSTANT,
                                                                  value=(255, 255, 255)))
            text = "".join(CJK.findall(text))[:1]
            if text:
                chars.append(text)
                scores.append(score)
        text = "".join(chars)
        if "印" in text[:-1]:  # the seal's 印 closes the name whatever the layout
            text = text.replace("印", "", 1) + "印"
        return ArcReading(text, float(np.mean(scores)) if scores else 0.0)
    text, score = _read_name_strips(image, imp, engine, frames)
    if text:
        return ArcReading(text, score)
    # no whole name found: read strips started at several angles and let them agree
    readings = []
    for strip in arc_strips(image, imp):
        text, score = engine.recognize(strip)
        text = clean_arc(text)
        if text:
            readings.append((text, score))
    return ArcReading(*consensus_name(readings))


def _read_name_strips(image: np.ndarray, imp: Impression, engine: OcrEngine,
                      frames: dict[str, FrameProbs] | None) -> tuple[str, float]:
    """The name read from whole-name strips (``name_strips``): each place the name may lie is
    read in a few variants that vote; the place whose reading is surest, longest and ends as a
    name ends wins. ("", 0) when no place reads as a name."""
    chosen: tuple[str, float, float] | None = None
    for group in name_strips(image, imp):
        readings: list[tuple[str, float]] = []
        for strip in group:
            text, score = _recognize(engine, strip.image, frames)
            text = clean_arc(text)
            if text:
                readings.append((text, score))
            if settled(readings):
                break
        text, score = vote(readings)
        if not text.endswith(NAME_ENDINGS):
            text = _name_order(text)  # ink all round the ring: the strip may start mid-name
        if len(CJK.findall(text)) < 4 or score < 0.5:
            continue
        ends = text.endswith(NAME_ENDINGS)
        merit = score * min(1.0, len(text) / 8) + (0.05 if ends else 0.0)
        if chosen is None:
            chosen = (text, score, merit)
            continue
        # a longer arc holding the same name that, unlike the other, ends as names end
        longer = (ends and not chosen[0].endswith(NAME_ENDINGS) and len(text) > len(chosen[0])
                  and fuzz.partial_ratio(chosen[0], text) >= 85 and score >= 0.8)
        if longer or merit > chosen[2]:
            chosen = (text, score, merit)
    return (chosen[0], chosen[1]) if chosen else ("", 0.0)


def _recognize(engine: OcrEngine, image: np.ndarray, frames: dict[str, FrameProbs] | None) -> tuple[str, float]:
    """``engine.recognize``, the output read from kept in ``frames`` where the engine gives it."""
    scored = getattr(engine, "recognize_scored", None)
    if frames is None or scored is None:
        return engine.recognize(image)
    text, score, probs = scored(image)
    if probs is not None:
        frames[image_hash(image)] = probs
    return text, score


def vote(readings: list[tuple[str, float]]) -> tuple[str, float]:
    """The reading most like the others (each weighed by its confidence), with the mean
    confidence of the readings that agree with it."""
    if not readings:
        return "", 0.0

    def like(a: str, b: str) -> float:
        return 1.0 - Levenshtein.normalized_distance(a, b)

    support = [sum(sc * like(text, other) for other, sc in readings) for text, _ in readings]
    text = readings[int(np.argmax(support))][0]
    agree = [sc for other, sc in readings if other == text]
    return text, float(np.mean(agree))


#: two variants of a strip read alike, each at least this sure, settle its reading: on the seal
#: benchmark's 102 strip groups the full five-way vote never chose otherwise, and at 0.9 it did once
#: (小区 for 山区, read twice at 0.94 and 0.96)
AGREED_SURE = 0.95


def settled(readings: list[tuple[str, float]]) -> bool:
    """The newest reading repeats an earlier one and both are sure: the others would not outvote them."""
    if len(readings) < 2:
        return False
    text, score = readings[-1]
    return score >= AGREED_SURE and any(other == text and sc >= AGREED_SURE for other, sc in readings[:-1])


# how the names of companies and authorities end
NAME_ENDINGS = ("有限公司", "公司", "管理局", "局", "委员会", "中心", "厂", "店", "社", "院", "所", "部", "行", "处")


def whole_names(texts: list[str]) -> list[str]:
    """Every whole name printed in ``texts``, in order of appearance: a run of characters from its
    start, from after a role word such as 乙方, or from after another name's end, to where names
    end (``service.seals.confirm.printed_names``)."""
    out: dict[str, None] = {}  # the names in order, each once
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff()]{4,}", unicodedata.normalize("NFKC", text)):
            ends = [e for e in range(2, len(run) + 1) if run.endswith(NAME_ENDINGS, 0, e)]
            if not ends:
                continue
            role = _ROLE_WORDS.match(run)
            starts = sorted({0, role.end() if role else 0, *ends})
            for start in starts:
                for end in ends:
                    if end - start >= 4:
                        out.setdefault(run[start:end])
    return list(out)


# words a party's name follows on a signature line or in a table
_ROLE_WORDS = re.compile(r"(?:甲方|乙方|丙方|委托方|受托方|服务方|需方|供方|买方|卖方|购买方|销售方|出租方|承租方|"
                         r"单位名称|公司名称|企业名称|名称|申请单位|申报单位|盖章)+")


def consensus_name(readings: list[tuple[str, float]]) -> tuple[str, float]:
    """The name the readings of one ring agree on.

    Each strip starts at a different angle, so each reading holds the name turned round (the
    start of the name after its end) with a few characters misread from the distorted bottom of
    the ring, which differ from strip to strip. A reading is turned so it ends as names end
    (…公司, …局), then stripped of leading and trailing characters the other readings do not
    share; the reading with the most shared characters wins.
    """
    if not readings:
        return "", 0.0
    loops = [t + t for t, _ in readings]

    def support(gram: str, own: int) -> float:
        others = [loop for k, loop in enumerate(loops) if k != own]
        return sum(gram in loop for loop in others) / len(others) if others else 1.0

    best, best_score, best_merit = "", 0.0, -1.0
    for k, (text, score) in enumerate(readings):
        candidate = _name_order(text)
        while len(candidate) > 3 and support(candidate[:2], k) < 0.34:
            candidate = candidate[1:]
        while len(candidate) > 3 and not candidate.endswith(NAME_ENDINGS) and support(candidate[-2:], k) < 0.34:
            candidate = candidate[:-1]
        grams = [candidate[i:i + 2] for i in range(len(candidate) - 1)]
        shared = sum(support(g, k) for g in grams) / max(1, len(grams))
        # the recogniser's own confidence decides; agreement and a proper ending break ties
        merit = score * min(1.0, len(candidate) / 8) + 0.05 * shared + (0.05 if candidate.endswith(NAME_ENDINGS) else 0.0)
        if merit > best_merit:
            best, best_score, best_merit = candidate, score, merit
    return best, best_score


def _name_order(text: str) -> str:
    """A reading that started inside the name (the strip began mid-rim) turned back into order:
    '京中导开源科技有限公司北' -> '北京中导开源科技有限公司'."""
    for ending in NAME_ENDINGS[:4]:
        at = text.find(ending)
        if at >= 0:
            cut = at + len(ending)
            return text[cut:] + text[:cut]
    return text


def clean_arc(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if CJK.match(ch) or ch in "()（）")


def read_center(image: np.ndarray, imp: Impression, engine: OcrEngine) -> str:
    """The horizontal lines inside the seal (taxpayer id, 发票专用章 …), top to bottom.

    The lines are found by the rows the ink fills (``center_lines``) and each is handed to the
    recogniser alone: no text detector runs, so a seal costs a few recognitions and no page-sized
    detection.
    """
    texts = []
    for line in center_lines(inner_crop(image, imp)):
        text, score = engine.recognize(line)
        text = unicodedata.normalize("NFKC", text).replace(" ", "")
        if score >= 0.5 and _worth_keeping(text):
            texts.append(text)
    return " ".join(texts)


def _worth_keeping(text: str) -> bool:
    """Words (two characters or more) or a taxpayer id; not the star or a stray stroke."""
    compact = unicodedata.normalize("NFKC", text).replace(" ", "")
    return len(CJK.findall(compact)) >= 2 or len(re.findall(r"[0-9A-Z]", compact)) >= 12


SEAL_READER_VERSION = "5"  # bump when reading changes, so cached readings are not reused


def _reading_key(image: np.ndarray, imp: Impression, scale: float, engine_id: str,
                 drawn: Sequence[DrawnImage]) -> str:
    """What a seal's reading is cached under: the image a PDF page draws it with, where the
    impression lies in that image and at what scale, where there is such an image (the last drawn
    is on top); else the impression's pixels."""
    x0, y0, x1, y1 = imp.bbox
    under = [d for d in drawn if d.holds(imp.bbox)]
    if under:
        dx, dy = under[-1].bbox[:2]
        # to within a few pixels: the same image put at another fraction of a pixel renders a
        # pixel or two apart, and the impression found on it with it
        where = ",".join(str(round(v / _PLACED)) for v in (x0 - dx, y0 - dy, x1 - x0, y1 - y0))
        identity = f"drawn:{under[-1].digest}@{scale:.4f}+{where}"
    else:
        identity = image_hash(image[y0:y1, x0:x1])
    return hashlib.sha256(
        f"seal|{SEAL_READER_VERSION}|{engine_id}|{imp.shape}|{imp.color}|{identity}".encode()).hexdigest()


#: the grid (rendered pixels) an impression's place in the image that draws it is rounded to
_PLACED = 4


@dataclass(frozen=True)
class Rim:
    """What confirming a seal's name against the dossier's text needs once every page is read
    (``confirm_names``), kept when the page's pixels are let go: the part of the page round the
    impression, the impression in its coordinates, and the key its reading is cached under."""

    seal_id: str
    key: str
    image: np.ndarray
    impression: Impression
    #: the recogniser's output for the whole-name strips read, by the strip's pixels, kept for the
    #: characters of the names printed on the page (``FrameProbs.kept``): confirming a name of
    #: those characters scores it on these instead of running the network on the strip again
    frames: dict[str, FrameProbs] = field(default_factory=dict)


@dataclass(frozen=True)
class PageSeals:
    """What reading the seals of one page yields: the report's seals, and a ``Rim`` for each
    round or oval seal whose name was read (what ``confirm_names`` needs once every page is read)."""

    seals: list[Seal]
    rims: list[Rim]


def read_seals(image: np.ndarray, impressions: list[Impression], page: PageText, scale: float,
               engine: Callable[[], OcrEngine], cache: OcrCache | None = None, *,
               drawn: Sequence[DrawnImage] = ()) -> PageSeals:
    """The seal ``impressions`` found on one page image (``scale``: image pixels per page unit),
    each read with the OCR engine ``engine`` gives (loaded on first use). A seal that cannot be
    read is still reported, with the page text that falls inside it. Readings are cached by the
    impression's pixels, so a re-check reads no seal twice; an impression that an image of a PDF
    page draws (``drawn``) is cached by that image, so the same seal image drawn on other pages
    or in other dossiers is read once."""
    seals: list[Seal] = []
    rims: list[Rim] = []
    printed: set[str] | None = None  # the characters of the names printed on the page
    for imp in impressions:
        arc, center, key = ArcReading(), "", ""
        frames: dict[str, FrameProbs] = {}
        try:
            ocr = engine()
            key = _reading_key(image, imp, scale, ocr.id, drawn)
            hit = cache.get_json(key) if cache is not None else None
            if hit is not None:
                arc, center = ArcReading(hit["arc"], hit["arc_score"]), hit["center"]
            else:
                arc = read_arc(image, imp, ocr, frames)
                if imp.shape != SealShape.square:
                    center = read_center(image, imp, ocr)
                if cache is not None:
                    cache.put_json(key, {"arc": arc.text, "arc_score": arc.confidence, "center": center})
        except Exception:  # noqa: BLE001 - reading a seal is a bonus; finding it is what counts
            log.exception("reading the seal at %s on page %s failed", imp.bbox, page.page)
        seal = seal_from_impression(image, imp, page.page, scale, page.lines, arc.text, center, arc.confidence)
        seals.append(seal)
        if arc.text and imp.shape != SealShape.square:
            local, moved = local_view(image, imp)
            if printed is None:
                printed = {ch for name in whole_names([line.text for line in page.lines]) for ch in name}
            kept = {digest: probs.kept(printed | set(arc.text)) for digest, probs in frames.items()}
            rims.append(Rim(seal.id, key, local.copy(), moved, kept))
    return PageSeals(seals, rims)
