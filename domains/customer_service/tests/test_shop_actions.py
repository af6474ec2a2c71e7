"""The pack's actions and form validators, run through the real action API against a fresh database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dialogue.actions import ActionContext
from dialogue.components import load_local_plugins
from dialogue.domain.loader import load_domain
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.registry import registry

PACK = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain():
    loaded = load_domain(PACK)
    load_local_plugins(loaded)
    return loaded


@pytest.fixture()
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "shop.sqlite3"
    monkeypatch.setenv("JUNIPER_SHOP_DB", str(path))  # built on first use, relative to today
    return path


def parse(text: str, intent: str = "inform", **entities: str) -> ParsedMessage:
    found = []
    for etype, value in entities.items():
        start = max(text.lower().find(str(value).lower()), 0)
        found.append(Entity(type=etype, value=value, text=str(value), start=start, end=start + len(str(value))))
    return ParsedMessage(conversation_id="test", turn_id=1, text=text,
                         intent=IntentScore(name=intent, confidence=0.9), entities=tuple(found))


async def run(domain, name: str, slots: dict[str, Any] | None = None, message: ParsedMessage | None = None) -> ActionContext:
    ctx = ActionContext(conversation_id="test", domain=domain, slots=slots or {}, latest=message)
    await registry("action").get(name).run(ctx)
    return ctx


def said(ctx: ActionContext) -> list[tuple[str, dict[str, Any]]]:
    return [(act.name, dict(act.slots)) for act in ctx.result.acts]


async def test_submit_return_records_order_item_and_reason(domain, db_path: Path) -> None:
    slots = {"order_id": "104233", "item": "Wireless Earbuds", "return_reason": "defective",
             "return_note": "the left bud crackles"}
    ctx = await run(domain, "action_submit_return", slots, parse("yes", "affirm"))
    (name, values), = said(ctx)
    assert name == "utter_return_recorded"
    assert values["refund"] == "$79.00" and "free" in values["label_line"]
    row = sqlite3.connect(db_path).execute(
        "SELECT r.id, r.order_id, p.name, r.reason, r.note, r.status, r.refund_cents, r.conversation_id "
        "FROM returns r JOIN products p ON p.id = r.product_id WHERE r.order_id = 104233").fetchone()
    assert row == (values["return_id"], 104233, "Wireless Earbuds", "defective", "the left bud crackles", "requested",
                   7900, "test")
    assert ctx.result.slots["return_id"] == row[0] and ctx.result.slots["refund_amount"] == 79.0
    # the same item can't be returned twice
    again = await run(domain, "action_submit_return", slots, parse("yes", "affirm"))
    assert said(again)[0][0] == "utter_problem" and row[0] in said(again)[0][1]["problem"]


async def test_return_validators_apply_the_policy(domain, db_path: Path) -> None:
    late = await run(domain, "action_validate_return_order", {"order_id": "104180"})
    assert late.result.slots["order_id"] is None
    assert said(late)[0][0] == "utter_order_not_eligible" and "30 days" in said(late)[0][1]["problem"]

    unknown = await run(domain, "action_validate_return_order", {"order_id": "199999"})
    assert unknown.result.slots["order_id"] is None and said(unknown)[0][0] == "utter_invalid_order_id"

    ok = await run(domain, "action_validate_return_order", {"order_id": "104250", "item": "Smart Watch"})
    assert ok.result.slots["order_id"] == "104250"
    assert "Gift Card (not returnable)" in ok.result.slots["order_items"]
    assert ok.result.slots["item"] is None  # named earlier, but not in this order
    assert "doesn't include a Smart Watch" in said(ok)[0][1]["problem"]

    gift = await run(domain, "action_validate_return_item", {"order_id": "104250", "item": "Gift Card"})
    assert gift.result.slots["item"] is None and "can't be returned" in said(gift)[0][1]["problem"]
    jacket = await run(domain, "action_validate_return_item", {"order_id": "104250", "item": "the jacket"})
    assert jacket.result.slots["item"] == "Denim Jacket" and not said(jacket)


async def test_reason_validator_keeps_free_text_as_a_note(domain, db_path: Path) -> None:
    coded = await run(domain, "action_validate_reason", {"return_reason": "wrong size"})
    assert coded.result.slots == {"return_reason": "wrong size"}
    free = await run(domain, "action_validate_reason", {"return_reason": "the strap snapped on day two"})
    assert free.result.slots["return_reason"] == "other"
    assert free.result.slots["return_note"] == "the strap snapped on day two"
    junk = await run(domain, "action_validate_reason", {"return_reason": "qwerty"})
    assert junk.result.slots["return_reason"] is None


async def test_cancel_flow_checks_status_then_cancels(domain, db_path: Path) -> None:
    shipped = await run(domain, "action_validate_cancel_order", {"order_id": "104288"})
    assert shipped.result.slots["order_id"] is None and "left our warehouse" in said(shipped)[0][1]["problem"]
    ok = await run(domain, "action_validate_cancel_order", {"order_id": "#104301"})
    assert ok.result.slots["order_id"] == "104301"
    assert ok.result.slots["order_summary"] == "Desk Lamp and Linen Duvet Cover"
    assert ok.result.slots["order_total"] == "$131.00"
    done = await run(domain, "action_cancel_order", {"order_id": "104301"})
    assert said(done)[0][0] == "utter_order_cancelled" and said(done)[0][1]["refund"] == "$131.00"
    status = sqlite3.connect(db_path).execute("SELECT status FROM orders WHERE id = 104301").fetchone()[0]
    assert status == "cancelled"


async def test_address_change_is_validated_and_saved(domain, db_path: Path) -> None:
    bad = await run(domain, "action_validate_address", {"new_address": "Maple Avenue, Portland"})
    assert bad.result.slots["new_address"] is None and said(bad)[0][0] == "utter_invalid_address"
    good = await run(domain, "action_validate_address", {"new_address": "  415 Maple Avenue,  Portland, OR 97205. "})
    assert good.result.slots["new_address"] == "415 Maple Avenue, Portland, OR 97205"
    order = await run(domain, "action_validate_address_order", {"order_id": "104302"})
    assert order.result.slots["old_address"]
    await run(domain, "action_change_address", {"order_id": "104302", "new_address": "415 Maple Avenue, Portland, OR 97205"})
    address = sqlite3.connect(db_path).execute("SELECT address FROM orders WHERE id = 104302").fetchone()[0]
    assert address == "415 Maple Avenue, Portland, OR 97205"


async def test_status_and_refund_answers(domain, db_path: Path) -> None:
    status = await run(domain, "action_order_status", {"order_id": "104288"})
    assert said(status)[0][0] == "utter_order_status" and "tracking" in said(status)[0][1]["status_line"]
    refund = await run(domain, "action_refund_status", {"order_id": "104195"})
    assert "being checked" in said(refund)[0][1]["status_line"]
    shouted = await run(domain, "action_order_status", {"order_id": "104288"},
                        parse("WHERE IS MY ORDER, this is ridiculous!!", "order_status"))
    assert [name for name, _ in said(shouted)] == ["utter_empathy", "utter_order_status", "utter_offer_person"]


@pytest.mark.parametrize("text, product, expected", [
    ("is the smartwatch waterproof", "Smart Watch", "water-resistant to 50 metres"),
    ("how much is the espresso machine", "Espresso Machine", "$249.00"),
    ("is the desk lamp in stock", "Desk Lamp", "out of stock"),
    ("what sizes does the denim jacket come in", "Denim Jacket", "XS to XXL"),
    ("does the yoga mat have a warranty", "Yoga Mat", "don't have that detail"),
])
async def test_product_questions_are_answered_from_the_catalogue(domain, db_path: Path, text: str, product: str,
                                                                 expected: str) -> None:
    ctx = await run(domain, "action_product_info", {}, parse(text, "product_question", product=product))
    assert expected in said(ctx)[0][1]["answer"]
    assert ctx.result.slots["product"] == product


async def test_product_follow_ups_and_unknown_products(domain, db_path: Path) -> None:
    follow = await run(domain, "action_product_info", {"product": "Wireless Earbuds"},
                       parse("what's the battery life on them?", "product_question"))
    assert "7 hours" in said(follow)[0][1]["answer"]
    laptops = await run(domain, "action_product_info", {"product": "Wireless Earbuds"},
                        parse("do you sell laptops", "product_question"))
    assert "couldn't find" in said(laptops)[0][1]["answer"]
    kitchen = await run(domain, "action_product_info", {}, parse("anything for the kitchen?", "product_question"))
    assert "Espresso Machine" in said(kitchen)[0][1]["answer"]


@pytest.mark.parametrize("intent, text, expected", [
    ("shipping_info", "do you ship to canada", "Canada"),
    ("shipping_info", "how much is shipping", "$5.95"),
    ("payment_methods", "can i pay with klarna in instalments", "4 interest-free"),
    ("return_policy", "is there a restocking fee", "no restocking fee"),
    ("return_policy", "what is your return policy", "30 days"),
    ("contact_info", "what's your phone number", "1-800-555-0199"),
])
async def test_faq_answers_pick_the_closest_entry(domain, db_path: Path, intent: str, text: str, expected: str) -> None:
    action = "action_contact_info" if intent == "contact_info" else "action_answer_faq"
    ctx = await run(domain, action, {}, parse(text, intent))
    assert expected in said(ctx)[0][1]["answer"]


async def test_complaints_are_logged_and_frustration_gets_a_handoff_offer(domain, db_path: Path) -> None:
    angry = await run(domain, "action_handle_complaint", {"order_id": "104288"},
                      parse("this is ridiculous, WHERE IS MY PARCEL!!", "complaint"))
    assert said(angry)[0][0] == "utter_complaint_apology"
    calm = await run(domain, "action_handle_complaint", {}, parse("i'd like to make a complaint", "complaint"))
    assert said(calm)[0][0] == "utter_complaint_noted"
    rows = sqlite3.connect(db_path).execute("SELECT id, order_id, frustration FROM complaints ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["C-5001", "C-5002"] and rows[0][1] == 104288 and rows[0][2] > rows[1][2]


async def test_handoff_opens_a_ticket_and_hands_over(domain, db_path: Path) -> None:
    ctx = await run(domain, "action_handoff", {"order_id": "104233"}, parse("human please", "human_handoff"))
    assert ctx.result.handoff
    (name, values), = said(ctx)
    assert name == "utter_handoff" and values["ticket_id"] == "H-7001" and values["wait_line"]


async def test_opening_hours_answer_states_the_hours(domain, db_path: Path) -> None:
    ctx = await run(domain, "action_opening_hours", {}, parse("when are you open", "opening_hours"))
    answer = said(ctx)[0][1]["answer"]
    assert "Monday to Friday 8am-8pm" in answer and ("open until" in answer or "offline" in answer)
