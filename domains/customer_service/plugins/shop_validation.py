"""Form-slot validators: each checks one answer against the shop data and policy.

A validator receives the candidate value in its slot. To accept it, it leaves the slot (or sets
a normalised value); to reject it, it sets the slot to ``None`` and says why, so the customer
hears the specific reason instead of a generic re-ask. An order the policy rules out ("delivered
45 days ago...") is refused with ``ctx.refuse``: the form ends unless the customer names another
order. Validators also fill the display slots (order_items, order_summary...) the next prompt or
confirmation shows.
"""

from __future__ import annotations

import re
from typing import Any

from dialogue.actions import ActionContext, action

from . import shop_common as shared
from . import shop_policy as policy
from .shop_common import call


async def _existing_order(ctx: ActionContext) -> Any:
    """The order named by the order_id candidate, or None after saying it was not found."""
    raw = ctx.slot("order_id")
    oid = policy.parse_order_id(raw)
    order = await call(shared.shop(ctx).order, oid) if oid is not None else None
    if order is None:
        ctx.set_slot("order_id", None)
        if oid is not None:
            problem = f"I couldn't find an order {oid}."
        elif number := re.search(r"\d+", str(raw or "")):
            problem = f"{number.group(0)} isn't one of our order numbers."
        else:
            problem = "I couldn't spot an order number there."
        ctx.respond("utter_invalid_order_id", problem=problem)
        return None
    ctx.set_slot("order_id", str(order.id))
    return order


def _reject(ctx: ActionContext, slot: str, response: str, problem: str) -> None:
    """The answer is not usable (no such item, an incomplete address): say why; the form asks again."""
    ctx.set_slot(slot, None)
    ctx.respond(response, problem=problem)


def _not_eligible(ctx: ActionContext, problem: str) -> None:
    """The order exists but policy rules the request out (shipped, outside the return window): the form
    ends unless the customer names another order next."""
    ctx.refuse("order_id", "utter_order_not_eligible", problem=problem)


@action("action_validate_order_exists")
async def validate_order_exists(ctx: ActionContext) -> None:
    await _existing_order(ctx)


@action("action_validate_return_order")
async def validate_return_order(ctx: ActionContext) -> None:
    """Delivered, inside the return window; an item named earlier must be in this order."""
    order = await _existing_order(ctx)
    if order is None:
        return
    store = shared.shop(ctx)
    problem = policy.return_order_problem(order, store.today)
    if problem is not None:
        _not_eligible(ctx, problem)
        return
    ctx.set_slot("order_items", policy.item_list(_describe(i) for i in order.items))
    named = ctx.slot("item")
    if named:
        item = policy.match_item(order.items, named)
        problem = (f"Order {order.id} doesn't include a {named}." if item is None
                   else policy.item_problem(item, await call(store.returns_for, order.id)))
        if problem is not None:
            ctx.set_slot("item", None)
            ctx.respond("utter_problem", problem=problem)


def _describe(item: Any) -> str:
    return item.name if item.returnable else f"{item.name} (not returnable)"


@action("action_validate_return_item")
async def validate_return_item(ctx: ActionContext) -> None:
    """The item is in the order, returnable, and not already being returned."""
    named = ctx.slot("item")
    oid = policy.parse_order_id(ctx.slot("order_id"))
    if oid is None:
        return  # named before the order: action_validate_return_order checks it once the order is known
    store = shared.shop(ctx)
    order = await call(store.order, oid)
    if order is None:
        return
    item = policy.match_item(order.items, named)
    if item is None:
        _reject(ctx, "item", "utter_invalid_item", f"I can't find a {named} in order {order.id}.")
        return
    problem = policy.item_problem(item, await call(store.returns_for, order.id))
    if problem is not None:
        _reject(ctx, "item", "utter_invalid_item", problem)
        return
    ctx.set_slot("item", item.name)
    if ctx.slot("return_reason") is None and _last_bot_acts(ctx) & REASON_QUESTIONS:
        # "the mugs arrived chipped" answers the reason question; the product name in it is not a new item
        raw = shared.latest_text(ctx)
        code = policy.normalise_reason(raw)
        if code is not None:
            ctx.set_slot("return_reason", code)
            ctx.set_slot("return_note", raw.strip()[:300])


REASON_QUESTIONS = {"utter_ask_return_reason", "utter_invalid_return_reason"}


def _last_bot_acts(ctx: ActionContext) -> set[str]:
    """What the bot said last turn (from the conversation's records)."""
    for record in reversed(list(ctx.history)):
        if record.get("type") == "bot":
            return set(record.get("acts") or ())
    return set()


@action("action_validate_reason")
async def validate_reason(ctx: ActionContext) -> None:
    """Map the customer's words to a reason code; keep their own words as a note."""
    raw = ctx.slot("return_reason")
    code = policy.normalise_reason(raw)
    ctx.set_slot("return_reason", code)  # None: refused, the form says utter_invalid_return_reason
    if code is not None and str(raw).strip().lower() not in policy.REASONS:
        ctx.set_slot("return_note", str(raw).strip()[:300])


@action("action_validate_cancel_order")
async def validate_cancel_order(ctx: ActionContext) -> None:
    order = await _existing_order(ctx)
    if order is None:
        return
    problem = policy.cancel_problem(order, shared.shop(ctx).today)
    if problem is not None:
        _not_eligible(ctx, problem)
        return
    ctx.set_slot("order_summary", policy.item_list(i.name for i in order.items))
    ctx.set_slot("order_total", policy.money(order.total_cents))


@action("action_validate_address_order")
async def validate_address_order(ctx: ActionContext) -> None:
    order = await _existing_order(ctx)
    if order is None:
        return
    problem = policy.address_change_problem(order)
    if problem is not None:
        _not_eligible(ctx, problem)
        return
    ctx.set_slot("old_address", order.address)


@action("action_validate_address")
async def validate_address(ctx: ActionContext) -> None:
    raw = ctx.slot("new_address")
    problem = policy.address_problem(raw)
    if problem is not None:
        _reject(ctx, "new_address", "utter_invalid_address", problem)
        return
    ctx.set_slot("new_address", policy.tidy_address(str(raw)))
