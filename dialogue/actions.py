"""The API for custom actions: small async functions that talk to the outside world.

A domain plugin module defines::

    from dialogue.actions import ActionContext, action

    @action("action_check_order", timeout=3)
    async def check_order(ctx: ActionContext) -> None:
        order = await lookup(ctx.slots["order_id"])
        ctx.set_slot("order_status", order.status)
        ctx.respond("utter_order_status")

An action reads slots, entities and history and records what it wants done; the dialogue
manager applies it, so an action that raises or times out changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dialogue.messages import DialogueAct, Entity, ParsedMessage
from dialogue.registry import registry

if TYPE_CHECKING:
    from dialogue.domain.model import Domain


@dataclass
class ActionResult:
    """What an action asked for, applied by the dialogue manager only if the action succeeds."""

    slots: dict[str, Any] = field(default_factory=dict)
    acts: list[DialogueAct] = field(default_factory=list)
    follow_up: list[str] = field(default_factory=list)
    handoff: str | None = None
    refused: list[str] = field(default_factory=list)  # form slots whose value rules the request out


@dataclass
class ActionContext:
    conversation_id: str
    domain: Domain
    slots: Mapping[str, Any]
    latest: ParsedMessage | None
    history: Sequence[Mapping[str, Any]] = ()
    result: ActionResult = field(default_factory=ActionResult)

    def __post_init__(self) -> None:
        self.slots = MappingProxyType(dict(self.slots))

    @property
    def intent(self) -> str | None:
        return self.latest.intent.name if self.latest else None

    @property
    def entities(self) -> tuple[Entity, ...]:
        return self.latest.entities if self.latest else ()

    def entity(self, entity_type: str) -> Any:
        """Normalised value of the first entity of this type in the latest message, or None."""
        return next((e.value for e in self.entities if e.type == entity_type), None)

    def slot(self, name: str) -> Any:
        """A slot's value, including any set earlier in this action."""
        return self.result.slots.get(name, self.slots.get(name))

    def set_slot(self, name: str, value: Any) -> None:
        self.result.slots[name] = value

    def respond(self, response: str, **values: Any) -> None:
        """Say a domain response; ``values`` are extra template variables."""
        self.result.acts.append(DialogueAct(name=response, slots=values))

    def refuse(self, slot: str, response: str | None = None, **values: Any) -> None:
        """A validator's verdict that the value is real but rules the request out (a shipped order, a course
        the student may not take): the slot is cleared and, unless the user's next message gives another
        value, the form ends there instead of asking again. ``response`` says why."""
        self.set_slot(slot, None)
        if slot not in self.result.refused:
            self.result.refused.append(slot)
        if response is not None:
            self.respond(response, **values)

    def say(self, text: str) -> None:
        """Say literal text (prefer ``respond`` so wording stays in the domain)."""
        self.result.acts.append(DialogueAct(name="text", text=text))

    def follow_up(self, action_name: str) -> None:
        self.result.follow_up.append(action_name)

    def handoff(self, reason: str) -> None:
        self.result.handoff = reason


ActionFunction = Callable[[ActionContext], Awaitable[None]]


@dataclass(frozen=True)
class RegisteredAction:
    name: str
    run: ActionFunction
    timeout: float | None = None  # overrides the domain's actions.<name>.timeout when set


def action(name: str, *, timeout: float | None = None) -> Callable[[ActionFunction], ActionFunction]:
    """Register an async function as the custom action ``name``."""

    def decorate(fn: ActionFunction) -> ActionFunction:
        registry("action").add(name, RegisteredAction(name, fn, timeout))
        return fn

    return decorate
