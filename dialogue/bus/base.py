"""The bus contract shared by every backend."""

from __future__ import annotations

import logging
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from dialogue.messages import BusMessage, PipelineError

log = logging.getLogger("dialogue.bus")

ALL_TOPICS = "*"

#: A subscriber receives one message and may return messages to publish next.
Handler = Callable[[BusMessage], Awaitable[Sequence[BusMessage] | None]]


@dataclass(frozen=True)
class Subscription:
    topic: str
    handler: Handler
    name: str


class Bus(ABC):
    """Publish/subscribe on named topics.

    Guarantees every backend keeps: a subscriber sees the messages of one conversation
    one at a time and in publish order; different conversations are handled concurrently;
    a subscriber that raises is logged and reported on ``system.error`` and never stops
    the bus.

    A backend is found through the ``bus`` registry group by the name or URL scheme of a
    ``--bus`` value and built with ``from_spec``; ``distributed`` says whether other processes
    share it (then ``dialogue serve`` is a gateway and workers run the stages).
    """

    #: whether several processes share this bus (each runs a part of the pipeline)
    distributed: ClassVar[bool] = False

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> Bus:
        """The bus a ``--bus`` value names (a URL for a shared bus); options it does not know are an error."""
        return cls(spec, **options)  # type: ignore[call-arg]

    def subscribe(self, topic: str, handler: Handler, *, name: str | None = None) -> Subscription:
        """Call ``handler`` for every message on ``topic`` (``"*"`` for all topics)."""
        sub = Subscription(topic, handler, name if name else getattr(handler, "__qualname__", repr(handler)))
        self.subscriptions.append(sub)
        return sub

    def subscribers_of(self, topic: str) -> list[Subscription]:
        return [s for s in self.subscriptions if s.topic in (topic, ALL_TOPICS)]

    @abstractmethod
    async def publish(self, message: BusMessage) -> None:
        """Hand ``message`` to every subscriber of its topic; returns once it is queued."""

    @abstractmethod
    async def join(self) -> None:
        """Wait until every message published so far (and what it caused) is handled."""

    async def start(self) -> None:  # noqa: B027 - optional hook: a no-op unless a backend needs it
        """Open connections or workers; the in-process bus needs none."""

    async def close(self) -> None:  # noqa: B027 - optional hook: a no-op unless a backend needs it
        """Stop workers after in-flight messages are handled."""

    async def deliver(self, sub: Subscription, message: BusMessage) -> None:
        """Run one subscriber on one message and publish what it returns.

        Failures become a ``PipelineError`` on ``system.error`` so the channel can still
        answer the user; the trace goes to the log with the conversation id.
        """
        try:
            produced = await sub.handler(message)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            trace = traceback.format_exc()
            log.error(
                "subscriber %s failed on %s (conversation %s, turn %s)\n%s",
                sub.name, message.topic, message.conversation_id, message.turn_id, trace,
            )
            if message.topic != PipelineError.topic:
                await self.publish(
                    PipelineError(
                        conversation_id=message.conversation_id,
                        turn_id=message.turn_id,
                        subscriber=sub.name,
                        failed_topic=message.topic,
                        error=f"{type(exc).__name__}: {exc}",
                        trace=trace,
                    )
                )
            return
        for out in produced or ():
            await self.publish(out)
