"""How often ``past_requests`` stops a request told as already done, and how often it stops a real one.

    python benchmarks/past_requests.py domains/customer_service domains/education domains/medical [--folds 5]

Each fold trains the pack's pipeline, with ``past_requests`` after the classifier, on the other folds. For the
held-out examples of every intent whose rule changes data (``ChangeGuard``), it counts:

* **requests stopped**: held-out examples marked as told as done (the bot would ask "do you want me to do that
  now?" of a real request; lower is better), and among them those that tell of something past themselves ("my
  parcel arrived broken" as ``complaint``);
* **told as done, caught**: the same requests (but a form's way out, "stop") told as done ("cancel my order" → "why did you cancel my order?",
  "I already cancelled my order", "I cancelled my order by mistake, can I undo it?") and marked (higher is
  better); the baseline is the pipeline without the step, which starts a change on every one read as the request.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from pathlib import Path

from counting import share
from negated_requests import change_intents, requested_action
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import StratifiedKFold

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.nlu.evaluation import INTENT_CLASSIFIERS, with_step
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.tense import past_actions

_IRREGULAR = {"send": "sent", "take": "took", "get": "got", "make": "made", "put": "put", "give": "gave",
              "buy": "bought", "bring": "brought", "leave": "left", "pay": "paid", "find": "found", "tell": "told",
              "set": "set", "shut": "shut", "book": "booked", "drop": "dropped", "stop": "stopped", "ship": "shipped",
              "swap": "swapped", "sign": "signed", "withdraw": "withdrew", "write": "wrote", "see": "saw",
              "do": "did", "go": "went", "have": "had", "be": "was", "sell": "sold", "hold": "held"}
_TOLD_AS_DONE = ("why did you {bare}?", "did you {bare}?", "I already {past}", "I {past} by mistake, can I undo it?",
                 "you {past} without asking me!", "I think I {past} yesterday")


def past_tense(verb: str) -> str:
    """A regular English past form ("cancel" → "cancelled" is spelt "canceled" here too often to matter)."""
    lower = verb.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower.endswith("e"):
        return lower + "d"
    if re.search(r"[^aeiou]y$", lower):
        return lower[:-1] + "ied"
    return lower + "ed"


def told_as_done(text: str, rng: random.Random) -> str | None:
    """The request told as already done, or None when it is neither a bare imperative nor "I want to ..."."""
    action = requested_action(text, rng)
    if action is None:
        return None
    verb, _, rest = action[0].partition(" ")
    past = f"{past_tense(verb)} {rest}".strip()
    return rng.choice(_TOLD_AS_DONE).format(bare=action[0], past=past)


def measure(domain: Domain, folds: int, show: int) -> Counter[str]:
    data = domain.training_data()
    examples = list(data.examples)
    watched = change_intents(domain)
    stops = set().union(*(set(f.cancel_intents) for f in domain.forms.values()))  # "stop": a way out, no deed
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str, str]] = []
    rng = random.Random(0)
    specs = with_step(domain.pipeline.nlu, "past_requests", INTENT_CLASSIFIERS | {"pleasantries", "negated_requests"})
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, [e.intent for e in examples])
    for train, held_out in splits:
        steps = build_nlu(domain, specs, data=TrainingData(tuple(examples[i] for i in train), data.synonyms),
                          model_root=None)
        held = [examples[i] for i in held_out if examples[i].intent in watched]
        told = [(e, told_as_done(e.text, rng)) for e in held if not past_actions(e.text) and e.intent not in stops]
        items = {"plain": [(e, e.text) for e in held], "told": [(e, text) for e, text in told if text]}
        for kind, pairs in items.items():
            for (example, text), parse in zip(pairs, parse_batch(steps, [text for _, text in pairs])):
                marked = parse.tells_its_request_as_done()
                counts[f"{kind} n"] += 1
                counts[f"{kind} read"] += parse.intent.name == example.intent
                counts[f"{kind} marked"] += marked
                counts[f"{kind} started with the step"] += parse.intent.name == example.intent and not marked
                if kind == "plain" and past_actions(text):
                    counts["past example n"] += 1
                    counts["past example marked"] += marked
                if kind == "plain" and marked or kind == "told" and parse.intent.name == example.intent and not marked:
                    wrong.append((kind, example.intent, text))  # a real request stopped, or a change started
    for kind, intent, text in wrong[:show]:
        print(f"  {'started' if kind == 'told' else 'stopped'}: {intent} | {text}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", type=int, default=12, help="list this many real requests stopped and changes started")
    args = parser.parse_args()
    table = Table(title=f"requests to change data told as already done, {args.folds}-fold held-out examples")
    for column in ("pack", "requests stopped", "of them telling of the past", "told as done, caught",
                   "told as done, change started (no step → step)"):
        table.add_column(column, justify="left" if column == "pack" else "right")
    for path in args.domains:
        domain = load_domain(path)
        load_local_plugins(domain)
        print(f"{domain.name}: {args.folds} folds, intents {sorted(change_intents(domain))}")
        c = measure(domain, args.folds, args.show)
        table.add_row(domain.name, share(c, "plain marked", "plain n"),
                      f"{c['past example marked']}/{c['past example n']}", share(c, "told marked", "told n"),
                      f"{c['told read']} → {c['told started with the step']} of {c['told n']}")
    Console().print(table)


if __name__ == "__main__":
    main()
