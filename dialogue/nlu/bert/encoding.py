"""Text ↔ tensors for the joint model: word-level BIO tags on the first sub-token of each word.

Entities are character spans; BERT sees sub-word tokens. We tag whole words (the fast
tokenizer's pre-tokenised words, with their character offsets) on their first sub-token, as
JointBERT does, and turn predicted word tags back into character spans of the original text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dialogue.domain.examples import EntitySpan

IGNORE = -100


def tag_names(entity_types: Sequence[str]) -> list[str]:
    return ["O", *[f"{p}-{t}" for t in entity_types for p in ("B", "I")]]


@dataclass
class Words:
    """Character range of each pre-tokenised word and the index of its first sub-token."""

    spans: list[tuple[int, int]]
    first_token: list[int]


def words_of(encoding: Any) -> Words:
    """Group a fast-tokenizer ``Encoding``'s sub-tokens into words with char ranges."""
    spans: list[tuple[int, int]] = []
    first: list[int] = []
    last_word: int | None = None
    for index, (word, (start, end)) in enumerate(zip(encoding.word_ids, encoding.offsets)):
        if word is None or start == end:
            continue
        if word != last_word:
            spans.append((start, end))
            first.append(index)
            last_word = word
        else:
            spans[-1] = (spans[-1][0], end)
    return Words(spans, first)


def word_tags(words: Words, entities: Sequence[EntitySpan]) -> list[str]:
    """BIO tag of each word: a word overlapping an entity span takes its type, B on the first word."""
    tags: list[str] = []
    previous: EntitySpan | None = None
    for start, end in words.spans:
        hit = next((s for s in entities if start < s.end and end > s.start), None)
        if hit is None:
            tags.append("O")
        else:
            tags.append(("I-" if hit is previous else "B-") + hit.type)
        previous = hit
    return tags


def token_labels(encoding: Any, entities: Sequence[EntitySpan], tag_index: dict[str, int], length: int) -> list[int]:
    """Per-sub-token label ids: the word's tag on its first sub-token, IGNORE elsewhere."""
    labels = [IGNORE] * length
    words = words_of(encoding)
    for position, tag in zip(words.first_token, word_tags(words, entities)):
        if position < length:
            labels[position] = tag_index.get(tag, 0)
    return labels


@dataclass
class DecodedSpan:
    type: str
    start: int
    end: int
    confidence: float


def decode_tags(words: Words, tags: Sequence[str], confidences: Sequence[float]) -> list[DecodedSpan]:
    """Word BIO tags → character spans. A stray I- (no B- before it) starts a span, leniently."""
    spans: list[DecodedSpan] = []
    current: DecodedSpan | None = None
    scores: list[float] = []

    def close() -> None:
        nonlocal current
        if current is not None:
            current.confidence = sum(scores) / len(scores)
            spans.append(current)
        current = None

    for (start, end), tag, confidence in zip(words.spans, tags, confidences):
        prefix, _, etype = tag.partition("-")
        if tag == "O" or not etype:
            close()
            continue
        if prefix == "I" and current is not None and current.type == etype:
            current.end = end
            scores.append(confidence)
            continue
        close()
        current = DecodedSpan(etype, start, end, 0.0)
        scores = [confidence]
    close()
    return spans


@functools.lru_cache(maxsize=32)
def _transition_scores(tags: tuple[str, ...]) -> tuple[Any, Any]:
    """Log-space transition penalties (0 or -inf) and the tags a message may start with, per tag set."""
    import numpy as np

    penalty = np.where(allowed_transitions(tags), 0.0, -np.inf)
    first_allowed = np.array([not t.startswith("I-") for t in tags])
    return penalty, first_allowed


def allowed_transitions(tags: Sequence[str]) -> Any:
    """``allowed[i, j]``: may tag ``j`` follow tag ``i`` in BIO? ``I-X`` only after ``B-X`` or ``I-X``."""
    import numpy as np

    allowed = np.ones((len(tags), len(tags)), dtype=bool)
    for j, tag in enumerate(tags):
        prefix, _, etype = tag.partition("-")
        if prefix == "I":
            allowed[:, j] = [previous in (f"B-{etype}", f"I-{etype}") for previous in tags]
    return allowed


def best_tag_path(probs: Any, tags: Sequence[str]) -> tuple[list[int], list[float]]:
    """The most probable tag sequence that is valid BIO (Viterbi over per-word probabilities).

    Taking each word's most likely tag alone can give ``O I-X`` or ``B-X I-Y``, which a lenient
    reader turns into a wrong span; the constrained path fixes such words from their context at
    no training cost. Returns the chosen tag ids and each word's probability of its tag.
    """
    import numpy as np

    probs = np.asarray(probs, dtype="float64")
    if probs.shape[0] == 0:
        return [], []
    log_probs = np.log(np.clip(probs, 1e-12, None))
    penalty, first_allowed = _transition_scores(tuple(tags))
    score = np.where(first_allowed, log_probs[0], -np.inf)
    back = np.zeros(probs.shape, dtype=int)
    for word in range(1, probs.shape[0]):
        candidates = score[:, None] + penalty  # [previous, current]
        back[word] = candidates.argmax(0)
        score = candidates.max(0) + log_probs[word]
    path = [int(score.argmax())]
    for word in range(probs.shape[0] - 1, 0, -1):
        path.append(int(back[word, path[-1]]))
    path.reverse()
    return path, [float(probs[w, t]) for w, t in enumerate(path)]
