"""Cloud wording: does a contract, invoice or statement say 云服务 / 云产品 at all?

The Jinan programme asks for a sealed cloud-deployment statement when a contract does not name
cloud services (DOMAIN.md §2, material 4), so this finder decides whether the wording is there.
Exact phrases are matched with a spaCy ``PhraseMatcher`` over a blank Chinese pipeline (character
segmentation: no jieba, no model download). OCR misreads one character often enough (云服努, 云服各)
that a second, fuzzy pass with rapidfuzz accepts one edit in phrases of three or more characters,
at a lower confidence. Place and personal names with 云 (云南, 白云) are excluded explicitly,
because a Yunnan address is not cloud wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import spacy
from rapidfuzz.distance import Levenshtein
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from extractors.layout import sub_bbox
from extractors.text import compact_with_offsets
from models.domain import Finding, PageText, TextLine

# fmt: off
CLOUD_PHRASES: tuple[str, ...] = (
    "云服务", "云产品", "云计算", "云平台", "云主机", "云服务器", "云存储", "云数据库", "云资源",
    "公有云", "私有云", "混合云", "上云", "云端", "云部署", "云上",
    "SaaS", "PaaS", "IaaS", "弹性计算", "对象存储",
)
# fmt: on

# Words that put 云 into a name rather than a cloud phrase: provinces and cities (云南, 云浮, 云贵),
# districts (白云), common company and personal names, weather words; 服装 stops 云服装 passing as a
# misread 云服务.
# fmt: off
NOT_CLOUD_WORDS: tuple[str, ...] = (
    "云南", "云贵", "云浮", "云岭", "云霄", "云梦", "云阳", "云龙", "云和", "云县", "云冈", "云台",
    "白云", "青云", "风云", "彩云", "紫云", "祥云", "乌云", "浮云", "行云",
    "云集", "云海", "云山", "云彩", "云朵", "云雾", "云雀", "服装",
)
# fmt: on

FUZZY_CONFIDENCE = 0.7  # one edit away from a phrase: likely, not certain
MIN_FUZZY_LENGTH = 3
SNIPPET_CONTEXT = 12  # characters each side: with the phrase about 30 in all


@lru_cache(maxsize=1)
def _pipeline() -> tuple[Language, PhraseMatcher]:
    # spacy.blank("zh") segments by character by default; say so explicitly so a changed default
    # never makes it ask for jieba or pkuseg.
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for phrase in CLOUD_PHRASES:
        matcher.add(phrase, [nlp.make_doc(phrase)])
    return nlp, matcher


@dataclass(frozen=True)
class _Match:
    start: int  # in the compact text
    end: int
    phrase: str
    distance: int


def _is_latin(text: str) -> bool:
    return text.isascii()


def _names_not_cloud(text: str, start: int, end: int) -> bool:
    """True when the match, with one character either side, is part of a 云 name (云南, 白云 …)."""
    window = text[max(0, start - 1) : end + 1]
    return any(word in window for word in NOT_CLOUD_WORDS)


# any phrase, lower-cased: one search in C instead of a test per phrase
_ANY_PHRASE = re.compile("|".join(re.escape(phrase.lower()) for phrase in CLOUD_PHRASES))


def _exact(text: str) -> list[_Match]:
    if not _ANY_PHRASE.search(text.lower()):
        return []  # the matcher matches tokens that spell a phrase: none can without its letters in a row
    nlp, matcher = _pipeline()
    doc = nlp.make_doc(text)
    spans = filter_spans(matcher(doc, as_spans=True))  # longest wins: 云服务器 over 云服务
    out = []
    for span in spans:
        start, end = span.start_char, span.end_char
        phrase = span.label_
        if _is_latin(phrase):
            # SaaS inside a longer Latin word is something else
            before = text[start - 1] if start > 0 else ""
            after = text[end] if end < len(text) else ""
            if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
                continue
        elif _names_not_cloud(text, start, end):
            continue
        out.append(_Match(start, end, phrase, 0))
    return out


# the phrases a fuzzy match is tried for, and the characters they start or end with
_FUZZY_PHRASES = tuple(p for p in CLOUD_PHRASES if not _is_latin(p) and len(p) >= MIN_FUZZY_LENGTH)
_ENDS = frozenset(ch for p in _FUZZY_PHRASES for ch in (p[0], p[-1])) | {"云"}
_AN_END = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_ENDS)) + "]")


def _fuzzy(text: str, taken: list[_Match]) -> list[_Match]:
    if not _AN_END.search(text):
        return []  # a window must start or end as its phrase does: most lines hold no such character
    candidates: list[_Match] = []
    at: dict[str, list[int]] = {}  # where each character a phrase starts or ends with stands
    for i, ch in enumerate(text):
        if ch in _ENDS:
            at.setdefault(ch, []).append(i)
    for phrase in _FUZZY_PHRASES:
        n = len(phrase)
        if "云" in phrase and "云" not in at:
            continue  # 去服务 is not 云服务: the 云 itself must be read right
        firsts, lasts = at.get(phrase[0], []), at.get(phrase[-1], [])
        if not firsts and not lasts:
            continue  # no window starts or ends as the phrase does
        # a dropped character only when what is left is still three characters long
        lengths = [m for m in (n - 1, n, n + 1) if m >= MIN_FUZZY_LENGTH]
        for length in lengths:
            # the windows that start with the phrase's first character or end with its last: the
            # only ones the tests below can pass, in the order they are tried
            starts = sorted({*firsts, *(j - length + 1 for j in lasts)})
            for start in starts:
                if start < 0 or start > len(text) - length:
                    continue
                window = text[start : start + length]
                if "云" in phrase and "云" not in window:
                    continue  # 去服务 is not 云服务: the 云 itself must be read right
                if window[0] != phrase[0] and window[-1] != phrase[-1]:
                    continue
                if Levenshtein.distance(window, phrase, score_cutoff=1) > 1:
                    continue
                if _names_not_cloud(text, start, start + length):
                    continue
                candidates.append(_Match(start, start + length, phrase, 1))

    def preference(m: _Match) -> tuple[int, int, int]:
        # at one position: windows whose ends agree with the phrase (clean boundaries), then a
        # substituted character over an inserted or dropped one
        window = text[m.start : m.end]
        ends = (window[0] == m.phrase[0]) + (window[-1] == m.phrase[-1])
        return (m.start, -ends, abs(len(window) - len(m.phrase)))

    chosen: list[_Match] = []
    for cand in sorted(candidates, key=preference):
        if any(cand.start < m.end and m.start < cand.end for m in taken + chosen):
            continue
        chosen.append(cand)
    return chosen


def _matches(text: str) -> tuple[_Match, ...]:
    """The phrases in a line's compact text, exact and one slip away, in reading order."""
    exact = _exact(text)
    return tuple(sorted(exact + _fuzzy(text, exact), key=lambda m: m.start))


