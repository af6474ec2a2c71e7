"""The shop's rules (plugins/shop_policy.py) on real orders from the pack's database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dialogue.components import import_domain_plugin

PACK = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 26)  # a Thursday


policy = import_domain_plugin(PACK, "shop_policy")
shop_db = import_domain_plugin(PACK, "shop_db")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("shop") / "shop.sqlite3"
    shop_db.build_module().build(path, today=TODAY)
    return shop_db.ShopDB(path, today=TODAY)


def test_delivered_order_inside_the_window_can_be_returned(shop) -> None:
    order = shop.order(104233)
    assert order.delivered_on == TODAY - timedelta(days=5)
    assert policy.return_order_problem(order, TODAY) is None


def test_return_window_is_30_days_from_delivery(shop) -> None:
    order = shop.order(104180)
    problem = policy.return_order_problem(order, TODAY)
    assert problem is not None and "45 days ago" in problem and "30 days" in problem
    # the same order, on the last day of its window, is still returnable
    last_day = order.delivered_on + timedelta(days=policy.RETURN_WINDOW_DAYS)
    assert policy.return_order_problem(order, last_day) is None
    assert policy.return_order_problem(order, last_day + timedelta(days=1)) is not None


@pytest.mark.parametrize("order_id, expected", [(104288, "hasn't been delivered"), (104301, "still cancel"),
                                                (104199, "was cancelled")])
def test_undelivered_or_cancelled_orders_cannot_be_returned(shop, order_id: int, expected: str) -> None:
    assert expected in policy.return_order_problem(shop.order(order_id), TODAY)


def test_items_are_matched_by_name_and_by_words(shop) -> None:
    items = shop.order(104233).items
    assert policy.match_item(items, "Wireless Earbuds").name == "Wireless Earbuds"
    assert policy.match_item(items, "the yoga mat please").name == "Yoga Mat"
    assert policy.match_item(items, "mug").name == "Ceramic Mug Set"
    assert policy.match_item(items, "Smart Watch") is None
    assert policy.match_item(items, "") is None


def test_non_returnable_and_already_returned_items_are_refused(shop) -> None:
    order = shop.order(104250)
    gift_card = order.item("Gift Card")
    assert "can't be returned" in policy.item_problem(gift_card, [])
    assert "hygiene" in policy.item_problem(order.item("Silver Earrings"), [])
    assert policy.item_problem(order.item("Denim Jacket"), []) is None
    refunded = shop.order(104210)
    problem = policy.item_problem(refunded.item("Bluetooth Speaker"), shop.returns_for(104210))
    assert "R-200100" in problem
    assert policy.item_problem(refunded.item("Wool Sweater"), shop.returns_for(104210)) is None


@pytest.mark.parametrize("text, code", [
    ("too small", "wrong size"), ("it doesn't fit around the shoulders", "wrong size"),
    ("the screen is cracked", "damaged"), ("stopped working after two days", "defective"),
    ("they sent me the wrong colour", "wrong item"), ("changed my mind", "changed my mind"),
    ("looks nothing like the photo", "not as described"), ("damaged", "damaged"),
    ("my partner bought the same one for me as a present", "other"),
    ("asdf", None), ("", None), (None, None), ("??", None),
])
def test_reasons_are_normalised_to_codes(text: str | None, code: str | None) -> None:
    assert policy.normalise_reason(text) == code


def test_refund_deducts_the_label_only_for_customer_choice_reasons(shop) -> None:
    item = shop.order(104233).item("Wireless Earbuds")
    assert policy.refund_for(item, "defective") == 7900
    assert policy.refund_for(item, "changed my mind") == 7900 - policy.RETURN_LABEL_CENTS
    assert policy.CUSTOMER_REASONS == shop_db.build_module().CUSTOMER_REASONS


def test_only_processing_orders_can_be_cancelled_or_redirected(shop) -> None:
    assert policy.cancel_problem(shop.order(104301), TODAY) is None
    assert "left our warehouse" in policy.cancel_problem(shop.order(104288), TODAY)
    assert "already cancelled" in policy.cancel_problem(shop.order(104199), TODAY)
    assert policy.address_change_problem(shop.order(104302)) is None
    assert "already shipped" in policy.address_change_problem(shop.order(104150))


@pytest.mark.parametrize("address, ok", [
    ("415 Maple Avenue, Portland, OR 97205", True),
    ("8 Willow Way Apt 3 Denver CO 80202-1234", True),
    ("12 Rue Sainte-Catherine, Montreal, QC H2X 1K4", True),
    ("Maple Avenue, Portland, OR 97205", False),  # no number
    ("415 Maple Avenue Portland", False),  # no ZIP
    ("97205", False),
    ("", False),
    ("x" * 300 + " 1 Main St 97205", False),
])
def test_addresses_need_number_street_city_and_zip(address: str, ok: bool) -> None:
    assert (policy.address_problem(address) is None) is ok


def test_order_ids_are_found_in_text() -> None:
    assert policy.parse_order_id("#104233") == 104233
    assert policy.parse_order_id("it's 104233, thanks") == 104233
    assert policy.parse_order_id("97205") is None
    assert policy.parse_order_id("1042331") is None
    assert policy.parse_order_id(None) is None


def test_frustration_rises_with_angry_words_capitals_and_punctuation() -> None:
    calm = policy.frustration("I'd like to make a complaint about the courier")
    assert calm < policy.FRUSTRATED
    assert policy.frustration("this is ridiculous") >= policy.FRUSTRATED
    assert policy.frustration("WHERE IS MY PARCEL") >= policy.FRUSTRATED
    assert policy.frustration("where is it?!?!") > policy.frustration("where is it?")


def test_status_lines_come_from_the_order_record(shop) -> None:
    shipped = policy.status_line(shop.order(104288), TODAY)
    assert "on its way" in shipped and shop.order(104288).tracking_number in shipped and "Saturday" in shipped
    assert "being prepared" in policy.status_line(shop.order(104301), TODAY)
    assert "delivered" in policy.status_line(shop.order(104233), TODAY)
    refunds = policy.refund_status_line(shop.order(104210), shop.returns_for(104210), TODAY)
    assert "R-200100" in refunds and "$49.99" in refunds and "Monday 23 November" in refunds
    assert "can't see any return" in policy.refund_status_line(shop.order(104233), [], TODAY)


def test_opening_hours_know_when_the_team_is_in() -> None:
    hours = {0: ("08:00", "20:00"), 1: ("08:00", "20:00"), 2: ("08:00", "20:00"), 3: ("08:00", "20:00"),
             4: ("08:00", "20:00"), 5: ("09:00", "17:00"), 6: None}
    assert policy.hours_summary(hours) == "Monday to Friday 8am-8pm, Saturday 9am-5pm, Sunday closed"
    assert policy.open_now(hours, datetime(2026, 11, 26, 10, 0)) == (True, "until 8pm")
    assert policy.open_now(hours, datetime(2026, 11, 26, 21, 0)) == (False, "tomorrow at 8am")
    assert policy.open_now(hours, datetime(2026, 11, 28, 18, 0)) == (False, "on Monday at 8am")  # Saturday night
    assert policy.open_now(hours, datetime(2026, 11, 30, 6, 30)) == (False, "today at 8am")
