"""One terminal conversation: slash commands, button choices, streaming, and the bot's replies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.text import Text

from dialogue.chat.render import debug_panel, render_handoff, render_message, slots_table
from dialogue.dm.redaction import MASK, is_sensitive
from dialogue.messages import BotMessage, BotToken
from dialogue.pipeline import Bot
from dialogue.text import clean_text
from dialogue.turns import TurnResult

HELP = """Commands:
  /help      this help
  /restart   forget this conversation and start again
  /undo      take back your last message
  /debug     show or hide how each turn was understood and decided
  /slots     show what the bot remembers
  /quit      leave (Ctrl-D works too)
Type a number to choose one of the bot's buttons. Alt-Enter (or Esc, Enter) starts a new line."""

EMPTY_HINT = "(nothing sent: that message has no visible text)"

COMMANDS = ("/help", "/restart", "/undo", "/debug", "/slots", "/quit", "/exit")


@dataclass
class ChatSession:
    bot: Bot
    conversation_id: str
    console: Console
    debug: bool = False
    stream: bool = True
    plain: bool = False  # piped mode: bare reply text, no labels or streaming
    jsonl: bool = False  # one JSON object per turn instead of text, for scripts
    buttons: list[str] = field(default_factory=list)
    _streamed: set[int] = field(default_factory=set)
    #: the slots of the last decision, for ``/slots`` when the manager cannot say
    last_slots: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bot_name = self.bot.domain.name.replace("_", " ")

    @property
    def streaming(self) -> bool:
        return self.stream and not self.plain and not self.jsonl

    async def _on_token(self, message: BotToken) -> None:
        if message.index not in self._streamed:
            self._streamed.add(message.index)
            self.console.print(Text(f"{self.bot_name} ", style="bold cyan"), end="")
        self.console.print(message.delta, end="", soft_wrap=True)

    async def start(self) -> None:
        greeting = await self.bot.greet(self.conversation_id)
        if self.jsonl and greeting:
            self._print_json(None, greeting, None)
            return
        for message in greeting:
            self.show(message)

    def _print_json(self, text: str | None, replies: list[BotMessage], turn: TurnResult | None) -> None:
        parse = turn.parse if turn else None
        record = {
            "user": text,
            "intent": parse.intent.name if parse else None,
            "entities": [e.model_dump(mode="json", include={"type", "value", "text"}) for e in parse.entities] if parse else [],
            "replies": [m.model_dump(mode="json", include={"text", "response", "generated", "buttons"}) for m in replies],
            "events": [e.kind for e in turn.events] if turn else [],
        }
        self._emit(record)

    def _emit(self, record: dict[str, Any]) -> None:
        """One JSON object on one line, written as is (no wrapping or markup), so the stream stays JSON lines."""
        self.console.file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self.console.file.flush()

    def notice(self, command: str, text: str, **fields: Any) -> None:
        """What a slash command did: a dim line, or a JSON object in --jsonl mode."""
        if self.jsonl:
            self._emit({"command": command, "notice": text, **fields})
        else:
            self.console.print(Text(text, style="dim"))

    def show(self, message: BotMessage, streamed: bool = False) -> None:
        render_message(self.console, message, None if self.plain else self.bot_name, streamed=streamed)

    async def handle_line(self, line: str) -> bool:
        """Handle one line of input; False when the user asked to quit."""
        text = clean_text(line)
        if not text:
            if line.strip():  # only invisible characters (a zero-width space, a BOM...): say why nothing happened
                self._hint_empty(line)
            return True
        command = text.split()[0].lower()
        if command in COMMANDS:
            return await self._command(command)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            text = self.buttons[int(text) - 1]
        await self.say(text)
        return True

    def _hint_empty(self, line: str) -> None:
        if self.jsonl:
            self.console.print_json(json.dumps({"user": line, "error": "empty_text", "replies": []}), indent=None)
        else:
            self.console.print(Text(EMPTY_HINT, style="dim"))

    async def say(self, text: str) -> list[BotMessage]:
        self._streamed.clear()
        message = self.bot.user_message(self.conversation_id, text, channel="terminal")
        turn = await self.bot.handle(message, on_token=self._on_token if self.streaming else None)
        await self.bot.bus.join()
        self.buttons = [b.payload for m in turn.replies for b in m.buttons]
        if turn.decision is not None:
            self.last_slots = dict(turn.decision.slots)
        if self.jsonl:
            self._print_json(text, list(turn.replies), turn)
            return list(turn.replies)
        for index, reply in enumerate(turn.replies):
            streamed = index in self._streamed
            if streamed:
                self.console.print()
            self.show(reply, streamed=streamed)
        if turn.handoff is not None:
            render_handoff(self.console, turn.handoff.reason, plain=self.plain)
        if self.debug:
            self.console.print(debug_panel(turn, list(turn.replies), self.bot.domain.slots), soft_wrap=False)
        return list(turn.replies)

    async def _command(self, command: str) -> bool:
        if command in ("/quit", "/exit"):
            return False
        if command == "/help":
            if self.jsonl:
                self.notice(command, HELP)
            else:
                self.console.print(HELP, markup=False)
        elif command == "/restart":
            await self.bot.restart(self.conversation_id)
            self.buttons = []
            self.notice(command, "(conversation restarted)")
            await self.start()
        elif command == "/undo":
            # through the pipeline, as REST and conversation tests send it: mid-form, the bot asks its question again
            await self.say("/undo")
        elif command == "/debug":
            self.debug = not self.debug
            self.notice(command, f"(debug {'on' if self.debug else 'off'})", debug=self.debug)
        elif command == "/slots":
            slots = await self.bot.slots(self.conversation_id)
            values = slots if slots is not None else self.last_slots
            if self.jsonl:
                shown = {name: MASK if v is not None and is_sensitive(name, self.bot.domain.slots) else v
                         for name, v in sorted(values.items())}
                self.notice(command, "slots", slots=shown)
            else:
                self.console.print(slots_table(values, self.bot.domain.slots))
        return True

    async def run_lines(self, lines: Iterable[str]) -> None:
        """Piped mode: one user message per line until end of input."""
        await self.start()
        for line in lines:
            text = line.rstrip("\n")
            shown = clean_text(text).strip()
            if self.plain and not self.jsonl and shown:  # an invisible-only line gets its hint, not an empty echo
                self.console.print(f"you> {shown}", markup=False, highlight=False, soft_wrap=True)  # a readable transcript
            if not await self.handle_line(text):
                break
