"""Custom actions used by the DM tests: real ``@action`` plugins, with a swappable fake service."""

from __future__ import annotations

import asyncio
from typing import Any

from dialogue.actions import ActionContext, action

#: the "outside world" the actions talk to; tests replace or inspect it
SERVICE: dict[str, Any] = {"orders": {"12345": "shipped"}, "bookings": [], "reports": [], "fail_booking": False}
#: conversations waiting in dmtest_meet, to prove different conversations run at the same time
MEETING: dict[str, asyncio.Event] = {}


@action("dmtest_book")
async def book(ctx: ActionContext) -> None:
    if SERVICE["fail_booking"]:
        raise ConnectionError("booking service unavailable")
    SERVICE["bookings"].append({k: ctx.slot(k) for k in ("day", "people", "email")})


@action("dmtest_report")
async def report(ctx: ActionContext) -> None:
    SERVICE["reports"].append(ctx.slot("problem"))


@action("dmtest_order_status")
async def order_status(ctx: ActionContext) -> None:
    order = ctx.entity("order_id")
    status = SERVICE["orders"].get(order, "unknown")
    ctx.set_slot("order_status", status)
    ctx.say(f"Order {order} is {status}.")
    if status == "unknown":
        ctx.handoff("unknown order")


@action("dmtest_broken")
async def broken(ctx: ActionContext) -> None:
    ctx.set_slot("order_status", "should never be applied")
    raise RuntimeError("the plugin crashed")


@action("dmtest_slow")
async def slow(ctx: ActionContext) -> None:
    ctx.set_slot("order_status", "too late")
    await asyncio.sleep(5)


@action("dmtest_check_phone")
async def check_phone(ctx: ActionContext) -> None:
    """Validation plugin: keep the digits of a phone number, reject anything that has too few, and rule out
    premium-rate numbers (900...): a real number, but not one we call."""
    digits = "".join(ch for ch in str(ctx.slot("phone")) if ch.isdigit())
    if digits.startswith("900"):
        ctx.refuse("phone", "utter_premium_number")
        return
    ctx.set_slot("phone", digits if len(digits) >= 6 else None)


@action("dmtest_erase")
async def erase(ctx: ActionContext) -> None:
    SERVICE["erased"] = SERVICE.get("erased", 0) + 1


@action("dmtest_count")
async def count(ctx: ActionContext) -> None:
    """Read-modify-write with a pause in between: loses updates unless turns are serialised."""
    current = ctx.slot("counter") or 0
    await asyncio.sleep(0.01)
    ctx.set_slot("counter", current + 1)


@action("dmtest_meet")
async def meet(ctx: ActionContext) -> None:
    """Wait until the partner conversation (named in the text) is inside this action too."""
    MEETING.setdefault(ctx.conversation_id, asyncio.Event()).set()
    partner = ctx.latest.text.split()[-1] if ctx.latest else ""
    await MEETING.setdefault(partner, asyncio.Event()).wait()
