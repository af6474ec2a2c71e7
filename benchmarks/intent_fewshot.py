"""Few-shot intent detection on BANKING77 dev splits: sentence_intent against TF-IDF (and joint_bert).

    python benchmarks/intent_fewshot.py [--data DIR] [--train train_5 train_10 train] [--bert] [--json OUT]
    python benchmarks/intent_fewshot.py --train-only train_10 [--systems NAME]   # one training, for whole-process timing
    python benchmarks/intent_fewshot.py --latency train_10                       # one-message parse: ONNX vs torch encoder
    python benchmarks/intent_fewshot.py --steps-latency train_10                 # what each default step adds to it
    python benchmarks/intent_fewshot.py --typos train_10                         # valid with typos: spelling on and off

Reads ``--data``, ``$DIALOGUE_BANKING77`` or ``<repo>/../shared/data/banking77`` (CSV ``text,intent``;
never copied into the repository) and scores ``valid.csv`` only: the test split is held back on purpose.
Every system trains in this process on the same data, so the last column is a like-for-like ratio.

Out of scope (``--oos-splits N``): a quarter of the intents is held out in turn (N seeded draws),
their ``valid`` examples play the unseen requests, and the classifier's learned out-of-scope
decision is scored: in-scope accuracy (a refusal counts as wrong) beside the same classifier with
the decision off, beside the classifier trained on every intent, and the out-of-scope recall.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.pipeline_builder import bind_preceding, build_nlu, parse_batch
from dialogue.nlu.evaluation import PRESETS, latency, score, scratch_domain
from dialogue.nlu.readers import read_training_data

SYSTEMS: dict[str, list[ComponentSpec]] = {
    "sentence_intent": [ComponentSpec(use="sentence_intent")],
    # with the default pipeline's re-reading steps after the classifier (pleasantries ... past_requests): what a
    # domain that names nothing parses with
    "sentence_intent + default steps": [ComponentSpec(use=use) for use in PRESETS["sentence"][2:]
                                        if use not in ("synonyms", "entity_conflicts", "fallback")],
    "sentence_intent, vectors only": [ComponentSpec(use="sentence_intent", sparse_weight=0.0)],
    "sentence_intent, no spelling": [ComponentSpec(use="sentence_intent", spelling=False)],
    "TF-IDF + LR + spelling": [ComponentSpec(use="tfidf_intent", spelling=True)],
    "sentence_intent + finetune": [ComponentSpec(use="sentence_intent", finetune=True)],
    "TF-IDF + LR": [ComponentSpec(use="tfidf_intent")],
    "joint_bert": [ComponentSpec(use="joint_bert", entity_types=[])],
}
BASELINE = "TF-IDF + LR"
BARS = {"train_10": 0.85, "train": 0.92}


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("DIALOGUE_BANKING77"):
        return Path(os.environ["DIALOGUE_BANKING77"])
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"


def run(name: str, train: TrainingData, test: TrainingData) -> dict[str, Any]:
    specs = SYSTEMS[name]
    started = time.perf_counter()
    components = build_nlu(scratch_domain(train), specs, data=train, model_root=None)
    seconds = time.perf_counter() - started
    texts = [e.text for e in test.examples]
    result = score(test.examples, parse_batch(components, texts))
    p50, _ = latency(components, texts, 200)
    return {"system": name, "train_seconds": seconds, "latency_p50_ms": p50, **result}


def holdout_intents(intents: list[str], share: float, seed: int) -> set[str]:
    return set(random.Random(seed).sample(sorted(intents), max(1, round(share * len(intents)))))


def oos_run(train: TrainingData, test: TrainingData, seed: int, all_intents_accuracy: float) -> dict[str, Any]:
    """One held-out quarter: learned decision on/off, scored with the held-out intents as out of scope."""
    held = holdout_intents(train.intents, 0.25, seed)
    kept = TrainingData(tuple(e for e in train.examples if e.intent not in held), train.synonyms)
    gold = tuple(TrainingExample(e.text, "oos", ()) if e.intent in held else e for e in test.examples)
    specs = [ComponentSpec(use="sentence_intent"), ComponentSpec(use="fallback", threshold=0.0)]
    components = build_nlu(scratch_domain(kept), specs, data=kept, model_root=None)
    parses = parse_batch(components[:1], [e.text for e in gold])
    on = score(gold, [components[1].process(p) for p in parses], oos_label="oos")
    classifier = components[0]
    assert classifier.oos is not None
    off = score(gold, parses, oos_label="oos")
    return {
        "seed": seed, "held_out": sorted(held),
        "in_scope_accuracy": on["intent_accuracy"], "oos_recall": on["oos_recall"],
        "in_scope_accuracy_decision_off": off["intent_accuracy"],
        "all_intents_accuracy": all_intents_accuracy,
        "threshold": classifier.oos.threshold, "expected_recall": classifier.oos.expected_recall,
        "weight": classifier.oos.weight,
    }


def latency_table(train: TrainingData, test: TrainingData, rounds: int = 2) -> Table:
    """One-message parse p50/p95 of sentence_intent on each encoder backend and of TF-IDF, in turn."""
    from dialogue.embeddings import TorchSentenceEncoder

    texts = [e.text for e in test.examples]
    sentence = build_nlu(scratch_domain(train), SYSTEMS["sentence_intent"], data=train, model_root=None)
    tfidf = build_nlu(scratch_domain(train), SYSTEMS[BASELINE], data=train, model_root=None)
    encoders = {type(sentence[0].encoder()).__name__: sentence[0].encoder(), "TorchSentenceEncoder": TorchSentenceEncoder()}
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(rounds):  # interleaved, so load changes hit every row alike
        for name, encoder in encoders.items():
            sentence[0]._encoder = encoder
            times.setdefault(f"sentence_intent, {name}", []).append(latency(sentence, texts, 200))
        times.setdefault(BASELINE, []).append(latency(tfidf, texts, 200))
    table = Table(title=f"One-message parse, {min(200, len(texts))} valid messages, median of {rounds} rounds")
    for column in ("system", "p50 ms", "p95 ms", f"p50 vs {BASELINE}"):
        table.add_column(column, justify="right")
    base = statistics.median(p50 for p50, _ in times[BASELINE])
    for name, rows in times.items():
        p50, p95 = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / base:.2f}×")
    return table


def steps_latency_table(train: TrainingData, test: TrainingData, rounds: int = 3) -> Table:
    """One-message parse p50/p95 of the same trained sentence_intent alone and with the default pipeline's steps
    after it added one by one, in turn."""
    texts = [e.text for e in test.examples]
    steps = [spec.use for spec in SYSTEMS["sentence_intent + default steps"]][1:]
    domain = scratch_domain(train)
    classifier = build_nlu(domain, SYSTEMS["sentence_intent"], data=train, model_root=None)
    pipelines = {"sentence_intent": classifier}
    for count in range(1, len(steps) + 1):
        built = build_nlu(domain, [ComponentSpec(use=use) for use in steps[:count]], data=train, model_root=None)
        pipeline = [*classifier, *built]
        for index, step in enumerate(pipeline):
            bind_preceding(step, pipeline[:index])  # they re-read with the classifier trained once
        pipelines[f"+ {steps[count - 1]}"] = pipeline
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(rounds):  # interleaved, so load changes hit every row alike
        for name, pipeline in pipelines.items():
            times.setdefault(name, []).append(latency(pipeline, texts, 200))
    table = Table(title=f"One-message parse with the default steps, {min(200, len(texts))} valid messages, "
                        f"median of {rounds} rounds")
    for column in ("pipeline", "p50 ms", "p95 ms", "p50 vs the classifier alone"):
        table.add_column(column, justify="right")
    base = statistics.median(p50 for p50, _ in times["sentence_intent"])
    for name, rows in times.items():
        p50, p95 = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / base:.2f}×")
    return table


def typos_table(train: TrainingData, test: TrainingData) -> Table:
    """Accuracy on ``test`` as written and with one or two typos a message (seeded keyboard slips), with the
    typo correction on and off: the same trained pipelines read every version."""
    from dialogue.testing.perturbations import typos

    versions = {"as written": [e.text for e in test.examples]}
    for count in (1, 2):
        rng = random.Random(count)
        versions[f"{count} typo{'s' if count > 1 else ''}"] = [typos(count)(e.text, rng) or e.text for e in test.examples]
    table = Table(title=f"BANKING77 valid ({len(test.examples)} messages) with typos: intent accuracy")
    table.add_column("system", justify="right")
    for version in versions:
        table.add_column(version, justify="right")
    rows: dict[str, list[float]] = {}
    for name in ("sentence_intent, no spelling", "sentence_intent", BASELINE, "TF-IDF + LR + spelling"):
        print(f"typos: training {name} ...", file=sys.stderr, flush=True)
        components = build_nlu(scratch_domain(train), SYSTEMS[name], data=train, model_root=None)
        rows[name] = [score(test.examples, parse_batch(components, texts))["intent_accuracy"] for texts in versions.values()]
    for name, accuracies in rows.items():
        base = rows["sentence_intent, no spelling" if name.startswith("sentence") else BASELINE]
        table.add_row(name, *(f"{a:.2%}" + (f" ({a - b:+.2%})" if a != b else "") for a, b in zip(accuracies, base)))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with train*.csv and valid.csv")
    parser.add_argument("--train", nargs="+", default=["train_5", "train_10", "train"])
    parser.add_argument("--systems", nargs="+", default=["sentence_intent", "sentence_intent, vectors only", BASELINE],
                        choices=sorted(SYSTEMS))
    parser.add_argument("--bert", action="store_true", help="also train joint_bert (minutes per split)")
    parser.add_argument("--oos-splits", type=int, default=3, help="held-out-quarter draws per training split (0: skip)")
    parser.add_argument("--json", type=Path, metavar="OUT")
    parser.add_argument("--latency", metavar="SPLIT", help="train on SPLIT, compare one-message parse times and exit")
    parser.add_argument("--steps-latency", metavar="SPLIT",
                        help="train on SPLIT, time one-message parses as each default step is added, and exit")
    parser.add_argument("--typos", metavar="SPLIT", help="train on SPLIT, score valid with typos, spelling on and off")
    parser.add_argument("--train-only", metavar="SPLIT",
                        help="only train the first of --systems on SPLIT and exit (time it as a whole process)")
    args = parser.parse_args()
    folder = data_dir(args.data)
    if args.train_only:
        train = read_training_data(folder / f"{args.train_only}.csv")
        build_nlu(scratch_domain(train), SYSTEMS[args.systems[0]], data=train, model_root=None)
        return
    test = read_training_data(folder / "valid.csv")
    if args.latency:
        Console().print(latency_table(read_training_data(folder / f"{args.latency}.csv"), test))
        return
    if args.steps_latency:
        Console().print(steps_latency_table(read_training_data(folder / f"{args.steps_latency}.csv"), test))
        return
    if args.typos:
        Console().print(typos_table(read_training_data(folder / f"{args.typos}.csv"), test))
        return
    systems = list(args.systems) + (["joint_bert"] if args.bert and "joint_bert" not in args.systems else [])
    results: list[dict[str, Any]] = []
    oos: list[dict[str, Any]] = []
    console = Console()
    for split in args.train:
        train = read_training_data(folder / f"{split}.csv")
        for name in systems:
            print(f"{split}: training {name} ...", file=sys.stderr, flush=True)
            results.append({"train": split, "examples": len(train.examples), **run(name, train, test)})
        reference = next(r for r in results if r["train"] == split and r["system"] == "sentence_intent") \
            if "sentence_intent" in systems else None
        for seed in range(args.oos_splits if reference else 0):
            print(f"{split}: out-of-scope draw {seed + 1}/{args.oos_splits} ...", file=sys.stderr, flush=True)
            oos.append({"train": split, **oos_run(train, test, seed, reference["intent_accuracy"])})
    table = Table(title=f"BANKING77 valid ({len(test.examples)} messages): intent accuracy")
    for column in ("train split", "system", "accuracy", "macro-F1", "train s", "p50 ms", f"vs {BASELINE}"):
        table.add_column(column, justify="right")
    for row in results:
        base = next((r for r in results if r["train"] == row["train"] and r["system"] == BASELINE), None)
        ratio = f"{row['intent_accuracy'] - base['intent_accuracy']:+.2%}" if base else "n/a"
        table.add_row(f"{row['train']} ({row['examples']})", row["system"], f"{row['intent_accuracy']:.2%}",
                      f"{row['intent_macro_f1']:.2%}", f"{row['train_seconds']:.1f}", f"{row['latency_p50_ms']:.1f}", ratio)
    console.print(table)
    if oos:
        table = Table(title="Out of scope: a quarter of the intents held out (sentence_intent, learned decision)")
        for column in ("train split", "draw", "in-scope acc.", "decision off", "all intents", "OOS recall",
                       "expected recall", "P(oos) cut"):
            table.add_column(column, justify="right")
        for row in oos:
            table.add_row(row["train"], str(row["seed"]), f"{row['in_scope_accuracy']:.2%}",
                          f"{row['in_scope_accuracy_decision_off']:.2%}", f"{row['all_intents_accuracy']:.2%}",
                          f"{row['oos_recall']:.2%}", f"{row['expected_recall'] or 0:.2%}", f"{row['threshold']:.3f}")
        for split in dict.fromkeys(r["train"] for r in oos):
            rows = [r for r in oos if r["train"] == split]
            table.add_row(split, "mean", *(f"{statistics.mean(r[k] for r in rows):.2%}" for k in
                          ("in_scope_accuracy", "in_scope_accuracy_decision_off", "all_intents_accuracy", "oos_recall")),
                          f"{statistics.mean((r['expected_recall'] or 0) for r in rows):.2%}", "", style="bold")
        console.print(table)
    for split, bar in BARS.items():
        row = next((r for r in results if r["train"] == split and r["system"] == "sentence_intent"), None)
        if row:
            verdict = "met" if row["intent_accuracy"] >= bar else "NOT met"
            console.print(f"bar {split} ≥ {bar:.0%}: {row['intent_accuracy']:.2%} ({verdict})")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "out_of_scope": oos}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
