"""In-process bus: one asyncio queue per (subscriber, conversation)."""

from __future__ import annotations

import asyncio
from typing import Any

from dialogue.bus.base import Bus, Subscription
from dialogue.messages import BusMessage


class InProcessBus(Bus):
    """Runs every subscriber in the current event loop.

    Each subscriber gets a queue and a worker task per active conversation, so one
    conversation's messages are handled in order while others proceed concurrently. A
    worker exits when its queue is empty and is recreated on the next message.
    """

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> InProcessBus:
        """``--bus memory``: shards, prefix and the other options of a shared bus mean nothing here."""
        return cls()

    def __init__(self) -> None:
        super().__init__()
        self._queues: dict[tuple[int, str], asyncio.Queue[BusMessage]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def publish(self, message: BusMessage) -> None:
        for sub in self.subscribers_of(message.topic):
            key = (id(sub), message.conversation_id)
            queue = self._queues.get(key)
            self._pending += 1
            self._idle.clear()
            if queue is None:
                queue = asyncio.Queue()
                self._queues[key] = queue
                queue.put_nowait(message)
                task = asyncio.create_task(self._work(key, sub, queue))
                self._workers.add(task)
                task.add_done_callback(self._workers.discard)
            else:
                queue.put_nowait(message)

    async def _work(self, key: tuple[int, str], sub: Subscription, queue: asyncio.Queue[BusMessage]) -> None:
        while True:
            try:
                message = queue.get_nowait()
            except asyncio.QueueEmpty:
                del self._queues[key]
                return
            try:
                await self.deliver(sub, message)
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    async def join(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        await self.join()
