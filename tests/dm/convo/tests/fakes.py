"""Fixtures for minic's conversation tests: fake prescription data and a booking service."""

from __future__ import annotations

import json
from collections.abc import Iterator

from dialogue.testing.conversation_runner import FixtureContext


def prescriptions(ctx: FixtureContext) -> None:
    # the action reads the file named by MINIC_PRESCRIPTIONS, which the test sets to {tmp}/rx.json
    (ctx.tmp / "rx.json").write_text(json.dumps({"12345": "ready for pickup", "55555": "shipped"}))


def booking_down(ctx: FixtureContext) -> Iterator[None]:
    service = ctx.plugin("clinic_actions").SERVICE
    service["down"] = True
    yield
    service["down"] = False
