"""Build the Juniper & Co. shop database: catalogue, customers, orders, shipments, returns, FAQ, hours.

Deterministic for a given ``today`` and seed: every date is computed relative to ``today``, and the
plugins shift the seeded dates forward when the database is used on a later day (see
``plugins/shop_db.py``), so the demo orders never go stale. A few fixed demo orders cover each case
the bot handles (README.md lists them); the rest are random but realistic.

    python domains/customer_service/data/build_db.py --out /tmp/shop.sqlite3 [--today 2026-11-26]

Also writes ``data/products.txt`` (the lookup list of the ``product`` entity) with ``--lookup``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

#: bump when the schema or the seeded data change: older databases are then rebuilt on first use
SCHEMA_VERSION = 3
DEFAULT_SEED = 20261126
HERE = Path(__file__).resolve().parent
#: return reasons that are the customer's choice: the prepaid label is deducted from the refund
CUSTOMER_REASONS = ("wrong size", "changed my mind")
RETURN_LABEL_CENTS = 495

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE products (
    id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, category TEXT NOT NULL,
    price_cents INTEGER NOT NULL, stock INTEGER NOT NULL, returnable INTEGER NOT NULL,
    non_returnable_reason TEXT, description TEXT NOT NULL, facts TEXT NOT NULL
);
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    placed_on TEXT NOT NULL, status TEXT NOT NULL
        CHECK (status IN ('processing', 'shipped', 'out_for_delivery', 'delivered', 'cancelled')),
    shipped_on TEXT, delivered_on TEXT, eta TEXT, carrier TEXT, tracking_number TEXT, last_scan TEXT,
    address TEXT NOT NULL, payment_method TEXT NOT NULL, shipping_cents INTEGER NOT NULL,
    cancelled_on TEXT, cancelled_by_bot INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, PRIMARY KEY (order_id, product_id)
);
CREATE TABLE returns (
    id TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id), reason TEXT NOT NULL, note TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'received', 'refunded')),
    refund_cents INTEGER NOT NULL, created_on TEXT NOT NULL, refunded_on TEXT,
    conversation_id TEXT, seeded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE address_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),
    old_address TEXT NOT NULL, new_address TEXT NOT NULL, changed_at TEXT NOT NULL, conversation_id TEXT
);
CREATE TABLE complaints (
    id TEXT PRIMARY KEY, order_id INTEGER, text TEXT NOT NULL, frustration REAL NOT NULL,
    created_at TEXT NOT NULL, conversation_id TEXT
);
CREATE TABLE handoffs (
    id TEXT PRIMARY KEY, reason TEXT NOT NULL, order_id INTEGER, created_at TEXT NOT NULL, conversation_id TEXT
);
CREATE TABLE faq (
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, keywords TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL
);
CREATE TABLE hours (weekday INTEGER PRIMARY KEY, opens TEXT, closes TEXT);
"""


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: float
    stock: int
    description: str
    facts: dict[str, str] = field(default_factory=dict)
    non_returnable_reason: str | None = None


