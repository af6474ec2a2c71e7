"""``dialogue validate DOMAIN``: list every problem in a domain, exit non-zero if any."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("validate", help="check a domain's YAML, references, plugins and conversation tests")
    parser.add_argument("domain", help="domain folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from dialogue.validation import validate_domain

    console = Console(stderr=False, highlight=False, soft_wrap=True)
    problems, domain = validate_domain(args.domain)
    if problems:
        for problem in problems:
            console.print("[red]error[/red] ", end="")
            console.print(str(problem), markup=False, soft_wrap=True)
        console.print(f"[bold red]{len(problems)} problem(s)[/bold red] in {args.domain}")
        return 1
    assert domain is not None
    console.print(
        f"[green]ok[/green] {domain.name}: {len(domain.intents)} intents, "
        f"{sum(len(i.examples) for i in domain.intents.values())} examples, {len(domain.entities)} entities, "
        f"{len(domain.slots)} slots, {len(domain.responses)} responses, {len(domain.rules)} rules, "
        f"{len(domain.forms)} forms, {len(domain.actions)} actions"
    )
    return 0
