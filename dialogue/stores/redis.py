"""Redis store: a list of JSON records per conversation, shared by every process of a bot.

Keys: ``<prefix>conv:<id>`` (RPUSH per turn, in one transaction with the id index
``<prefix>conversations``), ``<prefix>epoch:<id>`` (counts ``replace`` calls, so readers at an
older position reload). An optional ``ttl`` expires idle conversations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import (
    Position,
    Snapshot,
    StoreConflict,
    StoreError,
    check_id,
    encode_all,
    loads,
    read_start,
)

# KEYS: records, epoch, id index; ARGV: expected epoch, expected length, ttl (0: none), id, records...
_APPEND_IF = """
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
local length = redis.call('LLEN', KEYS[1])
if epoch ~= tonumber(ARGV[1]) or length ~= tonumber(ARGV[2]) then return {-1, epoch, length} end
length = redis.call('RPUSH', KEYS[1], unpack(ARGV, 5))
redis.call('SADD', KEYS[3], ARGV[4])
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return {0, epoch, length}
"""


class RedisStore:
    class Config(ComponentConfig):
        url: str = Field("redis://localhost:6379/0", description="redis:// or unix:// URL.")
        prefix: str = Field("dialogue:", description="Key prefix, to share a Redis between bots.")
        ttl: int | None = Field(None, gt=0, description="Seconds an idle conversation is kept; none: forever.")

    def __init__(self, url: str, prefix: str = "dialogue:", ttl: int | None = None) -> None:
        self.url = url
        self.prefix = prefix
        self.ttl = ttl
        self._client: Any = None

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> RedisStore:
        return cls(config.url, config.prefix, config.ttl)

    def _key(self, conversation_id: str) -> str:
        return f"{self.prefix}conv:{check_id(conversation_id)}"

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.from_url(self.url)
        return self._client

    async def _call(self, what: str, coro: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return await coro
        except RedisError as exc:
            raise StoreError(f"Redis store at {self.url}: {what} failed: {exc}") from exc

    def _epoch_key(self, conversation_id: str) -> str:
        return f"{self.prefix}epoch:{check_id(conversation_id)}"

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = await self._call("load", self._redis().lrange(self._key(conversation_id), 0, -1))
        return [loads(row) for row in rows]

    async def load_from(self, conversation_id: str, since: Position | None = None) -> Snapshot:
        start = since.length if since is not None else 0
        pipe = self._redis().pipeline(transaction=True)  # epoch, length and rows of one moment
        pipe.get(self._epoch_key(conversation_id))
        pipe.llen(self._key(conversation_id))
        pipe.lrange(self._key(conversation_id), start, -1)
        epoch, length, rows = await self._call("load", pipe.execute())
        position = Position(int(epoch or 0), int(length))
        if since is not None and read_start(since, position.epoch, position.length) is None:
            return await self.load_from(conversation_id)  # replaced since: read it all
        return Snapshot([loads(row) for row in rows], position, whole=since is None)

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]],
                     expect: Position | None = None) -> Position | None:
        if not records:
            return None
        if expect is None:
            return await self._write(conversation_id, records, replace=False)
        keys = [self._key(conversation_id), self._epoch_key(conversation_id), f"{self.prefix}conversations"]
        args = [expect.epoch, expect.length, self.ttl or 0, conversation_id, *encode_all(records)]
        conflict, epoch, length = await self._call("write", self._redis().eval(_APPEND_IF, len(keys), *keys, *args))
        if conflict:
            raise StoreConflict(f"conversation {conversation_id!r} moved from {expect} to "
                                f"{Position(int(epoch), int(length))} since it was read")
        return Position(int(epoch), int(length))

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> Position:
        return await self._write(conversation_id, records, replace=True)

    async def _write(self, conversation_id: str, records: Sequence[dict[str, Any]], replace: bool) -> Position:
        key, epoch_key = self._key(conversation_id), self._epoch_key(conversation_id)
        pipe = self._redis().pipeline(transaction=True)
        if replace:
            pipe.delete(key)
            pipe.incr(epoch_key)
        else:
            pipe.get(epoch_key)
        if records:
            pipe.rpush(key, *encode_all(records))
            pipe.sadd(f"{self.prefix}conversations", conversation_id)
            if self.ttl:
                pipe.expire(key, self.ttl)
                pipe.expire(epoch_key, self.ttl)
        else:
            pipe.srem(f"{self.prefix}conversations", conversation_id)
        results = await self._call("write", pipe.execute())
        epoch = int(results[1] if replace else results[0] or 0)
        length = int(results[2 if replace else 1]) if records else 0
        return Position(epoch, length)

    async def conversation_ids(self) -> list[str]:
        client = self._redis()
        members = await self._call("list", client.smembers(f"{self.prefix}conversations"))
        ids = sorted(m.decode() if isinstance(m, bytes) else m for m in members)
        if self.ttl:  # expired conversations leave their id behind
            alive = [await self._call("list", client.exists(self._key(i))) for i in ids]
            ids = [i for i, a in zip(ids, alive) if a]
        return ids

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
