"""How bot replies, buttons, handoffs and the debug panel look in a terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dialogue.dm.redaction import MASK, display_value, sensitive_entities
from dialogue.domain.schema.dm import SlotSpec
from dialogue.messages import BotMessage
from dialogue.turns import TurnResult


def render_message(console: Console, message: BotMessage, bot_name: str | None, streamed: bool = False) -> None:
    """Print a reply; ``bot_name`` None prints the bare text (piped mode)."""
    if not streamed:
        if bot_name is None:
            console.print(message.text, markup=False, highlight=False, soft_wrap=True)
        else:
            console.print(Text(f"{bot_name} ", style="bold cyan"), end="")
            console.print(Markdown(message.text) if _looks_formatted(message.text) else Text(message.text))
    for number, button in enumerate(message.buttons, start=1):
        console.print(Text(f"   {number}. {button.title}", style="magenta"))


def _looks_formatted(text: str) -> bool:
    return any(mark in text for mark in ("**", "__", "\n- ", "\n* ", "`", "\n1. "))


def render_handoff(console: Console, reason: str, plain: bool = False) -> None:
    """The handoff notice, with its whole reason: a panel, or one line in piped mode."""
    text = f"Handing over to a human agent ({reason})."
    if plain:
        console.print(f"[handoff] {text}", markup=False, highlight=False, soft_wrap=True)
        return
    console.print(Panel(Text(text, style="bold yellow"), border_style="yellow"), soft_wrap=False)  # wrap, never crop


def debug_panel(trace: TurnResult, replies: list[BotMessage], slots: Mapping[str, SlotSpec] | None = None) -> Panel:
    """The ``/debug`` panel; sensitive slots (and the entities that fill them) show ``***``."""
    parts: list[Any] = []
    if trace.parse is not None:
        ranking = Table("intent", "confidence", title="NLU", title_justify="left", box=None)
        for score in (trace.parse.intent_ranking or (trace.parse.intent,))[:5]:
            ranking.add_row(score.name, f"{score.confidence:.3f}")
        parts.append(Text(f"chosen intent: {trace.parse.intent.name} ({trace.parse.intent.confidence:.3f})"))
        parts.append(ranking)
        if trace.parse.entities:
            hidden = sensitive_entities(slots)
            entities = Table("entity", "text", "span", "value", "extractor", box=None)
            for e in trace.parse.entities:
                masked = e.type in hidden
                entities.add_row(e.type, MASK if masked else e.text, f"{e.start}-{e.end}",
                                 MASK if masked else repr(e.value), e.extractor)
            parts.append(entities)
    if trace.slot_changes:
        changes = (f"{e.name}={display_value(e.name, e.value, slots)}" for e in trace.slot_changes)
        parts.append(Text("slots: " + ", ".join(changes)))
    if trace.decision is not None and trace.decision.explanation:
        parts.append(Text("policy: " + " → ".join(trace.decision.explanation)))
    for reply in replies:
        source = "generated" if reply.generated else f"template {reply.response}" if reply.response else "text"
        parts.append(Text(f"reply from {source}", style="dim"))
    return Panel(Group(*parts), title="debug", border_style="dim", expand=False)


def slots_table(values: dict[str, Any], slots: Mapping[str, SlotSpec] | None = None) -> Table:
    """The ``/slots`` table; sensitive slots show ``***``."""
    table = Table("slot", "value", title="slots", title_justify="left")
    for name, value in sorted(values.items()):
        table.add_row(name, "[dim]unset[/dim]" if value is None else Text(display_value(name, value, slots)))
    return table
