"""Cross-validated NLU of a domain pack with different intent classifiers, side by side.

    python benchmarks/pack_nlu.py domains/customer_service [--variants shipped sentence tfidf delex joint_bert] [--folds 5]
    python benchmarks/pack_nlu.py domains/customer_service --latency   # the trained pipeline, ONNX vs torch encoder
    python benchmarks/pack_nlu.py domains/education --variants shipped shipped_no_contractions  # one option's effect

Each variant replaces the pack's intent classifier and keeps the rest of its pipeline (extractors,
synonyms, fallback); the first variant is the baseline of the last column.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.model import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.evaluation import INTENT_CLASSIFIERS, cross_validate

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
    # the shop's settings with the encoder frozen: what its fine-tune adds
    "sentence_delex_frozen": ComponentSpec(use="sentence_intent", delexicalise=True, C=30, sparse_weight=1.0,
                                           sparse_min_df=1, out_of_scope=False),
}
SHIPPED = "shipped"  # the pack's own pipeline.yml, unchanged
#: the pack's own classifier with one option changed: what that option buys on the pack's data
SHIPPED_WITH = {"shipped_no_contractions": {"expand_contractions": False}}


def encoder_latency(domain: Domain, rounds: int) -> None:
    """Single-message parse time of the pack's trained pipeline as a chat loads it (from its model folder),
    with the sentence encoder on ONNX Runtime and on torch, interleaved in one process."""
    import os

    from dialogue.embeddings import BACKEND_VARIABLE
    from dialogue.nlu.evaluation import latency
    from dialogue.nlu.pipeline_builder import build_nlu

    texts = [e.text for e in domain.training_data().examples][::7]
    build_nlu(domain, list(domain.pipeline.nlu), data=domain.training_data(), model_root=True)  # trains once if needed
    pipelines = {}  # both loaded from the model folder, as a chat does: an in-process training keeps torch
    for backend in ("onnx", "torch"):
        os.environ[BACKEND_VARIABLE] = "torch" if backend == "torch" else "auto"
        pipelines[backend] = build_nlu(domain, list(domain.pipeline.nlu), data=domain.training_data(), model_root=True)
    os.environ.pop(BACKEND_VARIABLE, None)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, components in pipelines.items():
            times[name].append(latency(components, texts, len(texts)))
    table = Table(title=f"{domain.name}: one message at a time ({len(texts)} examples, median of {rounds} rounds)")
    for column in ("sentence encoder", "p50 ms", "p95 ms", "p50 vs torch"):
        table.add_column(column, justify="right")
    medians = {name: (statistics.median(p50 for p50, _ in runs), statistics.median(p95 for _, p95 in runs))
               for name, runs in times.items()}
    for name, (p50, p95) in medians.items():
        table.add_row(name, f"{p50:.2f}", f"{p95:.2f}", f"{p50 / medians['torch'][0]:.2f}x")
    Console().print(table)


def variant_spec(name: str, shipped: ComponentSpec) -> ComponentSpec:
    if name == SHIPPED:
        return shipped
    if name in SHIPPED_WITH:
        return ComponentSpec(use=shipped.use, **{**shipped.params, **SHIPPED_WITH[name]})
    return VARIANTS[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", type=Path)
    parser.add_argument("--variants", nargs="+", default=["tfidf", "delex"], choices=sorted([*VARIANTS, SHIPPED, *SHIPPED_WITH]))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--latency", action="store_true", help="time the trained pipeline (ONNX vs torch encoder) instead")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    domain = load_domain(args.domain)
    load_local_plugins(domain)
    if args.latency:
        encoder_latency(domain, args.rounds)
        return
    table = Table(title=f"{domain.name}: {args.folds}-fold cross-validation")
    for column in ("classifier", "intent acc", "macro-F1", "entity F1", "train s/fold", "p50 ms", "vs first"):
        table.add_column(column, justify="right")
    base = None
    for name in args.variants:
        specs = [variant_spec(name, s) if s.use in INTENT_CLASSIFIERS else s for s in domain.pipeline.nlu]
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
