"""Entities found by matching known values the way people write them.

Values come from each entity's ``lookup:`` list and ``lookup_file``, plus every synonym
surface form, so "NYC" is found as a ``city`` whose value is the canonical "New York".
Matching is whole-word and case-insensitive, and by default also accepts inflected forms
("yoga mats" → "Yoga Mat") and small typos in longer words ("bluetooth speakr"), with a lower
entity confidence (``dialogue.nlu.phrase_match``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.base import add_entities
from dialogue.nlu.phrase_match import PhraseMatcher
from dialogue.protocols import ComponentConfig


class LookupEntityExtractor:
    class Config(ComponentConfig):
        include_synonyms: bool = Field(True, description="Also match synonym surface forms and canonical values.")
        tables: dict[str, list[str]] = Field(default_factory=dict, description="Extra entity → known values.")
        inflections: bool = Field(True, description="Match inflected forms by stem (\"yoga mats\" → \"Yoga Mat\").")
        fuzzy: bool = Field(True, description="Match small typos in longer words (\"speakr\" → \"speaker\").")
        min_fuzzy_length: int = Field(6, ge=3, description="Shorter words must be spelled right (no false matches).")
        chars_per_edit: int = Field(6, ge=2, description="One typo allowed per this many characters of a word.")
        min_score: float = Field(0.8, ge=0, le=1, description="Lowest match confidence kept (1.0 exact, 0.95 inflected).")

    name = "lookup_entities"

    def __init__(self, tables: dict[str, dict[str, str]], config: Config | None = None) -> None:
        #: entity type → lower-cased surface form → normalised value
        self.tables = tables
        config = config or self.Config()
        self.matchers = {
            etype: PhraseMatcher(forms, inflections=config.inflections, fuzzy=config.fuzzy,
                                 min_fuzzy_length=config.min_fuzzy_length, chars_per_edit=config.chars_per_edit,
                                 min_score=config.min_score)
            for etype, forms in tables.items() if forms
        }

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
        return cls(tables, config)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for etype, matcher in self.matchers.items():
            for match in matcher.find(text):
                found.append(Entity(type=etype, value=match.value, text=text[match.start : match.end], start=match.start,
                                    end=match.end, extractor=self.name, confidence=round(match.score, 4)))
        return sorted(found, key=lambda e: (e.start, e.end))

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return add_entities(parse, self.extract(parse.text))
