"""The cloud lexicon: vendors, products, private-cloud cues and the annex-table domains, as data.

``data/cloud_products.yaml`` names every vendor and product the readers recognise, with aliases and
the annex-table domains (``data/annex_domains.yaml``) each product proves; both files are validated
here when first loaded, so a misspelt domain fails loudly instead of silently proving nothing.

Matching works on single lines:

* CJK aliases and mixed aliases match exactly with spaCy's ``PhraseMatcher`` over the character
  tokens of ``spacy.blank("zh")`` (case-insensitive, spaces ignored);
* a Latin alias (``ECS``, ``OSS``) only counts as a whole word: ``ECS`` inside ``SECS`` does not;
* CJK aliases of five or more characters also match with one OCR slip (``应用防火墒``) via rapidfuzz.
  Shorter ones must match exactly: ``云服务费`` is one character from ``云服务器`` and means something
  else. Nor is a difference a slip when the character read instead makes another word of the
  lexicon's vocabulary: ``运维管理系统`` is not ``运输管理系统`` misread.

``wording`` rules prove annex domains from what a contract, deployment statement or console says
rather than from a product's name (a software development contract → 应用软件).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rapidfuzz.distance import Levenshtein

from extractors.layout import sub_bbox
from extractors.text import compact_with_offsets
from models.domain import BBox, PageText, TextLine
from models.rulepack import AnnexDomain

FUZZY_MIN_LENGTH = 5
FUZZY_CONFIDENCE = 0.8


class Vendor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    aliases: list[str]
    console_cues: list[str] = Field(default_factory=list)
    instance_id_patterns: list[str] = Field(default_factory=list)
    region_patterns: list[str] = Field(default_factory=list)


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str]
    domains: list[str]
    vendors: list[str] = Field(default_factory=list)


class PrivateCues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strong: list[str]
    weak: list[str]


class WordingRule(BaseModel):
    """Proof of annex domains from wording: a document title, or a line beside a product of ``with``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    domains: list[str]
    document_types: list[str]
    title: str | None = None
    line: str | None = None
    with_domains: list[str] = Field(default_factory=list, alias="with")

    @model_validator(mode="after")
    def _one_pattern(self) -> WordingRule:
        if (self.title is None) == (self.line is None):
            raise ValueError(f"wording rule for {self.domains}: give exactly one of title and line")
        if self.line is not None and not self.with_domains:
            raise ValueError(f"wording rule for {self.domains}: a line rule needs `with` domains")
        re.compile(self.title or self.line or "")
        return self

    def matches_title(self, title: str | None) -> bool:
        """The document's title says what the rule looks for."""
        return bool(self.title and title and re.search(self.title, title, re.IGNORECASE))

    def find_in_line(self, text: str) -> re.Match[str] | None:
        """Where the rule's line pattern occurs in ``text``."""
        return re.search(self.line, text, re.IGNORECASE) if self.line else None


class AnnexTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    source: str
    rows: list[AnnexDomain]


