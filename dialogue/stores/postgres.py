"""PostgreSQL store: one row per record (JSONB), for bots that already run PostgreSQL.

Uses psycopg 3's async connection; the tables are created on first use: ``<table>`` (the
records) and ``<table>_epochs`` (a row per conversation: its ``replace`` count, and the lock
that makes writers of one conversation commit one after another, so rows never become visible
out of id order and a reader's position stays exact).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import Field, field_validator

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import Position, Snapshot, StoreError, check_expected, check_id, encode_all, read_start

T = TypeVar("T")


def _check_table(table: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", table):
        raise ValueError("table must be a plain SQL identifier (letters, digits, _)")
    return table


class PostgresStore:
    class Config(ComponentConfig):
        dsn: str = Field("postgresql://localhost/dialogue", description="libpq connection string or URL.")
        table: str = Field("dialogue_records", description="Table name (created if missing).")

        @field_validator("table")
        @classmethod
        def _identifier(cls, table: str) -> str:
            return _check_table(table)

    def __init__(self, dsn: str, table: str = "dialogue_records") -> None:
        self.dsn = dsn
        self.table = _check_table(table)
        self._connection: Any = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> PostgresStore:
        return cls(config.dsn, config.table)

    async def _connect(self) -> Any:
        if self._connection is None or self._connection.closed:
            import psycopg

            try:
                connection = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                await connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.table} ("
                    " id BIGSERIAL PRIMARY KEY, conversation_id TEXT NOT NULL, data JSONB NOT NULL)"
                )
                await connection.execute(
                    f"CREATE INDEX IF NOT EXISTS {self.table}_conversation ON {self.table} (conversation_id, id)"
                )
                await connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.table}_epochs ("
                    " conversation_id TEXT PRIMARY KEY, epoch BIGINT NOT NULL DEFAULT 0)"
                )
            except psycopg.Error as exc:
                raise StoreError(f"cannot use the PostgreSQL store ({self.table}): {exc}") from exc
            self._connection = connection
        return self._connection

    async def _run(self, what: str, fn: Callable[[Any], Awaitable[T]]) -> T:
        import psycopg

        async with self._lock:
            try:
                return await fn(await self._connect())
            except psycopg.Error as exc:
                raise StoreError(f"PostgreSQL store: {what} failed: {exc}") from exc

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        check_id(conversation_id)

        async def select(connection: Any) -> list[dict[str, Any]]:
            cursor = await connection.execute(
                f"SELECT data FROM {self.table} WHERE conversation_id = %s ORDER BY id", (conversation_id,)
            )
            return [row[0] for row in await cursor.fetchall()]

        return await self._run("load", select)

    async def load_from(self, conversation_id: str, since: Position | None = None) -> Snapshot:
        check_id(conversation_id)

        async def select(connection: Any) -> Snapshot:
            async with connection.transaction():
                await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                position = await self._position(connection, conversation_id)
                start = read_start(since, position.epoch, position.length)
                cursor = await connection.execute(
                    f"SELECT data FROM {self.table} WHERE conversation_id = %s ORDER BY id OFFSET %s",
                    (conversation_id, start or 0),
                )
                return Snapshot([row[0] for row in await cursor.fetchall()], position, start is None)

        return await self._run("load", select)

    async def _position(self, connection: Any, conversation_id: str) -> Position:
        cursor = await connection.execute(
            f"SELECT (SELECT epoch FROM {self.table}_epochs WHERE conversation_id = %s),"
            f" (SELECT COUNT(*) FROM {self.table} WHERE conversation_id = %s)", (conversation_id, conversation_id))
        epoch, length = await cursor.fetchone()
        return Position(int(epoch or 0), int(length))

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]],
                     expect: Position | None = None) -> Position | None:
        if records:
            return await self._write(conversation_id, records, replace=False, expect=expect)
        return None

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> Position:
        return await self._write(conversation_id, records, replace=True)

    async def _write(self, conversation_id: str, records: Sequence[dict[str, Any]], replace: bool,
                     expect: Position | None = None) -> Position:
        check_id(conversation_id)
        rows = [(conversation_id, data) for data in encode_all(records)]

        async def write(connection: Any) -> Position:
            async with connection.transaction():
                async with connection.cursor() as cursor:
                    # the conversation's epoch row is locked until commit: its writers take turns
                    await cursor.execute(
                        f"INSERT INTO {self.table}_epochs (conversation_id, epoch) VALUES (%s, %s) "
                        f"ON CONFLICT (conversation_id) DO UPDATE SET epoch = {self.table}_epochs.epoch + %s",
                        (conversation_id, int(replace), int(replace)))
                    if expect is not None:
                        check_expected(conversation_id, expect, await self._position(connection, conversation_id))
                    if replace:
                        await cursor.execute(f"DELETE FROM {self.table} WHERE conversation_id = %s", (conversation_id,))
                    if rows:
                        await cursor.executemany(
                            f"INSERT INTO {self.table} (conversation_id, data) VALUES (%s, %s::jsonb)", rows
                        )
                return await self._position(connection, conversation_id)

        return await self._run("write", write)

    async def conversation_ids(self) -> list[str]:
        async def ids(connection: Any) -> list[str]:
            cursor = await connection.execute(f"SELECT DISTINCT conversation_id FROM {self.table} ORDER BY 1")
            return [row[0] for row in await cursor.fetchall()]

        return await self._run("list", ids)

    async def close(self) -> None:
        async with self._lock:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None
