"""``dialogue plugins [DOMAIN]``: every component, action and generator that can be named, and where it comes from."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "plugins",
        help="list the components, actions and generators that can be named, with where each comes from",
        description="List what a domain can name: built-in components, those of installed plugin packages "
        "(entry points) and, with DOMAIN, what the domain's own plugins/ register. --check imports each one "
        "and reports those that fail.",
    )
    parser.add_argument("domain", nargs="?", help="also import this domain's plugins and list what they register")
    parser.add_argument("--check", action="store_true", help="import every component and report failures")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from dialogue.catalog import entries, load
    from dialogue.registry import GROUPS

    console = Console(highlight=False, soft_wrap=True)
    declared: set[str] = set()
    if args.domain:
        from dialogue.domain import DomainError, load_domain
        from dialogue.validation import import_plugins

        try:
            domain = load_domain(args.domain)
        except DomainError as exc:
            console.print(f"[red]error[/red] {args.domain} has problems; run `dialogue validate {args.domain}`")
            console.print(str(exc), markup=False)
            return 1
        for problem in import_plugins(domain):
            console.print("[red]error[/red] ", end="")
            console.print(str(problem), markup=False)
        declared = set(domain.actions)
    found = entries(GROUPS)
    failures = {}
    if args.check:
        failures = {(e.group, e.name): why for e in found if (why := load(e)[1]) is not None}
    if args.json:
        print(json.dumps([{"group": e.group, "name": e.name, "kind": e.kind, "source": e.source,
                           **({"error": failures[(e.group, e.name)]} if (e.group, e.name) in failures else {})}
                          for e in found], indent=2))
        return 1 if failures else 0
    rows = [("group", "name", "from", "where")]
    for entry in found:
        name = entry.name + (" (declared)" if entry.group == "action" and entry.name in declared else "")
        where = entry.source
        if (entry.group, entry.name) in failures:
            where += f"  IMPORT FAILED: {failures[(entry.group, entry.name)]}"
        rows.append((entry.group, name, entry.kind, where))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:  # plain aligned columns: never cut, whatever the terminal's width
        console.print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3], markup=False)
    missing = sorted(declared - {e.name for e in found if e.group == "action"})
    if missing:
        console.print(f"[yellow]declared in actions but registered by no plugin:[/yellow] {', '.join(missing)}")
    return 1 if failures or missing else 0
