"""In-memory store: for tests and benchmarks; forgets everything when the process ends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dialogue.domain.model import Domain
from dialogue.protocols import ComponentConfig
from dialogue.stores.base import check_id, dumps


class MemoryStore:
    class Config(ComponentConfig):
        pass

    def __init__(self) -> None:
        self._data: dict[str, list[str]] = {}

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> MemoryStore:
        return cls()

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        return [json.loads(r) for r in self._data.get(check_id(conversation_id), [])]

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        # stored as JSON text, like the real backends, so nothing unserialisable slips through
        self._data.setdefault(check_id(conversation_id), []).extend(dumps(r) for r in records)

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        self._data[check_id(conversation_id)] = [dumps(r) for r in records]

    async def conversation_ids(self) -> list[str]:
        return sorted(k for k, v in self._data.items() if v)

    async def close(self) -> None:
        return None
