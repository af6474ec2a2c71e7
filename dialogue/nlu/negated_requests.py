"""Tell the dialogue manager when a message negates its own request: "don't cancel order 104302".

A classifier mostly sees "cancel" and "order" and reads "don't cancel order 104302" or "I never asked to
cancel my order" as ``cancel_order``, as sure as for the request itself; the bot then asks "cancel order
104302?" of someone who said the opposite. This step runs after the intent classifier. When a message
holds a negation (``dialogue.negation``: a cue and the words it governs), it reads the negated words on
their own and the message without them, with the steps before it. The request itself is negated when
the negated words alone read as the request and the rest does not:

* "don't cancel order 104302": "cancel order 104302" is ``cancel_order``, nothing is left: negated;
* "cancel order 104302, I don't need it anymore": "need it anymore" is no cancellation, and "cancel order
  104302, I" still is: the request stands;
* "I don't want CS101 anymore", written by the author as ``drop_course``: "want CS101 anymore" is no
  drop: the negation is how people ask for it, and the request stands;
* "can't you cancel order 104302?", "why don't you cancel it": a negative question asks for what it
  names (``Negation.question``), so it is not looked at.

``metadata["nlu_negation"]`` holds the negated phrases, the rest and ``request_negated``. The intent stays
as read, so an answer such as "don't cancel it" still reads as the no it is at a confirmation; the
dialogue manager does not start a flow that changes data on a negated request (``ChangeGuard``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import NEGATION_KEY, ParsedMessage
from dialogue.negation import refusals, without_negations
from dialogue.nlu.base import content_hash
from dialogue.nlu.rereading import RereadsParts, word_set
from dialogue.protocols import ComponentConfig

VERSION = 1


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def closest(scope: frozenset[str], examples: Sequence[frozenset[str]]) -> float:
    return max((overlap(scope, example) for example in examples), default=0.0)


class NegatedRequests(RereadsParts):
    class Config(ComponentConfig):
        min_confidence: float | None = Field(
            None, ge=0, le=1, description="How sure the rest of the message must be of the same intent for the request "
            "to stand. Default: settings.fallback_threshold.",
        )

    name = "negated_requests"

    def __init__(self, min_confidence: float, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.min_confidence = min_confidence
        self.preceding: list[Any] = []
        self.idioms: dict[str, list[frozenset[str]]] = {}  # intent -> words negated in its examples
        self.plain: dict[str, list[frozenset[str]]] = {}  # intent -> words of its examples without a negation

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> NegatedRequests:
        floor = config.min_confidence if config.min_confidence is not None else domain.settings.fallback_threshold
        return cls(floor, config)

    def fingerprint(self, data: TrainingData) -> str:
        return content_hash("negated_requests", VERSION, self.config.model_dump(mode="json"), data.fingerprint())

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        self.idioms, self.plain = {}, {}
        for example in data.examples:
            negated = [n.scope for n in refusals(example.text) if n.scope]
            if negated:
                self.idioms.setdefault(example.intent, []).extend(word_set(scope) for scope in negated)
            else:
                self.plain.setdefault(example.intent, []).append(word_set(example.text))

    def save(self, directory: Path) -> None:
        table = {name: {intent: [sorted(w) for w in rows] for intent, rows in getattr(self, name).items()}
                 for name in ("idioms", "plain")}
        (Path(directory) / "examples.json").write_text(json.dumps(table), encoding="utf-8")

    def load(self, directory: Path) -> None:
        table = json.loads((Path(directory) / "examples.json").read_text(encoding="utf-8"))
        self.idioms, self.plain = ({intent: [frozenset(w) for w in rows] for intent, rows in table[name].items()}
                                   for name in ("idioms", "plain"))

    def idiomatic(self, intent: str, scope: str) -> bool:
        """The negated words are closer to those negated in ``intent``'s examples than to any plain example of it."""
        negated = word_set(scope)
        return closest(negated, self.idioms.get(intent, [])) > closest(negated, self.plain.get(intent, []))

    def _reads_as(self, parse: ParsedMessage, part: ParsedMessage | None) -> bool:
        return part is not None and part.intent.name == parse.intent.name and part.intent.confidence >= self.min_confidence

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        found = {i: refusals(p.text) for i, p in enumerate(parses) if p.intent.name}
        found = {i: n for i, n in found.items() if n}
        if not found:
            return list(parses)
        rests = {i: without_negations(parses[i].text) for i in found}
        parts = [(i, "rest", rest) for i, rest in rests.items()]
        parts += [(i, "negated", n.scope) for i, negated in found.items() for n in negated]
        parts = [(i, kind, text) for i, kind, text in parts if any(c.isalnum() for c in text)]
        read: dict[tuple[int, str], list[ParsedMessage]] = {}
        for (index, kind, _), parse in zip(parts, self.reread([text for _, _, text in parts])):
            read.setdefault((index, kind), []).append(parse)
        result = list(parses)
        for index, negated in found.items():
            parse = parses[index]
            rest_stands = any(self._reads_as(parse, p) for p in read.get((index, "rest"), []))
            request_negated = any(self._reads_as(parse, p) and not self.idiomatic(parse.intent.name, p.text)
                                  for p in read.get((index, "negated"), []))
            note = {"negated": [f"{n.cue} {n.scope}".strip() for n in negated], "rest": rests[index],
                    "request_negated": request_negated and not rest_stands}
            result[index] = parse.model_copy(update={"metadata": {**parse.metadata, NEGATION_KEY: note}})
        return result
