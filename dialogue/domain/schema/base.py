"""Common base for schema sections."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are errors (a typo must not be silently ignored); values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: list fields that also take a single value (``intent: greet`` for ``intent: [greet]``);
    #: the validators and the JSON Schema (``dialogue schema``) both read this
    one_or_many: ClassVar[tuple[str, ...]] = ()
    #: JSON Schema of a shorter form the model also accepts (a bare string or list), if any
    shorthand: ClassVar[dict[str, Any] | None] = None


def listify(data: Any, keys: tuple[str, ...]) -> Any:
    """Let ``intent: greet`` stand for ``intent: [greet]``."""
    if isinstance(data, dict):
        data = dict(data)
        for key in keys:
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
    return data
