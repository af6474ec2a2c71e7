"""What the steps that re-read parts of a message cost on messages full of clause breaks ("hi, hi, hi, ...").

    python benchmarks/rereading_cost.py domains/customer_service [--repeat 7 40]

Each message goes once through the pack's trained pipeline (``dialogue train`` first), step by step, after a
warm-up message that loads every model (spaCy's tagger included). The table gives each step's seconds and the
ratio of the re-reading steps to the intent classifier on the same message. Messages with more clause breaks
than ``MAX_CUTS`` are read as they came.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dialogue.assembly import prepare_nlu
from dialogue.builtins import BUILTINS
from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.nlu.evaluation import INTENT_CLASSIFIERS
from dialogue.nlu.pipeline_builder import empty_parse
from dialogue.nlu.rereading import MAX_CUTS, RereadsParts
from dialogue.questions import opens_with_an_imperative

UNITS = ("hi, ", "x and ", "cancel my order, ", "don't cancel order 104302 ", "i cancelled order 104302 by mistake, ")
CLASSIFIER_CLASSES = {BUILTINS["nlu"][name].rsplit(":", 1)[1] for name in INTENT_CLASSIFIERS}


def step_seconds(components: list[Any], text: str) -> dict[str, float]:
    parses = [empty_parse(text)]
    seconds = {}
    for component in components:
        start = time.perf_counter()
        parses = component.process_batch(parses) if hasattr(component, "process_batch") else [
            component.process(p) for p in parses]
        seconds[type(component).__name__] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", type=Path)
    parser.add_argument("--repeat", nargs="+", type=int, default=[MAX_CUTS + 1, 40],
                        help="how many times each unit is repeated (clause breaks: one fewer)")
    args = parser.parse_args()
    domain = load_domain(args.domain)
    load_local_plugins(domain)
    components = prepare_nlu(domain, train=False)
    step_seconds(components, "hi, where is it? and cancel my order, thanks")  # warm-up: the models...
    opens_with_an_imperative("cancel it")  # ...and spaCy's tagger, loaded on first use
    rereaders = [type(c).__name__ for c in components if isinstance(c, RereadsParts)]
    table = Table(title=f"{domain.name}: seconds per message, step by step (MAX_CUTS {MAX_CUTS})")
    for column in ("message", "chars", "classifier", *rereaders, "re-reading / classifier"):
        table.add_column(column, justify="left" if column == "message" else "right")
    for count in args.repeat:
        for unit in UNITS:
            text = unit * count
            seconds = step_seconds(components, text)
            classifier = sum(v for k, v in seconds.items() if k in CLASSIFIER_CLASSES)
            rereading = sum(seconds[name] for name in rereaders)
            table.add_row(f"{unit.strip()!r} × {count}", str(len(text)), f"{classifier:.3f}",
                          *(f"{seconds[name]:.3f}" for name in rereaders), f"{rereading / max(classifier, 1e-9):.1f}×")
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
