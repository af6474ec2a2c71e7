"""Redis store: a list of JSON records per conversation, shared by every process of a bot.

Keys: ``<prefix>conv:<id>`` (RPUSH per turn, in one transaction with the id index
``<prefix>conversations``). An optional ``ttl`` expires idle conversations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import StoreError, check_id, encode_all, loads


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

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = await self._call("load", self._redis().lrange(self._key(conversation_id), 0, -1))
        return [loads(row) for row in rows]

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        if records:
            await self._write(conversation_id, records, replace=False)

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        await self._write(conversation_id, records, replace=True)

    async def _write(self, conversation_id: str, records: Sequence[dict[str, Any]], replace: bool) -> None:
        key = self._key(conversation_id)
        pipe = self._redis().pipeline(transaction=True)
        if replace:
            pipe.delete(key)
        if records:
            pipe.rpush(key, *encode_all(records))
            pipe.sadd(f"{self.prefix}conversations", conversation_id)
            if self.ttl:
                pipe.expire(key, self.ttl)
        else:
            pipe.srem(f"{self.prefix}conversations", conversation_id)
        await self._call("write", pipe.execute())

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
