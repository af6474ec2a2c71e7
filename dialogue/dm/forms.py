"""Forms: ask for required slots one by one, validate, re-ask, confirm, submit.

The user may answer several slots at once, correct an earlier answer, digress (a rule
handles the message, then the form asks again), cancel, or run out of attempts.
"""

from __future__ import annotations

from typing import Any

from dialogue.domain.model import Domain
from dialogue.domain.schema.dm import FormSpec
from dialogue.dm import validation
from dialogue.dm.slots import SlotValueError, coerce
from dialogue.dm.steps import call_action, report_failure, run_and_apply
from dialogue.dm.turn import Turn

CONFIRM = ":confirm"


class FormEngine:
    def __init__(self, domain: Domain, invalid_response: str, handoff_response: str, handoff_text: str) -> None:
        self.domain = domain
        self.invalid_response = invalid_response
        self.handoff_response = handoff_response
        self.handoff_text = handoff_text

    def spec(self, turn: Turn) -> FormSpec:
        assert turn.state.form is not None
        return self.domain.forms[turn.state.form]

    def _save(self, turn: Turn, *, requested: Any = ..., attempts: dict[str, int] | None = None,
              confirming: bool | None = None) -> None:
        state = turn.state
        new = (
            state.requested if requested is ... else requested,
            dict(state.attempts) if attempts is None else attempts,
            state.confirming if confirming is None else confirming,
        )
        if new != (state.requested, state.attempts, state.confirming):
            turn.form_state(*new)

    # ------------------------------------------------------------------ entry points

    async def start(self, turn: Turn, name: str) -> None:
        """Activate a form; values already known for its slots are validated, not asked again."""
        if turn.state.form == name:
            turn.explain(f"form {name} is already active")
            return
        if turn.state.form is not None:
            turn.end_form(False, f"replaced by form {name}")
        turn.start_form(name)
        for slot in self.domain.forms[name].slots:
            value = turn.state.slots.get(slot)
            if value is not None and turn.state.form == name:
                if not await self.accept(turn, slot, value, "already known") and turn.state.form == name:
                    turn.set_slot(slot, None, f"form {name}: invalid value dropped")

    async def handle(self, turn: Turn, intent: str, fills: dict[str, Any], rule_names_intent: bool) -> bool:
        """Let the active form take the message; False means it is not for the form (try rules)."""
        spec = self.spec(turn)
        state = turn.state
        if intent in spec.cancel_intents:
            self.cancel(turn)
            return True
        form_fills = {slot: value for slot, value in fills.items() if slot in spec.slots}
        if state.confirming:
            if form_fills:
                await self.fill(turn, form_fills)
                if turn.state.form is not None:
                    self._save(turn, confirming=False)  # changed: confirm again
                return True
            if intent in spec.affirm_intents:
                turn.explain(f"form {state.form}: confirmed")
                await self.submit(turn)
                return True
            if intent in spec.deny_intents:
                self.deny(turn)
                return True
            return False
        if form_fills:
            await self.fill(turn, form_fills)
            return True
        requested = state.requested
        if requested and self._takes_text(requested) and turn.parse is not None:
            if intent == "nlu_fallback" or not rule_names_intent:
                await self.accept(turn, requested, turn.parse.text, "text")
                return True
        return False

    def no_answer(self, turn: Turn) -> None:
        """The message was not for the form and no rule took it: count a failed attempt."""
        requested = turn.state.requested
        if requested is None:
            turn.explain(f"form {turn.state.form}: no answer to the confirmation; asking again")
            return
        self.invalid(turn, requested, None, "the message has no value for it")

    async def advance(self, turn: Turn) -> None:
        """Ask for the next missing slot, or for confirmation, or submit; once per turn each."""
        name = turn.state.form
        if name is None:
            return
        spec = self.domain.forms[name]
        state = turn.state
        missing = next((slot for slot in spec.slots if state.slots.get(slot) is None), None)
        if missing is not None:
            self._save(turn, requested=missing, confirming=False)
            if missing not in turn.asked:
                turn.asked.add(missing)
                turn.say(spec.slots[missing].prompt)
                turn.explain(f"form {name}: asked for {missing}")
            return
        if spec.confirm:
            self._save(turn, requested=None, confirming=True)
            if CONFIRM not in turn.asked:
                turn.asked.add(CONFIRM)
                turn.say(spec.confirm)
                turn.explain(f"form {name}: asked to confirm")
            return
        await self.submit(turn)

    # ------------------------------------------------------------------ filling

    async def fill(self, turn: Turn, values: dict[str, Any]) -> None:
        for slot, value in values.items():
            if turn.state.form is None:
                return
            await self.accept(turn, slot, value, "entity")

    async def accept(self, turn: Turn, slot: str, value: Any, source: str) -> bool:
        """Validate and set one form slot; on failure re-ask or give up after max attempts."""
        form = turn.state.form
        assert form is not None
        spec = self.domain.forms[form].slots[slot]
        try:
            value = coerce(self.domain.slots[slot], value)
        except SlotValueError as exc:
            self.invalid(turn, slot, value, str(exc))
            return False
        value, reason = validation.check(spec.validate_, value)
        if reason is not None:
            self.invalid(turn, slot, value, reason)
            return False
        if spec.validate_ is not None and spec.validate_.plugin:
            checked = await self._plugin(turn, spec.validate_.plugin, slot, value)
            if checked is None:
                return False
            value = checked
        old = turn.state.slots.get(slot)
        if old is not None and old != value and source != "already known":
            why = f"form {form}: corrected {slot} from {turn.shown(slot, old)}"
        else:
            why = f"form {form}: from {source}"
        turn.set_slot(slot, value, why)
        attempts = dict(turn.state.attempts)
        attempts.pop(slot, None)
        self._save(turn, attempts=attempts)
        return True

    async def _plugin(self, turn: Turn, plugin: str, slot: str, value: Any) -> Any:
        """Run a validation action; returns the (maybe normalised) value, or None if rejected."""
        outcome = await call_action(turn, plugin, {**turn.state.slots, slot: value})
        if not outcome.ok or outcome.result is None:
            report_failure(turn, outcome)
            turn.asked.discard(slot)
            return None
        result = outcome.result
        checked = result.slots.get(slot, value)
        for act in result.acts:
            turn.add_act(act)
        for other, other_value in result.slots.items():
            if other != slot:
                turn.set_slot(other, other_value, f"set by {plugin}")
        if checked is None:
            self.invalid(turn, slot, value, f"rejected by {plugin}", said=bool(result.acts))
            return None
        return checked

    def _takes_text(self, slot: str) -> bool:
        spec = self.domain.slots.get(slot)
        return spec is not None and any(f.source == "text" for f in spec.fill)

    def invalid(self, turn: Turn, slot: str, value: Any, reason: str, said: bool = False) -> None:
        form = turn.state.form
        assert form is not None
        spec = self.domain.forms[form]
        attempts = dict(turn.state.attempts)
        attempts[slot] = attempts.get(slot, 0) + 1
        limit = spec.slots[slot].max_attempts
        reason = turn.redacted(reason, slot, value)
        turn.explain(f"form {form}: {slot} invalid: {reason} (attempt {attempts[slot]} of {limit})")
        if attempts[slot] >= limit:
            self.fail(turn, slot, attempts[slot])
            return
        self._save(turn, attempts=attempts)
        invalid = spec.slots[slot].invalid
        if said:
            turn.asked.add(slot)
        elif invalid and value is not None:  # no answer at all: just ask again
            turn.say(invalid, value=value, slot=slot)
            turn.asked.add(slot)  # the invalid message asks again
        elif self.invalid_response in self.domain.responses and value is not None:
            turn.say(self.invalid_response, value=value, slot=slot)

    # ------------------------------------------------------------------ endings

    def fail(self, turn: Turn, slot: str, attempts: int) -> None:
        spec = self.spec(turn)
        if spec.failed:
            turn.say(spec.failed)
        turn.end_form(False, f"{slot} failed {attempts} times")
        if spec.handoff_on_failure:
            turn.handoff(f"could not get a valid {slot} after {attempts} attempts")
            if not spec.failed:
                turn.say(self.handoff_response, self.handoff_text)

    def cancel(self, turn: Turn) -> None:
        spec = self.spec(turn)
        if spec.cancelled:
            turn.say(spec.cancelled)
        turn.end_form(False, "cancelled by the user")

    def deny(self, turn: Turn) -> None:
        spec = self.spec(turn)
        if spec.on_deny == "cancel":
            self.cancel(turn)
            return
        turn.explain(f"form {turn.state.form}: not confirmed; asking every slot again")
        for slot in spec.slots:
            turn.set_slot(slot, None)
        self._save(turn, requested=None, attempts={}, confirming=False)

    async def submit(self, turn: Turn) -> None:
        spec = self.spec(turn)
        name = turn.state.form
        if spec.submit:
            if not await run_and_apply(turn, spec.submit):
                if spec.confirm:
                    turn.asked.add(CONFIRM)  # the user may confirm again to retry
                    turn.explain(f"form {name}: submit failed; still waiting for confirmation")
                else:
                    turn.end_form(False, "submit action failed")
                return
            if turn.state.form != name:
                return
        if spec.done:
            turn.say(spec.done)
        turn.end_form(True, "completed")
