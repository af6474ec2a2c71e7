"""The interactive prompt: history, multi-line input, completion of slash commands."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings

from dialogue.chat.session import COMMANDS, ChatSession


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event) -> None:  # type: ignore[no-untyped-def]
        event.current_buffer.insert_text("\n")

    return bindings


async def run_interactive(chat: ChatSession, history_file: Path) -> None:
    history_file.parent.mkdir(parents=True, exist_ok=True)
    prompt: PromptSession[str] = PromptSession(
        history=FileHistory(str(history_file)),
        completer=WordCompleter(list(COMMANDS), sentence=True),
        key_bindings=_key_bindings(),
    )
    chat.console.print(f"[dim]Chatting with {chat.bot_name} (conversation {chat.conversation_id}). /help for commands.[/dim]")
    await chat.start()
    while True:
        try:
            line = await prompt.prompt_async("you> ")
        except (EOFError, KeyboardInterrupt):
            break
        if not await chat.handle_line(line):
            break
