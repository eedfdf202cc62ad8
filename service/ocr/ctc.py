"""Scoring a given text against a CTC recogniser's output, for checking a reading rather than making one.

PP-OCR's recogniser emits, for each horizontal slice of its input (a *frame*), a probability for
every character and for *blank*; its reading is the best character per frame with repeats and
blanks removed. To ask "does this strip say 济南明湖数码软件有限公司?" the same output is used the
other way round: the likelihood of the text under every frame alignment CTC allows (the forward
algorithm), and the single best alignment (Viterbi), which says which frames, and so which part of
the strip, each character of the text was matched to.
"""

from __future__ import annotations

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
