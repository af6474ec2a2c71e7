"""Data access for the Juniper & Co. shop database: reads, the few writes the bot makes, date rebasing.

The database is built on first use by ``data/build_db.py`` into the domain's model folder
(``.dialogue/shop.sqlite3``) unless ``JUNIPER_SHOP_DB`` names another file. Seeded dates are stored
relative to the day the data was built; every connection first shifts them by the days passed since,
so "delivered 5 days ago" stays true whenever the demo runs. Rows the bot wrote are never shifted.

Plain ``sqlite3`` with one short connection per call: actions run in worker threads, and a bot
process may serve several conversations at once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import ModuleType

from dialogue.components import import_domain_plugin

ENV_PATH = "JUNIPER_SHOP_DB"
PACK_DIR = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = PACK_DIR / "data" / "build_db.py"

_build_lock = threading.Lock()
log = logging.getLogger("juniper_shop")


def build_module() -> ModuleType:
    """``data/build_db.py`` as a module (a script outside the plugins package), imported once by the framework."""
    return import_domain_plugin(PACK_DIR, BUILD_SCRIPT)


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    name: str
    category: str
    price_cents: int
    stock: int
    returnable: bool
    non_returnable_reason: str | None
    description: str
    facts: dict[str, str]


@dataclass(frozen=True)
class OrderItem:
    product_id: int
    name: str
    quantity: int
    unit_price_cents: int
    returnable: bool
    non_returnable_reason: str | None

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class Order:
    id: int
    customer_name: str
    placed_on: date
    status: str
    shipped_on: date | None
    delivered_on: date | None
    eta: date | None
    carrier: str | None
    tracking_number: str | None
    last_scan: str | None
    address: str
    payment_method: str
    shipping_cents: int
    cancelled_on: date | None
    items: tuple[OrderItem, ...]

    @property
    def subtotal_cents(self) -> int:
        return sum(item.total_cents for item in self.items)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents

    def item(self, name: str) -> OrderItem | None:
        return next((i for i in self.items if i.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class ReturnRecord:
    id: str
    order_id: int
    product_id: int
    item_name: str
    reason: str
    note: str | None
    status: str
    refund_cents: int
    created_on: date
    refunded_on: date | None


@dataclass(frozen=True)
class FaqEntry:
    topic: str
    keywords: tuple[str, ...]
    question: str
    answer: str


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def default_path(model_dir: Path | None = None) -> Path:
    """Where the database lives: ``$JUNIPER_SHOP_DB``, else ``<model_dir>/shop.sqlite3``."""
    if os.environ.get(ENV_PATH):
        return Path(os.environ[ENV_PATH])
    return (model_dir or PACK_DIR / ".dialogue") / "shop.sqlite3"


class ShopDB:
    """The shop's data, as the bot sees it. ``today`` is injectable so tests can pin the clock."""

    def __init__(self, path: Path, today: date | None = None) -> None:
        self.path = Path(path)
        self._today = today
        self._checked = False  # existence and data version are checked once per instance

    @property
    def today(self) -> date:
        return self._today or date.today()

    # ------------------------------------------------------------------ connection
    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure_built()
        con = sqlite3.connect(self.path, timeout=5)
        con.row_factory = sqlite3.Row
        try:
            with con:  # one transaction: commit on success, roll back on error
                self._rebase(con)
                yield con
        finally:
            con.close()

    def _ensure_built(self) -> None:
        if self._checked:
            return
        with _build_lock:
            if not self.path.is_file() or self._version() != build_module().SCHEMA_VERSION:
                if self.path.is_file():
                    log.warning("rebuilding %s: it was made by an older data/build_db.py", self.path)
                build_module().build(self.path, today=self.today)
            self._checked = True

    def _version(self) -> int | None:
        try:
            con = sqlite3.connect(self.path)
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            finally:
                con.close()
            return int(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None

    def _rebase(self, con: sqlite3.Connection) -> None:
        """Shift seeded dates by the days passed since the data was anchored."""
        row = con.execute("SELECT value FROM meta WHERE key = 'anchor_date'").fetchone()
        anchor = date.fromisoformat(row[0])
        delta = (self.today - anchor).days
        if delta == 0:
            return
        shift = f"{delta:+d} days"
        for column in ("placed_on", "shipped_on", "delivered_on", "eta"):
            con.execute(f"UPDATE orders SET {column} = date({column}, ?) WHERE {column} IS NOT NULL", (shift,))
        con.execute("UPDATE orders SET cancelled_on = date(cancelled_on, ?) "
                    "WHERE cancelled_on IS NOT NULL AND cancelled_by_bot = 0", (shift,))
        for column in ("created_on", "refunded_on"):
            con.execute(f"UPDATE returns SET {column} = date({column}, ?) WHERE seeded = 1 AND {column} IS NOT NULL", (shift,))
        con.execute("UPDATE meta SET value = ? WHERE key = 'anchor_date'", (self.today.isoformat(),))

    # ------------------------------------------------------------------ reads
    def order(self, order_id: int | str) -> Order | None:
        try:
            oid = int(str(order_id).strip().lstrip("#"))
        except ValueError:
            return None
        with self.connect() as con:
            row = con.execute(
                "SELECT o.*, c.name AS customer_name FROM orders o JOIN customers c ON c.id = o.customer_id "
                "WHERE o.id = ?",
                (oid,),
            ).fetchone()
            if row is None:
                return None
            items = con.execute(
                "SELECT i.product_id, p.name, i.quantity, i.unit_price_cents, p.returnable, p.non_returnable_reason "
                "FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY p.name",
                (oid,),
            ).fetchall()
        return Order(
            id=row["id"], customer_name=row["customer_name"], placed_on=date.fromisoformat(row["placed_on"]),
            status=row["status"], shipped_on=_day(row["shipped_on"]), delivered_on=_day(row["delivered_on"]),
            eta=_day(row["eta"]), carrier=row["carrier"], tracking_number=row["tracking_number"],
            last_scan=row["last_scan"], address=row["address"], payment_method=row["payment_method"],
            shipping_cents=row["shipping_cents"], cancelled_on=_day(row["cancelled_on"]),
            items=tuple(OrderItem(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in items),
        )

    def returns_for(self, order_id: int) -> list[ReturnRecord]:
        with self.connect() as con:
            rows = con.execute(
                "SELECT r.*, p.name AS item_name FROM returns r JOIN products p ON p.id = r.product_id "
                "WHERE r.order_id = ? ORDER BY r.created_on, r.id",
                (order_id,),
            ).fetchall()
        return [
            ReturnRecord(r["id"], r["order_id"], r["product_id"], r["item_name"], r["reason"], r["note"], r["status"],
                         r["refund_cents"], date.fromisoformat(r["created_on"]), _day(r["refunded_on"]))
            for r in rows
        ]

    def products(self) -> list[Product]:
        with self.connect() as con:
            rows = con.execute("SELECT * FROM products ORDER BY category, name").fetchall()
        return [self._product(r) for r in rows]

    def product(self, name: str) -> Product | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM products WHERE lower(name) = lower(?)", (name.strip(),)).fetchone()
        return self._product(row) if row else None

    @staticmethod
    def _product(r: sqlite3.Row) -> Product:
        return Product(r["id"], r["sku"], r["name"], r["category"], r["price_cents"], r["stock"], bool(r["returnable"]),
                       r["non_returnable_reason"], r["description"], json.loads(r["facts"]))

    def faq(self, topic: str) -> list[FaqEntry]:
        with self.connect() as con:
            rows = con.execute("SELECT topic, keywords, question, answer FROM faq WHERE topic = ? ORDER BY id", (topic,))
            return [
                FaqEntry(r[0], tuple(k.strip() for k in r[1].split(",") if k.strip()), r[2], r[3]) for r in rows
            ]

    def hours(self) -> dict[int, tuple[str, str] | None]:
        with self.connect() as con:
            rows = con.execute("SELECT weekday, opens, closes FROM hours").fetchall()
        return {r[0]: (r[1], r[2]) if r[1] else None for r in rows}

    # ------------------------------------------------------------------ writes
    def record_return(
        self, order_id: int, product_id: int, reason: str, refund_cents: int,
        note: str | None = None, conversation_id: str | None = None,
    ) -> str:
        """Insert a 'requested' return and give back its number (R-xxxxxx)."""
        with self.connect() as con:
            last = con.execute("SELECT max(CAST(substr(id, 3) AS INTEGER)) FROM returns").fetchone()[0] or 200000
            return_id = f"R-{last + 1}"
            con.execute(
                "INSERT INTO returns (id, order_id, product_id, reason, note, status, refund_cents, created_on, "
                "conversation_id) VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?)",
                (return_id, order_id, product_id, reason, note, refund_cents, self.today.isoformat(), conversation_id),
            )
        return return_id

    def cancel_order(self, order_id: int) -> bool:
        """Cancel an order that is still processing; False when it was not (any more)."""
        with self.connect() as con:
            cur = con.execute(
                "UPDATE orders SET status = 'cancelled', cancelled_on = ?, cancelled_by_bot = 1, eta = NULL "
                "WHERE id = ? AND status = 'processing'",
                (self.today.isoformat(), order_id),
            )
            return cur.rowcount == 1

    def change_address(self, order_id: int, new_address: str, conversation_id: str | None = None) -> bool:
        with self.connect() as con:
            row = con.execute("SELECT address FROM orders WHERE id = ? AND status = 'processing'", (order_id,)).fetchone()
            if row is None:
                return False
            con.execute("UPDATE orders SET address = ? WHERE id = ?", (new_address, order_id))
            con.execute(
                "INSERT INTO address_changes (order_id, old_address, new_address, changed_at, conversation_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (order_id, row[0], new_address, _now(), conversation_id),
            )
            return True

    def log_complaint(self, text: str, frustration: float, order_id: int | None, conversation_id: str | None) -> str:
        with self.connect() as con:
            count = con.execute("SELECT count(*) FROM complaints").fetchone()[0]
            complaint_id = f"C-{5001 + count}"
            con.execute(
                "INSERT INTO complaints VALUES (?, ?, ?, ?, ?, ?)",
                (complaint_id, order_id, text, round(frustration, 3), _now(), conversation_id),
            )
        return complaint_id

    def create_handoff(self, reason: str, order_id: int | None, conversation_id: str | None) -> str:
        with self.connect() as con:
            count = con.execute("SELECT count(*) FROM handoffs").fetchone()[0]
            ticket_id = f"H-{7001 + count}"
            con.execute("INSERT INTO handoffs VALUES (?, ?, ?, ?, ?)", (ticket_id, reason, order_id, _now(), conversation_id))
        return ticket_id


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_OPEN: dict[Path, ShopDB] = {}


def shop_for(model_dir: Path | None = None) -> ShopDB:
    """The shared ``ShopDB`` of a domain (one per database path)."""
    path = default_path(model_dir).resolve()
    if path not in _OPEN:
        _OPEN[path] = ShopDB(path)
    return _OPEN[path]
