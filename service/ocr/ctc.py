"""Scoring a given text against a CTC recogniser's output, for checking a reading rather than making one.

PP-OCR's recogniser emits, for each horizontal slice of its input (a *frame*), a probability for
every character and for *blank*; its reading is the best character per frame with repeats and
blanks removed. To ask "does this strip say 济南明湖数码软件有限公司?" the same output is used the
other way round: the likelihood of the text under every frame alignment CTC allows (the forward
algorithm), and the single best alignment (Viterbi), which says which frames, and so which part of
the strip, each character of the text was matched to.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

BLANK = 0
_FLOOR = 1e-30


@dataclass(frozen=True)
class FrameProbs:
    """A recogniser's output for one image: ``probs`` frames × classes (class 0 is blank), the
    class of each character it knows, and how many input pixels (columns of the image given) one
    frame covers."""

    probs: np.ndarray
    classes: dict[str, int]
    columns_per_frame: float

    def labels(self, text: str) -> list[int] | None:
        """Class ids of ``text``'s characters; None when one of them is unknown to the model."""
        out = [self.classes.get(ch) for ch in text]
        return None if any(c is None for c in out) else [int(c) for c in out if c is not None]

    def kept(self, chars: Iterable[str]) -> FrameProbs:
        """These frames with the columns of blank, of each frame's best class and of ``chars``
        alone, in the model's order: what scoring a text of those characters reads (``labels``,
        ``log_likelihood``, ``best_alignment``, ``greedy_text``), which gives the same answers at a
        fraction of the memory. A character outside them is unknown to the kept frames."""
        wanted = {self.classes[ch] for ch in chars if ch in self.classes}
        order = sorted({BLANK, *self.probs.argmax(axis=1).tolist(), *wanted})
        name_of = _names(self.classes)
        classes = {name_of[c]: k for k, c in enumerate(order) if c in name_of}
        return FrameProbs(np.ascontiguousarray(self.probs[:, order]), classes, self.columns_per_frame)


_last_names: tuple[dict[str, int], dict[int, str]] | None = None


def _names(classes: dict[str, int]) -> dict[int, str]:
    """Each class id's character: worked out once for the dict last asked about, which is the
    recogniser's own (6,625 classes) for every strip it reads."""
    global _last_names
    last = _last_names
    if last is not None and last[0] is classes:
        return last[1]
    names = {i: ch for ch, i in classes.items()}
    _last_names = (classes, names)
    return names


def _extended(labels: list[int]) -> np.ndarray:
    ext = np.zeros(2 * len(labels) + 1, dtype=np.int64)
    ext[1::2] = labels
    return ext


def _can_skip(ext: np.ndarray) -> np.ndarray:
    """Where a path may jump two states (over a blank): onto a character unlike the one before."""
    skip = np.zeros(len(ext), dtype=bool)
    skip[2:] = (ext[2:] != BLANK) & (ext[2:] != ext[:-2])
    return skip


def log_likelihood(probs: np.ndarray, labels: list[int]) -> float:
    """log P(labels | frames) summed over every CTC alignment (the forward algorithm)."""
    if not labels:
        return float(np.log(np.maximum(probs[:, BLANK], _FLOOR)).sum())
    ext = _extended(labels)
    if len(probs) < len(labels):
        return float("-inf")
    lp = np.log(np.maximum(probs[:, ext], _FLOOR))
    skip = _can_skip(ext)
    alpha = np.full(len(ext), -np.inf)
    alpha[:2] = lp[0, :2]
    for t in range(1, len(probs)):
        stay = alpha
        step = np.concatenate([[-np.inf], alpha[:-1]])
        jump = np.where(skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, step), jump) + lp[t]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def best_alignment(probs: np.ndarray, labels: list[int]) -> list[tuple[int, int]] | None:
    """The frames [first, last] each label occupies on the most likely alignment (Viterbi);
    None when there are fewer frames than labels."""
    if not labels or len(probs) < len(labels):
        return None
    ext = _extended(labels)
    n_frames, n_states = len(probs), len(ext)
    lp = np.log(np.maximum(probs[:, ext], _FLOOR))
    skip = _can_skip(ext)
    score = np.full(n_states, -np.inf)
    score[:2] = lp[0, :2]
    back = np.zeros((n_frames, n_states), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, n_frames):
        options = np.stack([
            score,
            np.concatenate([[-np.inf], score[:-1]]),
            np.where(skip, np.concatenate([[-np.inf, -np.inf], score[:-2]]), -np.inf),
        ])
        back[t] = np.argmax(options, axis=0)
        score = options.max(axis=0) + lp[t]
    state = n_states - 1 if score[-1] >= score[-2] else n_states - 2
    spans: dict[int, list[int]] = {}
    for t in range(n_frames - 1, -1, -1):
        if state % 2 == 1:
            span = spans.setdefault(state // 2, [t, t])
            span[0] = t
        state -= int(back[t, state])
    return [(spans[i][0], spans[i][1]) for i in range(len(labels))]


def greedy_text(frames: FrameProbs) -> str:
    """The recogniser's own reading of its frames: best class per frame, repeats and blanks dropped."""
    names = _names(frames.classes)
    best = frames.probs.argmax(axis=1)
    return "".join(names.get(int(c), "") for i, c in enumerate(best) if c != BLANK and (i == 0 or c != best[i - 1]))


# an alternative character is worth trying where the reading's own is less sure than UNSURE and
# the alternative has at least ALTERNATIVE of the probability on that character's best frame
UNSURE = 0.9
ALTERNATIVE = 0.1


def nbest(frames: FrameProbs, n: int = 8, positions: int = 3) -> list[tuple[str, float]]:
    """The recogniser's ``n`` most likely readings (text, log-likelihood), best first: its own
    reading and those that swap, at its ``positions`` least sure characters, the character for
    another the same frames found plausible. Enough to find the reading a constraint (a check
    character) accepts among near misses, without a full beam search."""
    names = _names(frames.classes)
    best = frames.probs.argmax(axis=1)
    # each emitted character: its class and the frame where the recogniser was surest of it
    chars: list[tuple[int, int]] = []
    for t, c in enumerate(best):
        if c == BLANK:
            continue
        if t and c == best[t - 1] and chars:
            if frames.probs[t, c] > frames.probs[chars[-1][1], c]:
                chars[-1] = (int(c), t)
            continue
        chars.append((int(c), t))
    options: list[list[int]] = [[c] for c, _ in chars]
    unsure = sorted(range(len(chars)), key=lambda k: frames.probs[chars[k][1], chars[k][0]])[:positions]
    for k in unsure:
        c, t = chars[k]
        if frames.probs[t, c] >= UNSURE:
            continue
        ranked = np.argsort(-frames.probs[t])
        options[k] += [int(a) for a in ranked[:4] if a not in (BLANK, c) and frames.probs[t, a] >= ALTERNATIVE]
    readings: dict[str, float] = {}
    for combo in itertools.product(*options):
        text = "".join(names.get(c, "") for c in combo)
        if text not in readings:
            readings[text] = log_likelihood(frames.probs, list(combo))
    return sorted(readings.items(), key=lambda kv: -kv[1])[:n]
