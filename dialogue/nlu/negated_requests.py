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

from collections.abc import Sequence

from dialogue.messages import NEGATION_KEY
from dialogue.negation import refusals, without_negations
from dialogue.nlu.withdrawn_requests import Phrase, WithdrawnRequests


class NegatedRequests(WithdrawnRequests):
    name = "negated_requests"
    key = NEGATION_KEY
    phrases_field = "negated"
    flag = "request_negated"

    def phrases(self, texts: Sequence[str]) -> list[list[Phrase]]:
        return [[Phrase(f"{n.cue} {n.scope}".strip(), n.scope) for n in refusals(text)] for text in texts]

    def rest(self, text: str) -> str:
        return without_negations(text)
