"""Settle overlapping entity spans claimed by different extractors.

Order of preference: the extractor's place in ``priority`` (earlier wins; unlisted ones
come after, in their original order), then the longer span, then the higher confidence.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.protocols import ComponentConfig

DEFAULT_PRIORITY = ["regex_entities", "lookup_entities", "joint_bert", "spacy_entities"]


def overlaps(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


class EntityConflictResolver:
    class Config(ComponentConfig):
        priority: list[str] = Field(default_factory=lambda: list(DEFAULT_PRIORITY), description="Extractor names, most trusted first.")
        same_extractor: bool = Field(False, description="Also resolve overlaps between entities of one extractor.")

    name = "entity_conflicts"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.rank = {name: i for i, name in enumerate(self.config.priority)}

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> EntityConflictResolver:
        return cls(config)

    def _key(self, entity: Entity) -> tuple[int, int, float]:
        return (self.rank.get(entity.extractor, len(self.rank)), -(entity.end - entity.start), -entity.confidence)

    def resolve(self, entities: tuple[Entity, ...]) -> tuple[Entity, ...]:
        kept: list[Entity] = []
        for entity in sorted(entities, key=self._key):
            clash = any(
                overlaps(entity, other) and (self.config.same_extractor or other.extractor != entity.extractor)
                for other in kept
            )
            if not clash:
                kept.append(entity)
        return tuple(sorted(kept, key=lambda e: (e.start, e.end)))

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        if len(parse.entities) < 2:
            return parse
        resolved = self.resolve(parse.entities)
        return parse if resolved == parse.entities else parse.model_copy(update={"entities": resolved})
