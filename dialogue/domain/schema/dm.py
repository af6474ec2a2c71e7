"""Schema of the dialogue-manager sections: slots, rules, forms and custom actions.

The semantics (evaluation order, form behaviour) are documented in ``docs/dm.md`` and
implemented in ``dialogue.dm``; this module only says what may be written.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dialogue.domain.expressions import check_expression
from dialogue.domain.schema.base import Section, listify

SlotType = Literal["text", "number", "boolean", "categorical", "list", "date", "time", "datetime", "any"]


class SlotFill(Section):
    """Where a slot's value comes from.

    ``entity``: every turn, from an entity of that type; ``intent``: the fixed ``value`` when the
    intent is one of ``intent``; ``text``: the whole user text, only while a form asks for the slot;
    ``action``: only custom actions set it.
    """

    one_or_many = ("intent", "not_intent")

    source: Literal["entity", "intent", "text", "action"] = Field(
        "entity", alias="from",
        description="entity: every turn the entity appears; intent: `value` when the intent matches; "
        "text: the whole message, while a form asks for this slot; action: only custom actions set it.",
    )
    entity: str | None = Field(None, description="Entity type for from: entity (default: the slot's name).")
    intent: list[str] = Field(default_factory=list, description="Only fill when the intent is one of these.")
    not_intent: list[str] = Field(default_factory=list, description="Never fill when the intent is one of these.")
    value: Any = Field(None, description="Value to set for from: intent.")
    role: str | None = Field(None, description="Only entities with this role (from: entity).")

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return listify(data, cls.one_or_many)

    @model_validator(mode="after")
    def _complete(self) -> SlotFill:
        if self.source == "intent" and not self.intent:
            raise ValueError("from: intent needs the intent(s) that set the value (intent: [...])")
        return self


class SlotSpec(Section):
    """A value the bot remembers during a conversation."""

    one_or_many = ("reset_on",)

    type: SlotType = Field("any", description="Values are converted to this type; a value that does not fit is not set.")
    values: list[Any] = Field(default_factory=list, description="Allowed values of a categorical slot.")
    initial: Any = Field(None, description="Value at the start and after a restart (null: unset).")
    fill: list[SlotFill] = Field(default_factory=list, description="Where values come from, tried in order.")
    reset_after_form: bool = Field(False, description="Clear when the form that filled it ends.")
    reset_on: list[str] = Field(default_factory=list, description="Intents that reset the slot to its initial value.")
    sensitive: bool = Field(
        False,
        description="Personal data: the value is stored and used as usual (templates, conditions, actions), but "
        "shown as *** in explanations, /debug, /slots and test-failure reports.",
    )
    description: str | None = Field(None, description="What the slot holds (for people reading the domain).")

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return listify(data, cls.one_or_many)

    @model_validator(mode="after")
    def _categorical(self) -> SlotSpec:
        if self.type == "categorical" and not self.values:
            raise ValueError("a categorical slot needs its allowed values (values: [...])")
        return self


class Condition(Section):
    """When a rule applies. All given parts must hold."""

    one_or_many = ("intent", "not_intent", "entities")

    intent: list[str] = Field(default_factory=list, description="The message's intent is one of these.")
    not_intent: list[str] = Field(default_factory=list, description="The message's intent is none of these.")
    entities: list[str] = Field(default_factory=list, description="Entity types present in the message.")
    slots: dict[str, Any] = Field(default_factory=dict, description="Slot → value (null: unset, '*': any set).")
    expression: str | None = Field(None, description="Boolean expression over slots, e.g. 'amount > 100'.")
    form: str | None = Field(None, description="Active form name, 'none' or 'any'.")
    previous_action: str | None = Field(
        None, description="The last response, action or form of the bot's previous turn."
    )
    min_turn: int | None = Field(None, ge=1, description="First user turn (from 1, since the last restart) it applies to.")
    max_turn: int | None = Field(None, ge=1, description="Last user turn it applies to.")

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        return listify(data, cls.one_or_many)

    @field_validator("expression")
    @classmethod
    def _safe_expression(cls, expression: str | None) -> str | None:
        if expression is not None:
            check_expression(expression)  # raises ValueError with the reason
        return expression


STEP_KINDS = (
    "respond", "action", "set_slot", "clear_slot", "start_form", "stop_form", "handoff", "end", "restart",
)


class Step(Section):
    """One thing a rule does; written as a one-key mapping such as ``respond: utter_greet``."""

    respond: str | None = Field(None, description="Say this response.")
    action: str | None = Field(None, description="Run this custom action; if it fails, the rest of the rule is skipped.")
    set_slot: dict[str, Any] | None = Field(None, description="Set slots: name → value.")
    clear_slot: str | list[str] | None = Field(None, description="Unset these slots.")
    start_form: str | None = Field(None, description="Start this form (an active one ends first).")
    stop_form: str | bool | None = Field(None, description="End the active form, not completed (true or its name).")
    handoff: str | bool | None = Field(None, description="Request a human (the reason, or true).")
    end: str | bool | None = Field(None, description="End the conversation (the reason, or true).")
    restart: bool | None = Field(None, description="Reset the conversation.")

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
    """What the bot does when a condition holds; the first matching rule runs."""

    name: str = Field(description="Shown in explanations and errors.")
    when: Condition = Field(default_factory=Condition, description="When the rule applies (no when: always).")
    then: list[Step] = Field(min_length=1, description="Steps, run in order; each is a one-key mapping.")
    priority: int = Field(0, description="Higher runs first; ties keep file order.")
    interrupt: bool = Field(
        False,
        description="Checked before an active form handles the message (safety replies, 'stop everything'); "
        "the form resumes afterwards unless the rule stops it.",
    )
    description: str | None = Field(None, description="Why the rule exists (for people reading the domain).")


class Validation(Section):
    """Checks a form answer must pass, in this order (after the slot's type)."""

    choices: list[Any] | None = Field(None, description="Allowed answers (case-insensitive; stored as listed).")
    regex: str | None = Field(None, description="The answer must match this regular expression entirely.")
    min: float | None = Field(None, description="Smallest allowed number.")
    max: float | None = Field(None, description="Largest allowed number.")
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
    """How a form asks for one slot."""

    prompt: str = Field(description="Response asking for this slot.")
    validate_: Validation | None = Field(None, alias="validate", description="Checks the answer must pass.")
    invalid: str | None = Field(None, description="Response said when the value fails validation.")
    max_attempts: int = Field(3, ge=1, description="Failed answers before the form gives up (says `failed`).")


class FormSpec(Section):
    """Ask for slots one by one, validate, confirm, submit."""

    one_or_many = ("cancel_intents", "affirm_intents", "deny_intents")

    slots: dict[str, FormSlot] = Field(min_length=1, description="The slots to fill, asked in this order.")
    confirm: str | None = Field(None, description="Response asking to confirm before submitting.")
    submit: str | None = Field(None, description="Action run when the form is complete (and confirmed).")
    done: str | None = Field(None, description="Response said after a successful submit.")
    cancelled: str | None = Field(None, description="Response said when the user cancels.")
    failed: str | None = Field(None, description="Response said when a slot ran out of attempts.")
    handoff_on_failure: bool = Field(True, description="Request a human when a slot ran out of attempts.")
    cancel_intents: list[str] = Field(default_factory=lambda: ["cancel", "stop"], description="Intents that cancel the form.")
    affirm_intents: list[str] = Field(default_factory=lambda: ["affirm"], description="'Yes' at the confirmation.")
    deny_intents: list[str] = Field(default_factory=lambda: ["deny"], description="'No' at the confirmation.")
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
        return listify(data, cls.one_or_many)


class ActionSpec(Section):
    """A custom action implemented in a plugin (``@action(name)``)."""

    timeout: float = Field(5.0, gt=0, description="Seconds before the action is abandoned.")
    changes_data: bool = Field(
        False,
        description="The action writes, cancels or sends something that cannot simply be taken back. A rule "
        "running it, or starting a form that submits it, needs a clear request (settings.confirm_threshold); a "
        "form that submits it must ask to confirm first.",
    )
    description: str | None = Field(None, description="What the action does (for people reading the domain).")
