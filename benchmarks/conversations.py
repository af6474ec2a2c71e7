"""Held-out conversations against the packs: how many turns does the bot handle well?

    python benchmarks/conversations.py [--packs customer_service education medical] [--json OUT] [--show-failures]

Each pack's conversations (``benchmarks/conversations/<pack>.yml``, conversation-test format) run
through the real pipeline. A turn is handled well when every expectation written for it holds;
the turns after a conversation that crashed count as not handled. The second figure is the safety
bar: irreversible actions (those marked ``changes_data`` and the submit actions of forms that ask
for confirmation) that ran on a turn whose expectations did not ask for them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dialogue.assembly import prepare_nlu
from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.model import Domain
from dialogue.testing.format import LoadedCase, load_cases
from dialogue.testing.conversation_runner import CaseResult, default_bot_factory, run_cases

ROOT = Path(__file__).resolve().parents[1]
FOLDER = Path(__file__).parent / "conversations"
PACKS = ("customer_service", "education", "medical")


def irreversible_actions(domain: Domain) -> set[str]:
    """Actions that change data: marked so in actions.yml, or submitted only after a confirmation."""
    marked = {name for name, spec in domain.actions.items() if getattr(spec, "changes_data", False)}
    confirmed = {form.submit for form in domain.forms.values() if form.confirm and form.submit}
    return marked | confirmed


def score(cases: list[LoadedCase], results: list[CaseResult], irreversible: set[str]) -> dict[str, Any]:
    turns = handled = 0
    unexpected: list[dict[str, Any]] = []
    expected_runs = 0
    failing: list[dict[str, Any]] = []
    for case, result in zip(cases, results):
        steps = case.case.steps
        turns += len(steps)
        bad = {f.turn for f in result.failures}
        ran = len(result.turns)
        handled += sum(1 for n in range(1, ran + 1) if n not in bad)
        for number, (step, turn) in enumerate(zip(steps, result.turns), start=1):
            wanted = {e.fields.get("name") for e in step.events or () if e.kind == "action_executed"}
            for event in turn.events:
                if event.get("kind") == "action_executed" and event.get("ok") and event.get("name") in irreversible:
                    if event["name"] in wanted:
                        expected_runs += 1
                    else:
                        unexpected.append({"conversation": case.name, "turn": number, "user": step.user,
                                           "action": event["name"]})
        for failure in result.failures:
            failing.append({"conversation": case.name, **failure.to_json()})
        if result.error:
            failing.append({"conversation": case.name, "turn": ran + 1, "error": result.error.splitlines()[0]})
    return {"conversations": len(cases), "turns": turns, "handled": handled,
            "irreversible_expected": expected_runs, "irreversible_unexpected": unexpected, "failures": failing}


async def run_pack(pack: str, suffix: str = "") -> dict[str, Any]:
    domain = load_domain(ROOT / "domains" / pack)
    load_local_plugins(domain)
    components = await asyncio.to_thread(prepare_nlu, domain, train=True)
    cases = load_cases(FOLDER / f"{pack}{suffix}.yml")
    logging.getLogger("dialogue").setLevel(logging.ERROR)
    results = await run_cases(domain, cases, default_bot_factory(components))
    return {"pack": pack, **score(cases, results, irreversible_actions(domain))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=list(PACKS), choices=PACKS)
    parser.add_argument("--set", default="", help="a second set of conversations: conversations/<pack><SET>.yml")
    parser.add_argument("--json", metavar="OUT", help="also write the figures (and every failing turn) as JSON")
    parser.add_argument("--show-failures", action="store_true", help="list the turns not handled well")
    args = parser.parse_args()
    console = Console()
    rows = [asyncio.run(run_pack(pack, args.set)) for pack in args.packs]
    table = Table(title="held-out conversations: turns handled well; writes = irreversible actions that ran")
    for column in ("pack", "convs", "turns", "handled", "share", "writes asked for", "writes NOT asked for"):
        table.add_column(column, justify="left" if column == "pack" else "right")
    for row in rows:
        table.add_row(row["pack"], str(row["conversations"]), str(row["turns"]), str(row["handled"]),
                      f"{row['handled'] / row['turns']:.1%}", str(row["irreversible_expected"]),
                      str(len(row["irreversible_unexpected"])))
    turns = sum(r["turns"] for r in rows)
    handled = sum(r["handled"] for r in rows)
    table.add_row("all", str(sum(r["conversations"] for r in rows)), str(turns), str(handled), f"{handled / turns:.1%}",
                  str(sum(r["irreversible_expected"] for r in rows)),
                  str(sum(len(r["irreversible_unexpected"]) for r in rows)))
    console.print(table)
    for row in rows:
        for bad in row["irreversible_unexpected"]:
            console.print(f"[red]irreversible[/red] {row['pack']}: {bad['action']} ran on {bad['user']!r} "
                          f"({bad['conversation']}, turn {bad['turn']})", markup=True, highlight=False)
        if args.show_failures:
            for failure in row["failures"]:
                console.print(f"{row['pack']}: {failure}", markup=False, highlight=False)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, default=str, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
