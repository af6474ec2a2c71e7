"""Entities found by whole-word, case-insensitive matching against known values.

Values come from each entity's ``lookup:`` list and ``lookup_file``, plus every synonym
surface form, so "NYC" is found as a ``city`` whose value is the canonical "New York".
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.base import add_entities, whole_word_pattern
from dialogue.protocols import ComponentConfig


class LookupEntityExtractor:
    class Config(ComponentConfig):
        include_synonyms: bool = Field(True, description="Also match synonym surface forms and canonical values.")
        tables: dict[str, list[str]] = Field(default_factory=dict, description="Extra entity → known values.")

    name = "lookup_entities"

    def __init__(self, tables: dict[str, dict[str, str]]) -> None:
        #: entity type → lower-cased surface form → normalised value
        self.tables = tables
        self.patterns: dict[str, re.Pattern[str]] = {}
        for etype, forms in tables.items():
            pattern = whole_word_pattern(list(forms))
            if pattern is not None:
                self.patterns[etype] = pattern

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> LookupEntityExtractor:
        tables: dict[str, dict[str, str]] = {}
        for name, spec in domain.entities.items():
            try:
                values = domain.lookup_values(name)
            except OSError as exc:
                raise ValueError(f"lookup_entities: cannot read lookup_file of entity {name!r}: {exc}") from exc
            table = {v.lower(): v for v in values}
            if config.include_synonyms:
                for canonical, forms in spec.synonyms.items():
                    table[canonical.lower()] = canonical
                    table.update({str(f).lower(): canonical for f in forms})
            if table:
                tables[name] = table
        for name, values in config.tables.items():
            tables.setdefault(name, {}).update({v.lower(): v for v in values})
        return cls(tables)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for etype, pattern in self.patterns.items():
            for match in pattern.finditer(text):
                surface = match.group(0)
                value = self.tables[etype].get(surface.lower(), surface)
                found.append(
                    Entity(type=etype, value=value, text=surface, start=match.start(), end=match.end(), extractor=self.name)
                )
        return sorted(found, key=lambda e: (e.start, e.end))

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return add_entities(parse, self.extract(parse.text))
