"""``dialogue test DOMAIN [FILES...]``: run a domain's conversation tests through the real pipeline."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "test",
        help="run a domain's conversation tests (tests/*.yml)",
        description="Run scripted conversations through NLU, the dialogue manager and NLG, and check "
        "responses, intents, entities, slots and events. Exits non-zero if any test fails.",
    )
    parser.add_argument("domain", help="domain folder")
    parser.add_argument("files", nargs="*", help="test files (default: every .yml under DOMAIN/tests)")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON to OUT")
    parser.add_argument("--no-nlu-cv", action="store_true", help="skip the NLU cross-validation scores")
    parser.add_argument("--fresh-cv", action="store_true",
                        help="cross-validate again even if the data and pipeline are unchanged since the last run")
    parser.add_argument("-k", metavar="TEXT", dest="select", help="only run tests whose name contains TEXT")
    parser.add_argument("--robustness", action="store_true",
                        help="also perturb NLU examples and test messages (typos, casing, names, negation...) and "
                             "report how the NLU holds up (added to --json as 'robustness')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(highlight=False)
    try:
        return asyncio.run(_run(args, console))
    except _Usage as exc:
        console.print(f"[red]error[/red] {exc}", markup=True, highlight=False)
        return 2


class _Usage(Exception):
    pass


async def _run(args: argparse.Namespace, console: Any) -> int:
    from rich.markup import escape

    from dialogue.domain import DomainError, load_domain
    from dialogue.registry import PluginError
    from dialogue.testing.checks import check_test_files
    from dialogue.testing.conversation_runner import SuiteResult, default_bot_factory, run_cases
    from dialogue.testing.format import conversation_files
    from dialogue.testing.report import print_nlu, print_result, print_summary

    try:
        domain = load_domain(args.domain)
    except DomainError as exc:
        raise _Usage(escape(str(exc))) from None
    files = [Path(f) for f in args.files] or conversation_files(domain.path)
    if not files:
        raise _Usage(f"no conversation tests: put .yml files in {domain.path / 'tests'} (see docs/conversation-tests.md)")
    cases, problems = check_test_files(domain, files)
    if problems:
        raise _Usage(escape("\n".join(str(p) for p in problems)))
    if args.select:
        cases = [c for c in cases if args.select.lower() in c.name.lower()]

    try:
        from dialogue.assembly import prepare_nlu
        from dialogue.components import load_local_plugins
        from dialogue.knowledge.answer import index_domain_knowledge

        load_local_plugins(domain)
        with console.status("loading or training the NLU models..."):
            components = await asyncio.to_thread(prepare_nlu, domain, train=True)
        if domain.knowledge_dir is not None:  # so that no conversation turn waits for the encoder to load
            with console.status("indexing the knowledge..."):
                await asyncio.to_thread(index_domain_knowledge, domain)
    except PluginError as exc:
        raise _Usage(escape(str(exc))) from None

    console.print(f"[bold]{domain.name}[/bold]: {len(cases)} conversation test(s)")
    results = await run_cases(domain, cases, default_bot_factory(components),
                              lambda r: print_result(console, r, domain.slots))
    suite = SuiteResult(domain.name, results)
    if not args.no_nlu_cv:
        from dialogue.testing.nlu_scores import nlu_scores

        with console.status("cross-validating the NLU..."):
            suite.nlu = await asyncio.to_thread(nlu_scores, domain, components, reuse=not args.fresh_cv)
        print_nlu(console, suite.nlu)
    robustness = None
    if args.robustness:
        from dialogue.testing.robustness import audit, print_report

        lines = [(step.user, step.intent) for case in cases for step in case.case.steps]
        with console.status("perturbing and parsing (robustness audit)..."):
            robustness = await asyncio.to_thread(audit, domain, test_lines=lines)
        print_report(console, robustness)
    print_summary(console, suite)
    if args.json:
        output = suite.to_json() | ({"robustness": robustness} if robustness is not None else {})
        Path(args.json).write_text(json.dumps(output, indent=2, default=str, ensure_ascii=False) + "\n")
        console.print(f"[dim]results written to {escape(args.json)}[/dim]")
    return 0 if suite.failed == 0 else 1
