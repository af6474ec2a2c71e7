"""How often ``negated_requests`` stops a negated request to change data, and how often it stops a real one.

    python benchmarks/negated_requests.py domains/customer_service domains/education domains/medical [--folds 5]

Each fold trains the pack's pipeline on the other folds. For the held-out examples of every intent whose
rule changes data (a cancellation, a booking, an enrolment: ``ChangeGuard``), it counts:

* **requests stopped**: plain held-out examples marked as negated requests (the bot would say "I haven't
  changed anything" to a real request; lower is better);
* **negations caught**: the same examples negated the way the robustness audit does ("cancel my order" →
  "don't cancel my order", "I want to ..." → "I don't want to ...") and marked (higher is better); the
  baseline is the pipeline without the step, which marks nothing and starts every one of them;
* **negated examples kept**: held-out examples that carry a negation and are still requests ("i don't
  want CS101 anymore" as ``drop_course``), and how many the step lets through;
* **negative questions stopped**: the same examples asked as a negative question ("cancel my order" →
  "can't you cancel my order?", "why don't you ...", "I want to ..." → "why can't I ...?"), which ask for
  the request; marking one makes the bot answer "I haven't changed anything" (lower is better);
* **retractions caught**: the same examples taken back at the end ("cancel my order. actually no, keep it",
  "... lol jk", "..., never mind", "... scratch that") and marked (higher is better), and how many would
  start a change without the step and with it;
* **inabilities stopped**: the same examples told as something the user could not do ("cancel my order" →
  "I can't cancel my order on the website", "it won't let me ...", "I couldn't ... myself"), which ask for
  help with the request; stopping one answers "I haven't changed anything" to it (lower is better).
"""

from __future__ import annotations

import argparse
import random
import re
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
from dialogue.negation import negations
from dialogue.nlu.evaluation import INTENT_CLASSIFIERS, with_step
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.testing.perturbations import negation


def change_intents(domain: Domain) -> set[str]:
    rules = [CompiledRule(spec, index) for index, spec in enumerate(domain.rules)]
    guard = ChangeGuard(domain, rules)
    return {intent for rule in rules if guard.leads_to_change(rule) for intent in rule.spec.when.intent or []}


_WANT = re.compile(r"^\s*(?:please\s+)?i\s+(?:want|need|would like|'d like)\s+to\s+(.+?)[.!?]*$", re.IGNORECASE)
_IMPERATIVE = re.compile(r"^\s*(?:please\s+)?don't\s+(.+)$", re.IGNORECASE)  # what ``negation`` makes of one
_QUESTIONS = ("can't you {}?", "why don't you {}?", "couldn't you {}?", "won't you {}?")


def requested_action(text: str, rng: random.Random) -> tuple[str, bool] | None:
    """The verb phrase a request asks for ("cancel my order"), and whether it was written "I want to ...";
    None when the request is neither that nor a bare imperative."""
    wanted = _WANT.match(text)
    if wanted:
        return wanted.group(1), True
    imperative = _IMPERATIVE.match(negation(text, rng) or "")
    return (imperative.group(1).rstrip(".!? "), False) if imperative else None


def negative_question(text: str, rng: random.Random) -> str | None:
    """The request asked as a negative question, or None when it is neither a bare imperative nor "I want to ..."."""
    action = requested_action(text, rng)
    if action is None:
        return None
    phrase, wanted = action
    return f"why can't I {phrase}?" if wanted else rng.choice(_QUESTIONS).format(phrase)


_RETRACTIONS = ("{}. actually no, keep it", "{} lol jk", "{}, never mind", "{}... scratch that", "{}. no wait, don't")
_INABILITIES = ("I can't {} on the website", "it won't let me {}", "I couldn't {} myself", "I still can't {}")


def inability(text: str, rng: random.Random) -> str | None:
    """The request told as something the user could not do, or None when it is neither a bare imperative nor
    "I want to ..."."""
    action = requested_action(text, rng)
    return rng.choice(_INABILITIES).format(action[0]) if action else None


def measure(domain: Domain, folds: int, show: int) -> Counter[str]:
    data = domain.training_data()
    examples = list(data.examples)
    watched = change_intents(domain)
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str, str]] = []
    rng = random.Random(0)
    inability_rng = random.Random(1)  # its own draws, so the other columns stay as they were without it
    retraction_rng = random.Random(2)
    specs = with_step(domain.pipeline.nlu, "negated_requests", INTENT_CLASSIFIERS | {"pleasantries"})
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, [e.intent for e in examples])
    for train, held_out in splits:
        fold_data = TrainingData(tuple(examples[i] for i in train), data.synonyms)
        steps = build_nlu(domain, specs, data=fold_data, model_root=None)
        held = [examples[i] for i in held_out if examples[i].intent in watched]
        plain = [e for e in held if not negations(e.text)]
        negated_examples = [e for e in held if negations(e.text)]
        negated = [(e, negation(e.text, rng)) for e in plain]
        negated = [(e, text) for e, text in negated if text]
        questions = [(e, negative_question(e.text, rng)) for e in plain]
        asked = [(e, text) for e, text in questions if text]
        retracted = [(e, retraction_rng.choice(_RETRACTIONS).format(e.text.rstrip(".!? "))) for e in plain]
        unable = [(e, inability(e.text, inability_rng)) for e in plain]
        unable = [(e, text) for e, text in unable if text]
        for kind, items in (("plain", [(e, e.text) for e in plain]), ("negated", negated),
                            ("negated example", [(e, e.text) for e in negated_examples]), ("question", asked),
                            ("inability", unable), ("retracted", retracted)):
            for (example, text), parse in zip(items, parse_batch(steps, [text for _, text in items])):
                counts[f"{kind} n"] += 1
                counts[f"{kind} started"] += parse.intent.name == example.intent  # what the bot would act on
                marked = parse.negates_its_request()
                counts[f"{kind} marked"] += marked
                counts[f"{kind} started with the step"] += parse.intent.name == example.intent and not marked
                if marked != (kind in ("negated", "retracted")):
                    wrong.append((kind, example.intent, text))
    for kind, intent, text in wrong[:show]:
        print(f"  {'missed' if kind in ('negated', 'retracted') else 'stopped'}: {intent} | {text}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", type=int, default=12, help="list this many messages the step got wrong")
    args = parser.parse_args()
    table = Table(title=f"negated requests to change data, {args.folds}-fold held-out examples")
    for column in ("pack", "requests stopped", "negations caught", "negations started (no step → step)",
                   "negated examples kept", "negative questions stopped", "negative questions read as asked",
                   "inabilities stopped", "inabilities read as asked", "retractions caught",
                   "retractions started (no step → step)"):
        table.add_column(column, justify="left" if column == "pack" else "right")
    for path in args.domains:
        domain = load_domain(path)
        load_local_plugins(domain)
        print(f"{domain.name}: {args.folds} folds, intents {sorted(change_intents(domain))}")
        c = measure(domain, args.folds, args.show)
        table.add_row(domain.name, share(c, "plain marked", "plain n"), share(c, "negated marked", "negated n"),
                      f"{c['negated started']} → {c['negated started with the step']} of {c['negated n']}",
                      f"{c['negated example n'] - c['negated example marked']}/{c['negated example n']}",
                      share(c, "question marked", "question n"), share(c, "question started with the step", "question n"),
                      share(c, "inability marked", "inability n"), share(c, "inability started with the step", "inability n"),
                      share(c, "retracted marked", "retracted n"),
                      f"{c['retracted started']} → {c['retracted started with the step']} of {c['retracted n']}")
    Console().print(table)


if __name__ == "__main__":
    main()
