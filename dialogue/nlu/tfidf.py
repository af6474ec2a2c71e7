"""A light intent classifier: TF-IDF word and character n-grams into logistic regression.

Trains in well under a second on hand-written domains and needs no GPU, torch or model
files, so it is the default. Character n-grams make it tolerant of typos and inflection;
confidences are temperature-scaled on out-of-fold predictions so the fallback threshold
means the same thing across domains. It finds no entities (pair it with rule extractors).
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import (
    RANKING_SIZE,
    NotTrainedError,
    content_hash,
    ranking_from_scores,
    readability,
    with_ranking,
)
from dialogue.nlu.blas import one_blas_thread
from dialogue.nlu.calibration import fit_temperature, softmax
from dialogue.nlu.contractions import expand_contractions
from dialogue.nlu.delex import delexicalise_data, delexicalised_text
from dialogue.nlu.spelling import SpellingCorrector, corrector, word_counts
from dialogue.protocols import ComponentConfig

VERSION = 1


class TfidfIntentClassifier:
    class Config(ComponentConfig):
        word_ngrams: tuple[int, int] = (1, 2)
        char_ngrams: tuple[int, int] = (2, 5)
        C: float = 10.0
        class_weight: str | None = "balanced"
        calibrate: bool = True
        ranking_size: int = RANKING_SIZE
        seed: int = 0
        delexicalise: bool = False  # read entities found earlier in the pipeline as their types
        expand_contractions: bool = True  # "don't", "dont" → "do not" in examples and messages (nlu/contractions.py)
        spelling: bool = False  # correct typos to example words, never real words (dialogue/nlu/spelling.py)


    name = "tfidf_intent"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.model: Any = None
        self.labels: list[str] = []
        self.temperature = 1.0
        self.spelling: SpellingCorrector | None = None

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> TfidfIntentClassifier:
        return cls(config)

    # ------------------------------------------------------------------ training

    def fingerprint(self, data: TrainingData) -> str:
        import sklearn

        return content_hash("tfidf", VERSION, self.config.model_dump(mode="json"), data.fingerprint(), sklearn.__version__)

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        c = self.config
        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=tuple(c.word_ngrams), sublinear_tf=True, lowercase=True,
                            token_pattern=r"(?u)\b\w+\b"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(c.char_ngrams), sublinear_tf=True, lowercase=True),
        )
        classifier = LogisticRegression(C=c.C, class_weight=c.class_weight, max_iter=2000, random_state=c.seed)
        return make_pipeline(features, classifier)

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        if not data.examples:
            raise ValueError("tfidf_intent: no training examples (add intents with examples to the domain)")
        if self.config.delexicalise:
            data = delexicalise_data(data)
        texts = [self._written_out(e.text) for e in data.examples]
        self.spelling = corrector(word_counts(texts)) if self.config.spelling else None
        self.labels = data.intents
        y = np.array([self.labels.index(e.intent) for e in data.examples])
        if progress:
            progress("tfidf: fitting", 0.0)
        if len(self.labels) == 1:
            self.model = None
            self.temperature = 1.0
        else:
            with one_blas_thread():
                self.model = self._pipeline().fit(texts, y)
                self.temperature = self._fit_temperature(texts, y) if self.config.calibrate else 1.0
        if progress:
            progress("tfidf: done", 1.0)

    def _fit_temperature(self, texts: list[str], y: np.ndarray) -> float:
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        folds = min(3, int(np.bincount(y).min()))
        if folds < 2:
            return 1.0
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.config.seed)
        scores = cross_val_predict(self._pipeline(), texts, y, cv=cv, method="decision_function")
        return fit_temperature(self._as_logits(scores), y)

    @staticmethod
    def _as_logits(scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim == 1:  # binary: sklearn gives the positive class's margin only
            scores = np.stack([-scores / 2, scores / 2], axis=1)
        return scores

    # ------------------------------------------------------------------ inference

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not self.labels:
            raise NotTrainedError("tfidf_intent is not trained: call train() or load() first")
        if self.model is None:
            return np.ones((len(texts), 1))
        return softmax(self._as_logits(self.model.decision_function(list(texts))), self.temperature)

    def _written_out(self, text: str) -> str:
        return expand_contractions(text) if self.config.expand_contractions else text

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return self.process_batch([parse])[0]

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        if not parses:
            return []
        texts = [self._written_out(delexicalised_text(p) if self.config.delexicalise else p.text) for p in parses]
        if self.spelling is not None:
            texts = [self.spelling.correct(t) for t in texts]
        probs = self.predict_proba(texts)
        ranked = [with_ranking(p, ranking_from_scores(self.labels, row, self.config.ranking_size)) for p, row in zip(parses, probs)]
        if self.spelling is None:  # no corrector, nothing to say about readability
            return ranked
        return [p.model_copy(update={"metadata": {**p.metadata, **readability(self.spelling, text)}})
                for p, text in zip(ranked, texts)]

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "model.pkl", "wb") as fh:
            pickle.dump(self.model, fh)
        meta = {"version": VERSION, "labels": self.labels, "temperature": self.temperature,
                "spelling": dict(self.spelling.counts) if self.spelling is not None else None}
        (directory / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")

    def load(self, directory: Path) -> None:
        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError(f"{directory}: saved by tfidf_intent version {meta.get('version')}, expected {VERSION}")
        with open(directory / "model.pkl", "rb") as fh:
            self.model = pickle.load(fh)  # noqa: S301 - our own file, written by save()
        self.labels = list(meta["labels"])
        self.temperature = float(meta["temperature"])
        self.spelling = corrector(Counter(meta["spelling"])) if meta.get("spelling") else None

