"""The shop's rules, as plain functions over orders: return window, cancellation, addresses, reasons.

Nothing here touches the database or the dialogue, so each rule is easy to test and to change
when adapting the pack to another shop. Functions return a customer-facing sentence saying why
something is not possible, or ``None`` when it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

RETURN_WINDOW_DAYS = 30
#: reasons that are the customer's choice: the prepaid label is deducted from the refund
CUSTOMER_REASONS = ("wrong size", "changed my mind")
RETURN_LABEL_CENTS = 495
REASONS = ("damaged", "defective", "wrong size", "wrong item", "not as described", "changed my mind", "arrived late")

STATUS_WORDS = {
    "processing": "is being prepared in our warehouse",
    "shipped": "is on its way",
    "out_for_delivery": "is out for delivery today",
    "delivered": "was delivered",
    "cancelled": "was cancelled",
}


class OrderLike(Protocol):
    id: int
    status: str
    delivered_on: date | None
    items: Any


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def when(day: date | None, today: date) -> str:
    """'today', 'yesterday', 'tomorrow', 'on Monday 30 November'."""
    if day is None:
        return "soon"
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == -1:
        return "yesterday"
    if delta == 1:
        return "tomorrow"
    return f"on {day:%A} {day.day} {day:%B}"


def item_list(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------- order ids

ORDER_ID = re.compile(r"(?<![\w-])#?(1\d{5})(?!\d)")


def parse_order_id(value: Any) -> int | None:
    """The six-digit order number in ``value`` (an entity value or free text), or None."""
    if value is None:
        return None
    match = ORDER_ID.search(str(value).strip())
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------- returns

def return_order_problem(order: OrderLike, today: date) -> str | None:
    """Why nothing in this order can be returned, or None when it can."""
    if order.status == "cancelled":
        return f"Order {order.id} was cancelled, so there's nothing to return; any payment was refunded in full."
    if order.status in ("processing", "shipped", "out_for_delivery"):
        extra = " If you don't want it any more, you can still cancel it." if order.status == "processing" else ""
        return (f"Order {order.id} hasn't been delivered yet, so it can't be returned until it arrives.{extra}")
    assert order.delivered_on is not None
    days = (today - order.delivered_on).days
    if days > RETURN_WINDOW_DAYS:
        last = order.delivered_on + timedelta(days=RETURN_WINDOW_DAYS)
        return (f"I'm sorry, order {order.id} was delivered {days} days ago, and our return window is "
                f"{RETURN_WINDOW_DAYS} days from delivery (it closed on {last:%d %B}). If an item is faulty, "
                f"it may still be covered by its warranty: a colleague can help with that.")
    return None


def match_item(items: Sequence[Any], value: str | None) -> Any | None:
    """The order item named by ``value``: exact product name first, then by shared words."""
    if not value:
        return None
    wanted = str(value).strip().lower()
    for item in items:
        if item.name.lower() == wanted:
            return item
    words = set(re.findall(r"[a-z]{3,}", wanted)) - {"the", "and", "one", "item", "please", "want", "return"}
    scored = sorted(
        ((len(words & set(re.findall(r"[a-z]{3,}", item.name.lower()))), item) for item in items),
        key=lambda pair: -pair[0],
    )
    scored = [pair for pair in scored if pair[0] > 0]
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def item_problem(item: Any, existing_returns: Iterable[Any]) -> str | None:
    """Why this item can't go back (not returnable, already being returned), or None."""
    if not item.returnable:
        return f"Sorry, the {item.name} can't be returned: {item.non_returnable_reason}."
    for record in existing_returns:
        if record.product_id == item.product_id:
            return (f"There's already a return for the {item.name} (return {record.id}, "
                    f"{record.status}), so I can't open a second one.")
    return None


_REASON_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile("|".join(patterns), re.IGNORECASE))
    for code, patterns in (
        ("wrong item", (r"\bwrong (item|one|product|colou?r|model|thing)", r"\bnot what i ordered",
                        r"\bsent (me )?the wrong", r"\bdifferent item")),
        ("damaged", (r"\bdamag", r"\bbroke", r"\bcrack", r"\bsmash", r"\bdent", r"\bscratch", r"\btorn\b",
                     r"\bripped\b", r"\bshatter", r"\bleak", r"\bchip(ped)?\b", r"\bflaw", r"\bstain")),
        ("defective", (r"\bfaulty", r"\bdefect", r"\b(doesn'?t|does not|didn'?t|won'?t|will not) (work|turn on|charge|connect|pair)",
                       r"\bnot working", r"\bstopped working", r"\bdead\b", r"\bmalfunction")),
        ("wrong size", (r"\btoo (small|big|tight|loose|large|short|long|narrow|wide)\b",
                        r"\b(doesn'?t|does not|didn'?t|did not|don'?t|do not) fit", r"\bsize\b", r"\bwrong fit")),
        ("not as described", (r"\bdescri", r"\bpicture", r"\bphoto", r"\bquality\b", r"\blooks? different",
                              r"\bcheap", r"\bexpected", r"\bfake\b")),
        ("arrived late", (r"\blate\b", r"\bdelay", r"\btook (too long|ages|forever)")),
        ("changed my mind", (r"\bchanged my mind", r"\b(don'?t|do not|no longer) (need|want|like)", r"\bcheaper",
                             r"\bnot needed", r"\bby (mistake|accident)", r"\bordered twice")),
    )
)


