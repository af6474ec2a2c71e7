"""The example plugin works, and is found through its installed entry points."""

from __future__ import annotations

import json
from pathlib import Path

from dialogue.bus import InProcessBus
from dialogue.domain import load_domain
from dialogue.messages import BotMessage, BotTurn, IntentScore, ParsedMessage
from dialogue.registry import Registry

TINY = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "tiny"


def parse(text: str) -> ParsedMessage:
    return ParsedMessage(conversation_id="c", turn_id=1, text=text, intent=IntentScore(name="", confidence=0))


def test_installed_entry_points_resolve():
    assert Registry("nlu").get("redact_pii").__name__ == "RedactPII"
    assert Registry("subscriber").get("audit_log").__name__ == "AuditLog"


def test_redacts_email_phone_and_card_and_records_what():
    cls = Registry("nlu").get("redact_pii")
    step = cls.from_config(cls.Config(), load_domain(TINY))
    out = step.process(parse("mail me at jo.doe@example.com or +44 20 7946 0958, card 4111 1111 1111 1111"))
    assert "example.com" not in out.text and "4111" not in out.text and "7946" not in out.text
    assert out.text == "mail me at [EMAIL] or [PHONE], card [CARD]"
    assert out.metadata["redacted"] == ["email", "card", "phone"]
    untouched = parse("where is order 12345")
    assert step.process(untouched) is untouched


async def test_audit_log_subscriber_writes_redacted_lines(tmp_path: Path):
    cls = Registry("subscriber").get("audit_log")
    audit = cls.from_config(cls.Config(path=str(tmp_path / "audit.jsonl")), load_domain(TINY))
    bus = InProcessBus()
    for topic in audit.topics:
        bus.subscribe(topic, audit.handle)
    await bus.publish(parse("I am ann@example.org"))
    await bus.publish(BotTurn(conversation_id="c", turn_id=1, messages=(BotMessage(text="Thanks ann@example.org"),)))
    await bus.join()
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert lines[0]["text"] == "I am [EMAIL]" and lines[1]["replies"] == ["Thanks [EMAIL]"]
