"""Cross-validated NLU of a domain pack with different intent classifiers, side by side.

    python benchmarks/pack_nlu.py domains/customer_service [--variants shipped sentence tfidf delex joint_bert] [--folds 5]

Each variant replaces the pack's intent classifier and keeps the rest of its pipeline (extractors,
synonyms, fallback); the first variant is the baseline of the last column.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.evaluation import cross_validate

CLASSIFIERS = {"tfidf_intent", "joint_bert", "sentence_intent"}
VARIANTS = {
    "sentence": ComponentSpec(use="sentence_intent"),  # sentence vectors beside TF-IDF features (the default)
    "sentence_vectors": ComponentSpec(use="sentence_intent", sparse_weight=0.0),
    "sentence_delex": ComponentSpec(use="sentence_intent", delexicalise=True),
    "sentence_finetune": ComponentSpec(use="sentence_intent", finetune=True),
    "tfidf": ComponentSpec(use="tfidf_intent"),
    "delex": ComponentSpec(use="tfidf_intent", delexicalise=True),
    "joint_bert": ComponentSpec(use="joint_bert"),
    # intents only, entities from the rule extractors, typo correction: the shop's classifier until 2026-12-07
    "joint_bert_intents": ComponentSpec(use="joint_bert", entity_types=[], spelling=True),
}
SHIPPED = "shipped"  # the pack's own pipeline.yml, unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", type=Path)
    parser.add_argument("--variants", nargs="+", default=["tfidf", "delex"], choices=sorted([*VARIANTS, SHIPPED]))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    domain = load_domain(args.domain)
    load_local_plugins(domain)
    table = Table(title=f"{domain.name}: {args.folds}-fold cross-validation")
    for column in ("classifier", "intent acc", "macro-F1", "entity F1", "train s/fold", "p50 ms", "vs first"):
        table.add_column(column, justify="right")
    base = None
    for name in args.variants:
        specs = [VARIANTS[name] if s.use in CLASSIFIERS and name != SHIPPED else s for s in domain.pipeline.nlu]
        variant = dataclasses.replace(domain, pipeline=domain.pipeline.model_copy(update={"nlu": specs}))
        started = time.perf_counter()
        r = cross_validate(variant, folds=args.folds)
        base = r["intent_accuracy"] if base is None else base
        table.add_row(name, f"{r['intent_accuracy']:.3f}", f"{r['intent_macro_f1']:.3f}", f"{r['entity_f1']:.3f}",
                      f"{(time.perf_counter() - started) / args.folds:.1f}", f"{r['latency_p50_ms']:.2f}",
                      f"{r['intent_accuracy'] - base:+.3f}")
    Console().print(table)


if __name__ == "__main__":
    main()
