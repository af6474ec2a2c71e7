"""Steps that read parts of a message again with the steps before them (``pleasantries``, ``negated_requests``,
``multiple_requests``).

``build_nlu`` and ``prepare_nlu`` hand each step the steps before it (``bind_preceding``); such a step cuts
or trims the message and asks those steps what the rest means, all rests of a batch at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.nlu.base import OUT_OF_SCOPE_LABELS

WORD = re.compile(r"\w+")

#: a message with more clause breaks than this is read as it came: a request wrapped in a pleasantry, or two
#: requests, have few, and every cut is read again (nested, since a step re-reads through the steps before it),
#: so "hi, hi, hi, ..." must not cost seconds
MAX_CUTS = 6

#: intent names taken to be pleasantries (those the domain has): greetings, thanks, goodbyes
COMMON_PLEASANTRIES = ("greet", "greeting", "hello", "goodbye", "bye", "thank", "thanks", "thankyou", "thank_you")

#: readings a piece alone cannot establish, with the domain's yes, no and out-of-scope intents
SMALL_TALK = ("chitchat", "smalltalk", "small_talk", "help")


def pleasantry_intents(domain: Domain) -> list[str]:
    """The domain's intents among ``COMMON_PLEASANTRIES``."""
    return [intent for intent in COMMON_PLEASANTRIES if intent in domain.intents]


def weak_alone_intents(domain: Domain, with_pleasantries: bool = False, with_cancels: bool = False) -> list[str]:
    """Intents a piece of a message alone is too weak to establish: the forms' yes and no ("gotta go" alone reads
    as yes), small talk and out of scope, which fragments resemble; when asked, the pleasantries and the forms'
    cancel intents ("please cancel it" alone reads as "stop")."""
    known = set(domain.intents)
    answers = {"affirm", "deny"}.union(*(set(f.affirm_intents) | set(f.deny_intents) for f in domain.forms.values()))
    weak = (answers | set(SMALL_TALK) | set(OUT_OF_SCOPE_LABELS)) & known
    if with_pleasantries:
        weak |= set(pleasantry_intents(domain))
    if with_cancels:
        weak |= set().union(*(set(f.cancel_intents) for f in domain.forms.values())) & known
    return sorted(weak)


def word_set(text: str) -> frozenset[str]:
    """The lower-cased words of ``text``: what the steps compare with the words of the training examples."""
    return frozenset(WORD.findall(text.lower()))


class RereadsParts:
    preceding: list[Any]

    def bind_preceding(self, components: Sequence[Any]) -> None:
        """The pipeline steps before this one: they read the parts (``build_nlu`` and ``prepare_nlu`` call this)."""
        self.preceding = list(components)

    def reread(self, texts: Sequence[str]) -> list[ParsedMessage]:
        from dialogue.nlu.pipeline_builder import parse_batch

        return parse_batch(self.preceding, list(texts)) if texts else []

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return self.process_batch([parse])[0]

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        raise NotImplementedError
