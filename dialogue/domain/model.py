"""The loaded domain: plain, validated data. Behaviour lives in the components that read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dialogue.domain.examples import TrainingData, TrainingExample, parse_annotated
from dialogue.domain.schema import (
    ActionSpec,
    EntitySpec,
    FormSpec,
    GenerationSettings,
    IntentSpec,
    KnowledgeSettings,
    PipelineSpec,
    ResponseVariant,
    RuleSpec,
    Settings,
    SlotSpec,
)
from dialogue.messages import FALLBACK_INTENT

#: intents every domain understands without declaring them
BUILTIN_INTENTS = (FALLBACK_INTENT,)


@dataclass(frozen=True)
class Domain:
    path: Path
    name: str
    description: str = ""
    persona: str = ""
    intents: dict[str, IntentSpec] = field(default_factory=dict)
    entities: dict[str, EntitySpec] = field(default_factory=dict)
    slots: dict[str, SlotSpec] = field(default_factory=dict)
    responses: dict[str, list[ResponseVariant]] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    pipeline: PipelineSpec = field(default_factory=PipelineSpec)
    settings: Settings = field(default_factory=Settings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    plugins: list[str] = field(default_factory=list)
    #: files the domain was read from, for fingerprints and messages
    files: tuple[Path, ...] = ()

    @property
    def knowledge_dir(self) -> Path | None:
        """The folder of documents grounded answers come from, when the domain has one and uses it."""
        folder = self.path / self.knowledge.folder
        return folder if self.knowledge.enabled and folder.is_dir() else None

    @property
    def model_dir(self) -> Path:
        """Where trained models and caches for this domain are stored."""
        return self.path / ".dialogue"

    def training_data(self) -> TrainingData:
        examples: list[TrainingExample] = []
        for intent, spec in self.intents.items():
            examples.extend(parse_annotated(raw, intent) for raw in spec.examples)
        return TrainingData(examples=tuple(examples), synonyms=self.synonym_map())

    def synonym_map(self) -> dict[str, str]:
        """Lower-cased surface form → canonical value, over all entities."""
        mapping: dict[str, str] = {}
        for spec in self.entities.values():
            for canonical, forms in spec.synonyms.items():
                mapping[canonical.lower()] = canonical
                for form in forms:
                    mapping[str(form).lower()] = canonical
        return mapping

    def lookup_values(self, entity: str) -> list[str]:
        spec = self.entities[entity]
        values = list(spec.lookup)
        if spec.lookup_file:
            text = (self.path / spec.lookup_file).read_text(encoding="utf-8")
            values.extend(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
        return values

    @property
    def intent_names(self) -> list[str]:
        return [*self.intents, *BUILTIN_INTENTS]
