"""An NLU step that masks personal data before classifiers, extractors and logs see the text."""

from __future__ import annotations

from dialogue.domain import Domain
from dialogue.messages import ParsedMessage
from dialogue.protocols import ComponentConfig

from dialogue_redact.patterns import PATTERNS, redact


class RedactPII:
    class Config(ComponentConfig):
        kinds: tuple[str, ...] = tuple(PATTERNS)

    def __init__(self, kinds: tuple[str, ...]) -> None:
        unknown = set(kinds) - set(PATTERNS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; known: {sorted(PATTERNS)}")
        self.kinds = kinds

    @classmethod
    def from_config(cls, config: Config, domain: Domain) -> RedactPII:
        return cls(config.kinds)

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        text, found = redact(parse.text, self.kinds)
        if not found:
            return parse
        return parse.model_copy(update={"text": text, "metadata": {**parse.metadata, "redacted": found}})