CATALOGUE: tuple[Product, ...] = (
    Product("EL-101", "Wireless Earbuds", "gadgets", 79.00, 42,
            "Noise-cancelling wireless earbuds with a pocket charging case.",
            {"battery": "up to 7 hours per charge, 28 hours with the case",
             "compatib": "they pair over Bluetooth 5.3 with iPhone, Android and laptops",
             "waterproof": "they are IPX4 sweat- and splash-resistant",
             "colour": "they come in black and white"}),
    Product("EL-102", "Bluetooth Speaker", "gadgets", 49.99, 17,
            "Palm-sized speaker with surprisingly big sound.",
            {"battery": "about 12 hours of playback",
             "compatib": "it works with any Bluetooth phone, including iPhone and Android",
             "waterproof": "it is IP67 waterproof, so it survives a dunk in the pool",
             "colour": "it comes in teal, charcoal and coral"}),
    Product("EL-103", "Smart Watch", "gadgets", 199.00, 0,
            "Fitness and sleep tracking, notifications and GPS in a 40 mm aluminium case.",
            {"battery": "up to 5 days per charge",
             "waterproof": "it is water-resistant to 50 metres, fine for swimming",
             "compatib": "it works with iPhone (iOS 16+) and Android 10+",
             "size": "the case is 40 mm and the strap fits wrists from 130 to 200 mm"}),
    Product("EL-104", "USB-C Charger", "gadgets", 19.99, 120,
            "65 W fast charger with two USB-C ports.",
            {"compatib": "it charges any USB-C phone, tablet or laptop, Android and recent iPhones included",
             "power": "it delivers 65 W from one port or 45 + 20 W from both"}),
    Product("HK-201", "Espresso Machine", "home & kitchen", 249.00, 6,
            "15-bar espresso machine with a steam wand for milk drinks.",
            {"warranty": "it has a 2-year manufacturer warranty",
             "size": "it is 33 cm tall, 28 cm wide and 23 cm deep",
             "clean": "the drip tray and portafilter are dishwasher safe"}),
    Product("HK-202", "Ceramic Mug Set", "home & kitchen", 29.50, 35,
            "Four hand-glazed 350 ml stoneware mugs.",
            {"clean": "they are dishwasher and microwave safe",
             "colour": "the set comes in sand, sage and slate"}),
    Product("HK-203", "Cast Iron Skillet", "home & kitchen", 39.00, 22,
            "Pre-seasoned 26 cm cast iron skillet, oven safe.",
            {"clean": "it is not dishwasher safe: rinse it with hot water and oil it lightly",
             "size": "it is 26 cm across and weighs 2.4 kg"}),
    Product("HK-204", "Linen Duvet Cover", "home & kitchen", 89.00, 14,
            "Stone-washed French linen duvet cover with two pillowcases.",
            {"size": "it comes in single, double, queen and king",
             "clean": "it is machine washable at 40 degrees and softens with every wash",
             "colour": "it comes in white, oat and dusty blue"}),
    Product("AP-301", "Denim Jacket", "apparel", 69.00, 28,
            "Classic organic-cotton denim jacket.",
            {"size": "it comes in XS to XXL and runs true to size",
             "colour": "it comes in mid blue and washed black",
             "clean": "machine wash cold, inside out"}),
    Product("AP-302", "Wool Sweater", "apparel", 59.00, 31,
            "Merino wool crew-neck sweater.",
            {"size": "it comes in XS to XL; if you're between sizes, size up",
             "colour": "it comes in navy, oatmeal, forest green and burgundy",
             "clean": "hand wash cold or use the wool cycle"}),
    Product("AP-303", "Trail Running Shoes", "apparel", 109.00, 9,
            "Grippy, cushioned trail shoes with a rock plate.",
            {"size": "they come in US sizes 6 to 13, including half sizes",
             "colour": "they come in slate/orange and black/lime",
             "waterproof": "the upper is water-resistant, not fully waterproof"}),
    Product("AP-304", "Yoga Mat", "apparel", 34.00, 50,
            "6 mm non-slip natural rubber yoga mat.",
            {"size": "it is 183 x 61 cm and 6 mm thick",
             "clean": "wipe it with a damp cloth and mild soap"}),
    Product("AP-305", "Canvas Backpack", "apparel", 54.00, 19,
            "Waxed canvas backpack with a padded 15-inch laptop sleeve.",
            {"size": "it holds 22 litres and fits a 15-inch laptop",
             "waterproof": "the waxed canvas is water-resistant",
             "colour": "it comes in olive, navy and tan"}),
    Product("GC-401", "Gift Card", "gift cards", 50.00, 999,
            "Digital gift card delivered by e-mail, valid for 3 years.",
            {"value": "it is available from $25 to $500"},
            "gift cards can't be returned once sent"),
    Product("JW-501", "Silver Earrings", "jewellery", 45.00, 12,
            "Sterling silver (925) hoop earrings.",
            {"material": "they are solid 925 sterling silver, nickel free"},
            "pierced jewellery can't be returned for hygiene reasons"),
    Product("HK-205", "Desk Lamp", "home & kitchen", 42.00, 0,
            "Dimmable LED desk lamp with a warm-to-cool light setting.",
            {"power": "it uses a 9 W LED and plugs into a standard outlet",
             "colour": "it comes in matte black and white"}),
    Product("HK-206", "Water Bottle", "home & kitchen", 24.00, 64,
            "Insulated stainless steel bottle that keeps drinks cold for 24 hours.",
            {"size": "it holds 750 ml (25 oz)",
             "clean": "the lid is dishwasher safe; hand wash the bottle"}),
)

FIRST_NAMES = ("Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amara",
               "Kenji", "Priya", "Diego", "Hannah", "Omar", "Grace", "Jonas", "Leila", "Samuel")
