"""Schema of the pipeline section (which components run, with which parameters) and settings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dialogue.domain.schema.base import Section


class ComponentSpec(BaseModel):
    """``use:`` names a registered component; the other keys go to that component's Config."""

    model_config = ConfigDict(extra="allow", frozen=True)

    use: str

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: object) -> object:
        return {"use": data} if isinstance(data, str) else data

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _default_nlu() -> list[ComponentSpec]:
    return [
        ComponentSpec(use="regex_entities"),
        ComponentSpec(use="lookup_entities"),
        ComponentSpec(use="tfidf_intent"),
        ComponentSpec(use="synonyms"),
        ComponentSpec(use="entity_conflicts"),
        ComponentSpec(use="fallback"),
    ]


class PipelineSpec(Section):
    nlu: list[ComponentSpec] = Field(default_factory=_default_nlu)
    dm: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="rules"))
    nlg: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="templates"))
    store: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="sqlite"))
    subscribers: list[ComponentSpec] = Field(default_factory=list, description="Plugins subscribed to bus topics.")


class Settings(Section):
    fallback_threshold: float = Field(0.45, ge=0, le=1, description="Below this intent confidence, ask to clarify.")
    confirm_threshold: float = Field(
        0.8, ge=0, le=1,
        description="How sure the NLU must be before the bot acts on something that changes data: an affirmation "
        "that confirms a form, or a request that starts a flow ending in a change (a form whose submit action, "
        "or a rule step whose action, is marked changes_data). Button payloads always count.",
    )
    fallback_response: str = "utter_default"
    error_response: str = Field("utter_error", description="Said when a component or action fails.")
    greeting_response: str | None = Field(None, description="Said when a conversation starts (e.g. a disclaimer).")
    max_message_chars: int = 2000
