"""BIO-constrained tag decoding and the training precision/device choices (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.nlu.bert.encoding import allowed_transitions, best_tag_path, tag_names

TAGS = tag_names(["city", "date"])  # O, B-city, I-city, B-date, I-date


def probs(*rows: dict[str, float]) -> np.ndarray:
    """Per-word probabilities from {tag: p}; the rest of each row's mass spread evenly."""
    out = np.zeros((len(rows), len(TAGS)))
    for w, row in enumerate(rows):
        rest = (1.0 - sum(row.values())) / (len(TAGS) - len(row))
        out[w] = [row.get(t, rest) for t in TAGS]
    return out


def names(path: list[int]) -> list[str]:
    return [TAGS[t] for t in path]


def is_valid(tags: list[str]) -> bool:
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True


def test_a_stray_inside_tag_becomes_the_start_of_its_entity() -> None:
    # word by word: "O I-city" (invalid); the best valid path starts the city at the second word
    path, confidences = best_tag_path(probs({"O": 0.9}, {"I-city": 0.6, "B-city": 0.3}), TAGS)
    assert names(path) == ["O", "B-city"]
    assert confidences[1] == pytest.approx(0.3)


def test_a_type_switch_inside_a_span_follows_the_stronger_evidence() -> None:
    # "B-city I-date": the city is sure, so the second word continues the city
    path, _ = best_tag_path(probs({"B-city": 0.95}, {"I-date": 0.5, "I-city": 0.4}), TAGS)
    assert names(path) == ["B-city", "I-city"]


def test_a_valid_argmax_sequence_is_kept() -> None:
    rows = probs({"B-date": 0.8}, {"I-date": 0.7}, {"O": 0.9}, {"B-city": 0.6})
    path, confidences = best_tag_path(rows, TAGS)
    assert path == list(rows.argmax(1))
    assert confidences == pytest.approx([0.8, 0.7, 0.9, 0.6])


def test_random_inputs_always_give_a_valid_sequence() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        rows = rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=int(rng.integers(1, 9)))
        path, _ = best_tag_path(rows, TAGS)
        assert is_valid(names(path))
        argmax = [TAGS[t] for t in rows.argmax(1)]
        if is_valid(argmax):
            assert names(path) == argmax


def test_empty_message_and_transition_table() -> None:
    assert best_tag_path(np.zeros((0, len(TAGS))), TAGS) == ([], [])
    allowed = allowed_transitions(TAGS)
    assert allowed[TAGS.index("B-city"), TAGS.index("I-city")]
    assert not allowed[TAGS.index("B-city"), TAGS.index("I-date")]
    assert not allowed[TAGS.index("O"), TAGS.index("I-city")]
    assert allowed[TAGS.index("I-date"), TAGS.index("B-city")]


torch = pytest.importorskip("torch")


def test_precision_setting() -> None:
    from dialogue.precision import mixed_precision, native_bf16

    cpu = torch.device("cpu")
    assert mixed_precision("bf16", cpu) and not mixed_precision("fp32", cpu)
    assert mixed_precision("auto", cpu) == native_bf16(cpu)


def test_training_device() -> None:
    from dialogue.nlu.bert.training import training_device

    assert training_device("cpu").type == "cpu"
    assert training_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        assert training_device("cuda").type == "cuda"
    else:
        with pytest.raises(RuntimeError, match="no GPU"):
            training_device("cuda")