@lru_cache(maxsize=32768)
def _line_matches(line: str) -> tuple[tuple[int, ...], tuple[_Match, ...]]:
    """The phrases in a line, matched on its compact text (OCR prints 云 服务), with where each
    character of that text stands in the line: a function of the text alone, kept for the lines
    the page pass and the document extractors both read."""
    text, at = compact_with_offsets(line)
    return at, (_matches(text) if text else ())


def _line_findings(page: PageText, line: TextLine) -> list[Finding]:
    at, matches = _line_matches(line.text)
    findings = []
    for m in matches:
        start = at[m.start]
        end = at[m.end - 1] + 1
        snippet = line.text[max(0, start - SNIPPET_CONTEXT) : end + SNIPPET_CONTEXT].strip()
        factor = 1.0 if m.distance == 0 else FUZZY_CONFIDENCE
        findings.append(
            Finding(
                kind="cloud_wording",
                value=line.text[start:end],
                normalized=m.phrase,
                page=page.page,
                bbox=sub_bbox(line, start, end),
                confidence=round(line.confidence * factor, 3),
                extractor="cloud_wording",
                detail={"snippet": snippet, "fuzzy": m.distance > 0},
            ).with_id()
        )
    return findings


def cloud_wording_findings(page: PageText) -> list[Finding]:
    """Cloud phrases on the page (``normalized`` = the canonical phrase from ``CLOUD_PHRASES``).

    Exact matches get the line's confidence; a match one OCR error away gets 0.7 of it and
    ``detail["fuzzy"] = True``. ``detail["snippet"]`` holds the surrounding text.
    """
    findings: list[Finding] = []
    for line in page.lines:
        findings.extend(_line_findings(page, line))
    return findings


def has_cloud_wording(pages: list[PageText]) -> bool:
    """True when any of ``pages`` carries cloud wording (exact or one OCR error away)."""
    return any(cloud_wording_findings(page) for page in pages)