LAST_NAMES = ("Johnson", "Garcia", "Nguyen", "Okafor", "Schmidt", "Patel", "Rossi", "Kowalski", "Tanaka",
              "Martinez", "Brown", "Haddad", "Silva", "Murphy", "Cohen", "Andersen")
STREETS = ("Maple Avenue", "Oak Street", "Harbor Road", "Elm Drive", "Cedar Lane", "Pine Street", "Lakeview Blvd",
           "Willow Way", "Sunset Avenue", "Main Street", "Chestnut Court", "River Road")
CITIES = (("Portland", "OR", "97205"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"),
          ("Madison", "WI", "53703"), ("Raleigh", "NC", "27601"), ("Boston", "MA", "02108"),
          ("Seattle", "WA", "98101"), ("Columbus", "OH", "43215"), ("San Diego", "CA", "92101"))
CARRIERS = ("UPS", "FedEx", "USPS")
PAYMENTS = ("Visa card ending 4242", "Mastercard ending 5100", "PayPal account", "Amex card ending 0005",
            "Apple Pay")
SCAN_PLACES = ("regional hub in Reno, NV", "sorting centre in Memphis, TN", "local depot", "distribution centre in Columbus, OH")

FAQ: tuple[tuple[str, str, str, str], ...] = (
    # topic, keywords (comma-separated), question, answer
    ("shipping", "", "How does shipping work?",
     "Standard delivery takes 3-5 working days and costs $5.95, free on orders over $50. Express (1-2 working days) "
     "is $12.95. We ship with UPS, FedEx and USPS and you get a tracking link as soon as your order leaves us."),
    ("shipping", "free,minimum,threshold", "When is shipping free?",
     "Standard shipping is free on every order over $50; below that it's $5.95."),
    ("shipping", "international,abroad,canada,overseas,country,countries,worldwide", "Do you ship internationally?",
     "We ship to the US and Canada. Delivery to Canada takes 5-8 working days and costs $14.95 (free over $150); "
     "duties are included at checkout."),
    ("shipping", "next day,express,fast,faster,quick,urgent,tomorrow", "Is there express delivery?",
     "Yes: Express delivery arrives in 1-2 working days for $12.95 if you order before 2 pm ET. "
     "Next-day delivery isn't guaranteed on weekends."),
    ("shipping", "weekend,weekends,saturday,sunday", "Do you deliver on weekends?",
     "Our carriers deliver Monday to Saturday; we don't dispatch on Sundays or public holidays."),
    ("shipping", "pick up,pickup,collect,store,click", "Can I collect my order?",
     "We're an online-only shop, so there's no in-store pickup, but you can choose a UPS Access Point at checkout "
     "and collect your parcel there."),
    ("shipping", "po box,p.o.,courier,carrier,ups,fedex,usps", "Which couriers do you use?",
     "We ship with UPS, FedEx and USPS depending on your address; PO boxes are delivered by USPS only."),
    ("payment", "", "What payment methods do you accept?",
     "We accept Visa, Mastercard, American Express, debit cards, PayPal, Apple Pay, Google Pay, Klarna "
     "(pay in 4 instalments) and Juniper & Co. gift cards. We don't take cash on delivery or bank transfers."),
    ("payment", "klarna,instalments,installments,split,later,monthly", "Can I pay in instalments?",
     "Yes, with Klarna you can split any order over $35 into 4 interest-free payments; choose Klarna at checkout."),
    ("payment", "declined,decline,failed,rejected,not working", "My card was declined.",
     "Sorry about that! Declines usually come from the bank: check the billing address matches your card, or try "
     "PayPal or another card. We never store your full card number."),
    ("payment", "charged twice,double,twice,overcharged", "I was charged twice.",
     "A second charge is usually a pre-authorisation that drops off within 3-5 working days. If it's still there "
     "after that, ask for a person and a colleague will refund it."),
    ("payment", "safe,secure,security,fraud", "Is paying safe?",
     "Yes: payments are processed by Stripe and PayPal over an encrypted connection, with 3-D Secure checks. "
     "We never see or store your full card number."),
    ("payment", "cash,bank transfer,transfer,cheque,check", "Can I pay cash or by bank transfer?",
     "Sorry, we don't accept cash on delivery, cheques or bank transfers; cards, PayPal, Apple Pay, Google Pay "
     "and Klarna are all fine."),
    ("returns", "", "What is your return policy?",
     "You can return most items within 30 days of delivery for a full refund to your original payment method. "
     "Returns of faulty, damaged or wrong items are free; for other reasons we deduct $4.95 for the prepaid label. "
     "Gift cards and pierced jewellery can't be returned."),
    ("returns", "how long,window,days,30,deadline,after", "How long do I have to return something?",
     "You have 30 days from the day your order was delivered to start a return."),
    ("returns", "free,cost,pay for,fee,restocking,label,shipping", "Are returns free?",
     "Returns of faulty, damaged or wrong items are free. For any other reason we deduct $4.95 for the prepaid "
     "return label. There's no restocking fee."),
    ("returns", "sale,discount,clearance", "Can I return sale items?",
     "Yes, sale items follow the same 30-day return policy; only gift cards and pierced jewellery are final."),
    ("returns", "exchange,exchanges,swap,different size", "Can I exchange an item?",
     "We don't do direct exchanges: return the item for a refund and place a new order, so the size you want "
     "doesn't sell out in the meantime."),
    ("returns", "receipt,proof", "Do I need a receipt?",
     "No receipt needed: your order number is enough, and I can find it for you with your e-mail address."),
    ("returns", "worn,used,wore,tags", "Can I return worn items?",
     "Items need to be unworn and unwashed with their tags on, except faulty ones, which we always take back."),
    ("returns", "refunds take,refund take,how long refund,show up,original,card,refund", "How do refunds work?",
     "Refunds go back to your original payment method within 5 working days of your return reaching us; "
     "your bank may take 2-3 more days to show it."),
    ("contact", "", "How can I contact you?",
     "You can reach our team by phone on 1-800-555-0199, by e-mail at help@juniper.example, or right here "
     "in the chat. Our postal address is Juniper & Co., 220 Harbor Road, Portland, OR 97209."),
    ("contact", "phone,call,number,ring,nr", "What's your phone number?",
     "Call us on 1-800-555-0199 (toll-free) Monday to Friday 8 am-8 pm and Saturday 9 am-5 pm ET."),
    ("contact", "email,e-mail,mail", "What's your e-mail address?",
     "Write to help@juniper.example; we answer within one working day."),
    ("contact", "address,located,post,where are you,office,letter", "Where are you based?",
     "We're at Juniper & Co., 220 Harbor Road, Portland, OR 97209. It's our office and warehouse, not a shop, "
     "so please send returns only with a return label."),
    ("contact", "social,instagram,facebook,twitter,tiktok", "Are you on social media?",
     "Find us as @juniperandco on Instagram, Facebook and TikTok; for order questions, this chat is quicker."),
    ("contact", "live chat,chat,agent,person", "Do you have a live chat?",
     "This chat is it! I'm Juno, the virtual assistant, and I can put you through to a colleague during "
     "opening hours."),
)

#: weekday (Monday = 0) -> (opens, closes) in Eastern Time; None: closed
HOURS: dict[int, tuple[str, str] | None] = {
    0: ("08:00", "20:00"), 1: ("08:00", "20:00"), 2: ("08:00", "20:00"), 3: ("08:00", "20:00"),
    4: ("08:00", "20:00"), 5: ("09:00", "17:00"), 6: None,
}


@dataclass(frozen=True)
class DemoOrder:
    """A fixed order the README, the tests and the sample transcripts rely on."""

    id: int
    status: str
    placed_days_ago: int
    items: tuple[tuple[str, int], ...]
    delivered_days_ago: int | None = None
    shipped_days_ago: int | None = None
    returns: tuple[tuple[str, str, str, int, int | None], ...] = ()  # item, reason, status, created ago, refunded ago


DEMO_ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(104233, "delivered", 9, (("Wireless Earbuds", 1), ("Yoga Mat", 1), ("Ceramic Mug Set", 1)),
              delivered_days_ago=5, shipped_days_ago=8),
    DemoOrder(104250, "delivered", 14, (("Denim Jacket", 1), ("Gift Card", 1), ("Silver Earrings", 1)),
              delivered_days_ago=10, shipped_days_ago=13),
    DemoOrder(104180, "delivered", 50, (("Cast Iron Skillet", 1), ("Water Bottle", 2)),
              delivered_days_ago=45, shipped_days_ago=48),
    DemoOrder(104210, "delivered", 30, (("Bluetooth Speaker", 1), ("Wool Sweater", 1)),
              delivered_days_ago=25, shipped_days_ago=28,
              returns=(("Bluetooth Speaker", "damaged", "refunded", 20, 3),)),
    DemoOrder(104195, "delivered", 22, (("Trail Running Shoes", 1),), delivered_days_ago=18, shipped_days_ago=20,
              returns=(("Trail Running Shoes", "wrong size", "received", 6, None),)),
    DemoOrder(104288, "shipped", 3, (("Espresso Machine", 1), ("USB-C Charger", 1)), shipped_days_ago=1),
    DemoOrder(104150, "out_for_delivery", 4, (("Smart Watch", 1),), shipped_days_ago=2),
    DemoOrder(104301, "processing", 0, (("Linen Duvet Cover", 1), ("Desk Lamp", 1))),
    DemoOrder(104302, "processing", 1, (("Canvas Backpack", 1),)),
    DemoOrder(104199, "cancelled", 12, (("Smart Watch", 1),)),
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _money(value: float) -> int:
    return round(value * 100)


def _address(rng: random.Random) -> str:
    city, state, zip_code = rng.choice(CITIES)
    return f"{rng.randint(3, 980)} {rng.choice(STREETS)}, {city}, {state} {zip_code}"


def _tracking(rng: random.Random, carrier: str) -> str:
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    if carrier == "FedEx":
        return "".join(rng.choice("0123456789") for _ in range(12))
    return "9400" + "".join(rng.choice("0123456789") for _ in range(18))


def _shipment(rng: random.Random, order: dict[str, object], today: date, shipped_ago: int | None) -> None:
    if shipped_ago is None:
        return
    carrier = rng.choice(CARRIERS)
    order.update(carrier=carrier, tracking_number=_tracking(rng, carrier), shipped_on=_iso(today - timedelta(days=shipped_ago)))


def build(out: Path, today: date | None = None, seed: int = DEFAULT_SEED) -> Path:
    """Write a fresh database at ``out`` (replacing any file there) and return its path."""
    today = today or date.today()
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")  # built aside, then swapped in atomically
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(SCHEMA)
        _fill(con, rng, today, seed)
        con.commit()
    finally:
        con.close()
    tmp.replace(out)
    return out


def _fill(con: sqlite3.Connection, rng: random.Random, today: date, seed: int) -> None:
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("anchor_date", today.isoformat()), ("seed", str(seed))],
    )
    for pid, p in enumerate(CATALOGUE, start=1):
        con.execute(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, p.sku, p.name, p.category, _money(p.price), p.stock, int(p.non_returnable_reason is None),
             p.non_returnable_reason, p.description, json.dumps(p.facts)),
        )
    product_id = {p.name: i for i, p in enumerate(CATALOGUE, start=1)}
    price = {p.name: _money(p.price) for p in CATALOGUE}

    customers = []
    for cid in range(1, 41):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customers.append((cid, f"{first} {last}", f"{first.lower()}.{last.lower()}{cid}@example.com"))
    con.executemany("INSERT INTO customers VALUES (?, ?, ?)", customers)

    orders: list[dict[str, object]] = []
    for demo in DEMO_ORDERS:
        orders.append(_demo_order(rng, demo, today))
    random_ids = [i for i in range(104100, 104320) if i not in {d.id for d in DEMO_ORDERS}]
    for oid in sorted(rng.sample(random_ids, 70)):
        orders.append(_random_order(rng, oid, today))

    return_seq = 200100
    for order in orders:
        items = order.pop("items")
        returns = order.pop("returns")
        subtotal = sum(price[name] * qty for name, qty in items)  # type: ignore[union-attr]
        order["shipping_cents"] = 0 if subtotal >= 5000 else 595
        con.execute(
            "INSERT INTO orders (id, customer_id, placed_on, status, shipped_on, delivered_on, eta, carrier, "
            "tracking_number, last_scan, address, payment_method, shipping_cents, cancelled_on) "
            "VALUES (:id, :customer_id, :placed_on, :status, :shipped_on, :delivered_on, :eta, :carrier, "
            ":tracking_number, :last_scan, :address, :payment_method, :shipping_cents, :cancelled_on)",
            order,
        )
        for name, qty in items:  # type: ignore[union-attr]
            con.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", (order["id"], product_id[name], qty, price[name]))
        for name, reason, status, created_ago, refunded_ago in returns:  # type: ignore[union-attr]
            qty = dict(items)[name]  # type: ignore[arg-type]
            refund = price[name] * qty - (RETURN_LABEL_CENTS if reason in CUSTOMER_REASONS else 0)
            con.execute(
                "INSERT INTO returns VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL, 1)",
                (f"R-{return_seq}", order["id"], product_id[name], reason, status, refund,
                 _iso(today - timedelta(days=created_ago)),
                 _iso(today - timedelta(days=refunded_ago)) if refunded_ago is not None else None),
            )
            return_seq += 1

    con.executemany("INSERT INTO faq (topic, keywords, question, answer) VALUES (?, ?, ?, ?)", FAQ)
    con.executemany(
        "INSERT INTO hours VALUES (?, ?, ?)",
        [(day, span[0] if span else None, span[1] if span else None) for day, span in HOURS.items()],
    )


