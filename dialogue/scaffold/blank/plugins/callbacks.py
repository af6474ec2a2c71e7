"""The bot's one custom action: save a callback request and give the user its reference.

Requests are appended to a JSON-lines file, ``$CALLBACKS_FILE`` or ``.dialogue/callbacks.jsonl``
in the bot's folder. Replace ``save_request`` with a call to your CRM or ticket system.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from dialogue.actions import ActionContext, action


def requests_file(ctx: ActionContext) -> Path:
    return Path(os.environ.get("CALLBACKS_FILE") or ctx.domain.model_dir / "callbacks.jsonl")


def save_request(path: Path, name: str, phone: str) -> str:
    """Append the request and return its reference (CB-1001, CB-1002, ...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0
    reference = f"CB-{1001 + count}"
    record = {"reference": reference, "name": name, "phone": phone, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    return reference


@action("action_request_callback", timeout=3)
async def request_callback(ctx: ActionContext) -> None:
    reference = save_request(requests_file(ctx), str(ctx.slot("name")), str(ctx.slot("phone")))
    ctx.set_slot("ticket", reference)
