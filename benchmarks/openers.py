"""Requests behind courtesy openers: "sorry to bother you, where's my order?" read as the request, or misread.

    python benchmarks/openers.py domains/customer_service domains/education domains/medical [--folds 5]

Each fold trains the pack's pipeline as shipped on the other folds and reads its held-out *requests* (examples of
intents that are not pleasantries, yes/no, small talk or out of scope) behind each opener. Two sets of openers:
the robustness audit's own ("excuse me, ", "sorry to bother you, ") and a held-out set written for this benchmark
and never put in any pack's data. "Misread" is another real intent, the one the bot would act on; then the
misreads as an intent whose rule writes by itself (a complaint logged for a polite question), and those of
them sure enough (``settings.confirm_threshold``) for the rule to run: below it the bot asks what was meant.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from counting import share
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import StratifiedKFold

from dialogue.components import load_local_plugins
from dialogue.dm.changes import ChangeGuard
from dialogue.dm.conditions import CompiledRule
from dialogue.domain import load_domain
from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import FALLBACK_INTENT
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.nlu.rereading import weak_alone_intents

OPENERS = {
    "audit": ("excuse me, ", "sorry to bother you, "),
    "held out": ("sorry to trouble you, ", "apologies for the bother, ", "pardon me, ", "hope your day is going well, ",
                 "I hope you can help, ", "sorry for the hassle, "),
}


def writing_intents(domain: Domain) -> set[str]:
    """Intents whose rule runs a data-changing action itself: a misread into one of them writes something."""
    rules = [CompiledRule(spec, index) for index, spec in enumerate(domain.rules)]
    guard = ChangeGuard(domain, rules)
    return {intent for rule in rules if guard.writes_itself(rule) for intent in rule.spec.when.intent or []}


def measure(domain: Domain, folds: int, show: int) -> Counter[str]:
    data = domain.training_data()
    examples = list(data.examples)
    social = set(weak_alone_intents(domain, with_pleasantries=True))
    writes = writing_intents(domain)
    sure = domain.settings.confirm_threshold  # below it a rule that writes does not run (ChangeGuard.unclear)
    counts: Counter[str] = Counter()
    shown = 0
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, [e.intent for e in examples])
    for train, held_out in splits:
        steps = build_nlu(domain, domain.pipeline.nlu, data=TrainingData(tuple(examples[i] for i in train), data.synonyms),
                          model_root=None)
        requests = [examples[i] for i in held_out if examples[i].intent not in social]
        for kind, openers in OPENERS.items():
            texts = [opener + e.text[:1].lower() + e.text[1:] for opener in openers for e in requests]
            gold = [e.intent for _ in openers for e in requests]
            for text, expected, parse in zip(texts, gold, parse_batch(steps, texts)):
                read = parse.intent.name
                counts[f"{kind} n"] += 1
                counts[f"{kind} right"] += read == expected
                misread = read not in (expected, FALLBACK_INTENT)
                counts[f"{kind} misread"] += misread
                counts[f"{kind} into a write"] += misread and read in writes
                counts[f"{kind} written"] += misread and read in writes and parse.intent.confidence >= sure
                if misread and shown < show:
                    shown += 1
                    print(f"  misread: {expected} → {read} | {text}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", type=int, default=8, help="list this many misreadings per pack")
    args = parser.parse_args()
    table = Table(title=f"requests behind courtesy openers, {args.folds}-fold held-out examples")
    for column in ("pack", "openers", "right", "misread", "misread as an intent that writes",
                   "... sure enough to write"):
        table.add_column(column, justify="left" if column in ("pack", "openers") else "right")
    for path in args.domains:
        domain = load_domain(path)
        load_local_plugins(domain)
        print(f"{domain.name}: {args.folds} folds")
        c = measure(domain, args.folds, args.show)
        for kind in OPENERS:
            table.add_row(domain.name, kind, *(share(c, f"{kind} {what}", f"{kind} n")
                                              for what in ("right", "misread", "into a write", "written")))
    Console().print(table)


if __name__ == "__main__":
    main()
