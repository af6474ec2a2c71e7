"""The event-sourced state of one conversation.

A tracker is a list of small JSON records (what the user said and how it was parsed, slot
changes, form progress, actions, bot acts, handoffs...). The state is a fold over them, so a
conversation loaded from any store is exactly where it was. ``restart`` and ``undo`` records
are kept for the audit trail; replay drops what they rewind.

Record kinds (``type``): user, slot, form_start, form_end, form_state, action, bot, handoff,
end, fail, restart, undo. Every record has ``turn`` (the turn id) and ``ts`` (unix time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Record = dict[str, Any]

log = logging.getLogger("dialogue.dm.tracker")


@dataclass
class DialogueState:
    """What the manager needs to decide the next turn; derived from records, never stored."""

    slots: dict[str, Any]
    form: str | None = None
    requested: str | None = None  # slot the active form asked for
    attempts: dict[str, int] = field(default_factory=dict)  # failed attempts per slot of the active form
    confirming: bool = False  # the active form asked the user to confirm
    refused: str | None = None  # a slot of the active form whose value a validator ruled out (see ActionContext.refuse)
    refused_value: Any = None  # that value, kept for after the form
    turns: int = 0  # user turns since the conversation (re)started
    failures: int = 0  # consecutive turns the bot could not handle
    previous_action: str | None = None  # last response/action/form the bot ran
    handed_off: bool = False
    ended: bool = False

    def copy(self) -> DialogueState:
        return replace(self, slots=dict(self.slots), attempts=dict(self.attempts))


def apply(state: DialogueState, record: Mapping[str, Any], initial: Mapping[str, Any]) -> None:
    """Fold one record into ``state`` (restart/undo are handled by ``Tracker``)."""
    kind = record["type"]
    if kind == "user":
        state.turns += 1
    elif kind == "slot":
        state.slots[record["name"]] = record["value"]
    elif kind == "form_start":
        state.form, state.requested, state.attempts, state.confirming = record["name"], None, {}, False
        state.refused = state.refused_value = None
        state.previous_action = record["name"]
    elif kind == "form_end":
        state.form, state.requested, state.attempts, state.confirming = None, None, {}, False
        state.refused = state.refused_value = None
    elif kind == "form_state":
        state.requested = record.get("requested")
        state.attempts = dict(record.get("attempts", {}))
        state.confirming = bool(record.get("confirming", False))
        state.refused = record.get("refused")
        state.refused_value = record.get("refused_value")
    elif kind == "action":
        state.previous_action = record["name"]
    elif kind == "bot":
        if record.get("acts"):
            state.previous_action = record["acts"][-1]
    elif kind == "handoff":
        state.handed_off = True
    elif kind == "end":
        state.ended = True
    elif kind == "fail":
        state.failures = record["count"]


def record(kind: str, turn: int, **fields: Any) -> Record:
    return {"type": kind, "turn": turn, "ts": round(time.time(), 6), **fields}


class Tracker:
    """All records of one conversation plus the state they fold to."""

    def __init__(self, conversation_id: str, initial: Mapping[str, Any], records: Iterable[Record] = ()) -> None:
        self.conversation_id = conversation_id
        self.initial = dict(initial)
        self.records: list[Record] = []
        self.effective: list[Record] = []  # records not rewound by restart/undo, oldest first
        self.state = DialogueState(slots=dict(self.initial))
        for item in records:
            self.add(item)

    def copy(self) -> Tracker:
        clone = Tracker.__new__(Tracker)
        clone.conversation_id = self.conversation_id
        clone.initial = self.initial
        clone.records = list(self.records)
        clone.effective = list(self.effective)
        clone.state = self.state.copy()
        return clone

    def add(self, item: Record) -> None:
        """Append a record and update the state; a malformed stored record is skipped, not fatal."""
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            log.warning("conversation %s: skipping malformed record %.80r", self.conversation_id, item)
            return
        self.records.append(item)
        kind = item["type"]
        if kind == "restart":
            self.effective = []
            self._replay()
        elif kind == "undo":
            last_user = self.last_user_index()
            if last_user is not None:
                del self.effective[last_user:]
                self._replay()
        else:
            try:
                apply(self.state.copy(), item, self.initial)  # validate first: a bad record changes nothing
            except (KeyError, TypeError, ValueError, AttributeError):
                log.warning("conversation %s: skipping malformed %s record %.80r", self.conversation_id, kind, item)
                return
            self.effective.append(item)
            apply(self.state, item, self.initial)

    def last_user_index(self) -> int | None:
        for i in range(len(self.effective) - 1, -1, -1):
            if self.effective[i]["type"] == "user":
                return i
        return None

    def _replay(self) -> None:
        self.state = DialogueState(slots=dict(self.initial))
        for item in self.effective:
            apply(self.state, item, self.initial)

    @property
    def history(self) -> list[Record]:
        """The records that count (rewound ones left out), for custom actions."""
        return list(self.effective)
