"""Out-of-scope detection without out-of-scope examples: a decision learned from the training data.

A message the bot was never taught about still gets *some* intent from a classifier. Two signals
say it is probably none of them: the classifier is unsure (low top probability), and the message
is far from every training example (low cosine similarity to its nearest neighbours). Their
weighted sum is the *strangeness* score; which weight, and which cut-off, come from the training
data itself: intents are held out in turn and play the unseen requests (leave-intents-out), the
remaining intents' held-back examples play the ordinary ones. A logistic fit on that score
turns it into a probability of "out of scope", and the cut-off is where at most ``rejection`` of
the correctly understood in-scope messages would be refused. The estimated out-of-scope recall at
that operating point is kept so ``dialogue evaluate nlu`` can report it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: weights of the similarity term tried when fitting (0 = confidence alone)
SIMILARITY_WEIGHTS = (0.0, 2.5, 5.0, 10.0, 20.0)



@dataclass
class OutOfScopeModel:
    """``strangeness = -log p_top - weight * similarity``; ``P(oos) = sigmoid(a * strangeness + b)``."""

    weight: float = 5.0
    a: float = 1.0
    b: float = 0.0
    threshold: float = 1.0  # P(oos) at or above this → out of scope; 1.0 never fires
    expected_recall: float | None = None  # share of held-out intents' examples caught, on training data
    expected_rejection: float | None = None  # share of correct in-scope answers refused, on training data
    folds: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def strangeness(self, top_probability: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        surprise: np.ndarray = -np.log(np.clip(top_probability, 1e-9, 1.0))
        return surprise - self.weight * np.asarray(similarity, dtype=np.float64)

    def probability(self, top_probability: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        z = self.a * self.strangeness(top_probability, similarity) + self.b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutOfScopeModel:
        return cls(**data)


def nearest_similarity(vectors: np.ndarray, examples: np.ndarray, k: int) -> np.ndarray:
    """Mean cosine similarity of each (unit) vector to its ``k`` most similar (unit) examples."""
    if len(examples) == 0:
        return np.zeros(len(vectors))
    sims = vectors @ examples.T
    k = max(1, min(k, sims.shape[1]))
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    similarity: np.ndarray = top.mean(axis=1)
    return similarity


#: fit(train indices) -> predict(probe indices) -> probabilities over the training labels present (sorted)
FitPredict = Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]


def fit_out_of_scope(
    vectors: np.ndarray,
    labels: np.ndarray,
    fit_predict: FitPredict,
    *,
    neighbours: int = 3,
    rejection: float = 0.06,
    folds: int = 4,
    max_per_intent: int = 40,
    seed: int = 0,
) -> OutOfScopeModel | None:
    """Learn the out-of-scope decision from in-scope data alone (None: too few intents to try).

    ``vectors`` are the unit sentence vectors of the training examples, ``labels`` their intent
    indices; ``fit_predict`` trains the classifier head on the examples at some indices, exactly
    as the component does, and returns how it scores others.
    """
    rng = np.random.default_rng(seed)
    intents = np.unique(labels)
    if len(intents) < 4:
        return None
    folds = min(folds, len(intents))
    keep = _cap_per_intent(labels, max_per_intent, rng)  # positions in the caller's arrays
    vectors, labels = vectors[keep], labels[keep]
    shuffled = rng.permutation(intents)
    top_parts, sim_parts, unseen_parts, correct_parts = [], [], [], []
    for group in np.array_split(shuffled, folds):
        unseen = np.isin(labels, group)
        seen_idx = np.flatnonzero(~unseen)
        # every third example of each seen intent is held back to stand for ordinary messages
        held = _every_nth_per_intent(seen_idx, labels, 3, rng)
        train_idx = np.setdiff1d(seen_idx, held)
        if len(np.unique(labels[train_idx])) < 2 or len(held) == 0:
            continue
        predict = fit_predict(keep[train_idx])
        probe = np.concatenate([held, np.flatnonzero(unseen)])
        probs = predict(keep[probe])
        classes = np.unique(labels[train_idx])
        top_parts.append(probs.max(axis=1))
        sim_parts.append(nearest_similarity(vectors[probe], vectors[train_idx], neighbours))
        unseen_parts.append(np.r_[np.zeros(len(held), bool), np.ones(len(probe) - len(held), bool)])
        correct_parts.append(np.r_[classes[probs[: len(held)].argmax(axis=1)] == labels[held],
                                   np.zeros(len(probe) - len(held), bool)])
    if not top_parts:
        return None
    top, sim = np.concatenate(top_parts), np.concatenate(sim_parts)
    unseen, correct = np.concatenate(unseen_parts), np.concatenate(correct_parts)
    best: OutOfScopeModel | None = None
    history = []
    for weight in SIMILARITY_WEIGHTS:
        model = _operating_point(OutOfScopeModel(weight=weight), top, sim, unseen, correct, rejection)
        history.append({"weight": weight, "recall": float(model.expected_recall or 0.0)})
        if best is None or (model.expected_recall or 0.0) > (best.expected_recall or 0.0) + 1e-9:
            best = model
    assert best is not None
    best.folds = folds
    best.history = history
    return best


def _operating_point(model: OutOfScopeModel, top: np.ndarray, sim: np.ndarray, unseen: np.ndarray,
                     correct: np.ndarray, rejection: float) -> OutOfScopeModel:
    """Platt-scale the strangeness on held-out data, then cut where ``rejection`` of correct answers go."""
    from sklearn.linear_model import LogisticRegression

    score = model.strangeness(top, sim)
    platt = LogisticRegression(C=1.0, class_weight="balanced").fit(score[:, None], unseen)
    model.a, model.b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    probability = model.probability(top, sim)
    in_scope = probability[correct]
    if len(in_scope) == 0 or model.a <= 0:  # stranger must mean more likely out of scope
        model.threshold, model.expected_recall, model.expected_rejection = 1.0, 0.0, 0.0
        return model
    threshold = float(np.quantile(in_scope, 1.0 - rejection, method="higher"))
    threshold = min(max(threshold, 0.5), 1.0)  # never call out of scope what looks more in scope than not
    model.threshold = threshold
    model.expected_recall = float((probability[unseen] > threshold).mean()) if unseen.any() else None
    model.expected_rejection = float((in_scope > threshold).mean())
    return model


def _cap_per_intent(labels: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Indices keeping at most ``cap`` examples of each intent (bounds the cost on large data)."""
    keep = []
    for intent in np.unique(labels):
        idx = np.flatnonzero(labels == intent)
        keep.append(idx if len(idx) <= cap else rng.choice(idx, cap, replace=False))
    return np.sort(np.concatenate(keep))


def _every_nth_per_intent(idx: np.ndarray, labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    held: list[np.ndarray] = []
    for intent in np.unique(labels[idx]):
        members = rng.permutation(idx[labels[idx] == intent])
        if len(members) >= 2:
            held.extend(members[:: n][: max(1, len(members) // n)])
    return np.array(sorted(held), dtype=int)
