"""A request the bot held back and offered to do ("would you like me to do that now?"), taken up by a plain yes.

When a message tells of a change as already done ("why did you cancel order 104302?"), the dialogue manager starts
nothing and asks whether it is wanted now, with a button for it. A user who answers "yes" rather than pressing the
button means that request: the next message, when it is a clear yes, is read as the offered intent at full
confidence, as the button would be. The flow it starts still confirms before it changes anything.
"""

from __future__ import annotations

from dialogue.dm.tracker import Tracker
from dialogue.dm.turn import Turn
from dialogue.negation import hesitation, negations

OFFER_RECORD = "offer"


def record_offer(turn: Turn, intent: str) -> None:
    """Remember, with this turn, the request offered to the user."""
    turn.add(OFFER_RECORD, intent=intent)


def offered_intent(tracker: Tracker) -> str | None:
    """The intent the bot offered in reply to the user's previous message, if it did."""
    last_user = next((r for r in reversed(tracker.effective) if r.get("type") == "user"), None)
    if last_user is None:
        return None
    offer = next((r for r in reversed(tracker.effective) if r.get("type") == OFFER_RECORD), None)
    if offer is None or offer.get("turn") != last_user.get("turn") or not isinstance(offer.get("intent"), str):
        return None
    return str(offer["intent"])


def plain_yes(text: str) -> bool:
    """No "not", "but don't" or "maybe" in it: the yes is the whole answer."""
    return not negations(text) and hesitation(text) is None
