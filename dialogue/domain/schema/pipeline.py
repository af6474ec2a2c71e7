"""Schema of the pipeline section (which components run, with which parameters) and settings."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dialogue.domain.schema.base import Section


class ComponentSpec(BaseModel):
    """``use:`` names a registered component; the other keys go to that component's Config.

    A bare name (``- tfidf_intent``) is a component with default options.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    shorthand: ClassVar[dict[str, Any] | None] = {"type": "string", "description": "a component name"}

    use: str = Field(description="Name of a built-in or plugin component (`dialogue plugins` lists them).")

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
        ComponentSpec(use="sentence_intent"),
        ComponentSpec(use="pleasantries"),
        ComponentSpec(use="multiple_requests"),
        ComponentSpec(use="negated_requests"),
        ComponentSpec(use="past_requests"),
        ComponentSpec(use="synonyms"),
        ComponentSpec(use="entity_conflicts"),
        ComponentSpec(use="fallback"),
    ]


class PipelineSpec(Section):
    """Which components run, in which order, with which options (see the component options below)."""

    nlu: list[ComponentSpec] = Field(default_factory=_default_nlu, description="NLU steps, run in this order.")
    dm: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="rules"), description="The dialogue manager.")
    nlg: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="templates"), description="The realiser.")
    store: ComponentSpec = Field(default_factory=lambda: ComponentSpec(use="sqlite"),
                                 description="Where conversations are kept.")
    subscribers: list[ComponentSpec] = Field(default_factory=list, description="Plugins subscribed to bus topics.")


class Settings(Section):
    """Domain-wide behaviour."""

    fallback_threshold: float = Field(0.45, ge=0, le=1, description="Below this intent confidence, ask to clarify.")
    confirm_threshold: float = Field(
        0.8, ge=0, le=1,
        description="How sure the NLU must be before the bot acts on something that changes data: an affirmation "
        "that confirms a form, or a request that starts a flow ending in a change (a form whose submit action, "
        "or a rule step whose action, is marked changes_data). Button payloads always count.",
    )
    fallback_response: str = Field("utter_default", description="Said when no rule answers the intent.")
    error_response: str = Field("utter_error", description="Said when a component or action fails.")
    greeting_response: str | None = Field(None, description="Said when a conversation starts (e.g. a disclaimer).")
    max_message_chars: int = Field(2000, description="Longer messages are cut (the server refuses them with 422).")
