"""The pack's main task end to end: a return typed into ``dialogue chat`` through piped stdin is recorded.

Runs the real command (TF-IDF NLU, rules, templates) against a fresh database in a temporary
folder, then reads the row back from SQLite.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PACK = Path(__file__).resolve().parent.parent

SCRIPT = "\n".join([
    "hello",
    "I'd like to return something",
    "104233",
    "the yoga mat",
    "it's too small",
    "yes",
    "bye",
]) + "\n"


def test_a_return_typed_into_the_chat_is_recorded_with_order_item_and_reason(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    env = {**os.environ, "JUNIPER_SHOP_DB": str(db), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "dialogue", "chat", str(PACK)],
        input=SCRIPT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "Which item from order 104233" in out
    assert "return number R-200102" in out
    con = sqlite3.connect(db)
    row = con.execute(
        "SELECT r.order_id, p.name, r.reason, r.status, r.refund_cents FROM returns r "
        "JOIN products p ON p.id = r.product_id WHERE r.id = 'R-200102'"
    ).fetchone()
    assert row == (104233, "Yoga Mat", "wrong size", "requested", 3400 - 495)
