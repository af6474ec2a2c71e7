"""What the ``pleasantries`` step changes, on the same trained folds: held-out examples and polite rewrites.

    python benchmarks/pleasantries.py domains/customer_service domains/education domains/medical [--folds 5]

Each fold trains the pack's pipeline (with ``pleasantries`` after the intent classifier, inserted when
the pack has none) and reads the held-out examples, and the same examples wrapped in the robustness
audit's politeness ("hi, ...", "..., thanks"), through it with and without the step. "Misread" is
another real intent, the one the bot would act on (not a fallback). The step only re-reads messages
read as a pleasantry or below the fallback's threshold, so it costs time on those alone: the last
column is the parse time per polite message, batched, against the pipeline without the step.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sklearn.model_selection import StratifiedKFold

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import FALLBACK_INTENT
from dialogue.nlu.evaluation import with_step
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.nlu.pleasantries import Pleasantries
from dialogue.testing.perturbations import politeness


def timed_parse(components: list[Any], texts: list[str]) -> tuple[list[Any], float]:
    start = time.perf_counter()
    parses = parse_batch(components, texts)
    return parses, time.perf_counter() - start


def compare(domain: Domain, folds: int, show: int) -> tuple[Counter[str], Counter[str]]:
    """Counts of right and misread messages, and parse seconds, per source and with/without the step."""
    data = domain.training_data()
    examples = list(data.examples)
    labels = [e.intent for e in examples]
    specs = with_step(domain.pipeline.nlu, "pleasantries")
    counts: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    regressions = []  # right without the step, wrong with it
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, labels)
    for fold, (train, held_out) in enumerate(splits):
        fold_data = TrainingData(tuple(examples[i] for i in train), data.synonyms)
        steps = build_nlu(domain, specs, data=fold_data, model_root=None)
        without = [c for c in steps if not isinstance(c, Pleasantries)]
        rng = random.Random(fold)
        gold = [examples[i].intent for i in held_out]
        plain = [examples[i].text for i in held_out]
        polite = [politeness(text, rng) or text for text in plain]
        for source, texts in (("held-out", plain), ("polite", polite)):
            read = {}
            for name, pipeline in (("without", without), ("with", steps)):
                read[name], elapsed = timed_parse(pipeline, texts)
                seconds[f"{source} {name}"] += elapsed
                for expected, parse in zip(gold, read[name]):
                    counts[f"{source} {name} right"] += parse.intent.name == expected
                    counts[f"{source} {name} misread"] += parse.intent.name not in (expected, FALLBACK_INTENT)
            for expected, before, after in zip(gold, read["without"], read["with"]):
                if before.intent.name == expected != after.intent.name:
                    regressions.append((source, expected, after.intent.name, after.text))
            counts[f"{source} n"] += len(texts)
    for regression in regressions[:show]:
        print("  right without the step, wrong with it:", *regression)
    return counts, seconds


def change(counts: Counter[str], source: str, what: str) -> str:
    before, after = (100 * counts[f"{source} {name} {what}"] / counts[f"{source} n"] for name in ("without", "with"))
    return f"{before:.1f} → {after:.1f} % ({after - before:+.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", type=int, default=10, help="list this many messages the step turned wrong")
    args = parser.parse_args()
    table = Table(title=f"pleasantries step, {args.folds}-fold, same trained folds")
    for column in ("pack", "held-out acc", "polite acc", "polite misread", "ms / polite message"):
        table.add_column(column, justify="right" if column != "pack" else "left")
    for path in args.domains:
        domain = load_domain(path)
        load_local_plugins(domain)
        print(f"{domain.name}: {args.folds} folds")
        counts, seconds = compare(domain, args.folds, args.show)
        per_message = {name: 1000 * seconds[f"polite {name}"] / counts["polite n"] for name in ("without", "with")}
        ratio = per_message["with"] / per_message["without"]
        table.add_row(domain.name, change(counts, "held-out", "right"), change(counts, "polite", "right"),
                      change(counts, "polite", "misread"),
                      f"{per_message['without']:.1f} → {per_message['with']:.1f} ({ratio:.2f}×)")
    Console().print(table)


if __name__ == "__main__":
    main()
