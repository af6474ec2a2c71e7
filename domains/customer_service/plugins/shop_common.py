"""What the action modules share: the database handle, the shop clock, the latest message's text.

The plugin files form one package: the action modules import this module and ``shop_policy``
relatively (``from . import shop_policy``), so every module shares one copy of each.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from dialogue.actions import ActionContext

from . import shop_db as db

SHOP_TZ = "America/New_York"


def shop(ctx: ActionContext) -> Any:
    """The shop database of the conversation's domain."""
    return db.shop_for(ctx.domain.model_dir)


async def call(fn: Any, *args: Any) -> Any:
    """Run a (fast, blocking) database call off the event loop."""
    return await asyncio.to_thread(fn, *args)


def shop_now() -> datetime:
    """The time at the shop (Eastern Time); UTC if the time-zone database is missing."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(SHOP_TZ))
    except Exception:  # noqa: BLE001 - no tzdata on this machine: UTC is a sane fallback
        return datetime.now(timezone.utc)


def latest_text(ctx: ActionContext) -> str:
    return ctx.latest.text if ctx.latest else ""
