"""``delex_tfidf_intent``: the tf-idf intent classifier, reading entities as their types.

"Dr. Becker" and "next Friday at 4pm" say little about the intent on their own, and a
hand-written domain cannot list every doctor, day and time in its examples. This step
replaces each entity span found earlier in the pipeline (regex and lookup extractors) by a
token naming its type ("_doctor_", "_date_"; people do not type underscores), in training (from the annotations) and at run
time (from the parse), so the classifier learns "book me with _doctor_ on _date_" once for
all doctors and days. Everything else is the built-in ``tfidf_intent``.

Use it after the entity extractors (and ``entity_conflicts``) in ``pipeline.yml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import content_hash
from dialogue.nlu.tfidf import TfidfIntentClassifier
from dialogue.nlu.training_data import TrainingData
from dialogue.registry import register

VERSION = 2


def delexicalise(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, type) span replaced by a type token; overlaps keep the longest."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if start < end and all(end <= a or start >= b for a, b, _ in chosen):
            chosen.append((start, end, kind))
    for start, end, kind in sorted(chosen, reverse=True):
        text = f"{text[:start]} _{kind.replace('_', '')}_ {text[end:]}"
    return " ".join(text.split())


@register("nlu", "delex_tfidf_intent")
class DelexTfidfIntentClassifier(TfidfIntentClassifier):
    """``tfidf_intent`` on text whose entities are replaced by their types."""

    name = "delex_tfidf_intent"

    @classmethod
    def from_config(cls, config: TfidfIntentClassifier.Config, domain: Domain | None = None,
                    **_: Any) -> DelexTfidfIntentClassifier:
        return cls(config)

    def fingerprint(self, data: TrainingData) -> str:
        return content_hash("delex", VERSION, super().fingerprint(data))

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        examples = tuple(
            replace(e, text=delexicalise(e.text, [(s.start, s.end, s.type) for s in e.entities]), entities=())
            for e in data.examples
        )
        super().train(TrainingData(examples, synonyms=data.synonyms), progress)

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        masked = [
            p.model_copy(update={"text": delexicalise(p.text, [(e.start, e.end, e.type) for e in p.entities])})
            for p in parses
        ]
        ranked = super().process_batch(masked)
        return [p.model_copy(update={"intent": r.intent, "intent_ranking": r.intent_ranking}) for p, r in zip(parses, ranked)]
