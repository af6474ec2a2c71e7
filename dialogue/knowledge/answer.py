"""Answering a question from a domain's knowledge, or saying no.

``KnowledgeBase.ask(question)`` retrieves the passages nearest in meaning and keeps the best
one that *supports* an answer: it must be close to the question (cosine similarity of the
question to one of the passage's phrasings, the passage or one of its sentences) and it must
contain the question's topic words, or words the encoder finds close to them ("wash" for
"clean"). Rare topic words weigh more than words every passage shares, and a topic word the
knowledge never mentions ("Mexico", "crypto") weighs the most: that is how the check says no
to questions that sound like the knowledge but ask for something it does not hold.
The answer is extractive: the passage (a Q&A answer, a short section) or its best sentences.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dialogue.knowledge.documents import Passage, load_knowledge
from dialogue.knowledge.index import Hit, KnowledgeIndex, shared_index
from dialogue.knowledge.text import content_words, same_word, sentences, stem

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.domain.schema.knowledge import KnowledgeSettings

log = logging.getLogger("dialogue.knowledge")

FRAME_WEIGHT = 0.25  # share of its weight a word of the domain's own description keeps


@dataclass(frozen=True)
class TermMatch:
    term: str  # a topic word of the question
    weight: float  # how much it matters: rarer in the knowledge → heavier
    found: str | None  # the passage's word that matched it, if any
    similarity: float  # 1.0 for the same word, else the encoder's similarity


@dataclass(frozen=True)
class Answer:
    text: str  # what to say: the passage or its best sentences, verbatim
    passage: Passage
    similarity: float
    coverage: float


@dataclass(frozen=True)
class Judgement:
    """The outcome of one question, with the evidence (for logs, /debug and the benchmark)."""

    question: str
    answer: Answer | None
    reason: str
    hits: list[Hit] = field(default_factory=list)
    terms: list[TermMatch] = field(default_factory=list)


class KnowledgeBase:
    """A domain's passages and their index; ``ask`` answers or declines. Thread-safe, lazily loaded."""

    def __init__(self, passages: list[Passage], settings: KnowledgeSettings, cache_dir: Path | None = None,
                 encoder: Any = None, frame: str = "") -> None:
        self.passages = passages
        # words that only say the question is about this domain ("appointment" at a clinic): they
        # weigh little, so "what should I bring to my appointment?" is answered by a passage on visits
        self.frame_words = frozenset(stem(w) for w in content_words(frame))
        self.settings = settings
        self.cache_dir = cache_dir
        self._encoder = encoder
        self._index: KnowledgeIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_domain(cls, domain: Domain, encoder: Any = None) -> KnowledgeBase | None:
        """The domain's knowledge base, or None when it has no (enabled) knowledge folder."""
        folder = domain.knowledge_dir
        if folder is None:
            return None
        return cls(load_knowledge(folder), domain.knowledge, domain.model_dir / "knowledge", encoder,
                   frame=f"{domain.name.replace('_', ' ')}. {domain.description}")

    @property
    def index(self) -> KnowledgeIndex:
        """Built on first use: loading the encoder costs seconds that template-only turns never pay."""
        with self._lock:
            if self._index is None:
                encoder = self._encoder
                if encoder is None:
                    from dialogue.embeddings import shared_encoder

                    encoder = shared_encoder(self.settings.model)
                self._index = shared_index(self.passages, encoder, self.cache_dir)
            return self._index

    def answer(self, question: str) -> Answer | None:
        return self.ask(question).answer

    def ask(self, question: str) -> Judgement:
        """Retrieve, check support, extract; a Judgement with no answer says why not."""
        question = " ".join(str(question).split())[:1000]
        terms = list(dict.fromkeys(content_words(question)))
        if not terms:
            return Judgement(question, None, "the question has no topic words")
        index = self.index
        vectors = index.encode([question, *terms])
        query, term_vectors = vectors[0], vectors[1:]
        hits = index.search(query, self.settings.top_k)
        best: Judgement | None = None
        salience = (term_vectors @ query).clip(min=0.0).tolist()
        supported: list[tuple[float, Hit, float, list[TermMatch]]] = []
        for hit in hits:
            if hit.score < self.settings.min_similarity:
                break
            matches = self.match_terms(index, hit.passage, terms, term_vectors, salience)
            coverage = _coverage(matches)
            if coverage >= self.settings.min_coverage:
                supported.append((hit.score + coverage, hit, coverage, matches))
            elif best is None:
                missing = [m.term for m in matches if m.found is None]
                best = Judgement(question, None, f"{hit.passage.id} lacks {', '.join(missing)} "
                                 f"(coverage {coverage:.2f} < {self.settings.min_coverage})", hits, matches)
        if supported:  # the passage both closest in meaning and holding the most of the question's words
            _, hit, coverage, matches = max(supported, key=lambda item: item[0])
            answer = Answer(self.extract(index, hit, query), hit.passage, round(hit.score, 4), round(coverage, 3))
            return Judgement(question, answer, f"supported by {hit.passage.id}", hits, matches)
        if best is not None:
            return best
        top = f"{hits[0].score:.2f} ({hits[0].passage.id})" if hits else "none"
        return Judgement(question, None, f"no passage is close enough: best similarity {top} < {self.settings.min_similarity}", hits)

    def match_terms(self, index: KnowledgeIndex, passage: Passage, terms: list[str], term_vectors: Any,
                    salience: list[float]) -> list[TermMatch]:
        """Each topic word of the question, with the passage word that covers it (same word or close in meaning).

        A word weighs its rarity in the knowledge times its salience: how close it is in meaning
        to the whole question ("skillet" in "can I put the skillet in the dishwasher?", not "put").
        """
        rows = index.passage_words[index.passage_index(passage)]
        words = [index.words[r] for r in rows]
        similarity = term_vectors @ index.word_vectors[rows].T if rows else None
        matches = []
        for t, term in enumerate(terms):
            weight = self._weight(index, term) * salience[t] ** 2 * (FRAME_WEIGHT if stem(term) in self.frame_words else 1.0)
            exact = next((w for w in words if same_word(term, w)), None)
            if exact is not None:
                matches.append(TermMatch(term, weight, exact, 1.0))
                continue
            if similarity is not None and any(ch.isalpha() for ch in term):
                j = int(similarity[t].argmax())
                score = float(similarity[t, j])
                if score >= self.settings.word_similarity:
                    matches.append(TermMatch(term, weight, words[j], round(score, 3)))
                    continue
            matches.append(TermMatch(term, weight, None, 0.0))
        return matches

    def _weight(self, index: KnowledgeIndex, term: str) -> float:
        """Inverse document frequency over passages; a word no passage has weighs the most."""
        n = len(index.passages)
        df = sum(1 for rows in index.passage_words if any(same_word(term, index.words[r]) for r in rows))
        return math.log((n + 1) / (df + 1)) + 0.1

    def extract(self, index: KnowledgeIndex, hit: Hit, query: Any) -> str:
        """The passage if short (or a Q&A answer); else its best sentence, with the next one if it is short."""
        passage = hit.passage
        if passage.questions or len(passage.text) <= self.settings.max_answer_chars:
            return passage.text
        parts = sentences(passage.text)
        scores = index.encode(parts) @ query
        best = int(scores.argmax())
        chosen = parts[best]
        if best + 1 < len(parts) and len(chosen) + len(parts[best + 1]) < self.settings.max_answer_chars:
            chosen = f"{chosen} {parts[best + 1]}" if len(chosen) < 120 else chosen
        return chosen


def index_domain_knowledge(domain: Domain) -> int:
    """Embed a domain's knowledge now (``dialogue train`` / ``test``), so no conversation turn waits for it."""
    knowledge = KnowledgeBase.for_domain(domain)
    return len(knowledge.index.passages) if knowledge is not None else 0


def _coverage(matches: list[TermMatch]) -> float:
    total = sum(m.weight for m in matches)
    return sum(m.weight for m in matches if m.found is not None) / total if total else 0.0
