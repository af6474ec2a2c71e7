"""Schema of responses (templates) and generation settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from dialogue.domain.schema.base import Section

GenerationMode = Literal["off", "rephrase", "free"]

DEFAULT_REFUSAL = "Sorry, I can't change how I work. I'm happy to help with your request, though."


class ButtonSpec(Section):
    """A quick reply: its payload is sent back as the user's message when chosen."""

    title: str = Field(description="The label (a template, like the text).")
    payload: str = Field(description="What the button sends, e.g. /affirm or /inform{\"day\": \"monday\"}.")


class ResponseVariant(Section):
    """One way of saying a response; a bare string is shorthand for ``{text: ...}``.

    ``text`` is a Jinja2 template (sandboxed) over the domain's slots, entity names, the
    built-ins ``channel``, ``slots`` and ``domain``, and any ``variables`` declared here
    (values a custom action passes with ``ctx.respond(name, **values)``).
    """

    shorthand = {"type": "string", "description": "the text"}

    text: str = Field("", description="A Jinja2 template over slots, entities, channel, slots, domain and variables.")
    buttons: list[ButtonSpec] = Field(default_factory=list, description="Quick replies shown with the text.")
    payload: dict[str, Any] | None = Field(None, description="Custom data for channels that understand it.")
    condition: dict[str, Any] | None = Field(
        None, description="Slot name → required value for this variant (null: unset, '*': any value set)."
    )
    channel: str | None = Field(None, description="Use this variant only on this channel.")
    generation: GenerationMode | None = Field(None, description="Overrides the domain's generation mode.")
    variables: list[str] = Field(default_factory=list, description="Extra template variables an action passes.")

    @model_validator(mode="before")
    @classmethod
    def _bare_string(cls, data: object) -> object:
        return {"text": data} if isinstance(data, str) else data


class GenerationSettings(Section):
    """How (and whether) a language model may speak for this domain."""

    mode: GenerationMode = Field("off", description="Default for responses without their own generation: key.")
    enabled: bool = Field(True, description="false: never generate in this domain, whatever a response asks.")
    backend: str = Field("llama_cpp", description="Generator that writes: llama_cpp, transformers, or a plugin's.")
    model: str | None = Field(None, description="Local path or hub id; default is the embedded SmolLM2 GGUF.")
    max_new_tokens: int = Field(60, gt=0, le=1024, description="Token budget of a free-form reply.")
    temperature: float = Field(0.7, ge=0, le=2, description="Sampling temperature for free-form replies.")
    rephrase_temperature: float = Field(0.3, ge=0, le=2, description="Lower: rewrites stay closer to the template.")
    max_chars: int = Field(400, gt=0, description="Longer generated text is cut at a sentence end.")
    instructions: str | None = Field(None, description="Extra rules for the model, added to the system prompt.")
    blocklist: list[str] = Field(default_factory=list, description="Words or phrases a generated reply must not contain.")
    forbid_intents: list[str] = Field(default_factory=list, description="Never generate after these intents.")
    refusal: str = Field(DEFAULT_REFUSAL, description="Fixed reply to prompt-injection attempts.")
    history_turns: int = Field(3, ge=0, le=20, description="Earlier exchanges shown to the model in free mode.")
