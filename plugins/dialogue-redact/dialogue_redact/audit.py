"""A bus subscriber writing one JSON line per understood message and per reply, redacted."""

from __future__ import annotations

import json
from pathlib import Path

from dialogue.domain import Domain
from dialogue.messages import BotTurn, BusMessage, ParsedMessage
from dialogue.protocols import ComponentConfig

from dialogue_redact.patterns import redact


class AuditLog:
    class Config(ComponentConfig):
        path: str = "audit.jsonl"

    topics = (ParsedMessage.topic, BotTurn.topic)

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_config(cls, config: Config, domain: Domain) -> AuditLog:
        path = Path(config.path)
        return cls(path if path.is_absolute() else domain.model_dir / path)

    async def handle(self, message: BusMessage) -> None:
        record: dict[str, object] = {"conversation": message.conversation_id, "turn": message.turn_id, "topic": message.topic}
        if isinstance(message, ParsedMessage):
            record |= {"text": redact(message.text)[0], "intent": message.intent.name}
        elif isinstance(message, BotTurn):
            record |= {"replies": [redact(m.text)[0] for m in message.messages]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
