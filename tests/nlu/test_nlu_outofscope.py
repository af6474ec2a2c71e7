"""The learned out-of-scope decision, on synthetic sentence vectors where the answer is known."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dialogue.nlu.calibration import softmax
from dialogue.nlu.outofscope import OutOfScopeModel, fit_out_of_scope, nearest_similarity


def clusters(n_intents: int, per: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_intents, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.repeat(centres, per, axis=0) + spread * rng.normal(size=(n_intents * per, 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.repeat(np.arange(n_intents), per), centres


def nearest_centroid(vectors: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """A stand-in head: softmax over cosine to each intent's mean, fitted on the given indices."""

    def fit(train_idx: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        classes = np.unique(labels[train_idx])
        means = np.stack([vectors[train_idx][labels[train_idx] == c].mean(0) for c in classes])
        return lambda probe_idx: softmax(10 * vectors[probe_idx] @ means.T)

    return fit


def test_learned_decision_catches_unseen_intents_and_spares_seen_ones() -> None:
    vectors, labels, _ = clusters(12, 15, 0.08)
    model = fit_out_of_scope(vectors, labels, nearest_centroid(vectors, labels), rejection=0.02)
    assert model is not None and model.folds == 4
    assert 0.5 <= model.threshold < 1.0
    assert model.expected_recall is not None and model.expected_recall > 0.8
    assert model.expected_rejection is not None and model.expected_rejection <= 0.05
    # fresh messages: near a training cluster → in scope; from new clusters → out of scope
    new_vectors, _, _ = clusters(6, 10, 0.08, seed=99)
    seen = vectors + 0.03 * np.random.default_rng(1).normal(size=vectors.shape)
    seen /= np.linalg.norm(seen, axis=1, keepdims=True)
    means = np.stack([vectors[labels == c].mean(0) for c in np.unique(labels)])

    def out_of_scope(probe: np.ndarray) -> np.ndarray:
        top = softmax(10 * probe @ means.T).max(1)
        return model.probability(top, nearest_similarity(probe, vectors, 3)) > model.threshold

    assert out_of_scope(new_vectors).mean() > 0.8
    assert out_of_scope(seen).mean() < 0.05


def test_too_few_intents_means_no_decision() -> None:
    vectors, labels, _ = clusters(3, 10, 0.1)
    assert fit_out_of_scope(vectors, labels, nearest_centroid(vectors, labels)) is None


def test_probability_grows_with_strangeness_and_round_trips() -> None:
    model = OutOfScopeModel(weight=5.0, a=2.0, b=-3.0, threshold=0.7, expected_recall=0.6)
    sure_and_close = model.probability(np.array([0.95]), np.array([0.9]))[0]
    unsure_and_far = model.probability(np.array([0.2]), np.array([0.2]))[0]
    assert unsure_and_far > sure_and_close
    assert OutOfScopeModel.from_json(model.to_json()) == model


@pytest.mark.parametrize("k", [1, 3, 50])
def test_nearest_similarity_is_the_mean_of_the_k_best(k: int) -> None:
    examples = np.eye(4)
    probe = np.array([[0.8, 0.6, 0.0, 0.0]])
    expected = np.sort(probe @ examples.T)[0][::-1][: min(k, 4)].mean()
    assert nearest_similarity(probe, examples, k)[0] == pytest.approx(expected)
