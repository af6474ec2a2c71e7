"""How often ``multiple_requests`` notices a second question in a message, and how often it imagines one.

    python benchmarks/multiple_requests.py domains/customer_service domains/education domains/medical [--folds 5]

Each fold trains the pack's pipeline (with ``multiple_requests`` after the intent classifier, inserted when the
pack has none) on the other folds, then reads:

* **single requests**: every held-out example as written; a second request noticed in one is a false alarm (the
  bot would answer a question nobody asked);
* **two requests**: a held-out request and a held-out question of another intent that a rule answers without
  starting a task ("cancel order 104302" + "and" + "what's your return policy?"), in either order (seeded),
  joined by " and ", ", and ", ". " or ", also ". Counted: the request read (as the message's intent or as
  its second request), the question read, both, and a reading that is neither (a wrong one). Without the
  step only the message's own intent counts, so at most one of the two is read.

The last column is the parse time per two-request message, batched, against the pipeline without the step.
"""

from __future__ import annotations

import argparse
import random
import time
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
from dialogue.messages import ALSO_KEY, FALLBACK_INTENT
from dialogue.nlu.evaluation import INTENT_CLASSIFIERS, with_step
from dialogue.nlu.multiple_requests import MultipleRequests
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.questions import asks_for_information

JOINERS = (" and ", ", and ", ". ", ", also ")


def answered_intents(domain: Domain) -> set[str]:
    """Intents whose every rule answers without starting a task or changing data: what a second question may be."""
    rules = [CompiledRule(spec, index) for index, spec in enumerate(domain.rules)]
    guard = ChangeGuard(domain, rules)
    answers: dict[str, bool] = {}
    for rule in rules:
        for intent in rule.spec.when.intent or []:
            answers[intent] = answers.get(intent, True) and guard.only_answers(rule)
    return {intent for intent, answered in answers.items() if answered}


def timed(pipeline: list, texts: list[str]) -> tuple[list, float]:
    start = time.perf_counter()
    parses = parse_batch(pipeline, texts)
    return parses, time.perf_counter() - start


def measure(domain: Domain, folds: int, show: int) -> Counter[str]:
    data = domain.training_data()
    examples = list(data.examples)
    questions_answered = answered_intents(domain)
    counts: Counter[str] = Counter()
    shown: list[str] = []
    rng = random.Random(0)
    specs = with_step(domain.pipeline.nlu, "multiple_requests", INTENT_CLASSIFIERS | {"pleasantries"})
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, [e.intent for e in examples])
    for train, held_out in splits:
        steps = build_nlu(domain, specs, data=TrainingData(tuple(examples[i] for i in train), data.synonyms),
                          model_root=None)
        step = next(c for c in steps if isinstance(c, MultipleRequests))
        without = [c for c in steps if c is not step]
        held = [examples[i] for i in held_out]
        requests = [e for e in held if e.intent not in step.not_requests]
        questions = [e for e in held if e.intent in questions_answered - step.not_requests
                     and asks_for_information(e.text)]
        for example, parse in zip(held, parse_batch(steps, [e.text for e in held])):
            counts["single n"] += 1
            if ALSO_KEY in parse.metadata:
                counts["single marked"] += 1
                if len(shown) < show:
                    shown.append(f"  false alarm: {example.intent} | {example.text} | {parse.metadata[ALSO_KEY]}")
        pairs = []
        for first in requests:
            others = [q for q in questions if q.intent != first.intent]
            if others:
                second = rng.choice(others)
                one, two = (first.text, second.text) if rng.random() < 0.5 else (second.text, first.text)
                text = one.rstrip(".!, ") + rng.choice(JOINERS) + two[:1].lower() + two[1:]
                pairs.append((first.intent, second.intent, text))
        texts = [text for _, _, text in pairs]
        read, seconds = timed(steps, texts)
        read_without, seconds_without = timed(without, texts)
        counts["pair seconds"] += seconds
        counts["pair seconds without"] += seconds_without
        for (request, question, _), parse, plain in zip(pairs, read, read_without):
            counts["pair n"] += 1
            second = parse.second_request()
            noticed = {parse.intent.name} | ({second.intent.name} if second is not None else set())
            counts["pair request without"] += plain.intent.name == request
            counts["pair question without"] += plain.intent.name == question
            counts["pair request"] += request in noticed
            counts["pair question"] += question in noticed
            counts["pair both"] += noticed == {request, question}
            counts["pair wrong"] += bool(noticed - {request, question, FALLBACK_INTENT})
    print("\n".join(shown))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", type=int, default=10, help="list this many false alarms")
    args = parser.parse_args()
    table = Table(title=f"second requests, {args.folds}-fold held-out examples")
    for column in ("pack", "single: second imagined", "two: request read", "two: question read", "two: both read",
                   "two: a wrong reading", "ms / two-request message"):
        table.add_column(column, justify="left" if column == "pack" else "right")
    for path in args.domains:
        domain = load_domain(path)
        load_local_plugins(domain)
        print(f"{domain.name}: {args.folds} folds, questions a rule answers: {sorted(answered_intents(domain))}")
        c = measure(domain, args.folds, args.show)
        with_step, without = (1000 * c[key] / max(1, c["pair n"]) for key in ("pair seconds", "pair seconds without"))
        table.add_row(domain.name, share(c, "single marked", "single n"),
                      f"{c['pair request without']} → {share(c, 'pair request', 'pair n')}",
                      f"{c['pair question without']} → {share(c, 'pair question', 'pair n')}",
                      share(c, "pair both", "pair n"), share(c, "pair wrong", "pair n"),
                      f"{without:.1f} → {with_step:.1f} ({with_step / max(without, 1e-9):.2f}×)")
    Console().print(table)


if __name__ == "__main__":
    main()
