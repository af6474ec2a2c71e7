"""The schema of domain YAML files, one module per section owner (NLU, DM, NLG, pipeline).

Every domain file is validated against ``DomainFile``: all sections are optional in a
single file, and the loader merges the files of a folder before cross-checking references.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dialogue.domain.schema.base import Section
from dialogue.domain.schema.dm import ActionSpec, FormSpec, RuleSpec, SlotSpec
from dialogue.domain.schema.knowledge import KnowledgeSettings
from dialogue.domain.schema.nlg import GenerationSettings, ResponseVariant
from dialogue.domain.schema.nlu import EntitySpec, IntentSpec
from dialogue.domain.schema.pipeline import PipelineSpec, Settings

#: sections that are maps (merged across files, a name defined twice is an error)
MAP_SECTIONS = ("intents", "entities", "slots", "responses", "forms", "actions")
#: sections that are lists (concatenated across files)
LIST_SECTIONS = ("rules", "plugins")
#: sections that appear at most once in a domain
SINGLE_SECTIONS = ("pipeline", "settings", "generation", "knowledge", "name", "description", "persona", "version")


class DomainFile(Section):
    """One YAML file of a domain folder: any of these sections, merged with the other files'."""

    version: int = Field(1, description="Format version of the domain files.")
    name: str | None = Field(None, description="The bot's name (default: the folder's name).")
    description: str | None = Field(None, description="What the bot does; given to generation as context.")
    persona: str | None = Field(None, description="Who the bot is; used by generation and shown in docs.")
    intents: dict[str, IntentSpec] = Field(default_factory=dict, description="Intent name → examples.")
    entities: dict[str, EntitySpec] = Field(default_factory=dict, description="Entity type → how to find it.")
    slots: dict[str, SlotSpec] = Field(default_factory=dict, description="Slot name → type and sources.")
    responses: dict[str, list[ResponseVariant]] = Field(
        default_factory=dict, description="Response name → its variants (one is picked per turn)."
    )
    forms: dict[str, FormSpec] = Field(default_factory=dict, description="Form name → the slots it asks for.")
    rules: list[RuleSpec] = Field(default_factory=list, description="What the bot does, highest priority first.")
    actions: dict[str, ActionSpec] = Field(default_factory=dict, description="Custom action name → options.")
    pipeline: PipelineSpec | None = Field(None, description="Components (once per domain).")
    settings: Settings | None = Field(None, description="Domain-wide behaviour (once per domain).")
    generation: GenerationSettings | None = Field(None, description="Language-model generation (once per domain).")
    knowledge: KnowledgeSettings | None = Field(None, description="Grounded answers from knowledge/ (once per domain).")
    plugins: list[str] = Field(default_factory=list, description="Local plugin modules, relative to the domain folder.")


def empty_sections() -> dict[str, Any]:
    return {**{k: {} for k in MAP_SECTIONS}, **{k: [] for k in LIST_SECTIONS}}


__all__ = [
    "ActionSpec", "DomainFile", "EntitySpec", "FormSpec", "GenerationSettings", "IntentSpec", "KnowledgeSettings",
    "LIST_SECTIONS", "MAP_SECTIONS", "PipelineSpec", "ResponseVariant", "RuleSpec", "SINGLE_SECTIONS",
    "Settings", "SlotSpec", "empty_sections",
]
