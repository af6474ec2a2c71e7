"""Read a request wrapped in pleasantries as the request: "hi, can I return this?", "cancel it, thanks".

Authors write their examples bare; people wrap them. A classifier trained on bare examples often
reads "hello, do you take visa" as ``greet`` because the greeting is the clearest thing in it, and the
bot answers "Hello!" instead of the question. This step runs after the intent classifier. When the
message was read as a pleasantry (one of ``intents``: greetings, thanks, goodbyes) or below the
confidence the fallback needs, it cuts the message at a clause boundary (",", ".", "?", "!", ";") or
after its first or before its last few words, and reads both pieces with the steps before it. When one
piece is confidently a pleasantry and the other confidently something else (``min_confidence``, above
the fallback's: the request may be acted on; two words or a number at least; never a yes, a no or small
talk, which a fragment of a pleasantry resembles, nor out of scope: ``keep_whole_for`` and the
classifier's learned out-of-scope decision), the parse takes the other piece's intent ranking and
classifier metadata; the text and the entities stay the whole message's, so the dialogue manager still
sees everything that was written ("hi, don't cancel it" keeps its "don't").
``metadata["nlu_pleasantry"]`` records the pleasantry that was set aside.

Training learns the words of the pleasantry examples. A request piece made only of them is part of the
pleasantry ("thanks | a lot", "talk to you | soon"), and a pleasantry cut off without punctuation must be
made only of them ("good | evening robin" is not a greeting followed by a request).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import READABLE_KEY, content_hash, judged_out_of_scope
from dialogue.nlu.rereading import (
    COMMON_PLEASANTRIES,
    MAX_CUTS,
    SMALL_TALK,
    RereadsParts,
    pleasantry_intents,
    weak_alone_intents,
    word_set,
)
from dialogue.protocols import ComponentConfig

VERSION = 1

#: metadata key: {"intent": the pleasantry's intent, "text": its words, "was": the whole message's reading}
PLEASANTRY_KEY = "nlu_pleasantry"

CLAUSE_BREAK = re.compile(r"[,;.!?]+\s+|\s+[-–—]+\s+")
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Cut:
    head: str
    tail: str
    #: cut at punctuation, where either piece may be the pleasantry; otherwise only the short edge piece may
    at_clause_break: bool = True
    pleasantry_sides: tuple[str, ...] = ("head", "tail")


def cuts(text: str, edge_words: int) -> list[Cut]:
    """Every way to split ``text`` in two at a clause boundary or within ``edge_words`` of either end."""
    points: dict[int, tuple[int, tuple[str, ...]]] = {}  # where the head ends -> (where the tail starts, sides)
    for match in CLAUSE_BREAK.finditer(text):
        points[match.start() + len(match.group().rstrip())] = (match.end(), ("head", "tail"))
    at_clause_break = set(points)
    words = list(WORD.finditer(text))
    for count in range(1, min(edge_words, len(words) - 1) + 1):
        for head_end, tail_start, side in ((words[count - 1].end(), words[count].start(), "head"),
                                           (words[-count - 1].end(), words[-count].start(), "tail")):
            _, sides = points.get(head_end, (tail_start, ()))
            points[head_end] = (tail_start, tuple(sorted({*sides, side})))
    found = []
    for head_end, (tail_start, sides) in sorted(points.items()):
        head, tail = text[:head_end].strip(), text[tail_start:].strip()
        if any(c.isalnum() for c in head) and any(c.isalnum() for c in tail):
            found.append(Cut(head, tail, head_end in at_clause_break, sides))
    return found


def substantial(text: str) -> bool:
    """A request needs two words or a number: "there" left over from "hi there" is not one."""
    return len(WORD.findall(text)) >= 2 or any(c.isdigit() for c in text)


class Pleasantries(RereadsParts):
    class Config(ComponentConfig):
        intents: list[str] | None = Field(
            None, description="Intents that are pleasantries around a request. Default: those of "
            f"{', '.join(COMMON_PLEASANTRIES)} the domain has.",
        )
        min_confidence: float = Field(
            0.8, ge=0, le=1, description="How sure both pieces must be; the request piece may be acted on, so the bar "
            "is above the fallback's.",
        )
        keep_whole_for: list[str] | None = Field(
            None, description="Intents a piece alone is too weak to establish. Default: the forms' yes and no intents "
            f"(\"gotta go, bye\" must not confirm anything because \"gotta go\" alone reads as yes) and those of "
            f"{', '.join(SMALL_TALK)} the domain has (pleasantries resemble them), and its out-of-scope intents "
            "(\"hi, I need help with my order\" read as out of scope would refuse what the greeting welcomes).",
        )
        edge_words: int = Field(
            2, ge=0, le=5, description="Also cut after the first and before the last this many words (unpunctuated "
            "'hi can you help', 'cancel it thx').",
        )

    name = "pleasantries"

    def __init__(self, intents: Sequence[str], fallback_threshold: float, config: Config | None = None,
                 keep_whole_for: Sequence[str] = ()) -> None:
        self.config = config or self.Config()
        self.intents = frozenset(intents)
        self.keep_whole_for = frozenset(keep_whole_for)
        self.not_a_request = self.intents | self.keep_whole_for
        self.fallback_threshold = fallback_threshold
        self.preceding: list[Any] = []
        self.vocabulary: frozenset[str] = frozenset()  # words of the pleasantry examples

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> Pleasantries:
        intents = config.intents if config.intents is not None else pleasantry_intents(domain)
        keep = config.keep_whole_for if config.keep_whole_for is not None else weak_alone_intents(domain)
        return cls(intents, domain.settings.fallback_threshold, config, keep)

    def fingerprint(self, data: TrainingData) -> str:
        return content_hash("pleasantries", VERSION, self.config.model_dump(mode="json"), sorted(self.intents),
                            data.fingerprint())

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        self.vocabulary = frozenset().union(
            *(word_set(e.text) for e in data.examples if e.intent in self.intents))

    def save(self, directory: Path) -> None:
        (Path(directory) / "vocabulary.json").write_text(json.dumps(sorted(self.vocabulary)), encoding="utf-8")

    def load(self, directory: Path) -> None:
        self.vocabulary = frozenset(json.loads((Path(directory) / "vocabulary.json").read_text(encoding="utf-8")))

    def _wants_a_second_look(self, parse: ParsedMessage) -> bool:
        top = parse.intent
        return bool(self.intents and self.preceding and top.name) and (
            top.name in self.intents or top.confidence < self.fallback_threshold)

    def _confident(self, piece: ParsedMessage) -> bool:
        return piece.intent.confidence >= self.config.min_confidence and piece.metadata.get(READABLE_KEY) is not False

    def _worded_apart(self, cut: Cut, pleasantry: str, request: str) -> bool:
        """The request has a word no pleasantry example has; a pleasantry cut off unpunctuated has only such words."""
        if word_set(request) <= self.vocabulary:
            return False
        return cut.at_clause_break or word_set(pleasantry) <= self.vocabulary

    def _pick(self, parse: ParsedMessage, pieces: Sequence[tuple[Cut, ParsedMessage, ParsedMessage]]) -> ParsedMessage:
        """The parse read from the request piece of the best cut, or ``parse`` when no cut has one."""
        best: tuple[tuple[int, float], ParsedMessage, ParsedMessage] | None = None
        for cut, head, tail in pieces:
            for side, pleasantry, request in (("head", head, tail), ("tail", tail, head)):
                if (side in cut.pleasantry_sides and pleasantry.intent.name in self.intents
                        and request.intent.name not in self.not_a_request and substantial(request.text)
                        and self._confident(pleasantry) and self._confident(request) and not judged_out_of_scope(request)
                        and self._worded_apart(cut, pleasantry.text, request.text)):
                    key = (len(request.text), request.intent.confidence)  # set aside as little as possible
                    if best is None or key > best[0]:
                        best = (key, pleasantry, request)
        if best is None:
            return parse
        _, pleasantry, request = best
        metadata = {**parse.metadata, **request.metadata, PLEASANTRY_KEY: {
            "intent": pleasantry.intent.name, "text": pleasantry.text, "was": parse.intent.name}}
        return parse.model_copy(update={"intent": request.intent, "intent_ranking": request.intent_ranking,
                                        "metadata": metadata})

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        plans = {i: cuts(p.text, self.config.edge_words) for i, p in enumerate(parses) if self._wants_a_second_look(p)}
        plans = {i: found for i, found in plans.items() if sum(cut.at_clause_break for cut in found) <= MAX_CUTS}
        texts = [piece for found in plans.values() for cut in found for piece in (cut.head, cut.tail)]
        if not texts:
            return list(parses)
        read = iter(self.reread(texts))
        result = list(parses)
        for index, found in plans.items():
            pieces = [(cut, next(read), next(read)) for cut in found]
            result[index] = self._pick(parses[index], pieces)
        return result
