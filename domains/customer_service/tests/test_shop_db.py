"""The shop database: a deterministic build, dates that follow the calendar, and the bot's writes."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from dialogue.components import import_domain_plugin

PACK = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 26)


shop_db = import_domain_plugin(PACK, "shop_db")
build_db = shop_db.build_module()


def dump(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        rows = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            rows += [(table, *row) for row in con.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        return rows
    finally:
        con.close()


@pytest.fixture()
def shop(tmp_path: Path):
    path = build_db.build(tmp_path / "shop.sqlite3", today=TODAY)
    return shop_db.ShopDB(path, today=TODAY)


def test_build_is_deterministic_and_realistic(tmp_path: Path) -> None:
    a = build_db.build(tmp_path / "a.sqlite3", today=TODAY)
    b = build_db.build(tmp_path / "b.sqlite3", today=TODAY)
    assert dump(a) == dump(b)
    con = sqlite3.connect(a)
    statuses = dict(con.execute("SELECT status, count(*) FROM orders GROUP BY status").fetchall())
    assert sum(statuses.values()) == 80 and set(statuses) == {"processing", "shipped", "out_for_delivery", "delivered", "cancelled"}
    assert con.execute("SELECT count(*) FROM orders o WHERE NOT EXISTS "
                       "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM orders WHERE status = 'delivered' AND delivered_on IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM orders WHERE status IN ('shipped', 'out_for_delivery', 'delivered') "
                       "AND tracking_number IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(DISTINCT topic) FROM faq").fetchone()[0] == 4
    con.close()


def test_a_different_seed_gives_different_random_orders(tmp_path: Path) -> None:
    a = build_db.build(tmp_path / "a.sqlite3", today=TODAY, seed=1)
    b = build_db.build(tmp_path / "b.sqlite3", today=TODAY, seed=2)
    assert dump(a) != dump(b)


def test_the_database_is_built_on_first_use(tmp_path: Path) -> None:
    store = shop_db.ShopDB(tmp_path / "new" / "shop.sqlite3", today=TODAY)
    assert store.order(104233).status == "delivered"
    assert (tmp_path / "new" / "shop.sqlite3").is_file()


def test_a_database_from_an_older_build_script_is_rebuilt(tmp_path: Path) -> None:
    path = build_db.build(tmp_path / "shop.sqlite3", today=TODAY)
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.execute("DELETE FROM orders WHERE id = 104233")
    con.commit()
    con.close()
    assert shop_db.ShopDB(path, today=TODAY).order(104233) is not None


def test_seeded_dates_move_with_the_calendar_but_written_rows_do_not(shop) -> None:
    return_id = shop.record_return(104233, shop.order(104233).item("Yoga Mat").product_id, "wrong size", 3400 - 495)
    later = shop_db.ShopDB(shop.path, today=TODAY + timedelta(days=10))
    order = later.order(104233)
    assert order.delivered_on == TODAY + timedelta(days=10) - timedelta(days=5)  # still "5 days ago"
    seeded = {r.id: r for r in later.returns_for(104210)}["R-200100"]
    assert seeded.refunded_on == TODAY + timedelta(days=10) - timedelta(days=3)
    mine = {r.id: r for r in later.returns_for(104233)}[return_id]
    assert mine.created_on == TODAY  # a real request keeps its real date
    # going back in time (a test pinning an earlier day) shifts the other way
    assert shop_db.ShopDB(shop.path, today=TODAY).order(104233).delivered_on == TODAY - timedelta(days=5)


def test_record_return_stores_order_item_reason_and_refund(shop) -> None:
    item = shop.order(104233).item("Wireless Earbuds")
    return_id = shop.record_return(104233, item.product_id, "defective", 7900, "left bud crackles", "conv-1")
    assert return_id == "R-200102"  # numbered after the two seeded returns
    con = sqlite3.connect(shop.path)
    row = con.execute("SELECT order_id, product_id, reason, note, status, refund_cents, created_on, conversation_id "
                      "FROM returns WHERE id = ?", (return_id,)).fetchone()
    assert row == (104233, item.product_id, "defective", "left bud crackles", "requested", 7900, TODAY.isoformat(), "conv-1")
    assert shop.record_return(104233, item.product_id, "defective", 7900) == "R-200103"


def test_cancel_only_touches_processing_orders(shop) -> None:
    assert shop.cancel_order(104301) is True
    order = shop.order(104301)
    assert order.status == "cancelled" and order.cancelled_on == TODAY and order.eta is None
    assert shop.cancel_order(104301) is False
    assert shop.cancel_order(104288) is False
    later = shop_db.ShopDB(shop.path, today=TODAY + timedelta(days=3))
    assert later.order(104301).cancelled_on == TODAY  # a real cancellation keeps its date
    assert later.order(104199).cancelled_on == TODAY + timedelta(days=3) - timedelta(days=11)  # seeded one moves
    assert shop.order(104288).status == "shipped"


def test_address_change_is_logged_with_the_old_address(shop) -> None:
    old = shop.order(104302).address
    assert shop.change_address(104302, "415 Maple Avenue, Portland, OR 97205", "conv-2") is True
    assert shop.order(104302).address == "415 Maple Avenue, Portland, OR 97205"
    con = sqlite3.connect(shop.path)
    assert con.execute("SELECT order_id, old_address, conversation_id FROM address_changes").fetchall() == [
        (104302, old, "conv-2")]
    assert shop.change_address(104288, "1 Main Street, Austin, TX 78701") is False


def test_complaints_and_handoffs_get_references(shop) -> None:
    assert shop.log_complaint("this is ridiculous", 0.5, 104288, "c") == "C-5001"
    assert shop.log_complaint("meh", 0.0, None, "c") == "C-5002"
    assert shop.create_handoff("asked", None, "c") == "H-7001"


def test_unknown_or_malformed_order_ids_are_none(shop) -> None:
    assert shop.order(999999) is None
    assert shop.order("abc") is None
    assert shop.order("#104233").id == 104233


def test_lookup_file_and_synonyms_match_the_catalogue() -> None:
    names = {p.name for p in build_db.CATALOGUE}
    listed = [line for line in (PACK / "data" / "products.txt").read_text().splitlines() if not line.startswith("#")]
    assert sorted(listed) == sorted(names), "re-run: python data/build_db.py --lookup"
    nlu = yaml.safe_load((PACK / "nlu.yml").read_text())
    assert set(nlu["entities"]["product"]["synonyms"]) == names
    reasons = set(nlu["entities"]["return_reason"]["synonyms"])
    assert reasons == set(import_domain_plugin(PACK, "shop_policy").REASONS)


def test_script_writes_a_database_from_the_command_line(tmp_path: Path) -> None:
    assert build_db.main(["--out", str(tmp_path / "cli.sqlite3"), "--today", "2026-01-15"]) == 0
    store = shop_db.ShopDB(tmp_path / "cli.sqlite3", today=date(2026, 1, 15))
    assert store.order(104233).delivered_on == date(2026, 1, 10)
