"""Running a rule's ``then:`` steps, and applying what a custom action asked for."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Protocol

from dialogue.actions import ActionResult
from dialogue.dm.action_runner import Outcome, run_action
from dialogue.dm.turn import Turn
from dialogue.domain.schema.dm import Step
from dialogue.messages import ActionExecuted

MAX_FOLLOW_UPS = 10


class FormStarter(Protocol):
    """What a ``start_form`` step needs (the form engine, which itself runs steps through this module)."""

    async def start(self, turn: Turn, name: str) -> None: ...


async def call_action(turn: Turn, name: str, slots: dict[str, Any] | None = None) -> Outcome:
    """Run an action against the turn's current state (nothing is applied here)."""
    return await run_action(
        name,
        domain=turn.domain,
        conversation_id=turn.conversation_id,
        slots=turn.state.slots if slots is None else slots,
        latest=turn.parse,
        history=[MappingProxyType(r) for r in turn.tracker.effective],  # read-only view of the records
    )


def report_failure(turn: Turn, outcome: Outcome) -> None:
    """An action failed: the user gets the error reply; the state stays as it was."""
    turn.add("action", name=outcome.name, ok=False)
    turn.events.append(ActionExecuted(conversation_id=turn.conversation_id, turn_id=turn.turn_id, name=outcome.name, ok=False))
    turn.explain(f"action {outcome.name} failed ({outcome.error}); nothing it asked for was applied")
    turn.say(turn.domain.settings.error_response)


def apply_result(turn: Turn, name: str, result: ActionResult) -> None:
    turn.add("action", name=name, ok=True)
    turn.events.append(ActionExecuted(conversation_id=turn.conversation_id, turn_id=turn.turn_id, name=name, ok=True))
    turn.explain(f"action {name} ran")
    for slot, value in result.slots.items():
        turn.set_slot(slot, value, f"set by {name}")
    for act in result.acts:
        turn.add_act(act)
    if result.handoff:
        turn.handoff(result.handoff)


async def run_and_apply(turn: Turn, name: str) -> bool:
    """Run an action and its follow-ups; False (after the error reply) if one failed."""
    queue = [name]
    ran = 0
    while queue:
        current = queue.pop(0)
        ran += 1
        if ran > MAX_FOLLOW_UPS + 1:
            turn.explain(f"stopped follow-up actions after {MAX_FOLLOW_UPS} (loop?)")
            return True
        outcome = await call_action(turn, current)
        if not outcome.ok or outcome.result is None:
            report_failure(turn, outcome)
            return False
        apply_result(turn, current, outcome.result)
        queue.extend(outcome.result.follow_up)
    return True


async def run_steps(turn: Turn, steps: list[Step], forms: FormStarter, rule: str) -> None:
    """Do a rule's steps in order; a failed action stops the rest of the rule."""
    for step in steps:
        kind = step.kind
        if kind == "respond":
            assert step.respond is not None
            turn.say(step.respond)
        elif kind == "action":
            assert step.action is not None
            if not await run_and_apply(turn, step.action):
                return
        elif kind == "set_slot":
            for slot, value in (step.set_slot or {}).items():
                turn.set_slot(slot, value, f"rule {rule}")
        elif kind == "clear_slot":
            names = [step.clear_slot] if isinstance(step.clear_slot, str) else list(step.clear_slot or [])
            for slot in names:
                turn.set_slot(slot, None, f"cleared by rule {rule}")
        elif kind == "start_form":
            assert step.start_form is not None
            await forms.start(turn, step.start_form)
        elif kind == "stop_form":
            target = step.stop_form if isinstance(step.stop_form, str) else turn.state.form
            if step.stop_form is not False and target is not None and turn.state.form == target:
                turn.end_form(False, f"stopped by rule {rule}")
        elif kind == "handoff":
            turn.handoff(step.handoff if isinstance(step.handoff, str) else f"rule {rule}")
        elif kind == "end":
            if step.end is not False:
                turn.end(step.end if isinstance(step.end, str) else "")
        elif kind == "restart":
            if step.restart:
                turn.restart(f"rule {rule}")