class Lexicon(BaseModel):
    """The validated content of ``cloud_products.yaml`` plus the annex table it refers to."""

    model_config = ConfigDict(extra="forbid")

    version: int
    vendors: list[Vendor]
    private_cues: PrivateCues
    products: list[Product]
    wording: list[WordingRule] = Field(default_factory=list)
    annex: list[AnnexDomain] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Lexicon:
        domains = {row.domain for row in self.annex}
        vendor_ids = {v.id for v in self.vendors}
        seen: dict[str, str] = {}
        for product in self.products:
            unknown = [d for d in product.domains if d not in domains]
            if domains and unknown:
                raise ValueError(f"product {product.name!r}: unknown annex domains {unknown}")
            bad_vendors = [v for v in product.vendors if v not in vendor_ids]
            if bad_vendors:
                raise ValueError(f"product {product.name!r}: unknown vendors {bad_vendors}")
            for alias in product.aliases:
                key = _alias_key(alias)
                if key in seen and seen[key] != product.name:
                    raise ValueError(f"alias {alias!r} of {product.name!r} already belongs to {seen[key]!r}")
                seen[key] = product.name
        for rule in self.wording:
            unknown = [d for d in rule.domains + rule.with_domains if d not in domains]
            if domains and unknown:
                raise ValueError(f"wording rule {rule.title or rule.line!r}: unknown annex domains {unknown}")
        for pattern in [p for v in self.vendors for p in v.instance_id_patterns + v.region_patterns] + [
            *self.private_cues.strong,
            *self.private_cues.weak,
        ]:
            re.compile(pattern)
        return self

    def product(self, name: str) -> Product | None:
        """The product with canonical name or alias ``name``."""
        return self._products_by_key.get(_alias_key(name))

    @cached_property
    def _products_by_key(self) -> dict[str, Product]:
        """Each product by its name's and aliases' keys: the first product in the list that has one."""
        index: dict[str, Product] = {}
        for product in self.products:
            for key in (_alias_key(product.name), *map(_alias_key, product.aliases)):
                index.setdefault(key, product)
        return index

    def vendor(self, vendor_id: str) -> Vendor | None:
        return next((v for v in self.vendors if v.id == vendor_id), None)


class ProductMatch(NamedTuple):
    """A product named on a page: canonical product, its vendor (if it has only one), where, what."""

    product: str
    vendor: str | None
    page: int
    bbox: BBox
    text: str
    confidence: float = 1.0


class VendorMatch(NamedTuple):
    vendor: str  # display name, e.g. 阿里云
    vendor_id: str
    page: int
    bbox: BBox
    text: str
    cue: bool  # matched a console cue, not the vendor's name


def _alias_key(alias: str) -> str:
    return re.sub(r"\s+", "", alias).lower()


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _joins_word(ch: str) -> bool:
    """Characters that glue a Latin alias into a longer identifier (SECS, erp-app-01, oss_bucket)."""
    return _is_latin(ch) or ch in "-_."


def _load_yaml(name: str) -> Any:
    text = resources.files("extractors").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The lexicon from ``extractors/data/cloud_products.yaml``, validated against the annex table."""
    annex = AnnexTable.model_validate(_load_yaml("annex_domains.yaml"))
    data = _load_yaml("cloud_products.yaml")
    data["annex"] = [row.model_dump() for row in annex.rows]
    return Lexicon.model_validate(data)


def annex_rows() -> list[tuple[str, str, str]]:
    """The annex table's rows ``(category, subcategory, domain)`` in printed order."""
    return [(r.category, r.subcategory, r.domain) for r in load_lexicon().annex]


def wording_rules() -> list[WordingRule]:
    """The rules that prove annex domains from wording, in file order."""
    return list(load_lexicon().wording)


def domains_for(product: str) -> list[str]:
    """Annex domains a product (canonical name or alias) proves; empty for an unknown product."""
    found = load_lexicon().product(product)
    return list(found.domains) if found else []


# ---- matching


@dataclass(frozen=True)
class _Span:
    key: str  # what the alias belongs to
    start: int  # in the original line text
    end: int
    confidence: float


def _cjk_bigrams(terms: list[str]) -> frozenset[str]:
    out = set()
    for term in terms:
        key = _alias_key(term)
        out.update(key[i : i + 2] for i in range(len(key) - 1) if not key[i].isascii() and not key[i + 1].isascii())
    return frozenset(out)


@lru_cache(maxsize=1)
def vocabulary_bigrams() -> frozenset[str]:
    """Two-character words of the lexicon's own vocabulary: every alias, vendor name and annex domain.

    A one-character difference that makes one of these (运输 → 运维) is another word, not an OCR slip.
    """
    lex = load_lexicon()
    terms = [a for p in lex.products for a in p.aliases] + [a for v in lex.vendors for a in v.aliases]
    return _cjk_bigrams(terms + [row.domain for row in lex.annex])


