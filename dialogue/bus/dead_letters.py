"""Poison messages on the Redis bus: set aside after N deliveries, listed, replayed or dropped.

A message whose handler raises is answered at once (a ``PipelineError``: the user gets the
domain's error response) and acknowledged. A message that makes its worker die or hang is
never acknowledged: each next owner of the shard claims it and handles it again, and it may
kill that worker too. So a pending entry already delivered ``max_deliveries`` times is not
delivered again: it is moved to the dead-letter stream ``PREFIX:dead`` with why, and a
``PipelineError`` is published for its turn so the user waiting for it still gets an answer.

``dialogue dead-letters`` lists them and replays one (back onto its stream, for the group
that failed on it only) once the cause is fixed, or drops it.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dialogue.messages import BusMessage, PipelineError, decode, encode

#: KEYS: dead stream, source stream, error stream (or ''); ARGV: group, entry id, maxlen, error payload,
#: then field, value pairs of the dead letter
_BURY = """
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 5))
if ARGV[4] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[4])
end
return redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
"""
#: KEYS: dead stream; ARGV: dead-letter id, maxlen. Puts the message back on its stream for its group only.
_REPLAY = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then return false end
local fields = {}
local flat = entries[1][2]
for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
local id = redis.call('XADD', fields['stream'], 'MAXLEN', '~', ARGV[2], '*', 'm', fields['m'], 'for', fields['group'])
redis.call('XDEL', KEYS[1], ARGV[1])
return id
"""


@dataclass(frozen=True)
class DeadLetter:
    id: str  # the entry id in the dead-letter stream
    stream: str  # where the message was (and is replayed to)
    entry_id: str  # its id there
    group: str  # the subscriber that could not handle it
    deliveries: int
    error: str
    consumer: str  # the last worker it was delivered to
    at: float  # unix time it was set aside
    message: str  # the bus message, JSON

    @property
    def summary(self) -> str:
        try:
            message: BusMessage | None = decode(self.message)
        except Exception:  # noqa: BLE001 - a foreign entry is still listed
            message = None
        what = f"{message.kind} {message.conversation_id}/{message.turn_id}" if message else "undecodable entry"
        return f"{what} for {self.group}, {self.deliveries} deliveries: {self.error}"


class DeadLetters:
    """The dead-letter stream of one bus (``prefix``) on one Redis."""

    def __init__(self, redis: Any, prefix: str = "dialogue", maxlen: int = 100_000) -> None:
        self.redis = redis
        self.prefix = prefix
        self.maxlen = maxlen
        self.stream = f"{prefix}:dead"
        self._bury = redis.register_script(_BURY)
        self._replay = redis.register_script(_REPLAY)

    async def bury(self, stream: str, entry_id: str, group: str, payload: str, deliveries: int, consumer: str,
                   error_stream: str | None) -> None:
        """Move a pending entry here, publish a ``PipelineError`` for its turn, acknowledge it: atomically."""
        error = (f"delivered {deliveries} times and never acknowledged: the worker handling it died or hung "
                 f"each time (last: {consumer})")
        notice = ""
        try:
            message = decode(payload)
        except Exception:  # noqa: BLE001 - set aside all the same
            message = None
        if message is not None and message.topic != PipelineError.topic and error_stream:
            notice = encode(PipelineError(conversation_id=message.conversation_id, turn_id=message.turn_id,
                                          subscriber=group, failed_topic=message.topic, error=f"dead letter: {error}"))
        fields = {"m": payload, "stream": stream, "id": entry_id, "group": group, "deliveries": deliveries,
                  "error": error, "consumer": consumer, "at": f"{time.time():.3f}"}
        flat = [item for pair in fields.items() for item in pair]
        await self._bury(keys=[self.stream, stream, error_stream or ""],
                         args=[group, entry_id, self.maxlen, notice, *flat])

    async def list(self, count: int = 1000) -> list[DeadLetter]:
        letters = []
        for dead_id, fields in await self.redis.xrange(self.stream, count=count):
            fields = {_text(k): _text(v) for k, v in fields.items()}
            letters.append(DeadLetter(
                id=_text(dead_id), stream=fields.get("stream", ""), entry_id=fields.get("id", ""),
                group=fields.get("group", ""), deliveries=int(fields.get("deliveries", 0)),
                error=fields.get("error", ""), consumer=fields.get("consumer", ""),
                at=float(fields.get("at", 0)), message=fields.get("m", "")))
        return letters

    async def replay(self, ids: Sequence[str]) -> builtins.list[str]:  # `list` here is the method above
        """Put these back on their streams (for the group that failed only); the ids that were found."""
        done = []
        for dead_id in ids:
            if await self._replay(keys=[self.stream], args=[dead_id, self.maxlen]):
                done.append(dead_id)
        return done

    async def drop(self, ids: Sequence[str]) -> int:
        return int(await self.redis.xdel(self.stream, *ids)) if ids else 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ["DeadLetter", "DeadLetters"]
