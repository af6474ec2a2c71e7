"""``dialogue import rasa PROJECT OUT``: convert another framework's project into a domain folder."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "import",
        help="convert a Rasa 3.x project into a dialogue domain (with a report of what did not carry over)",
        description="Convert a Rasa 3.x project: config.yml pipeline to the nearest components; domain.yml intents, "
        "entities, slots and mappings, responses, forms and actions; data/ NLU examples, synonyms, regexes, lookups, "
        "rules, and stories that can be rules; tests/ test stories to conversation tests. Custom actions become "
        "skeletons in plugins/rasa_actions.py. OUT/IMPORT_REPORT.md lists what was not converted and why.",
    )
    parser.add_argument("framework", choices=["rasa"], help="what the project was written for")
    parser.add_argument("project", help="the project folder (with domain.yml or domain/)")
    parser.add_argument("out", help="new domain folder to write (must not exist, or be empty)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.markup import escape

    from dialogue.domain import DomainError
    from dialogue.importers.rasa import import_rasa
    from dialogue.scaffold import rename_bot, write_editor_schemas

    console = Console(highlight=False, soft_wrap=True)
    out = Path(args.out)
    try:
        report = import_rasa(args.project, out)
    except DomainError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    except FileExistsError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    rename_bot(out, out.resolve().name)
    write_editor_schemas(out)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    folder = escape(str(out))
    console.print(f"[green]imported[/green] {escape(args.project)} → {folder}: {counts}.\n"
                  f"Report ({report.summary()}): {folder}/IMPORT_REPORT.md. Next:\n"
                  f"  dialogue validate {folder}\n  dialogue test {folder}")
    return 0
