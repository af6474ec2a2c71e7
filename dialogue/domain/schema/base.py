"""Common base for schema sections."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are errors (a typo must not be silently ignored); values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
