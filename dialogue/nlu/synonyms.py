"""Map entity surface forms to canonical values (``synonyms:`` on the domain's entities)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.protocols import ComponentConfig


class SynonymMapper:
    """Rewrites ``Entity.value`` when its text (or current value) is a known synonym."""

    class Config(ComponentConfig):
        synonyms: dict[str, str] = Field(default_factory=dict, description="Extra surface form → canonical value.")

    name = "synonyms"

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {k.strip().lower(): v for k, v in mapping.items()}

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> SynonymMapper:
        return cls({**domain.synonym_map(), **config.synonyms})

    def canonical(self, surface: str) -> str | None:
        return self.mapping.get(surface.strip().lower())

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        if not self.mapping or not parse.entities:
            return parse
        changed = False
        entities = []
        for entity in parse.entities:
            value = self.canonical(entity.text)
            if value is None and isinstance(entity.value, str):
                value = self.canonical(entity.value)
            if value is not None and value != entity.value:
                entity = entity.model_copy(update={"value": value})
                changed = True
            entities.append(entity)
        return parse.model_copy(update={"entities": tuple(entities)}) if changed else parse
