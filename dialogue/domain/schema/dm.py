"""Schema of the dialogue-manager sections: slots, rules, forms and custom actions.

The semantics (evaluation order, form behaviour) are documented in ``docs/dm.md`` and
implemented in ``dialogue.dm``; this module only says what may be written.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dialogue.domain.schema.base import Section

SlotType = Literal["text", "number", "boolean", "categorical", "list", "date", "time", "datetime", "any"]


def _listify(data: Any, keys: tuple[str, ...]) -> Any:
    """Let ``intent: greet`` stand for ``intent: [greet]``."""
    if isinstance(data, dict):
        data = dict(data)
        for key in keys:
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
    return data


class SlotFill(Section):
    """Where a slot's value comes from.

    ``entity``: every turn, from an entity of that type; ``intent``: the fixed ``value`` when the
    intent is one of ``intent``; ``text``: the whole user text, only while a form asks for the slot;
    ``action``: only custom actions set it.
    """

    source: Literal["entity", "intent", "text", "action"] = Field("entity", alias="from")
    entity: str | None = None
    intent: list[str] = Field(default_factory=list, description="Only fill when the intent is one of these.")
    not_intent: list[str] = Field(default_factory=list)
    value: Any = Field(None, description="Value to set for from: intent.")
    role: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return _listify(data, ("intent", "not_intent"))

    @model_validator(mode="after")
    def _complete(self) -> SlotFill:
        if self.source == "intent" and not self.intent:
            raise ValueError("from: intent needs the intent(s) that set the value (intent: [...])")
        return self


class SlotSpec(Section):
    type: SlotType = "any"
    values: list[Any] = Field(default_factory=list, description="Allowed values of a categorical slot.")
    initial: Any = None
    fill: list[SlotFill] = Field(default_factory=list)
    reset_after_form: bool = Field(False, description="Clear when the form that filled it ends.")
    reset_on: list[str] = Field(default_factory=list, description="Intents that reset the slot to its initial value.")
    sensitive: bool = Field(
        False,
        description="Personal data: the value is stored and used as usual (templates, conditions, actions), but "
        "shown as *** in explanations, /debug, /slots and test-failure reports.",
    )
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return _listify(data, ("reset_on",))

    @model_validator(mode="after")
    def _categorical(self) -> SlotSpec:
        if self.type == "categorical" and not self.values:
            raise ValueError("a categorical slot needs its allowed values (values: [...])")
        return self


class Condition(Section):
    """When a rule applies. All given parts must hold."""

    intent: list[str] = Field(default_factory=list)
    not_intent: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list, description="Entity types present in the message.")
    slots: dict[str, Any] = Field(default_factory=dict, description="Slot → value (null: unset, '*': any set).")
    expression: str | None = Field(None, description="Boolean expression over slots, e.g. 'amount > 100'.")
    form: str | None = Field(None, description="Active form name, 'none' or 'any'.")
    previous_action: str | None = None
    min_turn: int | None = Field(None, ge=1)
    max_turn: int | None = Field(None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return _listify(data, ("intent", "not_intent", "entities"))

    @field_validator("expression")
    @classmethod
    def _safe_expression(cls, expression: str | None) -> str | None:
        if expression is not None:
            from dialogue.dm.expressions import check_expression

            check_expression(expression)  # raises ValueError with the reason
        return expression


STEP_KINDS = (
    "respond", "action", "set_slot", "clear_slot", "start_form", "stop_form", "handoff", "end", "restart",
)


class Step(Section):
    """One thing a rule does; written as a one-key mapping such as ``respond: utter_greet``."""

    respond: str | None = None
    action: str | None = None
    set_slot: dict[str, Any] | None = None
    clear_slot: str | list[str] | None = None
    start_form: str | None = None
    stop_form: str | bool | None = None
    handoff: str | bool | None = None
    end: str | bool | None = None
    restart: bool | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        given = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a step has exactly one of {', '.join(STEP_KINDS)}; got {', '.join(given) or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)


class RuleSpec(Section):
    name: str
    when: Condition = Field(default_factory=Condition)
    then: list[Step] = Field(min_length=1)
    priority: int = Field(0, description="Higher runs first; ties keep file order.")
    interrupt: bool = Field(
        False,
        description="Checked before an active form handles the message (safety replies, 'stop everything'); "
        "the form resumes afterwards unless the rule stops it.",
    )
    description: str | None = None


class Validation(Section):
    choices: list[Any] | None = None
    regex: str | None = None
    min: float | None = None
    max: float | None = None
    future: bool | None = Field(None, description="A date/datetime slot must lie in the future.")
    past: bool | None = Field(None, description="A date/datetime slot must lie in the past.")
    plugin: str | None = Field(None, description="Name of a registered action that validates the value.")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        import re

        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"regex {pattern!r} does not compile: {exc}") from exc
        return pattern


class FormSlot(Section):
    prompt: str = Field(description="Response asking for this slot.")
    validate_: Validation | None = Field(None, alias="validate")
    invalid: str | None = Field(None, description="Response said when the value fails validation.")
    max_attempts: int = Field(3, ge=1)


class FormSpec(Section):
    slots: dict[str, FormSlot] = Field(min_length=1)
    confirm: str | None = Field(None, description="Response asking to confirm before submitting.")
    submit: str | None = Field(None, description="Action run when the form is complete (and confirmed).")
    done: str | None = Field(None, description="Response said after a successful submit.")
    cancelled: str | None = Field(None, description="Response said when the user cancels.")
    failed: str | None = Field(None, description="Response said when a slot ran out of attempts.")
    handoff_on_failure: bool = Field(True, description="Request a human when a slot ran out of attempts.")
    cancel_intents: list[str] = Field(default_factory=lambda: ["cancel", "stop"])
    affirm_intents: list[str] = Field(default_factory=lambda: ["affirm"])
    deny_intents: list[str] = Field(default_factory=lambda: ["deny"])
    on_deny: Literal["restart", "cancel"] = Field(
        "restart", description="At confirmation, 'no' asks every slot again (restart) or cancels the form."
    )
    confirm_threshold: float | None = Field(
        None, ge=0, le=1,
        description="Confidence an affirmation needs to confirm this form (default: settings.confirm_threshold).",
    )
    confirm_attempts: int = Field(
        2, ge=1,
        description="Unclear answers to the confirmation before the form fails (2: asked again once).",
    )

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return _listify(data, ("cancel_intents", "affirm_intents", "deny_intents"))


class ActionSpec(Section):
    timeout: float = Field(5.0, gt=0, description="Seconds before the action is abandoned.")
    changes_data: bool = Field(
        False,
        description="The action writes, cancels or sends something that cannot simply be taken back. A rule "
        "running it, or starting a form that submits it, needs a clear request (settings.confirm_threshold); a "
        "form that submits it must ask to confirm first.",
    )
    description: str | None = None