def _is_slip(window: str, alias: str, vocabulary: frozenset[str]) -> bool:
    """``window`` differs from ``alias`` by one substituted character that reads as an OCR slip.

    The character the text has instead must not form, with a neighbour, a word of the vocabulary
    that the alias does not contain: 运维管理系统 is not a misreading of 运输管理系统.
    """
    diff = [i for i, (a, b) in enumerate(zip(window, alias, strict=True)) if a != b]
    if len(diff) != 1:
        return False
    i = diff[0]
    own = _cjk_bigrams([alias])
    around = [window[j : j + 2] for j in (i - 1, i) if j >= 0 and j + 2 <= len(window)]
    return not any(bigram in vocabulary and bigram not in own for bigram in around)


class _AliasMatcher:
    """Finds aliases (each mapped to a key) in a line of text."""

    def __init__(self, aliases: dict[str, str], vocabulary: frozenset[str] = frozenset()):
        self._vocabulary = vocabulary
        import spacy
        from spacy.matcher import PhraseMatcher

        self._nlp = spacy.blank("zh")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        self._labels: list[str] = []
        self._fuzzy: list[tuple[str, str]] = []
        lowered: list[str] = []
        for alias, key in aliases.items():
            compacted = _alias_key(alias)
            if not compacted:
                continue
            label = f"{len(self._labels)}"
            self._labels.append(key)
            self._matcher.add(label, [self._nlp.make_doc(compacted)])
            lowered.append(self._nlp.make_doc(compacted).text.lower())
            cjk = sum(1 for c in compacted if not c.isascii())
            if cjk == len(compacted) and len(compacted) >= FUZZY_MIN_LENGTH:
                self._fuzzy.append((compacted, key))
        # the matcher matches tokens spelling an alias, so only a line holding an alias's letters
        # in a row can match: one regular expression tells, before the line is tokenised
        self._any_alias = re.compile("|".join(map(re.escape, sorted(set(lowered), key=len, reverse=True)))) \
            if lowered else None
        # an alias one substituted character away from a window has the window's first or second
        # half exactly: the halves index the windows worth comparing
        self._halves: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for index, (alias, _) in enumerate(self._fuzzy):
            cut = len(alias) // 2
            for at, half in ((0, alias[:cut]), (cut, alias[cut:])):
                self._halves.setdefault(len(half), {}).setdefault(half, []).append((index, at))
        # a place where no half's first two characters stand holds no half: one look tells (where
        # every half has two characters, as aliases of FUZZY_MIN_LENGTH or more give)
        self._half_starts = frozenset(half[:2] for halves in self._halves.values() for half in halves)
        self._every_place = any(length < 2 for length in self._halves)

    def find(self, text: str) -> list[_Span]:
        # spaces are dropped so "云服务器 ECS" and "云服务器ECS" read the same; ``at``: where each
        # character of ``squeezed`` was in ``text``
        squeezed, at = compact_with_offsets(text)
        if not squeezed:
            return []
        spans: list[_Span] = []
        if self._any_alias is not None and self._any_alias.search(squeezed.lower()):
            spans += self._exact(text, squeezed, at)
        # OCR slips substitute a character; insertions and deletions would turn 大数据服务 into
        # 数据库服务: the windows an alias's half starts or ends, by alias and by position
        starts = self._half_starts
        windows = sorted({(index, i - shift) for i in range(len(squeezed))
                          if squeezed[i:i + 2] in starts or self._every_place
                          for length, halves in self._halves.items() if i + length <= len(squeezed)
                          for index, shift in halves.get(squeezed[i:i + length], ())})
        for index, i in windows:
            alias, key = self._fuzzy[index]
            n = len(alias)
            if i < 0 or i > len(squeezed) - n:
                continue
            window = squeezed[i : i + n]
            if window == alias or Levenshtein.distance(window, alias, score_cutoff=1) > 1:
                continue
            if not _is_slip(window, alias, self._vocabulary):
                continue
            spans.append(_Span(key, at[i], at[i + n - 1] + 1, FUZZY_CONFIDENCE))
        return _longest_first(spans)

    def _exact(self, text: str, squeezed: str, at: Sequence[int]) -> list[_Span]:
        doc = self._nlp.make_doc(squeezed)
        spans: list[_Span] = []
        for match_id, start, end in self._matcher(doc):
            label = self._nlp.vocab.strings[match_id]
            s, e = doc[start:end].start_char, doc[start:end].end_char
            o_start, o_end = at[s], at[e - 1] + 1
            # a Latin alias is a whole word of the original text (ECS, not SECS, ECS2 or erp-app-01)
            if _is_latin(squeezed[s]) and o_start > 0 and _joins_word(text[o_start - 1]):
                continue
            if _is_latin(squeezed[e - 1]) and o_end < len(text) and _joins_word(text[o_end]):
                continue
            spans.append(_Span(self._labels[int(label)], o_start, o_end, 1.0))
        return spans


