"""Notice a second request in one message: "cancel order 104302 and tell me your return policy".

People ask two things at once; a classifier names one intent, and the other request is silently lost.
This step runs after the intent classifier. It cuts a message at each clause boundary and each joining
word ("and", "also", "plus"), reads both pieces with the steps before it (all pieces of a batch at once),
and when one piece reads as the whole message's intent and the other clearly asks for something else
(a question, "tell me ...", "I want to ...", a bare imperative; ``dialogue.questions``), records the other one in
``metadata["nlu_also"]``: its ``intent``, ``confidence`` and ``text``, and ``beside``, the words of the
piece read as the message's intent. The message's own reading does not change, except when it is too
unsure for the fallback (below its threshold, or judged out of scope: two topics in one message look
unlike any example) and both pieces ask clearly: "what are your opening hours? I'd like to book an
appointment" is then read as its two requests, the piece read as the message's intent (else the first)
leading with its classifier's confidence and out-of-scope decision (``was`` keeps the unsure reading).
Text and entities stay the whole message's.

Both pieces must be clear: at ``min_confidence`` (above the fallback's bar) and not judged out of scope.
The other one must be a request in its own right: two words or a number, not negated ("..., and don't
send me e-mails"), not one of the intents a fragment resembles (pleasantries, yes and no, small talk,
out of scope: the defaults of ``keep_whole_for``), and about something it names: "my package is late,
where is it" asks about the first piece. What the dialogue manager does with the two requests is its own
business: it answers a question beside a task and leaves a second task for later (``docs/dm.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import ALSO_KEY, ParsedMessage
from dialogue.negation import refusals
from dialogue.nlu.base import READABLE_KEY, content_hash, judged_out_of_scope
from dialogue.nlu.rereading import MAX_CUTS, RereadsParts, weak_alone_intents, word_set
from dialogue.protocols import ComponentConfig
from dialogue.questions import makes_a_request

VERSION = 1

#: a clause boundary, a joining word, or both (", and also"); a question or exclamation mark stays with the first
#: piece ("where is it?" still asks), the rest goes with neither
JOIN = re.compile(r"(?P<mark>[,;.!?]+)\s+(?:(?:and|also|plus|then)\s+)*|\s+[-–—]+\s+(?:(?:and|also|plus|then)\s+)*"
                  r"|\s+(?:(?:and|also|plus|then)\s+)+", re.IGNORECASE)
WORD = re.compile(r"\S+")
#: words that name nothing by themselves: a piece made only of them ("where is it", "how much is that") points
#: back at the other piece rather than asking about something of its own
FUNCTION_WORDS = frozenset("""
a an the this that these those it its it's they them their there here i me my you your we us our he she him her
is are was were be been am do does did can could will would should may might must shall have has had
what what's whats which who whom whose when where where's why how how's much many long
to of in on at for from with about by as into up down out off over
and or but also so then too just please pls any some one ones thing things stuff
s re ll ve d m t
""".split())  # the last line: what is left of contractions ("where's it" → where, s, it)


@dataclass(frozen=True)
class Split:
    first: str
    second: str


def splits(text: str) -> list[Split]:
    """Every way to cut ``text`` in two at a clause boundary or a joining word, both pieces with a letter or digit."""
    found = []
    for match in JOIN.finditer(text):
        kept = "".join(c for c in match.group("mark") or "" if c in "?!")
        first, second = (text[:match.start()] + kept).strip(), text[match.end():].strip()
        if any(c.isalnum() for c in first) and any(c.isalnum() for c in second):
            found.append(Split(first, second))
    return found


class MultipleRequests(RereadsParts):
    class Config(ComponentConfig):
        min_confidence: float = Field(
            0.8, ge=0, le=1, description="How sure both pieces must be of their intents.",
        )
        keep_whole_for: list[str] | None = Field(
            None, description="Intents a piece alone is too weak to establish as a request. Default: the domain's "
            "pleasantries, the forms' yes, no and cancel intents, small talk and out-of-scope intents.",
        )

    name = "multiple_requests"

    def __init__(self, not_requests: Sequence[str], fallback_threshold: float = 0.0, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.not_requests = frozenset(not_requests)
        self.fallback_threshold = fallback_threshold
        self.preceding: list[Any] = []

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> MultipleRequests:
        chosen = config.keep_whole_for
        not_requests = chosen if chosen is not None else weak_alone_intents(domain, with_pleasantries=True,
                                                                            with_cancels=True)
        return cls(not_requests, domain.settings.fallback_threshold, config)

    def fingerprint(self, data: TrainingData) -> str:
        return content_hash("multiple_requests", VERSION, self.config.model_dump(mode="json"), sorted(self.not_requests))

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        """Nothing to learn: the steps before it read the pieces."""

    def save(self, directory: Path) -> None:
        """Nothing to save."""

    def load(self, directory: Path) -> None:
        """Nothing to load."""

    def _clear(self, piece: ParsedMessage) -> bool:
        return (piece.intent.confidence >= self.config.min_confidence and piece.metadata.get(READABLE_KEY) is not False
                and not judged_out_of_scope(piece))

    def _asks(self, piece: ParsedMessage) -> bool:
        """Clear, not refused, worded as a question or a request ("I want to ...", "please ...") about something it
        names ("..., where is it" points back at the other piece)."""
        return (self._clear(piece) and (len(WORD.findall(piece.text)) >= 2 or any(c.isdigit() for c in piece.text))
                and not refusals(piece.text) and makes_a_request(piece.text)
                and not word_set(piece.text) <= FUNCTION_WORDS)

    def _asks_something_else(self, piece: ParsedMessage) -> bool:
        """The other piece is a request of its own: it asks, and is not read as what a fragment resembles."""
        return self._asks(piece) and piece.intent.name not in self.not_requests

    def _unsure(self, parse: ParsedMessage) -> bool:
        """Too unsure for the fallback, or judged out of scope: two topics in one message look unlike any example."""
        return parse.intent.confidence < self.fallback_threshold or judged_out_of_scope(parse)

    def _other_request(self, parse: ParsedMessage, pieces: Sequence[tuple[ParsedMessage, ParsedMessage]]
                       ) -> tuple[ParsedMessage, ParsedMessage] | None:
        """The piece that asks for something else than ``parse``'s intent and the piece beside it (the one read as
        that intent), from the surest split that has one. An unsure message is read as two requests when both
        pieces ask clearly; the piece read as the message's intent, else the first, is the one beside."""
        unsure = self._unsure(parse)
        best: tuple[float, ParsedMessage, ParsedMessage] | None = None
        for first, second in pieces:
            if first.intent.name == second.intent.name:
                continue
            orders = ((first, second), (second, first))
            if unsure:
                candidates = [(same, other) for same, other in orders if self._asks(same) and self._asks_something_else(other)]
                candidates = [order for order in candidates if order[0].intent.name == parse.intent.name][:1] or candidates[:1]
            else:
                candidates = [(same, other) for same, other in orders if same.intent.name == parse.intent.name
                              and self._clear(same) and self._asks_something_else(other)]
            for same, other in candidates:
                sureness = min(same.intent.confidence, other.intent.confidence)
                if best is None or sureness > best[0]:
                    best = (sureness, other, same)
        return (best[1], best[2]) if best else None

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        plans = {i: splits(p.text) for i, p in enumerate(parses) if p.intent.name}
        plans = {i: found for i, found in plans.items() if 0 < len(found) <= MAX_CUTS}
        texts = [piece for found in plans.values() for split in found for piece in (split.first, split.second)]
        if not texts or not self.preceding:
            return list(parses)
        read = iter(self.reread(texts))
        result = list(parses)
        for index, found in plans.items():
            pieces = [(next(read), next(read)) for _ in found]
            parse = parses[index]
            found_pair = self._other_request(parse, pieces)
            if found_pair is None:
                continue
            other, beside = found_pair
            also = {"intent": other.intent.name, "confidence": round(other.intent.confidence, 4), "text": other.text,
                    "beside": beside.text}
            if self._unsure(parse):  # read as its two requests: the piece beside leads, with its classifier's say
                also["was"] = parse.intent.name
                result[index] = parse.model_copy(update={
                    "intent": beside.intent, "intent_ranking": beside.intent_ranking,
                    "metadata": {**parse.metadata, **beside.metadata, ALSO_KEY: also}})
            else:
                result[index] = parse.model_copy(update={"metadata": {**parse.metadata, ALSO_KEY: also}})
        return result
