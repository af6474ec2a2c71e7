"""Forms: ask for required slots one by one, validate, re-ask, confirm, submit.

The user may answer several slots at once, correct an earlier answer, digress (a rule
handles the message, then the form asks again), cancel, or run out of attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogue.actions import ActionResult
from dialogue.dm import slot_checks
from dialogue.dm.action_runner import Outcome
from dialogue.dm.reading import (
    Answer,
    Reading,
    confirmation_answer,
    opens_with_yes,
    yes_confidence,
)
from dialogue.dm.slots import SlotValueError, coerce
from dialogue.dm.steps import call_action, report_failure, run_and_apply
from dialogue.dm.turn import Turn
from dialogue.domain.model import Domain
from dialogue.domain.schema.dm import FormSpec

CONFIRM = ":confirm"


@dataclass
class Verdict:
    """What validating one candidate value found, before anything is applied to the turn."""

    value: Any  # the normalised value when valid, else the candidate
    reason: str | None = None  # why it is not valid
    result: ActionResult | None = None  # what the validation action asked for (messages, other slots)
    failure: Outcome | None = None  # the validation action itself failed
    plugin: str | None = None  # the validation action that ran

    @property
    def valid(self) -> bool:
        return self.reason is None and self.failure is None


class FormEngine:
    def __init__(self, domain: Domain, invalid_response: str, handoff_response: str, handoff_text: str,
                 unclear_response: str = "utter_unclear_confirmation") -> None:
        self.domain = domain
        self.invalid_response = invalid_response
        self.handoff_response = handoff_response
        self.handoff_text = handoff_text
        self.unclear_response = unclear_response

    def spec(self, turn: Turn) -> FormSpec:
        assert turn.state.form is not None
        return self.domain.forms[turn.state.form]

    def _save(self, turn: Turn, *, requested: Any = ..., attempts: dict[str, int] | None = None,
              confirming: bool | None = None, refused: Any = ..., refused_value: Any = ...) -> None:
        state = turn.state
        new = (
            state.requested if requested is ... else requested,
            dict(state.attempts) if attempts is None else attempts,
            state.confirming if confirming is None else confirming,
            state.refused if refused is ... else refused,
            state.refused_value if refused_value is ... else refused_value,
        )
        if new != (state.requested, state.attempts, state.confirming, state.refused, state.refused_value):
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

    async def handle(self, turn: Turn, fills: dict[str, Any], reading: Reading) -> bool:
        """Let the active form take the message; False means it is not for the form (try rules)."""
        spec = self.spec(turn)
        state = turn.state
        intent = reading.intent
        text = turn.parse.text if turn.parse is not None else ""
        if intent in spec.cancel_intents and not (state.confirming and opens_with_yes(text)):
            self.cancel(turn)  # "yes, cancel it" at a confirmation is read below: yes and no at once
            return True
        form_fills = {slot: value for slot, value in fills.items() if slot in spec.slots}
        if state.refused is not None:
            carried = await self._after_refusal(turn, form_fills, reading)
            if carried is None:
                self.end_refused(turn)
                return False
            if carried:
                return True
        if form_fills and self._question_about_filled_slots(turn, form_fills, reading):
            return False
        if state.confirming:
            if form_fills:
                await self.fill(turn, form_fills)
                if turn.state.form is not None:
                    self._save(turn, confirming=False)  # changed: confirm again
                return True
            return await self._confirmation(turn, reading)
        if form_fills:
            await self.fill(turn, form_fills)
            return True
        requested = state.requested
        if requested and turn.parse is not None and self._takes_text(requested, intent):
            if reading.out_of_scope or reading.other_request or fills:
                return await self._answer_if_valid(turn, requested, fills, reading)
            await self.accept(turn, requested, turn.parse.text, "text")
            return True
        return False

    def no_answer(self, turn: Turn) -> None:
        """The message was not for the form and no rule took it: count a failed attempt."""
        requested = turn.state.requested
        if requested is None:
            if turn.state.confirming:
                self.unclear(turn, "no answer to the confirmation")
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

    # ------------------------------------------------------------------ reading the message

    def _question_about_filled_slots(self, turn: Turn, form_fills: dict[str, Any], reading: Reading) -> bool:
        """"how much is the espresso machine?" while the return reason is asked names a product (the item slot,
        already filled) but asks a question that a rule answers: a digression, not a correction."""
        state = turn.state
        if not (reading.answering_rule and reading.question) or state.requested in form_fills:
            return False
        if any(state.slots.get(slot) is None for slot in form_fills):
            return False  # a value for a slot still to be asked is an early answer, kept
        turn.explain(f"form {state.form}: a question ({reading.intent}) naming {', '.join(form_fills)}, "
                     "not a correction")
        return True

    async def _answer_if_valid(self, turn: Turn, requested: str, fills: dict[str, Any], reading: Reading) -> bool:
        """Free text that may not be an answer: it is out of scope, another request with its own rule, or it
        gave values for other slots (kept by the manager).

        A question, or text for a slot that checks nothing, is then a digression (False): the NLU is trusted,
        except when only the learned out-of-scope decision spoke: a bare name is unlike every example too.
        Otherwise the text answers ``requested`` only if it is a valid value ("Noah Park" read as a question
        about the clinic's location is still a name); if not, an out-of-scope message or another request is a
        digression (False), and a message with other values is kept and the question asked again (True).
        Only a statement that is merely unlike every example and not valid counts an attempt.
        """
        assert turn.parse is not None
        form = turn.state.form
        other = reading.out_of_scope or reading.other_request
        trusted = reading.other_request or (reading.out_of_scope and not reading.unlike_examples)
        if other and (reading.question or (trusted and not self._has_checks(turn, requested))):
            turn.explain(f"form {form}: {reading.intent} is not an answer for {requested}")
            return False
        verdict = await self.check(turn, requested, turn.parse.text)
        if verdict.valid:
            return await self.apply(turn, requested, verdict, "text")
        if trusted:
            turn.explain(f"form {form}: {reading.intent}, and not a valid {requested}: not an answer")
            return False
        if other:  # unlike every example, but no question and no other request: a wrong answer ("12 34" for a phone)
            await self.apply(turn, requested, verdict, "text")
            return True
        turn.explain(f"form {form}: kept {', '.join(fills)} for later; the message does not answer "
                     f"{requested}, asking again")
        return True

    async def _after_refusal(self, turn: Turn, form_fills: dict[str, Any], reading: Reading) -> bool | None:
        """After a refusal: None when the message gives no other value for the refused slot (the form ends),
        True when its text was that value (taken), False when an entity gives it (filled as usual)."""
        refused = turn.state.refused
        assert refused is not None
        if refused in form_fills:
            self._save(turn, refused=None, refused_value=None)
            return False
        if (turn.parse is None or turn.state.requested != refused or reading.out_of_scope
                or not self._takes_text(refused, reading.intent) or reading.other_request):
            return None
        verdict = await self.check(turn, refused, turn.parse.text)
        if not verdict.valid:
            return None
        self._save(turn, refused=None, refused_value=None)
        await self.apply(turn, refused, verdict, "text")
        return True

    async def _confirmation(self, turn: Turn, reading: Reading) -> bool:
        """A clear yes submits, a no (a negated request too) denies, anything unclear is asked again once."""
        spec = self.spec(turn)
        parse = turn.parse
        assert parse is not None
        threshold = spec.confirm_threshold
        if threshold is None:
            threshold = self.domain.settings.confirm_threshold
        yes = yes_confidence(parse.intent_ranking or (parse.intent,), spec.affirm_intents)
        refusing = [*spec.deny_intents, *spec.cancel_intents]
        answer, why = confirmation_answer(parse.text, yes, reading, refusing, threshold)
        if answer is Answer.YES:
            turn.explain(f"form {turn.state.form}: confirmed ({why})")
            await self.submit(turn)
        elif answer is Answer.NO:
            turn.explain(f"form {turn.state.form}: not confirmed ({why})")
            self.deny(turn)
        elif answer is Answer.UNCLEAR:
            self.unclear(turn, why)
        return answer is not Answer.OTHER

    def unclear(self, turn: Turn, why: str) -> None:
        """Not a clear yes or no to the confirmation: say so and ask again, or fail after ``confirm_attempts``."""
        spec = self.spec(turn)
        attempts = dict(turn.state.attempts)
        attempts[CONFIRM] = attempts.get(CONFIRM, 0) + 1
        turn.explain(f"form {turn.state.form}: unclear answer to the confirmation: {why} "
                     f"(attempt {attempts[CONFIRM]} of {spec.confirm_attempts})")
        if attempts[CONFIRM] >= spec.confirm_attempts:
            self.fail(turn, CONFIRM, attempts[CONFIRM])
            return
        self._save(turn, attempts=attempts)
        turn.say(self.unclear_response, "Sorry, I need a clear yes or no before I go ahead.")

    # ------------------------------------------------------------------ filling

    async def fill(self, turn: Turn, values: dict[str, Any]) -> None:
        for slot, value in values.items():
            if turn.state.form is None:
                return
            await self.accept(turn, slot, value, "entity")

    async def accept(self, turn: Turn, slot: str, value: Any, source: str) -> bool:
        """Validate and set one form slot; on failure re-ask or give up after max attempts."""
        return await self.apply(turn, slot, await self.check(turn, slot, value), source)

    async def check(self, turn: Turn, slot: str, value: Any) -> Verdict:
        """Validate a candidate for ``slot`` (type, declarative rules, the validation action); changes nothing."""
        form = turn.state.form
        assert form is not None
        spec = self.domain.forms[form].slots[slot]
        try:
            value = coerce(self.domain.slots[slot], value)
        except SlotValueError as exc:
            return Verdict(value, str(exc))
        value, reason = slot_checks.check(spec.validate_, value)
        if reason is not None or spec.validate_ is None or not spec.validate_.plugin:
            return Verdict(value, reason)
        plugin = spec.validate_.plugin
        outcome = await call_action(turn, plugin, {**turn.state.slots, slot: value})
        if not outcome.ok or outcome.result is None:
            return Verdict(value, f"{plugin} failed", failure=outcome, plugin=plugin)
        checked = outcome.result.slots.get(slot, value)
        if checked is None:
            return Verdict(value, f"rejected by {plugin}", result=outcome.result, plugin=plugin)
        return Verdict(checked, result=outcome.result, plugin=plugin)

    async def apply(self, turn: Turn, slot: str, verdict: Verdict, source: str) -> bool:
        """Set the slot from a valid verdict, or say what is wrong and count an attempt."""
        form = turn.state.form
        assert form is not None
        if verdict.failure is not None:
            report_failure(turn, verdict.failure)
            turn.asked.discard(slot)
            return False
        refused = self._apply_result(turn, slot, verdict)
        if not verdict.valid:
            assert verdict.reason is not None
            said = verdict.result is not None and bool(verdict.result.acts)
            self.invalid(turn, slot, verdict.value, verdict.reason, said=said)
            self._remember_refusal(turn, form, refused)
            return False
        value = verdict.value
        old = turn.state.slots.get(slot)
        if old is not None and old != value and source != "already known":
            why = f"form {form}: corrected {slot} from {turn.shown(slot, old)}"
        else:
            why = f"form {form}: from {source}"
        turn.set_slot(slot, value, why)
        attempts = dict(turn.state.attempts)
        attempts.pop(slot, None)
        self._save(turn, attempts=attempts)
        self._remember_refusal(turn, form, refused)
        return True

    def _apply_result(self, turn: Turn, slot: str, verdict: Verdict) -> dict[str, Any]:
        """Say what the validation action said and set the other slots it set; returns the values it refused."""
        result = verdict.result
        if result is None:
            return {}
        refused = {name: verdict.value if name == slot else turn.state.slots.get(name) for name in result.refused}
        for act in result.acts:
            turn.add_act(act)
        for other, other_value in result.slots.items():
            if other != slot:
                turn.set_slot(other, other_value, f"set by {verdict.plugin}")
        return refused

    def _remember_refusal(self, turn: Turn, form: str, refused: dict[str, Any]) -> None:
        """A refused value ends the form unless the next message gives another (see ``handle``)."""
        if turn.state.form != form:
            return
        for name, value in refused.items():
            if name in self.domain.forms[form].slots:
                turn.explain(f"form {form}: {name} {turn.shown(name, value)} ruled out; the form ends unless "
                             "another value comes next")
                self._save(turn, refused=name, refused_value=value)
                return

    def _has_checks(self, turn: Turn, slot: str) -> bool:
        """Whether a value of the active form's ``slot`` is checked beyond being text (type, rules, a plugin)."""
        spec = self.domain.slots.get(slot)
        typed = spec is not None and spec.type not in ("text", "any")
        return self.spec(turn).slots[slot].validate_ is not None or typed

    def _takes_text(self, slot: str, intent: str) -> bool:
        """Whether the slot takes the whole message as its value for this intent (``from: text``)."""
        spec = self.domain.slots.get(slot)
        return spec is not None and any(
            f.source == "text" and intent not in f.not_intent and (not f.intent or intent in f.intent)
            for f in spec.fill
        )

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
        """``slot`` (or ``CONFIRM``) ran out of attempts: say ``failed``, end the form, maybe hand off."""
        spec = self.spec(turn)
        what = "a clear answer to the confirmation" if slot == CONFIRM else f"a valid {slot}"
        if spec.failed:
            turn.say(spec.failed)
        turn.end_form(False, f"could not get {what} after {attempts} attempts")
        if spec.handoff_on_failure:
            turn.handoff(f"could not get {what} after {attempts} attempts")
            if not spec.failed:
                turn.say(self.handoff_response, self.handoff_text)

    def end_refused(self, turn: Turn) -> None:
        """The user did not give another value after a refusal: the form ends quietly (the refusal said why);
        the refused value stays known for what comes next ("can I return it instead?") unless the slot is
        cleared with its form."""
        state = turn.state
        name, value = state.refused, state.refused_value
        assert name is not None
        turn.end_form(False, f"{name} was ruled out and no other value was given")
        spec = self.domain.slots.get(name)
        if spec is not None and not spec.reset_after_form and value is not None:
            turn.set_slot(name, value, "kept from the refused request")

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