def normalise_reason(text: Any) -> str | None:
    """A reason code for the customer's words; 'other' for a real sentence we can't classify; None for junk."""
    if text is None:
        return None
    raw = str(text).strip().lower()
    if raw in REASONS:
        return raw
    for code, pattern in _REASON_PATTERNS:
        if pattern.search(raw):
            return code
    words = re.findall(r"[a-z]{2,}", raw)
    if len(words) >= 3 and sum(len(w) for w in words) >= 12:
        return "other"
    return None


def refund_for(item: Any, reason: str) -> int:
    """What the customer gets back: full price, minus the label for customer-choice reasons."""
    label = RETURN_LABEL_CENTS if reason in CUSTOMER_REASONS else 0
    return max(item.total_cents - label, 0)


def label_line(reason: str) -> str:
    if reason in CUSTOMER_REASONS:
        return f"I've e-mailed you a prepaid return label ({money(RETURN_LABEL_CENTS)}, deducted from your refund)."
    return "I've e-mailed you a free prepaid return label."


# --------------------------------------------------------------------------- cancellation and address

def cancel_problem(order: OrderLike, today: date) -> str | None:
    if order.status == "processing":
        return None
    if order.status == "cancelled":
        return f"Order {order.id} is already cancelled."
    if order.status == "delivered":
        return (f"Order {order.id} was already delivered, so it can't be cancelled, but you can return items within "
                f"{RETURN_WINDOW_DAYS} days of delivery.")
    return (f"Order {order.id} has already left our warehouse, so I can't cancel it any more. Once it arrives you "
            f"can return it within {RETURN_WINDOW_DAYS} days for a refund.")


def address_change_problem(order: OrderLike) -> str | None:
    if order.status == "processing":
        return None
    if order.status == "cancelled":
        return f"Order {order.id} was cancelled, so there's no delivery to redirect."
    if order.status == "delivered":
        return f"Order {order.id} has already been delivered."
    return (f"Order {order.id} has already shipped, so I can't change its address any more. You can redirect "
            f"it with the carrier using the tracking link in your shipping e-mail.")


_POSTCODE = re.compile(r"\b(\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)\b", re.IGNORECASE)
_STREET_NUMBER = re.compile(r"\b\d{1,6}[a-z]?\b", re.IGNORECASE)


def address_problem(text: Any) -> str | None:
    """Why ``text`` is not a usable delivery address (US ZIP or Canadian postcode), or None."""
    if text is None or not str(text).strip():
        return "I didn't get an address."
    value = " ".join(str(text).split())
    if len(value) > 200:
        return "That address is too long."
    if not re.search(r"[A-Za-z]{3,}", value):
        return "That doesn't look like an address."
    postcode = _POSTCODE.search(value)
    if postcode is None:
        return "I'm missing the ZIP code."
    rest = value[: postcode.start()] + value[postcode.end():]
    if not _STREET_NUMBER.search(rest):
        return "I'm missing the house or building number."
    words = re.findall(r"[A-Za-z]{2,}", rest)
    if len(words) < 3:
        return "I need both the street and the city."
    return None


def tidy_address(text: str) -> str:
    return " ".join(str(text).split()).strip(" .")


# --------------------------------------------------------------------------- wording of statuses

def status_line(order: Any, today: date) -> str:
    """One or two sentences on where an order is, built from its record."""
    items = item_list(i.name for i in order.items)
    head = f"Order {order.id} ({items}) {STATUS_WORDS.get(order.status, order.status)}"
    if order.status == "processing":
        return f"{head}; it should ship within 1 working day and arrive {when(order.eta, today)}."
    if order.status == "shipped":
        return (f"{head} with {order.carrier} (tracking {order.tracking_number}). Last scan: {order.last_scan}. "
                f"Expected delivery: {when(order.eta, today)}.")
    if order.status == "out_for_delivery":
        return f"{head} with {order.carrier} (tracking {order.tracking_number}), so it should be with you by 8 pm."
    if order.status == "delivered":
        return (f"{head} {when(order.delivered_on, today)} by {order.carrier}. If it's not there, check with "
                f"neighbours or your building, or ask me for a person and we'll open a carrier claim.")
    return f"{head} {when(order.cancelled_on, today)} and refunded in full."


