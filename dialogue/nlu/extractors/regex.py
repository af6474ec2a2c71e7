"""Entities matched by the regular expressions declared on the domain's entities (``regex:``)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.base import add_entities
from dialogue.protocols import ComponentConfig


class RegexEntityExtractor:
    class Config(ComponentConfig):
        ignore_case: bool = Field(True, description="Match patterns case-insensitively.")
        patterns: dict[str, list[str]] = Field(default_factory=dict, description="Extra entity → patterns.")

    name = "regex_entities"

    def __init__(self, patterns: dict[str, list[re.Pattern[str]]]) -> None:
        self.patterns = patterns

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> RegexEntityExtractor:
        flags = re.IGNORECASE if config.ignore_case else 0
        sources: dict[str, list[str]] = {name: list(spec.regex) for name, spec in domain.entities.items() if spec.regex}
        for name, extra in config.patterns.items():
            sources.setdefault(name, []).extend(extra)
        compiled: dict[str, list[re.Pattern[str]]] = {}
        for name, patterns in sources.items():
            for pattern in patterns:
                try:
                    compiled.setdefault(name, []).append(re.compile(pattern, flags))
                except re.error as exc:
                    raise ValueError(f"regex_entities: pattern {pattern!r} for entity {name!r} does not compile: {exc}") from exc
        return cls(compiled)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        seen: set[tuple[str, int, int]] = set()
        for etype, patterns in self.patterns.items():
            for pattern in patterns:
                for match in pattern.finditer(text):
                    # a pattern with a group marks the value inside context: take group 1
                    start, end = match.span(1) if pattern.groups and match.group(1) is not None else match.span()
                    if start == end or (etype, start, end) in seen:
                        continue
                    seen.add((etype, start, end))
                    surface = text[start:end]
                    found.append(Entity(type=etype, value=surface, text=surface, start=start, end=end, extractor=self.name))
        return sorted(found, key=lambda e: (e.start, e.end))

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return add_entities(parse, self.extract(parse.text))
