"""Steps that read parts of a message again with the steps before them (``pleasantries``, ``negated_requests``).

``build_nlu`` and ``prepare_nlu`` hand each step the steps before it (``bind_preceding``); such a step cuts
or trims the message and asks those steps what the rest means, all rests of a batch at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dialogue.messages import ParsedMessage

WORD = re.compile(r"\w+")


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
