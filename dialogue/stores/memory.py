"""In-memory store: for tests and benchmarks; forgets everything when the process ends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import Position, Snapshot, check_expected, check_id, dumps, read_start


class MemoryStore:
    class Config(ComponentConfig):
        pass

    def __init__(self) -> None:
        self._data: dict[str, list[str]] = {}
        self._epochs: dict[str, int] = {}

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> MemoryStore:
        return cls()

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        return [json.loads(r) for r in self._data.get(check_id(conversation_id), [])]

    async def load_from(self, conversation_id: str, since: Position | None = None) -> Snapshot:
        rows = self._data.get(check_id(conversation_id), [])
        position = Position(self._epochs.get(conversation_id, 0), len(rows))
        start = read_start(since, position.epoch, position.length)
        return Snapshot([json.loads(r) for r in rows[start or 0:]], position, whole=start is None)

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]],
                     expect: Position | None = None) -> Position:
        # stored as JSON text, like the real backends, so nothing unserialisable slips through
        rows = self._data.setdefault(check_id(conversation_id), [])
        check_expected(conversation_id, expect, Position(self._epochs.get(conversation_id, 0), len(rows)))
        rows.extend(dumps(r) for r in records)
        return Position(self._epochs.get(conversation_id, 0), len(rows))

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> Position:
        self._data[check_id(conversation_id)] = [dumps(r) for r in records]
        self._epochs[conversation_id] = self._epochs.get(conversation_id, 0) + 1
        return Position(self._epochs[conversation_id], len(records))

    async def conversation_ids(self) -> list[str]:
        return sorted(k for k, v in self._data.items() if v)

    async def close(self) -> None:
        return None
