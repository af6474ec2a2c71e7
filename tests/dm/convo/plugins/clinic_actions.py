"""Actions of the minic test domain; they talk to a 'service' that tests replace with a fixture."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dialogue.actions import ActionContext, action

#: the outside service; conversation-test fixtures swap it (the action code still runs)
SERVICE: dict[str, Any] = {"bookings": [], "down": False}


def _prescriptions() -> dict[str, str]:
    path = os.environ.get("MINIC_PRESCRIPTIONS")
    return json.loads(Path(path).read_text()) if path else {}


@action("action_prescription_status")
async def prescription_status(ctx: ActionContext) -> None:
    order = ctx.entity("order_id")
    status = _prescriptions().get(str(order))
    if status is None:
        ctx.respond("utter_unknown_order", order=order)
        return
    ctx.set_slot("order_status", status)
    ctx.respond("utter_status", order=order)


@action("action_book_visit")
async def book_visit(ctx: ActionContext) -> None:
    if SERVICE["down"]:
        raise ConnectionError("booking system unreachable")
    SERVICE["bookings"].append(ctx.slot("day"))
