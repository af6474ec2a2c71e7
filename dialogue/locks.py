"""One asyncio lock per key (a conversation id), kept only while someone holds or waits for it.

Conversations come and go by the million on a server; a lock per conversation ever seen would
grow without end, so a key's lock is dropped when its last user leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class KeyedLocks(dict[str, tuple[asyncio.Lock, list[int]]]):
    """``async with locks.hold(key)``: FIFO per key, keys independent of each other.

    As a mapping it holds the keys in use (held or waited for) with their lock and user count,
    so it equals ``{}`` when nothing is going on.
    """

    def __init__(self, on_idle: Callable[[str], object] | None = None) -> None:
        super().__init__()
        self._on_idle = on_idle  # called when a key's last user leaves (drop what was kept for it); its result is ignored

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                self.pop(key, None)
                if self._on_idle is not None:
                    self._on_idle(key)
