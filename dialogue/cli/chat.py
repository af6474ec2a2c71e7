"""``dialogue chat DOMAIN``: talk to a bot in the terminal, or script it through stdin."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "chat",
        help="chat with a domain's bot in the terminal",
        description="Chat with a bot. With stdin not a terminal, reads one message per line and prints replies.",
    )
    parser.add_argument("domain", help="domain folder")
    parser.add_argument("--conversation", help="conversation id to resume (default: a new one)")
    parser.add_argument("--debug", action="store_true", help="show the debug panel after each turn")
    parser.add_argument("--jsonl", action="store_true", help="piped mode: print one JSON object per turn")
    parser.add_argument("--no-stream", action="store_true", help="print generated replies only when complete")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from rich.console import Console

    from dialogue.domain import DomainError, load_domain
    from dialogue.registry import PluginError

    errors = Console(stderr=True)
    try:
        domain = load_domain(args.domain)
    except DomainError as exc:
        errors.print(f"[red]error[/red] {args.domain} has problems; run `dialogue validate {args.domain}`:")
        errors.print(str(exc), markup=False)
        return 1
    try:
        return asyncio.run(_chat(domain, args, interactive=sys.stdin.isatty()))
    except PluginError as exc:
        errors.print("[red]error[/red] ", end="")
        errors.print(str(exc), markup=False)
        return 1


async def _chat(domain, args: argparse.Namespace, interactive: bool) -> int:  # type: ignore[no-untyped-def]
    import sys
    import uuid

    from rich.console import Console

    from dialogue.assembly import assemble, prepare_nlu
    from dialogue.bus import InProcessBus
    from dialogue.chat.session import ChatSession
    from dialogue.cli.progress import progress_bar
    from dialogue.components import load_local_plugins

    load_local_plugins(domain)
    with progress_bar("preparing NLU") as progress:
        components = prepare_nlu(domain, progress=progress)
    bot = assemble(domain, InProcessBus(), nlu_components=components)
    conversation_id = args.conversation or uuid.uuid4().hex[:12]
    console = Console() if interactive else Console(highlight=False, color_system=None, soft_wrap=True)
    chat = ChatSession(bot, conversation_id, console, debug=args.debug, stream=not args.no_stream, plain=not interactive,
                       jsonl=args.jsonl and not interactive)
    try:
        if interactive:
            from dialogue.chat.interactive import run_interactive

            await run_interactive(chat, domain.model_dir / "chat_history")
        else:
            await chat.run_lines(sys.stdin)
    finally:
        await bot.close()
    return 0
