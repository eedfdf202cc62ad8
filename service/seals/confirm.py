"""Confirming what was read on a seal against what the dossier prints: a name hidden in part under
black print or misread in a look-alike character (``confirm_printed``), and the taxpayer id
across an invoice seal (``confirm_tax_id``), both scored against the recogniser's per-frame
output (CTC); ``confirm_names`` applies them to every seal of a dossier, checks cached.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
from rapidfuzz.distance import Hamming, Levenshtein

from extractors.codes import normalize_code, tax_id_valid
from extractors.seals import NameStrip, code_lines, name_strips, seal_confidence
from models.domain import Applicant, Document, PageText, Seal
from service.ocr.ctc import FrameProbs, best_alignment, greedy_text, log_likelihood, nbest
from service.ocr.engine import OcrEngine, ScoringEngine
from service.ocr.reader import OcrCache, image_hash
from service.seals.read import CJK, NAME_ENDINGS, ArcReading, Rim, clean_arc, whole_names

log = logging.getLogger(__name__)


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
    own = clean_arc(greedy_text(frames))
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
    own = clean_arc(greedy_text(frames))
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
    names_on: dict[int, list[str]] = {}  # whole_names of each page, worked out once for every seal on its document
    parsed: dict[int, _Printed] = {}  # each document's printed names and codes, parsed once for every seal

    def document_fields(doc: Document) -> _Printed:
        if id(doc) not in parsed:
            parsed[id(doc)] = _document_fields(doc)
        return parsed[id(doc)]
    printed_codes = [(p.page, line.bbox, code) for p in pages for line in p.lines for code in _codes_in(line.text)]
    out = []
    for seal in seals:
        rim = by_id.get(seal.id)
        doc = next((d for d in documents if seal.page in d.pages), None)
        # the seal's own document first, so that a value is said to be printed where it belongs
        own = [doc] if doc else []
        sources, codes = _printed_fields(own + [d for d in documents if d is not doc], applicant, document_fields)
        for n in doc.pages if doc else [seal.page]:
            if n not in names_on:
                names_on[n] = whole_names(text_of.get(n, []))
            for name in names_on[n]:
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


_Printed = tuple[list[tuple[str, str]], list[tuple[str, str]]]


def _printed_fields(documents: list[Document], applicant: Applicant,
                    fields_of: Callable[[Document], _Printed] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The names and the valid credit codes the documents' fields hold, each with where it is
    printed ("p10 seller_name"; the first document that holds it); the applicant's name too.
    ``fields_of``: ``_document_fields``, remembered by a caller that asks for many seals."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for doc in documents:
        doc_names, doc_codes = (fields_of or _document_fields)(doc)
        for value, where in doc_names:
            names.setdefault(value, where)
        for code, where in doc_codes:
            codes.setdefault(code, where)
    if applicant.name:
        names.setdefault(applicant.name, "applicant")
    return names, codes


def _document_fields(doc: Document) -> _Printed:
    """One document's names and valid credit codes, in field order, with where each is printed."""
    names: list[tuple[str, str]] = []
    codes: list[tuple[str, str]] = []
    for key, field in doc.fields.items():
        value = unicodedata.normalize("NFKC", str(field.value or "")).replace(" ", "")
        if len(normalize_code(value)) in (15, 18) and tax_id_valid(value):
            codes.append((normalize_code(value), f"p{field.page} {key}"))
        elif len(CJK.findall(value)) >= 4 and value.endswith(NAME_ENDINGS):
            names.append((value, f"p{field.page} {key}"))
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
    scoring = _KeptFrames(ocr, rim.frames, {ch for name in hiding + near for ch in name})  # type: ignore[arg-type]
    found = confirm_printed(strips, reading, hiding, near, scoring)  # type: ignore[arg-type]
    if cache is not None:
        cache.put_json(key, {"text": found.text if found else "", "confidence": found.confidence if found else 0.0,
                             "hidden": list(found.hidden) if found else [],
                             "corrected": list(found.corrected) if found else []})
    return found


class _KeptFrames:
    """``frame_probs`` of a strip the seal's reading already ran (``Rim.frames``) where those
    frames hold every character of the names to score, else of the engine: the same scores
    without running the network on the strip again."""

    def __init__(self, engine: ScoringEngine, kept: dict[str, FrameProbs], chars: set[str]) -> None:
        self.engine, self.kept, self.chars = engine, kept, chars

    def frame_probs(self, crop: np.ndarray) -> FrameProbs:
        frames = self.kept.get(image_hash(crop)) if self.kept else None
        if frames is not None and self.chars <= frames.classes.keys():
            return frames
        return self.engine.frame_probs(crop)


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