def _base_order(rng: random.Random, oid: int, status: str, placed_ago: int, today: date) -> dict[str, object]:
    return {
        "id": oid, "customer_id": rng.randint(1, 40), "placed_on": _iso(today - timedelta(days=placed_ago)),
        "status": status, "shipped_on": None, "delivered_on": None, "eta": None, "carrier": None,
        "tracking_number": None, "last_scan": None, "address": _address(rng), "payment_method": rng.choice(PAYMENTS),
        "cancelled_on": None, "returns": (),
    }


def _demo_order(rng: random.Random, demo: DemoOrder, today: date) -> dict[str, object]:
    order = _base_order(rng, demo.id, demo.status, demo.placed_days_ago, today)
    order["items"] = demo.items
    order["returns"] = demo.returns
    _shipment(rng, order, today, demo.shipped_days_ago)
    if demo.status == "delivered":
        order["delivered_on"] = _iso(today - timedelta(days=demo.delivered_days_ago or 0))
    elif demo.status == "shipped":
        order["eta"] = _iso(today + timedelta(days=2))
        order["last_scan"] = SCAN_PLACES[0]
    elif demo.status == "out_for_delivery":
        order["eta"] = _iso(today)
        order["last_scan"] = SCAN_PLACES[2]
    elif demo.status == "processing":
        order["eta"] = _iso(today + timedelta(days=4))
    elif demo.status == "cancelled":
        order["cancelled_on"] = _iso(today - timedelta(days=demo.placed_days_ago - 1))
    return order


