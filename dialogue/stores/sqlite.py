"""SQLite store (the default): one file per domain, survives restarts, no server needed.

The stdlib ``sqlite3`` runs in a worker thread (``asyncio.to_thread``) so the event loop never
blocks on disk; one connection, serialised by a lock, in WAL mode.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import (
    Position,
    Snapshot,
    StoreError,
    check_expected,
    check_id,
    encode_all,
    loads,
    read_start,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_conversation ON records (conversation_id, id);
CREATE TABLE IF NOT EXISTS epochs (
    conversation_id TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL
);
"""


class SQLiteStore:
    class Config(ComponentConfig):
        path: str | None = Field(None, description="Database file; default <domain>/.dialogue/conversations.sqlite3.")

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> SQLiteStore:
        if config.path is None:
            return cls(domain.model_dir / "conversations.sqlite3")
        path = Path(config.path)
        return cls(path if path.is_absolute() else domain.path / path)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
            self._connection = connection
        return self._connection

    def _run(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            return fn(self._connect(), *args)

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        check_id(conversation_id)
        rows = await asyncio.to_thread(self._run, _select, conversation_id)
        return [loads(row[0]) for row in rows]

    async def load_from(self, conversation_id: str, since: Position | None = None) -> Snapshot:
        check_id(conversation_id)
        rows, position, whole = await asyncio.to_thread(self._run, _select_from, conversation_id, since)
        return Snapshot([loads(row[0]) for row in rows], position, whole)

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]],
                     expect: Position | None = None) -> Position | None:
        check_id(conversation_id)
        if records:
            return await asyncio.to_thread(self._run, _insert, conversation_id, encode_all(records), False, expect)
        return None

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> Position:
        check_id(conversation_id)
        return await asyncio.to_thread(self._run, _insert, conversation_id, encode_all(records), True, None)

    async def conversation_ids(self) -> list[str]:
        rows = await asyncio.to_thread(self._run, _ids)
        return [row[0] for row in rows]

    async def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _select(connection: sqlite3.Connection, conversation_id: str) -> list[tuple[str]]:
    return connection.execute(
        "SELECT data FROM records WHERE conversation_id = ? ORDER BY id", (conversation_id,)
    ).fetchall()


def _position(connection: sqlite3.Connection, conversation_id: str) -> Position:
    epoch = connection.execute("SELECT epoch FROM epochs WHERE conversation_id = ?", (conversation_id,)).fetchone()
    length = connection.execute("SELECT COUNT(*) FROM records WHERE conversation_id = ?", (conversation_id,)).fetchone()
    return Position(epoch[0] if epoch else 0, length[0])


def _select_from(connection: sqlite3.Connection, conversation_id: str,
                 since: Position | None) -> tuple[list[tuple[str]], Position, bool]:
    connection.execute("BEGIN")  # one read transaction: position and rows of the same moment
    try:
        position = _position(connection, conversation_id)
        start = read_start(since, position.epoch, position.length)
        rows = connection.execute(
            "SELECT data FROM records WHERE conversation_id = ? ORDER BY id LIMIT -1 OFFSET ?",
            (conversation_id, start or 0),
        ).fetchall()
    finally:
        connection.execute("COMMIT")
    return rows, position, start is None


def _insert(connection: sqlite3.Connection, conversation_id: str, rows: list[str], replace: bool,
            expect: Position | None) -> Position:
    connection.execute("BEGIN IMMEDIATE")
    try:
        if expect is not None:
            check_expected(conversation_id, expect, _position(connection, conversation_id))
        if replace:
            connection.execute("DELETE FROM records WHERE conversation_id = ?", (conversation_id,))
            connection.execute("INSERT INTO epochs (conversation_id, epoch) VALUES (?, 1) "
                               "ON CONFLICT (conversation_id) DO UPDATE SET epoch = epoch + 1", (conversation_id,))
        connection.executemany(
            "INSERT INTO records (conversation_id, data) VALUES (?, ?)", [(conversation_id, row) for row in rows]
        )
        position = _position(connection, conversation_id)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return position


def _ids(connection: sqlite3.Connection) -> list[tuple[str]]:
    return connection.execute("SELECT DISTINCT conversation_id FROM records ORDER BY conversation_id").fetchall()
