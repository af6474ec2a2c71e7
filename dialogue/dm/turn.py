"""One turn being decided: a working copy of the tracker plus what the turn says and emits.

Everything the manager does goes through ``Turn`` so records, events and explanations stay in
step; nothing reaches the stored tracker unless the whole turn succeeds.
"""

from __future__ import annotations

import json
from typing import Any

from dialogue.dm.redaction import display_value, redact_text
from dialogue.dm.slots import SlotValueError, coerce
from dialogue.dm.tracker import DialogueState, Record, Tracker, record
from dialogue.domain.model import Domain
from dialogue.messages import (
    Button,
    ConversationEnded,
    ConversationRestarted,
    Decision,
    DialogueAct,
    Event,
    FormEnded,
    FormStarted,
    HandoffRequested,
    ParsedMessage,
    SlotSet,
    TurnUndone,
)


class Turn:
    def __init__(self, domain: Domain, tracker: Tracker, conversation_id: str, turn_id: int,
                 parse: ParsedMessage | None = None, channel: str = "api") -> None:
        self.domain = domain
        self.tracker = tracker
        self.conversation_id = conversation_id
        self.turn_id = turn_id
        self.parse = parse
        self.channel = channel
        self.new_records: list[Record] = []
        self.events: list[Event] = []
        self.acts: list[DialogueAct] = []
        self.explanation: list[str] = []
        self.asked: set[str] = set()  # form questions already asked this turn (slot names, or ":confirm")
        self.ended = False
        self.urgent = False  # an ``interrupt: true`` rule answered: nothing else is said this turn

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> DialogueState:
        return self.tracker.state

    def add(self, kind: str, **fields: Any) -> None:
        item = record(kind, self.turn_id, **fields)
        self.tracker.add(item)
        self.new_records.append(item)

    def explain(self, line: str) -> None:
        self.explanation.append(line)

    def shown(self, slot: str, value: Any) -> str:
        """A slot value as explanations show it: ``***`` for a sensitive slot (see ``dialogue.dm.redaction``)."""
        return display_value(slot, value, self.domain.slots)

    def redacted(self, text: str, slot: str, value: Any) -> str:
        """``text`` (a reason that may quote the value) with a sensitive slot's value masked."""
        return redact_text(text, slot, value, self.domain.slots)

    def _event(self, cls: type[Event], **fields: Any) -> None:
        self.events.append(cls(conversation_id=self.conversation_id, turn_id=self.turn_id, **fields))

    # ------------------------------------------------------------------ saying

    def say(self, name: str, default_text: str | None = None, buttons: tuple[Button, ...] = (), answerable: bool = True,
            **values: Any) -> None:
        """Add a response act; a built-in response the domain lacks becomes literal ``default_text``.
        ``answerable=False`` keeps a knowledge passage from standing in for it (``DialogueAct.answerable``)."""
        if default_text is not None and name not in self.domain.responses:
            self.acts.append(DialogueAct(name="text", text=default_text, buttons=buttons, slots=self.template_values(),
                                         answerable=answerable))
            return
        self.acts.append(DialogueAct(name=name, slots={**self.template_values(), **values}, buttons=buttons,
                                     answerable=answerable))

    def add_act(self, act: DialogueAct) -> None:
        """An act chosen by an action: template values are the slots plus what the action passed."""
        self.acts.append(act.model_copy(update={"slots": {**self.template_values(), **act.slots}}))

    def template_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.state.slots.items() if v is not None}

    # ------------------------------------------------------------------ changes

    def set_slot(self, name: str, value: Any, why: str = "") -> bool:
        """Set a declared slot (coerced to its type); returns False if the value does not fit."""
        spec = self.domain.slots.get(name)
        if spec is None:
            self.explain(f"ignored unknown slot {name}")
            return False
        try:
            value = coerce(spec, value)
        except SlotValueError as exc:
            self.explain(f"slot {name} not set: {self.redacted(str(exc), name, value)}")
            return False
        if not isinstance(value, (str, int, float, bool, type(None))):
            value = json.loads(json.dumps(value, default=str))  # what the store will give back after a restart
        if self.state.slots.get(name) == value and name in self.state.slots:
            return True
        self.add("slot", name=name, value=value)
        self._event(SlotSet, name=name, value=value)
        if why:
            self.explain(f"{name} = {self.shown(name, value)} ({why})")
        return True

    def start_form(self, name: str) -> None:
        self.add("form_start", name=name)
        self._event(FormStarted, name=name)
        self.explain(f"form {name} started")

    def end_form(self, completed: bool, why: str) -> None:
        name = self.state.form
        if name is None:
            return
        self.add("form_end", name=name, completed=completed)
        self._event(FormEnded, name=name, completed=completed)
        self.explain(f"form {name} ended ({why})")
        for slot in self.domain.forms[name].slots:
            spec = self.domain.slots.get(slot)
            if spec is not None and spec.reset_after_form:
                self.set_slot(slot, spec.initial)

    def form_state(self, requested: str | None, attempts: dict[str, int], confirming: bool,
                   refused: str | None = None, refused_value: Any = None) -> None:
        extra = {"refused": refused, "refused_value": refused_value} if refused is not None else {}
        self.add("form_state", requested=requested, attempts=attempts, confirming=confirming, **extra)

    def handoff(self, reason: str) -> None:
        self.add("handoff", reason=reason)
        self._event(HandoffRequested, reason=reason)
        self.explain(f"handoff requested: {reason}")

    def end(self, reason: str) -> None:
        self.add("end", reason=reason)
        self._event(ConversationEnded, reason=reason)
        self.explain(f"conversation ended{': ' + reason if reason else ''}")
        self.ended = True

    def restart(self, why: str) -> None:
        self.add("restart")
        self._event(ConversationRestarted)
        self.explain(f"conversation restarted ({why})")

    def undo(self) -> bool:
        index = self.tracker.last_user_index()
        if index is None:
            self.explain("nothing to undo")
            return False
        text = self.tracker.effective[index].get("text", "")
        self.add("undo")
        self._event(TurnUndone)
        self.explain(f"undid the last user turn {text!r}")
        return True

    def set_failures(self, count: int) -> None:
        if self.state.failures != count:
            self.add("fail", count=count)

    # ------------------------------------------------------------------ result

    def decision(self) -> Decision:
        return Decision(
            conversation_id=self.conversation_id,
            turn_id=self.turn_id,
            acts=tuple(self.acts),
            slots=dict(self.state.slots),
            channel=self.channel,
            explanation=tuple(self.explanation),
            ended=self.ended,
            user_text=self.parse.text if self.parse else "",
            intent=self.parse.intent.name if self.parse else None,
        )