def _random_order(rng: random.Random, oid: int, today: date) -> dict[str, object]:
    placed_ago = rng.randint(0, 75)
    if placed_ago <= 1:
        status = "processing"
    elif placed_ago <= 4:
        status = rng.choice(("shipped", "shipped", "out_for_delivery"))
    else:
        status = rng.choices(("delivered", "cancelled"), weights=(12, 1))[0]
    order = _base_order(rng, oid, status, placed_ago, today)
    names = rng.sample([p.name for p in CATALOGUE if p.name != "Gift Card"], rng.randint(1, 3))
    order["items"] = tuple((name, rng.choice((1, 1, 1, 2))) for name in names)
    if status in ("shipped", "out_for_delivery", "delivered"):
        _shipment(rng, order, today, max(placed_ago - 1, 0))
    if status == "shipped":
        order["eta"] = _iso(today + timedelta(days=rng.randint(1, 3)))
        order["last_scan"] = rng.choice(SCAN_PLACES)
    elif status == "out_for_delivery":
        order["eta"] = _iso(today)
        order["last_scan"] = SCAN_PLACES[2]
    elif status == "delivered":
        order["delivered_on"] = _iso(today - timedelta(days=max(placed_ago - rng.randint(2, 5), 0)))
    elif status == "processing":
        order["eta"] = _iso(today + timedelta(days=4))
    else:
        order["cancelled_on"] = _iso(today - timedelta(days=placed_ago))
    return order


def write_lookup(path: Path = HERE / "products.txt") -> Path:
    """The product entity's lookup list: one catalogue name per line."""
    lines = ["# generated by data/build_db.py from its CATALOGUE: one product name per line"]
    lines += [p.name for p in CATALOGUE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / ".dialogue" / "shop.sqlite3")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="date the data is relative to")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--lookup", action="store_true", help="also rewrite data/products.txt")
    args = parser.parse_args(argv)
    path = build(args.out, args.today, args.seed)
    if args.lookup:
        write_lookup()
    print(f"wrote {path} ({datetime.now():%H:%M:%S})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
