"""``dialogue init FOLDER [--from PACK|PATH]``: start a new bot, blank or from a pack or another domain."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "init",
        help="create a new bot folder (a small blank bot, or a copy of a pack or domain)",
        description="Create a new bot in FOLDER, named after it. Without --from: a small blank bot (a few "
        "intents, a form, a Python action and conversation tests) that validates, trains and passes its "
        "tests as it is. With --from: a copy of a shipped pack (customer_service, education, medical) or of "
        "any domain folder, renamed.",
    )
    parser.add_argument("folder", help="new folder to create (must not exist, or be empty)")
    parser.add_argument("--from", dest="source", metavar="PACK|PATH",
                        help="shipped pack name or domain folder to copy (default: the blank bot)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from dialogue.scaffold import ScaffoldError, bot_name, create_bot, shipped_packs, write_editor_schemas

    console = Console(highlight=False, soft_wrap=True)
    target = Path(args.folder)
    try:
        origin = create_bot(target, args.source)
    except ScaffoldError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    write_editor_schemas(target)
    what = ("a blank bot" if args.source is None else f"from the {escape(args.source)} pack"
            if args.source in shipped_packs() and not Path(args.source).is_dir() else f"a copy of {escape(str(origin))}")
    folder = escape(str(target))
    console.print(f"[green]created[/green] {folder}: {what}, named {escape(bot_name(target))!r}. Next:\n"
                  f"  dialogue validate {folder}\n  dialogue chat {folder}\n  dialogue test {folder}")
    return 0
