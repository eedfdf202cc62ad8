"""Seals in the pipeline: find the impressions on each page image, read them, and judge whether
each document carries the seals it should, whose they are, and whether one impression was copied.

The image work lives in ``extractors.seals`` (pure functions of pixels, including the crops the
recogniser reads); this module runs the OCR engine on those crops and adds what needs the dossier.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Hamming, Levenshtein

from extractors.codes import normalize_code, tax_id_valid
from extractors.seals import (
    Impression,
    NameStrip,
    arc_strips,
    center_lines,
    code_lines,
    decode_mask,
    find_impressions,
    inner_crop,
    local_view,
    mask_similarity,
    name_strips,
    seal_confidence,
    seal_from_impression,
    square_cells,
)
from models.domain import Applicant, Document, PageText, RiskFlag, Seal
from models.enums import DocumentType, FlagCode, SealShape, Severity
from service.ocr.ctc import FrameProbs, best_alignment, greedy_text, log_likelihood, nbest
from service.ocr.engine import OcrEngine, ScoringEngine
from service.ocr.reader import OcrCache, image_hash

log = logging.getLogger(__name__)

SUPERVISION = "监制"
# a seal name this close (0-100) to a party's name is that party's seal, OCR slips allowed
MATCH_THRESHOLD = 70
# readings this sure, and this far from every expected name, are a mismatch worth a flag
MISMATCH_BELOW = 45
READ_CONFIDENCE = 0.8
# two impressions whose normalised ink masks overlap this much are one image copied
REUSE_IOU = 0.96

_CJK = re.compile(r"[\u4e00-\u9fff]")


# --- finding and reading ------------------------------------------------------------------------


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


def read_arc(image: np.ndarray, imp: Impression, engine: OcrEngine) -> ArcReading:
    """The text along the rim (the owner's name), trying each likely start angle."""
    if imp.shape == SealShape.square:
        chars, scores = [], []
        for cell in square_cells(image, imp):
            text, score = engine.recognize(cell)
            if not _CJK.search(text):  # a lone glyph read as a Latin letter: more margin helps
                text, score = engine.recognize(cv2.copyMakeBorder(cell, 20, 20, 20, 20, cv2.BORDER_CONSTANT,
                                                                  value=(255, 255, 255)))
            text = "".join(_CJK.findall(text))[:1]
            if text:
                chars.append(text)
                scores.append(score)
        text = "".join(chars)
        if "印" in text[:-1]:  # the seal's 印 closes the name whatever the layout
            text = text.replace("印", "", 1) + "印"
        return ArcReading(text, float(np.mean(scores)) if scores else 0.0)
    text, score = _read_name_strips(image, imp, engine)
    if text:
        return ArcReading(text, score)
    # no whole name found: read strips started at several angles and let them agree
    readings = []
    for strip in arc_strips(image, imp):
        text, score = engine.recognize(strip)
        text = _clean_arc(text)
        if text:
            readings.append((text, score))
    return ArcReading(*consensus_name(readings))


def _read_name_strips(image: np.ndarray, imp: Impression, engine: OcrEngine) -> tuple[str, float]:
    """The name read from whole-name strips (``name_strips``): each place the name may lie is
    read in a few variants that vote; the place whose reading is surest, longest and ends as a
    name ends wins. ("", 0) when no place reads as a name."""
    chosen: tuple[str, float, float] | None = None
    for group in name_strips(image, imp):
        readings = []
        for strip in group:
            text, score = engine.recognize(strip.image)
            text = _clean_arc(text)
            if text:
                readings.append((text, score))
        text, score = vote(readings)
        if not text.endswith(NAME_ENDINGS):
            text = _name_order(text)  # ink all round the ring: the strip may start mid-name
        if len(_CJK.findall(text)) < 4 or score < 0.5:
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


# a character counts as read when the recogniser gives it this probability on its own frames
SEEN = 0.5
# ... and a column of the strip as under print when print covers this share of the band's depth
HIDDEN_COVER = 0.2
# confirming a name may cost at most this much log-likelihood per hidden character against the
# recogniser's own reading (a hidden character costs ~8; a visible one read otherwise, 25 or more)
HIDDEN_COST = 12.0


def printed_names(texts: list[str], near: str) -> list[str]:
    """Names printed in ``texts`` that the seal reading ``near`` could be a part of: whole names
    (a run of characters from its start, from after a role word such as 乙方, or from after another
    name's end, to where names end), a little longer than ``near`` and holding its characters in
    order. Never a name cut short: 件有限公司 is no one's name."""
    longest = len(near) + max(2, len(near) // 3)
    return [name for name in whole_names(texts) if len(near) < len(name) <= longest and _subsequence(near, name)]


def whole_names(texts: list[str]) -> list[str]:
    """Every whole name printed in ``texts`` (see ``printed_names``), in order of appearance."""
    out: list[str] = []
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff()]{4,}", unicodedata.normalize("NFKC", text)):
            ends = [e for e in range(2, len(run) + 1) if run[:e].endswith(NAME_ENDINGS)]
            role = _ROLE_WORDS.match(run)
            starts = sorted({0, role.end() if role else 0, *ends})
            for start in starts:
                for end in ends:
                    if end - start >= 4 and (name := run[start:end]) not in out:
                        out.append(name)
    return out


def max_corrections(name: str) -> int:
    """How many characters of a reading a printed name may correct: one in a short name, one in
    six in a longer one (the rest must be read as printed)."""
    return max(1, len(name) // 6)


def near_names(names: list[str], reading: str) -> list[str]:
    """The names of ``names`` that the seal reading ``reading`` could be misread from: as long,
    and differing in at most ``max_corrections`` characters."""
    return [name for name in names if name != reading and len(name) == len(reading)
            and 0 < Hamming.distance(name, reading) <= max_corrections(name)]


# how registration authorities are named: a division printed on the licence, then the office
AUTHORITY_OFFICES = ("市场监督管理局", "工商行政管理局")
_DIVISION_END = "省市区县旗州盟"


def authority_names(texts: list[str], reading: str) -> list[str]:
    """Names a registration authority's seal reading ``reading`` (…市场监督管理局) may stand for:
    an administrative division printed in ``texts`` (a licence names its company and address by
    province, city and district, as its registering office is named) followed by the office the
    reading names. Empty when the reading is no authority's."""
    office = next((o for o in AUTHORITY_OFFICES if reading.endswith(o)), None)
    if office is None:
        return []
    want = len(reading) - len(office)
    out: list[str] = []
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", unicodedata.normalize("NFKC", text)):
            for end in range(want, len(run) + 1):
                prefix = run[end - want:end]
                if prefix[-1] in _DIVISION_END and (name := prefix + office) not in out:
                    out.append(name)
    return out


# words a party's name follows on a signature line or in a table
_ROLE_WORDS = re.compile(r"(?:甲方|乙方|丙方|委托方|受托方|服务方|需方|供方|买方|卖方|购买方|销售方|出租方|承租方|"
                         r"单位名称|公司名称|企业名称|名称|申请单位|申报单位|盖章)+")


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


def confirm_hidden(strips: list[NameStrip], reading: str, printed: list[str], engine: ScoringEngine
                   ) -> ArcReading | None:
    """A printed name the seal's rim agrees with where it can be seen, when the recogniser's
    reading lacks characters that black print hides (a signature line or a party's name printed
    across the stamp).

    The name is aligned to the recogniser's per-frame output (CTC, ``service.ocr.ctc``) on each
    strip variant. It is confirmed only if, on one variant, every character the recogniser read
    there is in the name in order; each of the name's other characters lies in a gap between
    read ones that is wide enough to hold it and is covered by print for at least half a
    character's width; at most a third of the name is hidden; and the name costs little more
    likelihood than the recogniser's own reading. A seal whose visible characters say something
    else is never made to agree with the page.
    """
    return confirm_printed(strips, reading, printed_names(printed, reading), [], engine)


# a printed name may replace a character the recogniser misread if it costs at most this much
# log-likelihood per corrected character against the recogniser's own reading: a look-alike it
# hesitated over (泺/源, 天/庆, 山/小) costs 0.5-6; a clearly read different character 12 or more
CORRECTION_COST = 6.0


def confirm_printed(strips: list[NameStrip], reading: str, hiding: list[str], near: list[str],
                    engine: ScoringEngine) -> ArcReading | None:
    """The printed name the rim supports best, scored against the recogniser's frames of every
    strip variant: a name of ``hiding`` whose extra characters lie under print (``confirm_hidden``)
    or a name of ``near`` (``near_names``) that differs from the strip's own reading only in
    characters the recogniser was unsure of: the name must explain the frames nearly as well as
    that reading (``CORRECTION_COST`` per character). Fewest characters taken from print wins,
    then confidence; None when no name is supported."""
    best: ArcReading | None = None
    if not hiding and not near:
        return None
    for strip in strips:
        frames = engine.frame_probs(strip.image)  # once per strip, whatever the number of names
        found = [_confirm_on(strip, name, frames) for name in hiding]
        found += [_correct_on(name, frames) for name in near]
        for item in found:
            if item is not None and (best is None or _taken(item) < _taken(best)
                                     or (_taken(item) == _taken(best) and item.confidence > best.confidence)):
                best = item
    return best


def _taken(reading: ArcReading) -> int:
    return len(reading.hidden) + len(reading.corrected)


def _correct_on(name: str, frames: FrameProbs) -> ArcReading | None:
    own = _clean_arc(greedy_text(frames))
    labels, own_labels = frames.labels(name), frames.labels(own)
    if labels is None or own_labels is None or len(own) != len(name):
        return None
    corrected = tuple(i for i, (a, b) in enumerate(zip(own, name, strict=True)) if a != b)
    if not corrected or len(corrected) > max_corrections(name):
        return None
    cost = log_likelihood(frames.probs, own_labels) - log_likelihood(frames.probs, labels)
    if cost > CORRECTION_COST * len(corrected):
        return None
    spans = best_alignment(frames.probs, labels)
    if spans is None:
        return None
    confidence = float(np.mean([frames.probs[a:b + 1, label].max() for label, (a, b) in zip(labels, spans, strict=True)]))
    return ArcReading(name, confidence, (), corrected)


def _confirm_on(strip: NameStrip, name: str, frames: FrameProbs) -> ArcReading | None:
    labels = frames.labels(name)
    own = _clean_arc(greedy_text(frames))
    if labels is None or not own or not _subsequence(own, name):
        return None
    spans = best_alignment(frames.probs, labels)
    if spans is None:
        return None
    seen = [i for i, (label, (a, b)) in enumerate(zip(labels, spans, strict=True))
            if frames.probs[a:b + 1, label].max() >= SEEN]
    hidden = [i for i in range(len(name)) if i not in seen]
    if not hidden or len(hidden) > len(name) // 3 or len(seen) < 4:
        return None
    cols = frames.columns_per_frame
    pitch = (spans[seen[-1]][0] - spans[seen[0]][0]) * cols / (seen[-1] - seen[0])
    covered = strip.print_cover >= HIDDEN_COVER
    # each run of hidden characters lies between the read characters round it
    runs: list[list[int]] = []
    for i in hidden:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        before = [j for j in seen if j < run[0]]
        after = [j for j in seen if j > run[-1]]
        c0 = int((spans[before[-1]][1] + 1) * cols) if before else 0
        c1 = int(spans[after[0]][0] * cols) if after else len(covered)
        room = c1 - c0
        # the gap holds the characters (a read character's own frames sit in its middle) and
        # print covers enough of it to hide them
        if room < 0.6 * len(run) * pitch or np.count_nonzero(covered[c0:c1]) < 0.5 * len(run) * pitch:
            return None
    cost = log_likelihood(frames.probs, frames.labels(own) or []) - log_likelihood(frames.probs, labels)
    if cost > HIDDEN_COST * len(hidden):
        return None
    confidence = float(np.mean([frames.probs[spans[i][0]:spans[i][1] + 1, labels[i]].max() for i in seen]))
    return ArcReading(name, confidence, tuple(hidden))


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


# how the names of companies and authorities end
NAME_ENDINGS = ("有限公司", "公司", "管理局", "局", "委员会", "中心", "厂", "店", "社", "院", "所", "部", "行", "处")


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


def _clean_arc(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if _CJK.match(ch) or ch in "()（）")


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
    return len(_CJK.findall(compact)) >= 2 or len(re.findall(r"[0-9A-Z]", compact)) >= 12


SEAL_READER_VERSION = "4"  # bump when reading changes, so cached readings are not reused


@dataclass(frozen=True)
class Rim:
    """What confirming a seal's name against the dossier's text needs once every page is read
    (``confirm_names``), kept when the page's pixels are let go: the part of the page round the
    impression, the impression in its coordinates, and the key its reading is cached under."""

    seal_id: str
    key: str
    image: np.ndarray
    impression: Impression


def find_seals(image: np.ndarray, page: PageText, scale: float, engine: Callable[[], OcrEngine],
               cache: OcrCache | None = None, rims: list[Rim] | None = None) -> list[Seal]:
    """Seal impressions on one page image (``scale``: image pixels per page unit), each read with
    the OCR engine ``engine`` gives (loaded on first use). A seal that cannot be read is still
    reported, with the page text that falls inside it. Readings are cached by the impression's
    pixels, so a re-check reads no seal twice. ``rims`` collects what ``confirm_names`` needs of
    each round or oval seal whose name was read."""
    seals = []
    for imp in find_impressions(image):
        arc, center, key = ArcReading(), "", ""
        try:
            ocr = engine()
            x0, y0, x1, y1 = imp.bbox
            key = hashlib.sha256(
                f"seal|{SEAL_READER_VERSION}|{ocr.id}|{imp.shape}|{imp.color}|{image_hash(image[y0:y1, x0:x1])}".encode()
            ).hexdigest()
            hit = cache.get_json(key) if cache is not None else None
            if hit is not None:
                arc, center = ArcReading(hit["arc"], hit["arc_score"]), hit["center"]
            else:
                arc = read_arc(image, imp, ocr)
                if imp.shape != SealShape.square:
                    center = read_center(image, imp, ocr)
                if cache is not None:
                    cache.put_json(key, {"arc": arc.text, "arc_score": arc.confidence, "center": center})
        except Exception:  # noqa: BLE001 - reading a seal is a bonus; finding it is what counts
            log.exception("reading the seal at %s on page %s failed", imp.bbox, page.page)
        seal = seal_from_impression(image, imp, page.page, scale, page.lines, arc.text, center, arc.confidence)
        seals.append(seal)
        if rims is not None and arc.text and imp.shape != SealShape.square:
            local, moved = local_view(image, imp)
            rims.append(Rim(seal.id, key, local.copy(), moved))
    return seals


CONFIRM_VERSION = "2"


def confirm_names(seals: list[Seal], rims: list[Rim], documents: list[Document], pages: list[PageText],
                  applicant: Applicant, engine: Callable[[], OcrEngine], cache: OcrCache | None = None
                  ) -> list[Seal]:
    """The seals with their name and taxpayer id checked against what the dossier prints.

    A seal's name is confirmed when it is a name printed in the dossier (a document's name field,
    the applicant, a name in the seal's own document, or for a registration authority's seal a
    division printed there with the office its rim names). Where the reading is not, a printed
    name is scored against the rim's frames: one whose extra characters lie under black print
    (``confirm_hidden``) or that differs in a few look-alikes the recogniser hesitated over
    (``confirm_printed``) replaces the reading, which otherwise stands, unconfirmed. The taxpayer
    id across an invoice seal is read again and checked the same way against the valid credit
    codes printed in the dossier (``confirm_tax_id``). Checks are cached like readings."""
    by_id = {r.seal_id: r for r in rims}
    text_of = {p.page: [line.text for line in p.lines] for p in pages}
    printed_codes = [(p.page, line.bbox, code) for p in pages for line in p.lines for code in _codes_in(line.text)]
    out = []
    for seal in seals:
        rim = by_id.get(seal.id)
        doc = next((d for d in documents if seal.page in d.pages), None)
        # the seal's own document first, so that a value is said to be printed where it belongs
        own = [doc] if doc else []
        sources, codes = _printed_fields(own + [d for d in documents if d is not doc], applicant)
        for n in doc.pages if doc else [seal.page]:
            for name in whole_names(text_of.get(n, [])):
                sources.setdefault(name, f"p{n}")
            for name in authority_names(text_of.get(n, []), seal.arc_text):
                sources.setdefault(name, f"p{n} division + office")
        for page_no, box, code in printed_codes:
            # a line inside the seal is the page reader's reading of the seal itself: no support
            if page_no != seal.page or not _inside_box(box, seal.bbox):
                codes.setdefault(code, f"p{page_no}")
        update: dict[str, Any] = {}
        name_source = sources.get(seal.arc_text) if seal.arc_text else None
        if name_source is None and rim is not None and seal.arc_text:
            try:
                found = _confirmed(rim, seal.arc_text, sorted(printed_names(list(sources), seal.arc_text)),
                                   sorted(near_names(list(sources), seal.arc_text)), engine, cache)
            except Exception:  # noqa: BLE001 - the seal as read stands
                log.exception("confirming the name of seal %s failed", seal.id)
                found = None
            if found is not None:
                name_source = sources[found.text]
                use = seal.text[len(seal.arc_text):] if seal.text.startswith(seal.arc_text) else ""
                update |= {"arc_text": found.text, "name": found.text, "arc_hidden": list(found.hidden),
                           "arc_corrected": list(found.corrected), "text": (found.text + use).strip(),
                           "confidence": seal_confidence(rim.impression, found.text, found.confidence)}
        tax_id, tax_source = seal.tax_id, None
        if seal.tax_id and seal.tax_id in codes:
            tax_source = codes[seal.tax_id]
        elif rim is not None and (seal.tax_id or seal.kind == "发票专用章"):
            try:
                tax_id, tax_source = _confirmed_tax_id(rim, seal.tax_id, codes, engine, cache)
            except Exception:  # noqa: BLE001 - the id as read stands
                log.exception("confirming the tax id of seal %s failed", seal.id)
        confirmed_by = [f"name: {name_source}"] if name_source else []
        confirmed_by += [f"tax_id: {tax_source}"] if tax_source else []
        update |= {"tax_id": tax_id, "confirmed_by": confirmed_by,
                   "confirmed": name_source is not None and (tax_id is None or tax_source is not None)}
        out.append(seal.model_copy(update=update))
    return out


def _printed_fields(documents: list[Document], applicant: Applicant) -> tuple[dict[str, str], dict[str, str]]:
    """The names and the valid credit codes the documents' fields hold, each with where it is
    printed ("p10 seller_name"; the first document that holds it); the applicant's name too."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for doc in documents:
        for key, field in doc.fields.items():
            value = unicodedata.normalize("NFKC", str(field.value or "")).replace(" ", "")
            if len(normalize_code(value)) in (15, 18) and tax_id_valid(value):
                codes.setdefault(normalize_code(value), f"p{field.page} {key}")
            elif len(_CJK.findall(value)) >= 4 and value.endswith(NAME_ENDINGS):
                names.setdefault(value, f"p{field.page} {key}")
    if applicant.name:
        names.setdefault(applicant.name, "applicant")
    return names, codes


def _inside_box(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


_CODE_RUN = re.compile(r"[0-9A-Z]{15,20}")


def _codes_in(text: str) -> list[str]:
    """The valid taxpayer ids in a line of text: credit codes (18 characters, wherever they
    start in a longer run) and old 15-character ids (a whole run only: a window of a longer
    run would pass its weaker check by chance)."""
    out = []
    for run in _CODE_RUN.findall(normalize_code(text)):
        out += [run[i:i + 18] for i in range(len(run) - 17) if tax_id_valid(run[i:i + 18])]
        out += [run] if len(run) == 15 and tax_id_valid(run) else []
    return out


def _confirmed(rim: Rim, reading: str, hiding: list[str], near: list[str], engine: Callable[[], OcrEngine],
               cache: OcrCache | None) -> ArcReading | None:
    if not hiding and not near:
        return None
    ocr = engine()
    key = hashlib.sha256(f"seal-confirm|{CONFIRM_VERSION}|{rim.key}|{ocr.id}|{reading}|{'|'.join(hiding)}|"
                         f"{'|'.join(near)}".encode()).hexdigest()
    hit = cache.get_json(key) if cache is not None else None
    if hit is not None:
        return ArcReading(hit["text"], hit["confidence"], tuple(hit["hidden"]), tuple(hit["corrected"])) \
            if hit["text"] else None
    if not hasattr(ocr, "frame_probs"):
        return None  # an engine that cannot score a given text cannot confirm one
    strips = [strip for group in name_strips(rim.image, rim.impression) for strip in group]
    found = confirm_printed(strips, reading, hiding, near, ocr)  # type: ignore[arg-type]
    if cache is not None:
        cache.put_json(key, {"text": found.text if found else "", "confidence": found.confidence if found else 0.0,
                             "hidden": list(found.hidden) if found else [],
                             "corrected": list(found.corrected) if found else []})
    return found


# a printed credit code may stand for the seal's id if the reading differs from it in this many
# characters at most (a digit dropped, doubled or changed)
TAX_ID_EDITS = 2


def confirm_tax_id(lines: list[list[np.ndarray]], read: str | None, codes: dict[str, str], engine: ScoringEngine
                   ) -> tuple[str | None, str | None]:
    """The taxpayer id across a seal, and where the dossier prints it (None when it does not).

    Each line inside the seal (``code_lines``: variants as cut and widened) is given to the
    recogniser again. A printed code (``codes``: valid credit code -> where it is printed) is the
    seal's id if on some variant it differs from the recogniser's own reading of the line in at
    most ``TAX_ID_EDITS`` characters and explains the frames nearly as well (``CORRECTION_COST``
    per edit). Otherwise the readings vote among those whose check character holds (the
    recogniser's own, and its near alternatives, ``nbest``), unconfirmed; otherwise ``read``
    stands. A seal clearly showing another taxpayer's id keeps it."""
    best: tuple[float, str] | None = None
    votes: dict[str, float] = {}
    for group in lines:
        for image in group:
            frames = engine.frame_probs(image)
            raw = greedy_text(frames)
            run = max(re.finditer(r"[0-9A-Za-z]{12,}", raw), key=lambda m: len(m.group()), default=None)
            own = frames.labels(raw)
            if run is None or own is None:
                continue
            own_ll = log_likelihood(frames.probs, own)
            for code in codes:
                edits = Levenshtein.distance(run.group().upper(), code)
                labels = frames.labels(raw[:run.start()] + code + raw[run.end():])
                if edits > TAX_ID_EDITS or labels is None:
                    continue
                cost = own_ll - log_likelihood(frames.probs, labels)
                if cost <= CORRECTION_COST * max(1, edits) and (best is None or cost < best[0]):
                    best = (cost, code)
            for k, (text, ll) in enumerate(nbest(frames)):
                if own_ll - ll > CORRECTION_COST:
                    break
                for code in _codes_in(text):
                    votes[code] = votes.get(code, 0.0) + (1.0 if k == 0 else 0.5)
    if best is not None:
        return best[1], codes[best[1]]
    if read and tax_id_valid(read):
        return read, None
    top = max(votes, key=lambda code: votes[code], default=None)
    return (top if top is not None and votes[top] >= 1.0 else read), None


def _confirmed_tax_id(rim: Rim, read: str | None, codes: dict[str, str], engine: Callable[[], OcrEngine],
                      cache: OcrCache | None) -> tuple[str | None, str | None]:
    ocr = engine()
    key = hashlib.sha256(f"seal-taxid|{CONFIRM_VERSION}|{rim.key}|{ocr.id}|{read}|{'|'.join(sorted(codes))}"
                         .encode()).hexdigest()
    hit = cache.get_json(key) if cache is not None else None
    if hit is not None:
        return hit["tax_id"], (codes.get(hit["tax_id"]) if hit["confirmed"] else None)
    if not hasattr(ocr, "frame_probs"):
        return read, None  # an engine that cannot score a given text cannot confirm one
    tax_id, source = confirm_tax_id(code_lines(rim.image, rim.impression), read, codes, ocr)  # type: ignore[arg-type]
    if cache is not None:
        cache.put_json(key, {"tax_id": tax_id, "confirmed": source is not None})
    return tax_id, source


# --- whose seal ---------------------------------------------------------------------------------


# legal-form endings every company shares: compared, they would make any two names look alike
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text.split()).replace("(", "").replace(")", "")
    for form in _LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            return text[:-len(form)]
    return text


def name_similarity(seal: Seal, name: str) -> float:
    """0-100: how well the seal's arc text reads as ``name`` (OCR slips allowed)."""
    a, b = _norm_name(seal.arc_text or seal.text), _norm_name(name)
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    if len(a) >= 0.8 * len(b):
        # extra characters round the rim (a serial, a stray mark) should not hide the name
        score = max(score, fuzz.partial_ratio(a, b) * min(1.0, len(a) / len(b)))
    return float(score)


def seals_of_party(seals: list[Seal], name: str | None, threshold: float = MATCH_THRESHOLD) -> list[Seal]:
    """The seals (not the tax bureau's mark) whose arc text reads as ``name``, best first."""
    if not name:
        return []
    scored = [(name_similarity(s, name), s) for s in seals if s.kind != SUPERVISION]
    return [s for score, s in sorted(scored, key=lambda x: -x[0]) if score >= threshold]


def _readable(seal: Seal) -> bool:
    return len(_CJK.findall(seal.arc_text)) >= 4 and seal.confidence >= READ_CONFIDENCE




def _mismatch(doc: Document, seal: Seal, expected: str, field: str, role: str) -> RiskFlag:
    return RiskFlag(
        code=FlagCode.seal_text_mismatch, severity=Severity.high, pages=[seal.page],
        evidence=[seal.id, *doc.evidence(field)],
        message=f"第 {seal.page} 页印章文字“{seal.arc_text}”与{role}“{expected}”不符",
        values={"document": doc.id, "seal": seal.id, "seal_text": seal.arc_text, "expected": expected,
                "field": field, "similarity": round(name_similarity(seal, expected))},
    )


def _invoice_flags(doc: Document, on_doc: list[Seal]) -> list[RiskFlag]:
    if doc.value("invoice_kind") in (None, "fully_digital"):
        return []  # a 数电票 carries only the tax bureau's mark, by design
    if not on_doc:
        return [RiskFlag(code=FlagCode.seal_missing, severity=Severity.medium, pages=doc.pages,
                         evidence=doc.evidence("seller_name"),
                         message=f"第 {doc.pages[0]} 页发票未见销售方发票专用章", values={"document": doc.id})]
    seller, seller_id = doc.value("seller_name"), doc.value("seller_tax_id")
    flags = []
    ranked = sorted(on_doc, key=lambda s: -name_similarity(s, seller)) if seller else on_doc
    seal = ranked[0]
    if seller and _readable(seal) and name_similarity(seal, seller) < MISMATCH_BELOW:
        flags.append(_mismatch(doc, seal, seller, "seller_name", "销售方名称"))
    # only an id read right (its check character holds) is compared: a garbled reading proves
    # nothing, and one whose check holds yet differs is a different taxpayer's seal
    with_id = [s for s in ranked if s.tax_id and tax_id_valid(s.tax_id)]
    if seller_id and with_id:
        seal = with_id[0]
        assert seal.tax_id is not None
        distance = Levenshtein.distance(seal.tax_id, seller_id.upper())
        if distance >= 2:
            flags.append(RiskFlag(
                code=FlagCode.seal_tax_id_mismatch, severity=Severity.high, pages=[seal.page],
                evidence=[seal.id, *doc.evidence("seller_tax_id")],
                message=f"第 {seal.page} 页发票专用章上的税号 {seal.tax_id} 与销售方纳税人识别号 {seller_id} 不符",
                values={"document": doc.id, "seal": seal.id, "seal_tax_id": seal.tax_id, "expected": seller_id},
            ))
    return flags


def _contract_flags(doc: Document, on_doc: list[Seal]) -> list[RiskFlag]:
    signature_page = doc.facts.get("signature_page")
    if signature_page is not None and not [s for s in on_doc if s.page == signature_page]:
        return [RiskFlag(code=FlagCode.seal_missing, severity=Severity.medium, pages=[signature_page],
                         evidence=doc.evidence("party_a", "party_b"),
                         message=f"第 {signature_page} 页合同签署处未见印章", values={"document": doc.id})]
    parties = {k: v for k in ("party_a", "party_b") if (v := doc.value(k))}
    flags = []
    for seal in on_doc:
        if not _readable(seal) or seal.shape == SealShape.square:
            continue  # a name seal belongs to a person, not a party
        if parties and all(name_similarity(seal, name) < MISMATCH_BELOW for name in parties.values()):
            key, name = next(iter(parties.items()))
            flags.append(_mismatch(doc, seal, " / ".join(parties.values()), key, "合同各方名称"))
    return flags


def _form_flags(doc: Document, on_doc: list[Seal], applicant: Applicant) -> list[RiskFlag]:
    if not applicant.name:
        return []
    return [_mismatch(doc, s, applicant.name, "applicant_name", "申报单位")
            for s in on_doc if _readable(s) and s.shape != SealShape.square
            and name_similarity(s, applicant.name) < MISMATCH_BELOW]


def seal_flags(documents: list[Document], seals: list[Seal], applicant: Applicant) -> list[RiskFlag]:
    """Documents that lack the seal they should carry, and seals whose words are not the owner's.

    A paper or PDF VAT invoice carries the seller's 发票专用章 (the tax bureau's 监制 mark does not
    count), with the seller's name on the arc and its taxpayer id across; a fully digital invoice
    (数电票) carries none by design. A contract's signature page carries the parties' seals; the
    application form's pledge the applicant's.
    """
    flags: list[RiskFlag] = []
    for doc in documents:
        # a riding-seam slice shows a part of a seal across the page edge, not a party's signature
        on_doc = [s for s in seals if s.page in doc.pages and s.kind != SUPERVISION and not s.riding_seam]
        if doc.document_type == DocumentType.vat_invoice:
            flags += _invoice_flags(doc, on_doc)
        elif doc.document_type == DocumentType.contract:
            flags += _contract_flags(doc, on_doc)
        elif doc.document_type == DocumentType.application_form:
            flags += _form_flags(doc, on_doc, applicant)
    return flags


# --- the riding seam ------------------------------------------------------------------------------

# slices of one stamping sit at one height on every sheet: their centres may differ by this share
# of the page height (sheets shift a little in the scanner)
SEAM_ALIGN = 0.04


def riding_seams(documents: list[Document], seals: list[Seal]) -> dict[str, dict[str, Any]]:
    """For each multi-page document with a riding-seam seal (骑缝章): the pages carrying a slice
    of it, and what its slices read, joined in page order (each sheet shows the next part of the
    name: 济南舜耕智能 + 装备有限公司)."""
    out: dict[str, dict[str, Any]] = {}
    for doc in documents:
        if slices := _seam_slices_of(doc, seals):
            out[doc.id] = {"pages": sorted({s.page for s in slices}), "text": "".join(s.arc_text for s in slices)}
    return out


def _seam_slices_of(doc: Document, seals: list[Seal]) -> list[Seal]:
    """The riding-seam slices on a multi-page document, in page order."""
    if len(doc.pages) < 2:
        return []
    return sorted((s for s in seals if s.riding_seam and s.page in doc.pages), key=lambda s: (s.page, s.bbox[1]))


def riding_seam_flags(documents: list[Document], seals: list[Seal], heights: dict[int, float]) -> list[RiskFlag]:
    """Documents whose riding seam is broken: a 骑缝章 stamped across the fanned sheets leaves a
    slice on every sheet at one height, so a sheet without its slice, or with a slice at another
    height, was not in the stack when the seal was stamped (a page replaced after signing).
    A single slice proves a seam only in a two-page document (the other half must be on the other
    sheet); in longer ones, slices too narrow to see are no evidence of a gap."""
    flags = []
    for doc in documents:
        slices = _seam_slices_of(doc, seals)
        with_slice = sorted({s.page for s in slices})
        if not with_slice or (len(with_slice) < 2 and len(doc.pages) > 2):
            continue
        missing = [p for p in doc.pages if p not in with_slice]
        level = {s.page: ((s.bbox[1] + s.bbox[3]) / 2) / heights[s.page] for s in slices if heights.get(s.page)}
        middle = float(np.median(list(level.values()))) if level else 0.0
        astray = sorted(p for p, y in level.items() if abs(y - middle) > SEAM_ALIGN)
        if not missing and not astray:
            continue
        parts = []
        if missing:
            parts.append(f"第 {'、'.join(map(str, missing))} 页没有骑缝章")
        if astray:
            parts.append(f"第 {'、'.join(map(str, astray))} 页的骑缝章与其他页不在同一高度")
        flags.append(RiskFlag(
            code=FlagCode.riding_seam_broken, severity=Severity.medium, pages=sorted(set(missing + astray)),
            evidence=[s.id for s in slices],
            message=f"{'；'.join(parts)}（第 {'、'.join(map(str, with_slice))} 页有）：该页可能是盖章后替换的",
            values={"document": doc.id, "seam_pages": with_slice, "missing": missing, "misaligned": astray,
                    "levels": {str(p): round(y, 3) for p, y in sorted(level.items())}},
        ))
    return flags


# --- one impression, twice ----------------------------------------------------------------------


def reuse_flags(seals: list[Seal], threshold: float = REUSE_IOU) -> list[RiskFlag]:
    """Impressions that are one image copied: after centring and scaling to the rim their ink
    masks coincide. Two real stampings of one seal never do (ink, pressure and angle differ)."""
    masks = [(s, decode_mask(s.mask)) for s in seals if s.mask and s.kind != SUPERVISION]
    usable = [(s, m) for s, m in masks if m is not None and m.any()]
    parent = list(range(len(usable)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    best: dict[tuple[int, int], float] = {}
    for i in range(len(usable)):
        for j in range(i + 1, len(usable)):
            a, b = usable[i][0], usable[j][0]
            if a.page == b.page and a.bbox == b.bbox:
                continue
            if a.shape != b.shape:
                continue
            score = mask_similarity(usable[i][1], usable[j][1])
            if score >= threshold:
                parent[root(j)] = root(i)
                best[(i, j)] = score
    groups: dict[int, list[int]] = {}
    for i in range(len(usable)):
        groups.setdefault(root(i), []).append(i)
    flags = []
    for members in groups.values():
        if len(members) < 2:
            continue
        group = [usable[i][0] for i in members]
        score = max((v for (i, j), v in best.items() if i in members), default=threshold)
        pages = sorted({s.page for s in group})
        flags.append(RiskFlag(
            code=FlagCode.reused_seal_impression, severity=Severity.high, pages=pages,
            evidence=[s.id for s in group],
            message=f"第 {'、'.join(map(str, pages))} 页的印章是同一印迹的复制（逐像素重合），真实盖章不会完全相同",
            values={"seals": [s.id for s in group], "fingerprints": [s.fingerprint for s in group],
                    "similarity": round(score, 3), "text": group[0].text},
        ))
    return flags
