"""Juno's custom actions: orders, returns, refunds, product and FAQ answers, complaints, handoff.

Each action reads the shop database through ``shop_db`` and the rules in ``shop_policy``, then
says a response from responses.yml with the values it found. Writes (return, cancellation,
address) happen only in the forms' submit actions, after the customer confirmed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dialogue.actions import ActionContext, action

from . import shop_policy as policy
from .shop_common import call, latest_text, shop, shop_now


# --------------------------------------------------------------------------- orders


def upset(ctx: ActionContext) -> bool:
    """The customer's last message reads as frustrated (angry words, shouting, '!!')."""
    return policy.frustration(latest_text(ctx)) >= policy.FRUSTRATED


async def order_or_apology(ctx: ActionContext, store: Any) -> Any:
    """The order the ``order_id`` slot names, or None after saying no such order was found."""
    order = await call(store.order, ctx.slot("order_id"))
    if order is None:
        ctx.respond("utter_invalid_order_id")
    return order


@action("action_order_status")
async def order_status(ctx: ActionContext) -> None:
    store = shop(ctx)
    order = await order_or_apology(ctx, store)
    if order is None:
        return
    frustrated = upset(ctx)
    if frustrated:
        ctx.respond("utter_empathy")
    ctx.respond("utter_order_status", status_line=policy.status_line(order, store.today))
    if frustrated:
        ctx.respond("utter_offer_person")


@action("action_cancel_order")
async def cancel_order(ctx: ActionContext) -> None:
    store = shop(ctx)
    order = await order_or_apology(ctx, store)
    if order is None:
        return
    if not await call(store.cancel_order, order.id):
        ctx.respond("utter_problem", problem=policy.cancel_problem(order, store.today) or "That order can't be cancelled.")
        return
    ctx.respond("utter_order_cancelled", refund=policy.money(order.total_cents), payment_method=order.payment_method)


@action("action_change_address")
async def change_address(ctx: ActionContext) -> None:
    store = shop(ctx)
    order = await call(store.order, ctx.slot("order_id"))
    address = policy.tidy_address(str(ctx.slot("new_address") or ""))
    if order is None or not address:
        ctx.respond("utter_invalid_order_id")
        return
    if not await call(store.change_address, order.id, address, ctx.conversation_id):
        ctx.respond("utter_problem", problem=policy.address_change_problem(order) or "That address can't be changed.")
        return
    ctx.respond("utter_address_changed")


# --------------------------------------------------------------------------- returns and refunds


@action("action_submit_return")
async def submit_return(ctx: ActionContext) -> None:
    """Check the policy once more (the order may have changed since the form began), then record it."""
    store = shop(ctx)
    order = await call(store.order, ctx.slot("order_id"))
    reason = ctx.slot("return_reason")
    if order is None or reason is None:
        ctx.respond("utter_invalid_order_id")
        return
    problem = policy.return_order_problem(order, store.today)
    item = policy.match_item(order.items, ctx.slot("item"))
    if problem is None and item is None:
        problem = f"I couldn't find the {ctx.slot('item')} in order {order.id}."
    if problem is None:
        problem = policy.item_problem(item, await call(store.returns_for, order.id))
    if problem is not None:
        ctx.respond("utter_problem", problem=problem)
        return
    refund = policy.refund_for(item, reason)
    return_id = await call(store.record_return, order.id, item.product_id, reason, refund, ctx.slot("return_note"),
                           ctx.conversation_id)
    ctx.set_slot("return_id", return_id)
    ctx.set_slot("refund_amount", refund / 100)
    ctx.respond("utter_return_recorded", return_id=return_id, label_line=policy.label_line(reason),
                refund=policy.money(refund), payment_method=order.payment_method)


@action("action_refund_status")
async def refund_status(ctx: ActionContext) -> None:
    store = shop(ctx)
    order = await order_or_apology(ctx, store)
    if order is None:
        return
    returns = await call(store.returns_for, order.id)
    frustrated = upset(ctx)
    if frustrated:
        ctx.respond("utter_empathy")
    ctx.respond("utter_refund_status", status_line=policy.refund_status_line(order, returns, store.today))
    if frustrated:
        ctx.respond("utter_offer_person")


# --------------------------------------------------------------------------- products and FAQ

#: fact key in the catalogue -> words that ask for it
ASPECTS: dict[str, tuple[str, ...]] = {
    "battery": ("battery", "charge lasts", "last", "hours"),
    "compatib": ("iphone", "android", "compatible", "work with", "works with", "pair", "laptop"),
    "waterproof": ("waterproof", "water resistant", "water-resistant", "swim", "rain", "shower"),
    "colour": ("colour", "color", "colours", "colors"),
    "size": ("size", "sizes", "how big", "dimensions", "fit", "hold", "capacity", "litre", "liter", "weigh"),
    "clean": ("wash", "clean", "dishwasher", "machine washable", "microwave"),
    "warranty": ("warranty", "guarantee"),
    "material": ("real silver", "silver", "material", "made of", "nickel", "allergy"),
    "power": ("watt", "power", "plug", "bulb"),
    "value": ("value", "amounts"),
}
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "home & kitchen": ("kitchen", "home", "cooking", "coffee", "bedding", "house"),
    "apparel": ("clothes", "clothing", "apparel", "fashion", "wear", "shoes", "outdoor", "fitness"),
    "gadgets": ("gadget", "gadgets", "electronics", "tech", "audio", "music"),
    "jewellery": ("jewellery", "jewelry"),
    "gift cards": ("gift",),
}
PRONOUN = re.compile(r"\b(it|its|it's|they|them|this|that|those|these|one)\b", re.IGNORECASE)


def stock_phrase(stock: int) -> str:
    if stock <= 0:
        return "is out of stock right now; it's usually back within 2 weeks"
    if stock < 10:
        return f"is in stock, but only {stock} left"
    return "is in stock"


