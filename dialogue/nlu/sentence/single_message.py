"""Scoring one message without scikit-learn's per-call machinery.

A bot parses one message at a time. For that, ``TfidfVectorizer.transform`` and
``LogisticRegression.decision_function`` spend almost all their time validating inputs and
building sparse matrices (about 15 ms a message on a loaded 2-core machine, as long as the
encoder itself), not computing: a message has a few dozen n-grams. This module reads the
fitted vectorizers' vocabulary and idf and the head's weights once and scores a message with
a handful of numpy operations, giving the same numbers (tests compare them with scikit-learn's).
Batches keep the scikit-learn path, where its overhead is paid once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np


class _Vectorizer:
    """One fitted ``TfidfVectorizer``'s transform for a single text: n-gram indices and values."""

    def __init__(self, fitted: Any, offset: int) -> None:
        self.analyse: Callable[[str], list[str]] = fitted.build_analyzer()
        self.vocabulary: dict[str, int] = fitted.vocabulary_
        self.idf: np.ndarray | None = fitted.idf_ if fitted.use_idf else None
        self.sublinear = bool(fitted.sublinear_tf)
        self.norm = fitted.norm
        self.offset = offset
        if self.norm not in (None, "l2"):
            raise ValueError(f"single-message scoring supports l2 or no norm, not {self.norm!r}")

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(self.vocabulary[g] for g in self.analyse(text) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            values = 1.0 + np.log(values)
        if self.idf is not None:
            values = values * self.idf[index]
        if self.norm == "l2":
            values = values / np.linalg.norm(values)
        return index + self.offset, values


class SingleMessageScorer:
    """Head scores for one sentence vector plus its text, equal to the scikit-learn path's."""

    def __init__(self, head: Any, sparse: Any, dimension: int, sparse_scale: float) -> None:
        coef = np.asarray(head.coef_, dtype=np.float64)
        self.dense = np.ascontiguousarray(coef[:, :dimension])
        self.sparse_columns = coef[:, dimension:]
        self.intercept = np.asarray(head.intercept_, dtype=np.float64)
        self.scale = sparse_scale
        self.vectorizers: list[_Vectorizer] = []
        if sparse is not None:
            offset = 0
            for _name, fitted in sparse.transformer_list:
                self.vectorizers.append(_Vectorizer(fitted, offset))
                offset += len(fitted.vocabulary_)

    def scores(self, vector: np.ndarray, text: str) -> np.ndarray:
        """Raw decision scores, one per class column of ``head.coef_``."""
        out = self.dense @ vector.astype(np.float64) + self.intercept
        for vectorizer in self.vectorizers:
            index, values = vectorizer.row(text)
            if len(index):
                out += self.sparse_columns[:, index] @ values * self.scale
        return out
