"""Does a rule's ``when:`` hold this turn? Each failing part is named, for explanations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogue.dm.expressions import Expression
from dialogue.dm.redaction import display_value
from dialogue.dm.tracker import DialogueState
from dialogue.domain.schema.dm import Condition, RuleSpec, SlotSpec

ANY_VALUE = "*"


@dataclass(frozen=True)
class Situation:
    """What conditions read: the (effective) intent, the entity types, and the state so far."""

    intent: str
    confidence: float
    entity_types: frozenset[str]
    state: DialogueState
    previous_action: str | None  # as it was when the turn started
    slot_specs: Mapping[str, SlotSpec] | None = None  # so reasons mask sensitive slots' values

    def names(self) -> dict[str, Any]:
        return {
            **self.state.slots,
            "intent": self.intent,
            "confidence": self.confidence,
            "turn": self.state.turns,
            "entities": sorted(self.entity_types),
        }


class CompiledRule:
    """A rule with its expression compiled once."""

    def __init__(self, spec: RuleSpec, index: int) -> None:
        self.spec = spec
        self.index = index
        self.expression = Expression(spec.when.expression) if spec.when.expression else None

    @property
    def name(self) -> str:
        return self.spec.name

    def mismatch(self, situation: Situation) -> str | None:
        """``None`` when the rule applies, else the first reason it does not."""
        return condition_mismatch(self.spec.when, situation, self.expression)

    def names_intent(self, intent: str) -> bool:
        return intent in self.spec.when.intent

    @property
    def starts_form(self) -> bool:
        """The rule starts a task rather than answering (a question's rule answers)."""
        return any(step.kind == "start_form" for step in self.spec.then)


def condition_mismatch(when: Condition, s: Situation, expression: Expression | None) -> str | None:
    state = s.state
    if when.intent and s.intent not in when.intent:
        return f"intent is {s.intent}, not {'/'.join(when.intent)}"
    if s.intent in when.not_intent:
        return f"intent {s.intent} is excluded"
    missing = [e for e in when.entities if e not in s.entity_types]
    if missing:
        return f"no {', '.join(missing)} entity"
    for name, expected in when.slots.items():
        actual = state.slots.get(name)
        if expected == ANY_VALUE:
            if actual is None:
                return f"slot {name} is not set"
        elif not _same(actual, expected):
            return f"slot {name} is {display_value(name, actual, s.slot_specs)}, not {expected!r}"
    if when.form is not None:
        if when.form == "none" and state.form is not None:
            return f"form {state.form} is active"
        if when.form == "any" and state.form is None:
            return "no form is active"
        if when.form not in ("none", "any") and state.form != when.form:
            return f"form {when.form} is not active"
    if when.previous_action is not None and s.previous_action != when.previous_action:
        return f"previous action is {s.previous_action}, not {when.previous_action}"
    if when.min_turn is not None and state.turns < when.min_turn:
        return f"turn {state.turns} < {when.min_turn}"
    if when.max_turn is not None and state.turns > when.max_turn:
        return f"turn {state.turns} > {when.max_turn}"
    if expression is not None:
        try:
            value = expression.evaluate(s.names())
        except Exception as exc:  # noqa: BLE001 - e.g. comparing an unset slot with a number
            return f"expression {expression.source!r} could not be evaluated ({type(exc).__name__}: {exc})"
        if not value:
            return f"expression {expression.source!r} is false"
    return None


def _same(actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    try:
        return float(actual) == float(expected)
    except (TypeError, ValueError):
        return False
