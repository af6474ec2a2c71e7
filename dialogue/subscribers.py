"""Built-in bus subscribers that plugins can imitate: observe any topic without touching components."""

from __future__ import annotations

import logging

from pydantic import Field

from dialogue.domain.model import Domain
from dialogue.messages import BotTurn, BusMessage, ParsedMessage
from dialogue.protocols import ComponentConfig

log = logging.getLogger("dialogue.turns")


class TurnLogger:
    """Logs each understood message and each reply, one line per hop (text optional, for privacy)."""

    class Config(ComponentConfig):
        include_text: bool = Field(False, description="Log the user's and the bot's text too (off: personal data).")

    topics = (ParsedMessage.topic, BotTurn.topic)

    def __init__(self, include_text: bool) -> None:
        self.include_text = include_text

    @classmethod
    def from_config(cls, config: Config, domain: Domain) -> TurnLogger:
        return cls(config.include_text)

    async def handle(self, message: BusMessage) -> None:
        if isinstance(message, ParsedMessage):
            text = f" {message.text!r}" if self.include_text else ""
            log.info("%s/%s understood %s (%.2f)%s", message.conversation_id, message.turn_id,
                     message.intent.name, message.intent.confidence, text)
        elif isinstance(message, BotTurn):
            texts = [m.text if self.include_text else m.response or "text" for m in message.messages]
            log.info("%s/%s replied %s", message.conversation_id, message.turn_id, texts)
