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
  names (``Negation.question``), and "I can't cancel my order on the website" asks for help with it
  (``Negation.inability``), so neither is looked at.

``metadata["nlu_negation"]`` holds the negated phrases, the rest and ``request_negated``. The intent stays
as read, so an answer such as "don't cancel it" still reads as the no it is at a confirmation; the
dialogue manager does not start a flow that changes data on a negated request (``ChangeGuard``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from dialogue.domain.examples import TrainingData
from dialogue.messages import NEGATION_KEY
from dialogue.negation import has_retraction_words, refusals
from dialogue.nlu.withdrawn_requests import Phrase, WithdrawnRequests


class NegatedRequests(WithdrawnRequests):
    name = "negated_requests"
    version = 2
    key = NEGATION_KEY
    phrases_field = "negated"
    flag = "request_negated"

    def __init__(self, min_confidence: float, config: WithdrawnRequests.Config | None = None) -> None:
        super().__init__(min_confidence, config)
        self.retracting: frozenset[str] = frozenset()  # intents whose examples say "never mind", "forget it"...

    def phrases(self, texts: Sequence[str]) -> list[list[Phrase]]:
        return [[Phrase(f"{n.cue} {n.scope}".strip() if not n.retracts else f"{n.scope} {n.cue}", n.scope, n.span,
                        retracts=n.retracts) for n in refusals(text)] for text in texts]

    def fits(self, intent: str, phrase: Phrase) -> bool:
        """"stop, never mind" is how people stop: a retraction takes back no request of an intent whose own
        examples are made of such words."""
        return not (phrase.retracts and intent in self.retracting)

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        super().train(data, progress)
        self.retracting = frozenset(e.intent for e in data.examples if has_retraction_words(e.text))

    def save(self, directory: Path) -> None:
        super().save(directory)
        (Path(directory) / "retracting.json").write_text(json.dumps(sorted(self.retracting)), encoding="utf-8")

    def load(self, directory: Path) -> None:
        super().load(directory)
        self.retracting = frozenset(json.loads((Path(directory) / "retracting.json").read_text(encoding="utf-8")))