def product_answer(product: Any, text: str) -> str:
    """Answer about one product, focused on what the question asks (price, stock, a fact)."""
    lowered = text.lower()
    head = f"The {product.name} costs {policy.money(product.price_cents)} and {stock_phrase(product.stock)}."
    asked = [key for key, words in ASPECTS.items() if any(w in lowered for w in words)]
    if asked:
        facts = [product.facts[key] for key in asked if key in product.facts]
        if facts:
            sentence = "; ".join(facts)
            return f"{sentence[0].upper()}{sentence[1:]}. {head}"
        return (f"I don't have that detail for the {product.name}, sorry. {head} A colleague can check for you: "
                f"just ask for a person.")
    if any(w in lowered for w in ("price", "how much", "cost", "stock", "available", "availability")):
        return head
    return f"{product.description} {head} Anything specific you'd like to know, like sizes, colours or care?"


def catalogue_answer(products: list[Any], text: str) -> tuple[str, bool]:
    """What we sell (in the category the question names, if any), and whether the question was about it."""
    lowered = text.lower()
    by_category: dict[str, list[str]] = {}
    for p in products:
        by_category.setdefault(p.category, []).append(p.name)
    for category, words in CATEGORY_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words) and category in by_category:
            return (f"In {category} we have the {policy.item_list(by_category[category])}. "
                    f"Ask me about any of them for the price and details."), True
    overview = "; ".join(f"{cat}: {policy.item_list(names)}" for cat, names in by_category.items())
    if re.search(r"\bwhat\b.*\b(sell|have|products)\b", lowered):
        return f"We sell {overview}.", True
    return f"I couldn't find that in our catalogue, sorry. We sell {overview}.", False


@action("action_product_info")
async def product_info(ctx: ActionContext) -> None:
    store = shop(ctx)
    text = latest_text(ctx)
    name = ctx.entity("product")
    if name is None and ctx.slot("product") and PRONOUN.search(text):
        name = ctx.slot("product")  # "is it waterproof?" after asking about a product
    product = await call(store.product, str(name)) if name else None
    if product is None:
        answer, about_the_catalogue = catalogue_answer(await call(store.products), text)
        # a question about none of our products: the knowledge/ folder may still answer it (warranty,
        # packaging, accounts...), so it gets its own response, which knowledge.answers_for lists
        ctx.respond("utter_product_info" if about_the_catalogue else "utter_product_not_found", answer=answer)
        return
    ctx.set_slot("product", product.name)
    ctx.respond("utter_product_info", answer=product_answer(product, text))


FAQ_TOPICS = {"shipping_info": "shipping", "payment_methods": "payment", "return_policy": "returns",
              "contact_info": "contact"}


def best_entry(entries: list[Any], text: str) -> Any:
    """The FAQ entry whose keywords the question mentions most; the topic's general entry otherwise."""
    lowered = text.lower()

    def hits(entry: Any) -> int:
        return sum(bool(re.search(rf"(?<!\w){re.escape(k)}(?!\w)", lowered)) for k in entry.keywords)

    general = next((e for e in entries if not e.keywords), entries[0])
    best = max(entries, key=hits)
    return best if hits(best) > 0 else general


@action("action_answer_faq")
async def answer_faq(ctx: ActionContext) -> None:
    topic = FAQ_TOPICS.get(ctx.intent or "", "shipping")
    entries = await call(shop(ctx).faq, topic)
    ctx.respond("utter_faq", answer=best_entry(entries, latest_text(ctx)).answer)


@action("action_contact_info")
async def contact_info(ctx: ActionContext) -> None:
    entries = await call(shop(ctx).faq, "contact")
    ctx.respond("utter_contact_info", answer=best_entry(entries, latest_text(ctx)).answer)


def hours_answer(hours: dict[int, Any], now: datetime) -> str:
    summary = policy.hours_summary(hours)
    is_open, when = policy.open_now(hours, now)
    state = f"Right now we're open {when}." if is_open else f"The team is offline right now and back {when}."
    return (f"Our support team is available {summary} (Eastern Time). {state} "
            f"I'm here around the clock for orders, returns and questions.")


@action("action_opening_hours")
async def opening_hours(ctx: ActionContext) -> None:
    hours = await call(shop(ctx).hours)
    ctx.respond("utter_opening_hours", answer=hours_answer(hours, shop_now()))


# --------------------------------------------------------------------------- complaints and handoff


def order_id_of(ctx: ActionContext) -> int | None:
    return policy.parse_order_id(ctx.entity("order_id") or ctx.slot("order_id"))


@action("action_handle_complaint")
async def handle_complaint(ctx: ActionContext) -> None:
    """Log the complaint; a frustrated customer gets an apology and the offer of a person."""
    text = latest_text(ctx)
    score = policy.frustration(text)
    complaint_id = await call(shop(ctx).log_complaint, text, score, order_id_of(ctx), ctx.conversation_id)
    name = "utter_complaint_apology" if score >= policy.FRUSTRATED else "utter_complaint_noted"
    ctx.respond(name, complaint_id=complaint_id)


@action("action_handoff")
async def handoff(ctx: ActionContext) -> None:
    store = shop(ctx)
    reason = "the customer asked for a person"
    ticket_id = await call(store.create_handoff, reason, order_id_of(ctx), ctx.conversation_id)
    is_open, when = policy.open_now(await call(store.hours), shop_now())
    wait_line = ("A colleague usually replies within 5 minutes." if is_open else
                 f"Our team is offline right now and will pick this up {when}; we'll also reply by e-mail.")
    ctx.handoff(reason)
    ctx.respond("utter_handoff", ticket_id=ticket_id, wait_line=wait_line)
