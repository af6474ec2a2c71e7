"""Schema of the NLU sections: intents with examples, entities with their extractors."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from dialogue.domain.schema.base import Section


class IntentSpec(Section):
    """What users say to mean one thing; a bare list is shorthand for ``examples:``."""

    shorthand = {"type": "array", "items": {"type": "string"}, "description": "the examples"}

    examples: list[str] = Field(default_factory=list, description="Training sentences; entities inline as [text](type).")
    title: str | None = Field(
        None, description="Label of this intent's 'did you mean' button (default: its first example of at most "
        "six words without entities, capitalised; else the name).",
    )
    description: str | None = Field(None, description="What the intent means (for people reading the domain).")

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: object) -> object:
        return {"examples": data} if isinstance(data, list) else data

    def label(self, name: str) -> str:
        """What a user would click for this intent: ``title``, else a short example in the user's own words.

        The first example is usually the plainest phrasing (later ones add typos and variety); a
        description is written for developers, so it is not used.
        """
        if self.title:
            return self.title
        plain = [e.strip() for e in self.examples if "](" not in e and "]{" not in e and e.strip()]
        short = [e for e in plain if len(e.split()) <= 6]
        chosen = (short or plain or [name.replace("_", " ")])[0]
        return chosen[0].upper() + chosen[1:]

    @field_validator("examples")
    @classmethod
    def _non_empty(cls, examples: list[str]) -> list[str]:
        for example in examples:
            if not str(example).strip():
                raise ValueError("an example is empty")
        return [str(e) for e in examples]


class EntitySpec(Section):
    """An entity type and the ways to find it besides the trained model."""

    description: str | None = Field(None, description="What the entity is (for people reading the domain).")
    regex: list[str] = Field(default_factory=list, description="Patterns; a match is an entity of this type.")
    lookup: list[str] = Field(default_factory=list, description="Known values matched as whole words.")
    lookup_file: str | None = Field(None, description="Text file of known values, one per line, relative to the domain.")
    synonyms: dict[str, list[str]] = Field(default_factory=dict, description="Canonical value → surface forms.")
    spacy: list[str] = Field(default_factory=list, description="spaCy NER labels mapped to this entity (DATE, MONEY...).")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"regex {pattern!r} does not compile: {exc}") from exc
        return patterns
