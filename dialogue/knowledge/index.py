"""Passages embedded with the shared sentence encoder, searched by cosine similarity.

Each passage is embedded several ways (its questions, the passage with its title, each of its
sentences), because a user's question matches a phrasing or a single sentence far better
than a long section. The words of the knowledge are embedded too, so the support check can
tell "wash" from "clean" without a synonym list. Vectors are cached on disk under the
domain's model folder, keyed by the texts and the encoder, so a restart only reads them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.knowledge.documents import Passage
from dialogue.knowledge.text import content_words, sentences

log = logging.getLogger("dialogue.knowledge")

INDEX_VERSION = 1
_SHARED: dict[str, KnowledgeIndex] = {}
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Unit:
    """One embedded text and the passage it stands for."""

    passage: int  # index into ``KnowledgeIndex.passages``
    kind: str  # question | passage | sentence
    text: str


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # best cosine similarity of any of the passage's units to the query
    unit: Unit  # the unit that scored it


def passage_units(passages: list[Passage]) -> list[Unit]:
    units: list[Unit] = []
    for i, p in enumerate(passages):
        leaf = p.title.split(" › ")[-1]
        units.extend(Unit(i, "question", q) for q in p.questions)
        units.append(Unit(i, "passage", f"{p.title}: {p.text}"))
        parts = sentences(p.text)
        if len(parts) > 1:
            units.extend(Unit(i, "sentence", f"{leaf}: {s}") for s in parts)
    return units


def vocabulary(passages: list[Passage]) -> list[str]:
    """Every content word of the knowledge (texts, titles, questions), sorted."""
    words: set[str] = set()
    for p in passages:
        for text in (p.text, p.title, *p.questions):
            words.update(content_words(text))
    return sorted(words)


class KnowledgeIndex:
    """Unit and word vectors for a list of passages; ``search`` ranks passages for a question."""

    def __init__(self, passages: list[Passage], encoder: Any, cache_dir: Path | None = None) -> None:
        import numpy as np

        self.passages = passages
        self.encoder = encoder
        self.units = passage_units(passages)
        self.words = vocabulary(passages)
        self.word_row = {w: i for i, w in enumerate(self.words)}
        texts = [u.text for u in self.units] + self.words
        vectors = _cached_vectors(texts, encoder, cache_dir)
        self.unit_vectors = vectors[: len(self.units)]
        self.word_vectors = vectors[len(self.units) :] if self.words else np.zeros((0, encoder.dimension), np.float32)
        self.passage_words = [
            sorted({self.word_row[w] for t in (p.text, p.title, *p.questions) for w in content_words(t) if w in self.word_row})
            for p in passages
        ]

    def encode(self, texts: list[str]) -> Any:
        """Unit vectors for a question and its words: a handful of short texts, so one torch thread
        (several spin-wait for each other on a busy CPU: 0.2 s instead of 1.1 s measured on 2 shared cores)."""
        return self.encoder.encode(texts, threads=1)

    def search(self, query_vector: Any, k: int = 3) -> list[Hit]:
        """The ``k`` best passages for a (unit) query vector, best first."""
        if not self.units:
            return []
        scores = self.unit_vectors @ query_vector
        best: dict[int, tuple[float, int]] = {}
        for row, score in enumerate(scores.tolist()):
            passage = self.units[row].passage
            if passage not in best or score > best[passage][0]:
                best[passage] = (score, row)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:k]
        return [Hit(self.passages[p], score, self.units[row]) for p, (score, row) in ranked]

    def passage_index(self, passage: Passage) -> int:
        return self.passages.index(passage)


def fingerprint(texts: list[str], encoder: Any) -> str:
    identity = getattr(encoder, "path", type(encoder).__name__)
    digest = hashlib.sha256(json.dumps([INDEX_VERSION, str(identity), texts]).encode("utf-8"))
    return digest.hexdigest()[:20]


def _cached_vectors(texts: list[str], encoder: Any, cache_dir: Path | None) -> Any:
    import numpy as np

    key = fingerprint(texts, encoder)
    file = cache_dir / f"index-{key}.npy" if cache_dir is not None else None
    if file is not None and file.is_file():
        try:
            vectors = np.load(file)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError) as exc:
            log.warning("knowledge index cache %s unreadable (%s); rebuilding", file, exc)
    vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dimension), np.float32)
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            for old in file.parent.glob("index-*.npy"):
                old.unlink(missing_ok=True)
            tmp = file.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(file)
        except OSError as exc:  # a read-only domain folder still answers, it just re-embeds next start
            log.warning("could not cache the knowledge index in %s: %s", file.parent, exc)
    return vectors


def shared_index(passages: list[Passage], encoder: Any, cache_dir: Path | None) -> KnowledgeIndex:
    """One index per knowledge and encoder in a process: every bot built from a domain shares it."""
    texts = [u.text for u in passage_units(passages)] + vocabulary(passages)
    key = f"{id(encoder)}-{fingerprint([*texts, *(p.id for p in passages)], encoder)}"  # this encoder object
    with _SHARED_LOCK:
        index = _SHARED.get(key)
        if index is None:
            index = KnowledgeIndex(passages, encoder, cache_dir)
            if len(_SHARED) >= 8:
                _SHARED.pop(next(iter(_SHARED)))
            _SHARED[key] = index
        return index
