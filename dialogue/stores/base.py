"""Helpers shared by the store backends: JSON encoding and conversation-id checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


class StoreError(Exception):
    """A store could not be opened or used; says which store and why."""


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
