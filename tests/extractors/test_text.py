"""Text normalisation: the fast folds (``str.translate``) are the per-character definition."""

from __future__ import annotations

import random
import re

from extractors.text import (
    _ZERO_WIDTH,
    _fold_char,
    compact,
    compact_with_offsets,
    normalize,
    normalize_with_offsets,
)


def _by_character(text: str) -> tuple[str, list[int]]:
    """What normalisation means, one character at a time (the reference)."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch in _ZERO_WIDTH:
            continue
        folded = _fold_char(ch)
        if folded == " " and (not chars or chars[-1] == " "):
            continue
        chars.append(folded)
        offsets.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


def _check(text: str) -> None:
    norm, offsets = _by_character(text)
    assert normalize_with_offsets(text) == (norm, tuple(offsets))
    assert normalize(text) == norm
    assert compact(text) == re.sub(r"\s+", "", norm)
    kept = [(ch, at) for ch, at in zip(norm, offsets, strict=True) if ch != " "]
    assert compact_with_offsets(text) == ("".join(ch for ch, _ in kept), tuple(at for _, at in kept))


def test_every_character_folds_as_defined() -> None:
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:
            _check(f"a{chr(code)}b")
            _check(chr(code))


def test_runs_of_blanks_and_invisible_characters_fold_as_defined() -> None:
    pool = list("ab 甲乙１２：（）\u3000\u00a0\u200b\t\n\uffe5¥\u2f00\uf900\u2028\u00ad") + ["\u1680", "\u0085"]
    rng = random.Random(7)
    for _ in range(20000):
        _check("".join(rng.choice(pool) for _ in range(rng.randint(0, 10))))
