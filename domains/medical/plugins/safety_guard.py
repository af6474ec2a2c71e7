"""``safety_guard``: an NLU step that makes red-flag messages impossible to miss.

It runs last in the NLU pipeline and scans the text itself with the domain's own
``red_flag`` and ``self_harm`` patterns (so it works whatever extractors the pipeline uses).
On a match it sets the intent to ``emergency`` (or ``crisis``) with full confidence and keeps
only the safety entities, so no form can take the message as an answer ("I can't breathe"
must never become a patient name) and the top-priority rules in rules.yml answer it with the
fixed emergency reply, even in the middle of a form and even when the classifier was unsure.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.protocols import ComponentConfig
from dialogue.registry import register


@register("nlu", "safety_guard")
class SafetyGuard:
    """Red flags override the classifier: intent forced, other entities dropped."""

    class Config(ComponentConfig):
        #: entity type → the intent it forces, most serious first
        entities: dict[str, str] = Field(
            default_factory=lambda: {"self_harm": "crisis", "red_flag": "emergency"},
            description="Safety entity type → intent it forces; the first type found wins.",
        )

    name = "safety_guard"

    def __init__(self, patterns: dict[str, list[re.Pattern[str]]], intents: dict[str, str]) -> None:
        self.patterns = patterns
        self.intents = intents

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> SafetyGuard:
        patterns: dict[str, list[re.Pattern[str]]] = {}
        for entity, intent in config.entities.items():
            if entity not in domain.entities:
                raise ValueError(f"safety_guard: entity {entity!r} is not defined in the domain")
            if intent not in domain.intents:
                raise ValueError(f"safety_guard: intent {intent!r} is not defined in the domain")
            spec = domain.entities[entity]
            compiled = [re.compile(p, re.IGNORECASE) for p in spec.regex]
            words = [*domain.lookup_values(entity), *(f for forms in spec.synonyms.values() for f in forms)]
            if words:
                alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
                compiled.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))
            patterns[entity] = compiled
        return cls(patterns, dict(config.entities))

    def find(self, text: str) -> list[Entity]:
        """Every safety span in the text (what the extractors would have found, found again here)."""
        found: list[Entity] = []
        for entity, patterns in self.patterns.items():
            for pattern in patterns:
                for match in pattern.finditer(text):
                    start, end = match.span(1) if pattern.groups and match.group(1) is not None else match.span()
                    if start < end:
                        surface = text[start:end]
                        found.append(Entity(type=entity, value=surface, text=surface, start=start, end=end,
                                            extractor=self.name))
        return found

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        safety = [e for e in parse.entities if e.type in self.intents]
        known = {(e.type, e.start, e.end) for e in safety}
        safety += [e for e in self.find(parse.text) if (e.type, e.start, e.end) not in known]
        if not safety:
            return parse
        intent = next(self.intents[t] for t in self.intents if any(e.type == t for e in safety))
        score = IntentScore(name=intent, confidence=1.0)
        ranking = (score, *(s for s in parse.intent_ranking if s.name != intent))
        entities = tuple(sorted(safety, key=lambda e: (e.start, e.end)))
        return parse.model_copy(update={"intent": score, "intent_ranking": ranking, "entities": entities})