def _longest_first(spans: list[_Span]) -> list[_Span]:
    """Drop spans overlapping a surer or longer one, like ``spacy.util.filter_spans``."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-s.confidence, -(s.end - s.start), s.start)):
        if any(span.start < k.end and k.start < span.end for k in kept):
            continue
        kept.append(span)
    return sorted(kept, key=lambda s: s.start)


@lru_cache(maxsize=1)
def _product_matcher() -> _AliasMatcher:
    lex = load_lexicon()
    aliases: dict[str, str] = {}
    for product in lex.products:
        for alias in product.aliases:
            aliases.setdefault(alias, product.name)
    return _AliasMatcher(aliases, vocabulary_bigrams())


@lru_cache(maxsize=1)
def _vendor_matcher() -> tuple[_AliasMatcher, _AliasMatcher]:
    lex = load_lexicon()
    names = {alias: v.id for v in lex.vendors for alias in v.aliases}
    cues = {cue: v.id for v in lex.vendors for cue in v.console_cues}
    return _AliasMatcher(names, vocabulary_bigrams()), _AliasMatcher(cues, vocabulary_bigrams())


def _line_spans(pages: list[PageText], matcher: _AliasMatcher) -> list[tuple[PageText, TextLine, _Span]]:
    out = []
    for page in pages:
        for line in page.lines:
            for span in matcher.find(line.text):
                out.append((page, line, span))
    return out


def match_products(pages: list[PageText]) -> list[ProductMatch]:
    """Every product named on ``pages``, in page and reading order, with the box of its name."""
    lex = load_lexicon()
    out: list[ProductMatch] = []
    for page, line, span in _line_spans(pages, _product_matcher()):
        product = lex.product(span.key)
        assert product is not None
        vendor = None
        if len(product.vendors) == 1:
            found = lex.vendor(product.vendors[0])
            vendor = found.name if found else None
        out.append(
            ProductMatch(
                product.name,
                vendor,
                page.page,
                sub_bbox(line, span.start, span.end),
                line.text[span.start : span.end],
                round(line.confidence * span.confidence, 3),
            )
        )
    return out


def match_vendors(pages: list[PageText], *, cues: bool = True) -> list[VendorMatch]:
    """Vendor names (and, with ``cues``, console cues typical of one vendor) on ``pages``."""
    lex = load_lexicon()
    names, cue_matcher = _vendor_matcher()
    out: list[VendorMatch] = []
    for matcher, is_cue in ((names, False), (cue_matcher, True)):
        if is_cue and not cues:
            continue
        for page, line, span in _line_spans(pages, matcher):
            vendor = lex.vendor(span.key)
            assert vendor is not None
            out.append(
                VendorMatch(
                    vendor.name,
                    vendor.id,
                    page.page,
                    sub_bbox(line, span.start, span.end),
                    line.text[span.start : span.end],
                    is_cue,
                )
            )
    return out