RETURN_STATUS_WORDS = {
    "requested": "is booked and we're waiting for the parcel to reach us",
    "received": "has arrived at our warehouse and is being checked",
    "refunded": "is complete",
}


def refund_status_line(order: Any, returns: Sequence[Any], today: date) -> str:
    if order.status == "cancelled":
        return f"Order {order.id} was cancelled {when(order.cancelled_on, today)} and refunded in full to your {order.payment_method}."
    if not returns:
        return (f"I can't see any return for order {order.id} yet. If you'd like to send something back, just say "
                f"\"I want to return an item\".")
    parts = []
    for r in returns:
        line = f"Return {r.id} for the {r.item_name} {RETURN_STATUS_WORDS.get(r.status, r.status)}"
        if r.status == "refunded":
            line += f": {money(r.refund_cents)} was refunded {when(r.refunded_on, today)} to your {order.payment_method}"
            line += " (allow 2-3 days for your bank to show it)"
        else:
            line += f". You'll get {money(r.refund_cents)} back within 5 working days of the check"
        parts.append(line + ".")
    return " ".join(parts)


# --------------------------------------------------------------------------- frustration

_ANGRY_WORDS = (
    "ridiculous", "unacceptable", "terrible", "awful", "useless", "worst", "scam", "angry", "furious", "fed up",
    "frustrated", "frustrating", "disgusted", "disgusting", "sick of", "joke", "pathetic", "incompetent", "hate",
    "rubbish", "garbage", "stupid", "waste", "never again", "wtf", "damn", "crap", "nobody cares", "third time",
)
_MILD_WORDS = ("unhappy", "disappointed", "not happy", "annoyed", "upset", "complaint", "rude", "poor", "bad", "lost")


def frustration(text: str) -> float:
    """0 (calm) to 1 (furious): angry words, shouting in capitals, and runs of ! or ?."""
    lowered = text.lower()
    score = 0.5 * sum(word in lowered for word in _ANGRY_WORDS)
    score += 0.15 * sum(word in lowered for word in _MILD_WORDS)
    letters = [w for w in re.findall(r"[A-Za-z]{3,}", text)]
    if len(letters) >= 2 and sum(w.isupper() for w in letters) / len(letters) >= 0.6:
        score += 0.5
    if re.search(r"[!?]{2,}", text):
        score += 0.25
    return min(score, 1.0)


FRUSTRATED = 0.5


# --------------------------------------------------------------------------- opening hours

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(value: str) -> time:
    return time.fromisoformat(value)


def _fmt(value: str) -> str:
    t = _clock(value)
    suffix = "am" if t.hour < 12 else "pm"
    hour = t.hour % 12 or 12
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def hours_summary(hours: dict[int, tuple[str, str] | None]) -> str:
    """'Monday-Friday 8am-8pm, Saturday 9am-5pm, Sunday closed' from the hours table."""
    groups: list[tuple[list[int], tuple[str, str] | None]] = []
    for day in range(7):
        span = hours.get(day)
        if groups and groups[-1][1] == span:
            groups[-1][0].append(day)
        else:
            groups.append(([day], span))
    parts = []
    for days, span in groups:
        name = DAY_NAMES[days[0]] if len(days) == 1 else f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
        parts.append(f"{name} {_fmt(span[0])}-{_fmt(span[1])}" if span else f"{name} closed")
    return ", ".join(parts)


def open_now(hours: dict[int, tuple[str, str] | None], now: datetime) -> tuple[bool, str]:
    """Whether the team is in at ``now`` (shop-local time), and when they are next in if not."""
    span = hours.get(now.weekday())
    if span and _clock(span[0]) <= now.time() < _clock(span[1]):
        return True, f"until {_fmt(span[1])}"
    for ahead in range(0, 8):
        day = (now + timedelta(days=ahead)).date()
        span = hours.get(day.weekday())
        if not span:
            continue
        if ahead == 0 and now.time() >= _clock(span[0]):
            continue
        label = "today" if ahead == 0 else "tomorrow" if ahead == 1 else f"on {DAY_NAMES[day.weekday()]}"
        return False, f"{label} at {_fmt(span[0])}"
    return False, "soon"
