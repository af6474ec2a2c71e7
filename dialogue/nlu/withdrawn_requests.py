"""The shared reading of ``negated_requests`` and ``past_requests``: is the request itself in words that take it back?

Both steps find phrases that do not ask for what they name (a negation's scope: "don't cancel order 104302"; an
action told as done: "why did you cancel order 104302"), then read those phrases alone and the message without
them with the steps before them. The request is withdrawn when a phrase alone reads as the message's intent and
the rest does not. An intent whose own examples put such phrases ("i don't want CS101 anymore" written as
``drop_course``, "it arrived broken" as ``complaint``) asks that way: a phrase closer to those examples than to the
intent's other examples leaves the request standing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from pydantic import Field

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import content_hash
from dialogue.nlu.rereading import MAX_CUTS, RereadsParts, word_set
from dialogue.protocols import ComponentConfig
from dialogue.text import without_spans


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def closest(scope: frozenset[str], examples: Sequence[frozenset[str]]) -> float:
    return max((overlap(scope, example) for example in examples), default=0.0)


class Phrase(NamedTuple):
    """A phrase that takes a request back: as shown in the note, and the words read alone."""

    shown: str
    scope: str
    span: tuple[int, int]  # the characters it covers in the message: taken out, they leave the rest
    verb: str = ""  # the lemma of the verb it tells of, where that matters ("cancel" in "why did you cancel it")
    retracts: bool = False  # the phrase is taken back by what follows it ("cancel it. actually no")


class WithdrawnRequests(RereadsParts):
    """Marks a message whose request is only in phrases that take it back (see the module docstring)."""

    class Config(ComponentConfig):
        min_confidence: float | None = Field(
            None, ge=0, le=1, description="How sure the rest of the message must be of the same intent for the request "
            "to stand. Default: settings.fallback_threshold.",
        )

    name = "withdrawn_requests"
    version: ClassVar[int] = 1
    #: the metadata key of the note and its fields: the phrases found, and whether the request is withdrawn
    key: ClassVar[str] = ""
    phrases_field: ClassVar[str] = ""
    flag: ClassVar[str] = ""

    def __init__(self, min_confidence: float, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.min_confidence = min_confidence
        self.preceding: list[Any] = []
        self.idioms: dict[str, list[frozenset[str]]] = {}  # intent -> words of such phrases in its examples
        self.plain: dict[str, list[frozenset[str]]] = {}  # intent -> words of its examples without one

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> WithdrawnRequests:
        floor = config.min_confidence if config.min_confidence is not None else domain.settings.fallback_threshold
        return cls(floor, config)

    # ------------------------------------------------------------------ what a subclass says

    def phrases(self, texts: Sequence[str]) -> list[list[Phrase]]:
        """For each text, the phrases in it that take a request back."""
        raise NotImplementedError

    def may_withdraw(self, parse: ParsedMessage) -> bool:
        """A cheap look before ``phrases``: whether the message can hold such a phrase at all (by default, it can)."""
        return True

    def fits(self, intent: str, phrase: Phrase) -> bool:
        """Whether ``phrase`` can take back a request of ``intent`` at all (by default, any can)."""
        return True

    # ------------------------------------------------------------------ training and storage

    def fingerprint(self, data: TrainingData) -> str:
        return content_hash(self.name, self.version, self.config.model_dump(mode="json"), data.fingerprint())

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        self.idioms, self.plain = {}, {}
        examples = list(data.examples)
        for example, phrases in zip(examples, self.phrases([e.text for e in examples])):
            scopes = [phrase.scope for phrase in phrases if phrase.scope]
            if scopes:
                self.idioms.setdefault(example.intent, []).extend(word_set(scope) for scope in scopes)
            else:
                self.plain.setdefault(example.intent, []).append(word_set(example.text))

    #: the tables ``train`` fills, each {intent: [word sets]}: what ``save`` writes and ``load`` reads
    tables: ClassVar[tuple[str, ...]] = ("idioms", "plain")

    def save(self, directory: Path) -> None:
        table = {name: {intent: [sorted(w) for w in rows] for intent, rows in getattr(self, name).items()}
                 for name in self.tables}
        (Path(directory) / "examples.json").write_text(json.dumps(table), encoding="utf-8")

    def load(self, directory: Path) -> None:
        table = json.loads((Path(directory) / "examples.json").read_text(encoding="utf-8"))
        for name in self.tables:
            setattr(self, name, {intent: [frozenset(w) for w in rows] for intent, rows in table[name].items()})

    # ------------------------------------------------------------------ reading

    def idiomatic(self, intent: str, scope: str) -> bool:
        """The phrase is closer to such phrases in ``intent``'s examples than to any plain example of it."""
        words = word_set(scope)
        return closest(words, self.idioms.get(intent, [])) > closest(words, self.plain.get(intent, []))

    def _reads_as(self, parse: ParsedMessage, part: ParsedMessage | None) -> bool:
        return part is not None and part.intent.name == parse.intent.name and part.intent.confidence >= self.min_confidence

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        read_as = [i for i, p in enumerate(parses) if p.intent.name and self.may_withdraw(p)]
        every = dict(zip(read_as, self.phrases([parses[i].text for i in read_as])))
        found = {i: [phrase for phrase in phrases if self.fits(parses[i].intent.name, phrase)]
                 for i, phrases in every.items()}
        found = {i: phrases for i, phrases in found.items() if phrases}
        if not found:
            return list(parses)
        # what the message says without any such phrase, even one that takes back nothing of this intent
        rests = {i: without_spans(parses[i].text, [phrase.span for phrase in every[i]]) for i in found}
        parts = [(i, "rest", rest) for i, rest in rests.items()]
        # the first few phrases decide: a message repeating "I cancelled it, " forty times must not cost seconds
        parts += [(i, "phrase", phrase.scope) for i, phrases in found.items() for phrase in phrases[:MAX_CUTS]]
        parts = [(i, kind, text) for i, kind, text in parts if any(c.isalnum() for c in text)]
        read: dict[tuple[int, str], list[ParsedMessage]] = {}
        for (index, kind, _), parse in zip(parts, self.reread([text for _, _, text in parts])):
            read.setdefault((index, kind), []).append(parse)
        result = list(parses)
        for index, phrases in found.items():
            parse = parses[index]
            rest_stands = any(self._reads_as(parse, p) for p in read.get((index, "rest"), []))
            withdrawn = any(self._reads_as(parse, p) and not self.idiomatic(parse.intent.name, p.text)
                            for p in read.get((index, "phrase"), []))
            note = {self.phrases_field: [phrase.shown for phrase in phrases], "rest": rests[index],
                    self.flag: withdrawn and not rest_stands}
            result[index] = parse.model_copy(update={"metadata": {**parse.metadata, self.key: note}})
        return result
