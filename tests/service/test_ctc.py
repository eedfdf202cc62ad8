"""CTC scoring of a given text against a recogniser's per-frame output."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from service.ocr.ctc import BLANK, FrameProbs, best_alignment, greedy_text, log_likelihood, nbest


def _collapse(path: tuple[int, ...]) -> tuple[int, ...]:
    out = [c for i, c in enumerate(path) if c != BLANK and (i == 0 or c != path[i - 1])]
    return tuple(out)


def _brute_force(probs: np.ndarray, labels: list[int]) -> float:
    """log of the summed probability of every frame path that collapses to ``labels``."""
    total = 0.0
    for path in itertools.product(range(probs.shape[1]), repeat=len(probs)):
        if _collapse(path) == tuple(labels):
            total += math.prod(probs[t, c] for t, c in enumerate(path))
    return math.log(total)


@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1], [3, 3, 3]])
def test_the_forward_algorithm_sums_every_alignment(labels: list[int]) -> None:
    rng = np.random.default_rng(len(labels) * 7 + sum(labels))
    probs = rng.dirichlet(np.ones(4), size=6)
    assert log_likelihood(probs, labels) == pytest.approx(_brute_force(probs, labels), rel=1e-9)


def test_more_labels_than_frames_is_impossible() -> None:
    probs = np.full((2, 3), 1 / 3)
    assert log_likelihood(probs, [1, 2, 1]) == float("-inf")
    assert best_alignment(probs, [1, 2, 1]) is None


def test_a_repeated_character_needs_a_blank_between_its_two_frames() -> None:
    # frames: a a a: "aa" can only be a,blank,a whose middle frame is sure it is not blank
    probs = np.array([[0.0, 1.0], [1e-6, 1.0 - 1e-6], [0.0, 1.0]])
    assert log_likelihood(probs, [1, 1]) < log_likelihood(probs, [1]) - 10


def test_the_best_alignment_says_which_frames_each_character_took() -> None:
    # 8 frames over classes blank, a, b, c: a a _ _ b _ c c
    sure = {"a": 1, "b": 2, "c": 3, "_": BLANK}
    probs = np.full((8, 4), 0.01)
    for t, ch in enumerate("aa__b_cc"):
        probs[t, sure[ch]] = 0.97
    assert best_alignment(probs, [1, 2, 3]) == [(0, 1), (4, 4), (6, 7)]
    # a character the frames never show still gets a frame of its own, next to where it belongs
    spans = best_alignment(probs, [1, 3, 2, 3])
    assert spans is not None and len(spans) == 4 and all(a <= b for a, b in spans)
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)


def test_frame_probs_map_a_text_to_class_ids() -> None:
    frames = FrameProbs(np.zeros((4, 3)), {"济": 1, "南": 2}, 8.0)
    assert frames.labels("济南") == [1, 2]
    assert frames.labels("济X") is None


def _frames(pattern: str, classes: dict[str, int], unsure: dict[int, dict[str, float]] | None = None) -> FrameProbs:
    """One frame per pattern character (``_`` blank), sure of it, or split as ``unsure`` says."""
    probs = np.full((len(pattern), len(classes) + 1), 1e-4)
    for t, ch in enumerate(pattern):
        for c, p in (unsure or {}).get(t, {ch: 0.99}).items():
            probs[t, BLANK if c == "_" else classes[c]] = p
    return FrameProbs(probs, classes, 8.0)


def test_the_greedy_reading_drops_repeats_and_blanks() -> None:
    frames = _frames("11_1_22__3", {"1": 1, "2": 2, "3": 3})
    assert greedy_text(frames) == "1123"


def test_the_n_best_readings_swap_characters_the_recogniser_hesitated_over() -> None:
    classes = {ch: i + 1 for i, ch in enumerate("0123456789")}
    # the third character looks like 8 more than 3; every other one is sure
    frames = _frames("1_2_8_4", classes, {4: {"8": 0.6, "3": 0.35}})
    readings = nbest(frames)
    assert [text for text, _ in readings[:2]] == ["1284", "1234"]
    assert readings[0][1] > readings[1][1] > readings[0][1] - 1.0
    # a character read surely has no alternatives
    assert [text for text, _ in nbest(_frames("1_2_8_4", classes))] == ["1284"]


def test_frames_kept_for_some_characters_score_texts_of_them_as_the_whole_output_does() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, size=(40, 60))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    alphabet = "济南明湖数码软件有限公司泺源云计算山东甲乙方" + "".join(chr(0x4E00 + i) for i in range(60 - 24))
    full = FrameProbs(probs, {ch: i + 1 for i, ch in enumerate(alphabet[:59])}, 8.0)
    kept = full.kept("明湖数码有限公司")
    assert kept.probs.shape[1] < full.probs.shape[1] and kept.columns_per_frame == full.columns_per_frame
    assert greedy_text(kept) == greedy_text(full)  # each frame's best class is kept
    for text in ("明湖数码", "有限公司", "码码", "公司有限明"):
        ours, theirs = kept.labels(text), full.labels(text)
        assert ours is not None and theirs is not None
        assert log_likelihood(kept.probs, ours) == pytest.approx(log_likelihood(full.probs, theirs), abs=1e-9)
        assert best_alignment(kept.probs, ours) == best_alignment(full.probs, theirs)
    # a character not kept (and not any frame's best) is unknown to the kept frames
    dropped = next(ch for ch, i in full.classes.items() if i not in probs.argmax(axis=1) and ch not in "明湖数码有限公司")
    assert kept.labels(dropped) is None and full.labels(dropped) is not None
