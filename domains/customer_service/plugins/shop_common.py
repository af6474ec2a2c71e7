"""What the action modules share: loading sibling modules, the database handle, the shop clock.

Local plugins are imported by file path, not as a package, so sibling modules are loaded here
under stable names (``juniper_shop_<name>``) and shared by every module that asks for them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from dialogue.actions import ActionContext

SHOP_TZ = "America/New_York"


def sibling(name: str) -> ModuleType:
    """Import ``<name>.py`` from this folder once and share it."""
    key = f"juniper_shop_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[key]
            raise
    return sys.modules[key]


db = sibling("shop_db")
policy = sibling("shop_policy")


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
