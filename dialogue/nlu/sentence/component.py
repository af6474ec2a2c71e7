"""``sentence_intent``: the few-shot intent classifier on the shipped sentence encoder (the default).

Authors write 10–20 examples per intent, too few to fine-tune a whole transformer well and far
too few for bag-of-words models to generalise from. A sentence encoder trained on a billion
sentence pairs (MiniLM-L6, ``all-MiniLM-L6-v2``) already places paraphrases close together, so a
linear head on its vectors learns an intent from a handful of examples and retrains in seconds.
Optional extras, each measured in docs/benchmarks/nlu.md:

* ``sparse_weight``: TF-IDF word and character n-grams beside the vector (typos, rare words,
  codes the encoder splits into pieces);
* ``spelling``: a word that is neither in the examples nor a real English word is corrected to
  the one example word a typo away ("canecl" → "cancel", ``dialogue.nlu.spelling``);
* ``finetune``: a short contrastive fine-tune of the encoder's top layers first (the SetFit
  idea: examples of one intent pulled together, of different intents pushed apart);
* out-of-scope detection learned from the training data (``dialogue.nlu.outofscope``): every
  parse carries ``metadata["nlu_out_of_scope"]`` and ``metadata["nlu_similarity"]``, and the
  ``fallback`` step turns a positive decision into an out-of-scope fallback.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import OOS_KEY, RANKING_SIZE, NotTrainedError, content_hash, ranking_from_scores, readability
from dialogue.nlu.blas import one_blas_thread
from dialogue.nlu.calibration import fit_temperature, softmax
from dialogue.nlu.contractions import expand_contractions
from dialogue.nlu.delex import delexicalise_data, delexicalised_text
from dialogue.nlu.outofscope import OutOfScopeModel, fit_out_of_scope, nearest_similarity
from dialogue.nlu.sentence.single_message import SingleMessageScorer
from dialogue.nlu.spelling import SpellingCorrector, corrector, encoder_words, word_counts
from dialogue.precision import PRECISION_PATTERN
from dialogue.protocols import ComponentConfig

VERSION = 1
#: config keys that change only inference, never what is trained (left out of the fingerprint)
INFERENCE_ONLY = ("threads", "ranking_size", "oos_threshold")
#: batches up to this size are scored without scikit-learn's per-call overhead (single_message.py)
SINGLE_MESSAGE_BATCH = 8
#: metadata key, shared with joint_bert: closeness of the message to the training examples
SIMILARITY_KEY = "nlu_similarity"

Progress = Callable[[str, float], None]


class SentenceIntentClassifier:
    class Config(ComponentConfig):
        model: str | None = Field(None, description="Sentence encoder checkpoint (default: packaged MiniLM-L6).")
        max_len: int = Field(64, ge=8, le=512, description="Sub-tokens kept per message.")
        C: float = Field(10.0, gt=0, description="Inverse regularisation of the logistic-regression head.")
        sparse_weight: float = Field(
            0.5, ge=0, description="Weight of TF-IDF word/char n-gram features beside the sentence vector (0: off)."
        )
        sparse_min_df: int | None = Field(
            None, ge=1,
            description="Keep only n-grams seen in at least this many examples (default: 2 from 200 examples, else 1).",
        )
        delexicalise: bool = Field(False, description="Read entities found earlier in the pipeline as their types.")
        expand_contractions: bool = Field(
            True, description="Write contractions out (\"don't\", \"dont\" → \"do not\") in the examples and "
            "messages before reading them (dialogue/nlu/contractions.py).",
        )
        spelling: bool = Field(
            True, description="Correct a word that is neither in the examples nor a real English word to the one "
            "example word a typo away (needs pyspellchecker's dictionary).",
        )
        finetune: bool = Field(False, description="Contrastive fine-tune of the encoder's top layers before the head.")
        finetune_layers: int = Field(2, ge=1, description="How many top encoder layers the fine-tune trains.")
        finetune_epochs: float = Field(4.0, gt=0, description="Passes over the examples (in pairs) when fine-tuning.")
        finetune_lr: float = Field(1e-4, gt=0, description="Learning rate of the fine-tuned layers (AdamW).")
        finetune_precision: str = Field(
            "auto", pattern=PRECISION_PATTERN,
            description="Fine-tune arithmetic: bf16 autocast (auto: where the hardware has it) or fp32.",
        )
        calibrate: bool = Field(True, description="Temperature-scale confidences on out-of-fold predictions.")
        out_of_scope: bool = Field(True, description="Learn an out-of-scope decision from the training data.")
        oos_rejection: float = Field(
            0.06, ge=0, le=0.5,
            description="Share of correctly understood training messages the learned cut-off may refuse.",
        )
        oos_threshold: float | None = Field(
            None, ge=0, le=1, description="Fixed P(out of scope) cut-off instead of the learned one.",
        )
        neighbours: int = Field(3, ge=1, description="Nearest training examples averaged for nlu_similarity.")
        ranking_size: int = Field(RANKING_SIZE, ge=1, description="Alternatives kept in intent_ranking.")
        threads: int | None = Field(
            None, ge=1, description="Encoder threads at inference (default: what suits one message: 2 on ONNX Runtime, 1 on torch).",
        )
        seed: int = Field(0, description="Seed of the fine-tune, the folds and the head: same data, same model.")

    name = "sentence_intent"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.labels: list[str] = []
        self.head: Any = None  # sklearn LogisticRegression over [vector | sparse]
        self.sparse: Any = None  # fitted TF-IDF union, when sparse_weight > 0
        self.temperature = 1.0
        self.example_vectors: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self.oos: OutOfScopeModel | None = None
        self.tuned_layers: dict[str, Any] | None = None  # state dict of fine-tuned top layers
        self.train_info: dict[str, Any] = {}
        self.spelling: SpellingCorrector | None = None
        self._encoder: Any = None
        self._scorer: SingleMessageScorer | None = None

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> SentenceIntentClassifier:
        return cls(config)

    # ------------------------------------------------------------------ encoder

    def encoder(self) -> Any:
        """The shared encoder, or a private one carrying this model's fine-tuned top layers (ONNX
        Runtime where installed: exported once per fine-tune on first use, then cached)."""
        if self._encoder is None:
            from dialogue.embeddings import inference_encoder, shared_encoder

            if self.tuned_layers is None:
                self._encoder = shared_encoder(self.config.model, self.config.max_len)
            else:
                self._encoder = inference_encoder(self.config.model, self.config.max_len, self.tuned_layers)
        return self._encoder

    def _texts(self, parses: Sequence[ParsedMessage]) -> list[str]:
        texts = [delexicalised_text(p) if self.config.delexicalise else p.text for p in parses]
        texts = [expand_contractions(t) for t in texts] if self.config.expand_contractions else texts
        return [self.spelling.correct(t) for t in texts] if self.spelling is not None else texts

    def _corrector(self, counts: Any) -> SpellingCorrector | None:
        """The encoder's whole words count as real words too (names of products it knows)."""
        return corrector(counts, encoder_words(getattr(self.encoder(), "tokenizer", None)))

    def _features(self, vectors: np.ndarray, texts: Sequence[str], sparse_rows: Any = None) -> Any:
        """[vector | scaled TF-IDF]; ``sparse_rows``: the texts' TF-IDF rows when already computed."""
        if self.sparse is None:
            return vectors
        from scipy.sparse import csr_matrix, hstack

        if sparse_rows is None:
            sparse_rows = self.sparse.transform(list(texts))
        return hstack([csr_matrix(vectors), sparse_rows * self._sparse_scale()]).tocsr()

    def _sparse_scale(self) -> float:
        return self.config.sparse_weight / float(np.sqrt(2.0))  # two unit-norm TF-IDF blocks beside one unit vector

    # ------------------------------------------------------------------ Trainable

    def fingerprint(self, data: TrainingData) -> str:
        import sklearn

        from dialogue.checkpoints import model_identity

        config = {k: v for k, v in self.config.model_dump(mode="json").items() if k not in INFERENCE_ONLY}
        return content_hash("sentence_intent", VERSION, config, data.fingerprint(), model_identity(self.config.model),
                            sklearn.__version__)

    def train(self, data: TrainingData, progress: Progress | None = None) -> None:
        if not data.examples:
            raise ValueError("sentence_intent: no training examples (add intents with examples to the domain)")
        started = time.perf_counter()
        say = progress or (lambda _text, _fraction: None)
        if self.config.delexicalise:
            data = delexicalise_data(data)
        texts = [e.text for e in data.examples]
        texts = [expand_contractions(t) for t in texts] if self.config.expand_contractions else texts
        self.labels = data.intents
        y = np.array([self.labels.index(e.intent) for e in data.examples])
        self.tuned_layers, self._encoder, self._scorer = None, None, None
        if self.config.finetune and len(self.labels) > 1:
            from dialogue.embeddings import TorchSentenceEncoder
            from dialogue.nlu.sentence.finetune import contrastive_finetune

            say("sentence_intent: fine-tuning the encoder", 0.05)
            private = TorchSentenceEncoder(self.config.model, self.config.max_len)  # never the shared one
            self.tuned_layers = contrastive_finetune(private, texts, y, self.config, say) or None
            self._encoder = private if self.tuned_layers is not None else None
        say("sentence_intent: encoding the examples", 0.4)
        from dialogue.cores import auto_threads

        vectors = self.encoder().encode(texts, threads=auto_threads())
        self.example_vectors = vectors
        self.spelling = self._corrector(word_counts(texts)) if self.config.spelling else None
        say("sentence_intent: fitting the head", 0.7)
        self.sparse, sparse_rows = self._fit_sparse(texts) if self.config.sparse_weight > 0 else (None, None)
        features = self._features(vectors, texts, sparse_rows)
        self.head = self._fit_head(features, y) if len(self.labels) > 1 else None
        self.temperature = self._fit_temperature(features, y) if self.config.calibrate and self.head is not None else 1.0
        self.oos = None
        if self.config.out_of_scope and len(self.labels) >= 4:
            say("sentence_intent: learning the out-of-scope cut-off", 0.85)
            self.oos = fit_out_of_scope(vectors, y, self._subset_fit_predict(features, y), neighbours=self.config.neighbours,
                                        rejection=self.config.oos_rejection, seed=self.config.seed)
        self.train_info = {
            "seconds": round(time.perf_counter() - started, 2),
            "examples": len(texts),
            "intents": len(self.labels),
            "temperature": round(self.temperature, 4),
            "finetuned": self.tuned_layers is not None,
            "out_of_scope": self.oos.to_json() if self.oos else None,
        }
        say("sentence_intent: done", 1.0)

    def _fit_sparse(self, texts: list[str]) -> tuple[Any, Any]:
        """The fitted TF-IDF union and the training texts' rows (one pass over the texts, not two)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        # by default n-grams seen once are dropped from 200 examples: same accuracy on BANKING77 dev, half the
        # features and fit time; a hand-written domain full of one-off words can keep them (sparse_min_df: 1)
        min_df = self.config.sparse_min_df or (2 if len(texts) >= 200 else 1)
        union = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                            min_df=min_df),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df),
        )
        rows = union.fit_transform(texts)
        return union, rows

    def _fit_head(self, features: Any, y: np.ndarray, start: Any = None) -> Any:
        """Logistic regression on ``features``; ``start`` (the head fitted on every example) warm-starts
        the refits on subsets that calibration and the out-of-scope decision need. The loss is convex, so
        the fit ends where a cold start would, in a fraction of the iterations."""
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=self.config.C, max_iter=3000, random_state=self.config.seed)
        classes = np.unique(y)
        if start is not None and len(classes) > 2:
            head.warm_start = True
            head.coef_ = start.coef_[classes].copy()
            head.intercept_ = start.intercept_[classes].copy()
        with one_blas_thread():
            return head.fit(features, y)

    def _fit_temperature(self, features: Any, y: np.ndarray) -> float:
        from sklearn.model_selection import StratifiedKFold

        folds = min(3, int(np.bincount(y).min()))
        if folds < 2:
            return 1.0
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.config.seed)
        logits = np.zeros((len(y), len(self.labels)))
        for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            head = self._fit_head(features[train_idx], y[train_idx], start=self.head)
            logits[np.ix_(test_idx, head.classes_)] = self._logits(head, features[test_idx])
            missing = np.setdiff1d(np.arange(len(self.labels)), head.classes_)
            logits[np.ix_(test_idx, missing)] = -1e4
        return fit_temperature(logits, y)

    def _subset_fit_predict(self, features: Any, y: np.ndarray) -> Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """What fit_out_of_scope retrains per held-out group of intents: this head, on a subset."""

        def fit(train_idx: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
            head = self._fit_head(features[train_idx], y[train_idx], start=self.head)
            return lambda probe_idx: softmax(self._logits(head, features[probe_idx]), self.temperature)

        return fit

    @staticmethod
    def _logits(head: Any, features: Any) -> np.ndarray:
        with one_blas_thread():
            return _two_sided(np.asarray(head.decision_function(features), dtype=np.float64))

    def _single_message_logits(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        if self._scorer is None:
            self._scorer = SingleMessageScorer(self.head, self.sparse, vectors.shape[1], self._sparse_scale())
        scorer = self._scorer
        scores = np.stack([scorer.scores(vector, text) for vector, text in zip(vectors, texts)])
        return _two_sided(scores[:, 0] if scores.shape[1] == 1 else scores)

    # ------------------------------------------------------------------ inference

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Intent probabilities (rows follow ``self.labels``) and unit sentence vectors."""
        if not self.labels:
            raise NotTrainedError("sentence_intent is not trained: call train() or load() first")
        encoder = self.encoder()
        vectors = encoder.encode(texts, threads=self.config.threads or encoder.inference_threads)
        if self.head is None:
            return np.ones((len(texts), 1)), vectors
        if len(texts) <= SINGLE_MESSAGE_BATCH:
            return softmax(self._single_message_logits(vectors, texts), self.temperature), vectors
        return softmax(self._logits(self.head, self._features(vectors, texts)), self.temperature), vectors

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return self.process_batch([parse])[0]

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        if not parses:
            return []
        texts = self._texts(parses)
        probs, vectors = self.predict(texts)
        similarity = nearest_similarity(vectors, self.example_vectors, self.config.neighbours)
        out = []
        for parse, text, row, sim, vector in zip(parses, texts, probs, similarity, vectors):
            metadata = {**parse.metadata, SIMILARITY_KEY: round(float(sim), 4), **readability(self.spelling, text)}
            if self.oos is not None and vector.any():
                metadata[OOS_KEY] = self._oos_decision(float(row.max()), float(sim))
            ranking = ranking_from_scores(self.labels, row, self.config.ranking_size)
            out.append(parse.model_copy(update={"intent": ranking[0], "intent_ranking": ranking, "metadata": metadata}))
        return out

    def _oos_decision(self, top: float, similarity: float) -> dict[str, Any]:
        assert self.oos is not None
        probability = float(self.oos.probability(np.array([top]), np.array([similarity]))[0])
        threshold = self.config.oos_threshold if self.config.oos_threshold is not None else self.oos.threshold
        return {"probability": round(probability, 4), "threshold": round(threshold, 4),
                "out_of_scope": probability > threshold}

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "head.pkl", "wb") as fh:
            pickle.dump({"head": self.head, "sparse": self.sparse,
                         "spelling": self.spelling.counts if self.spelling is not None else None}, fh)
        np.save(directory / "examples.npy", self.example_vectors.astype(np.float16))
        if self.tuned_layers is not None:
            import torch

            torch.save(self.tuned_layers, directory / "tuned_layers.pt")
        meta = {"version": VERSION, "labels": self.labels, "temperature": self.temperature,
                "oos": self.oos.to_json() if self.oos else None, "train_info": self.train_info}
        (directory / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")

    def load(self, directory: Path) -> None:
        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError(f"{directory}: saved by sentence_intent version {meta.get('version')}, expected {VERSION}")
        with open(directory / "head.pkl", "rb") as fh:
            saved = pickle.load(fh)  # noqa: S301 - our own file, written by save()
        self.head, self.sparse = saved["head"], saved["sparse"]
        self.example_vectors = np.load(directory / "examples.npy").astype(np.float32)
        tuned = directory / "tuned_layers.pt"
        if tuned.is_file():
            import torch

            self.tuned_layers = torch.load(tuned, weights_only=True)
        else:
            self.tuned_layers = None
        self._encoder, self._scorer = None, None
        self.spelling = self._corrector(saved["spelling"]) if saved.get("spelling") is not None else None
        self.labels = list(meta["labels"])
        self.temperature = float(meta["temperature"])
        self.oos = OutOfScopeModel.from_json(meta["oos"]) if meta.get("oos") else None
        self.train_info = dict(meta.get("train_info") or {})


def _two_sided(scores: np.ndarray) -> np.ndarray:
    """One column per intent: with two intents scikit-learn gives only the positive class's margin."""
    if scores.ndim == 1:
        return np.stack([-scores / 2, scores / 2], axis=1)
    return scores
