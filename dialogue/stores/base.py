"""Helpers shared by the store backends: JSON encoding, conversation-id checks, read positions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class StoreError(Exception):
    """A store could not be opened or used; says which store and why."""


class StoreConflict(StoreError):
    """``append(..., expect=position)``: another writer moved the conversation past ``position``."""


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def loads(data: str | bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise StoreError(f"stored record is not a JSON object: {str(value)[:80]}")
    return value


def check_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not conversation_id or len(conversation_id) > 512:
        raise StoreError(f"invalid conversation id {conversation_id!r} (non-empty string, at most 512 chars)")
    return conversation_id


def encode_all(records: Sequence[dict[str, Any]]) -> list[str]:
    return [dumps(r) for r in records]


@dataclass(frozen=True)
class Position:
    """How far a reader has read one conversation: its first ``length`` records of ``epoch``.

    Appending adds records after ``length``; ``replace`` starts a new epoch. So a tracker cached
    at a position is brought up to date by reading only the records after it, however many
    processes write to the conversation (see ``RuleDialogueManager``'s cache).
    """

    epoch: int
    length: int


@dataclass(frozen=True)
class Snapshot:
    """What ``load_from`` read: the records after the given position, or all of them (``whole``)."""

    records: list[dict[str, Any]]
    position: Position
    whole: bool


def check_expected(conversation_id: str, expect: Position | None, actual: Position) -> None:
    """Refuse an append whose writer read the conversation at another position (compare-and-append)."""
    if expect is not None and expect != actual:
        raise StoreConflict(f"conversation {conversation_id!r} moved from {expect} to {actual} since it was read")


def read_start(since: Position | None, epoch: int, length: int) -> int | None:
    """Where to read from to bring ``since`` up to date; None: read everything (replaced or unknown)."""
    if since is None or since.epoch != epoch or since.length > length:
        return None
    return since.length
