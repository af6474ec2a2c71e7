"""NLU benchmark on SNIPS: joint_bert and sentence_intent against TF-IDF + logistic regression and spaCy textcat.

    python benchmarks/nlu.py [--data DIR] [--json OUT] [--quick]

Reads the JointBERT-format SNIPS copy from ``--data``, ``$DIALOGUE_SNIPS`` or
``<repo>/../shared/data/snips`` (never copied into the repository). Trains every system on
``train`` and scores ``test``; hyper-parameters are the components' defaults, chosen on
``dev`` (see docs/benchmarks/nlu.md). Prints one table with accuracy, F1, training time,
latency and throughput side by side, the few-shot rows (5/10/all examples per intent), and
int8 against fp32. The few-shot rows put the default ``sentence_intent`` beside TF-IDF and joint_bert.
``--quick`` runs on a small subset to check the script itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch
from dialogue.nlu.evaluation import PRESETS, latency, score, scratch_domain
from dialogue.nlu.readers import read_training_data
from dialogue.domain.examples import TrainingData, TrainingExample

BARS = {"intent_accuracy": 0.98, "entity_f1": 0.95, "latency_p50_ms": 15.0, "throughput": 300.0}


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("DIALOGUE_SNIPS"):
        return Path(os.environ["DIALOGUE_SNIPS"])
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "snips"


def per_intent(data: TrainingData, k: int | None, seed: int = 0) -> TrainingData:
    """``k`` examples of each intent, drawn with a fixed seed (all when ``k`` is None)."""
    if k is None:
        return data
    by_intent: dict[str, list[TrainingExample]] = defaultdict(list)
    for example in data.examples:
        by_intent[example.intent].append(example)
    rng = random.Random(seed)
    picked = [e for intent in sorted(by_intent) for e in rng.sample(by_intent[intent], min(k, len(by_intent[intent])))]
    return TrainingData(tuple(picked), data.synonyms)


def throughput(components: list[Any], texts: list[str]) -> float:
    started = time.perf_counter()
    parse_batch(components, texts)
    return len(texts) / (time.perf_counter() - started)


#: where trained models are kept between runs (``--models``); None trains every time
MODELS: Path | None = None


def run_pipeline(name: str, specs: list[ComponentSpec], train: TrainingData, test: TrainingData,
                 progress: bool = True) -> tuple[dict[str, Any], list[Any]]:
    last = [0.0]

    def show(text: str, fraction: float) -> None:  # a line every 10 s: readable in a log file too
        if progress and (time.perf_counter() - last[0] > 10 or fraction >= 1.0):
            last[0] = time.perf_counter()
            print(f"  {name}: {text} [{100 * fraction:5.1f}%]", file=sys.stderr, flush=True)

    started = time.perf_counter()
    components = build_nlu(scratch_domain(train), specs, data=train, model_root=MODELS, progress=show)
    train_seconds = time.perf_counter() - started
    # a model reused from --models reports the training time recorded when it was trained
    recorded = [c.train_info.get("seconds", 0.0) for c in components if getattr(c, "train_info", None)]
    if MODELS is not None and recorded and train_seconds < sum(recorded):
        train_seconds = sum(recorded)
    return measure(name, components, test, train_seconds), components


def measure(name: str, components: list[Any], test: TrainingData, train_seconds: float) -> dict[str, Any]:
    texts = [e.text for e in test.examples]
    result = score(test.examples, parse_batch(components, texts))
    p50, p95 = latency(components, texts, 200)
    result.update(system=name, train_seconds=train_seconds, latency_p50_ms=p50, latency_p95_ms=p95,
                  throughput=throughput(components, texts), train_examples=None)
    return result


def spacy_textcat(train: TrainingData, test: TrainingData, epochs: int = 5, seed: int = 0) -> dict[str, Any]:
    """spaCy's own text classifier (bag-of-words textcat), trained briefly, as practitioners do."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    labels = train.intents
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                                                          "ngram_size": 2, "no_output_layer": False}})
    for label in labels:
        textcat.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(e.text), {"cats": {l: float(l == e.intent) for l in labels}}) for e in train.examples]
    started = time.perf_counter()
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2)
    train_seconds = time.perf_counter() - started
    texts = [e.text for e in test.examples]
    predicted = [max(doc.cats, key=doc.cats.get) for doc in nlp.pipe(texts)]
    gold = [e.intent for e in test.examples]
    from sklearn.metrics import f1_score

    times = []
    for text in texts[:200]:
        t = time.perf_counter()
        nlp(text)
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    list(nlp.pipe(texts, batch_size=64))
    rate = len(texts) / (time.perf_counter() - t)
    times.sort()
    return {
        "system": "spaCy textcat (BOW, 5 epochs)",
        "intent_accuracy": sum(p == g for p, g in zip(predicted, gold)) / len(gold),
        "intent_macro_f1": float(f1_score(gold, predicted, average="macro")),
        "entity_f1": None,
        "sentence_accuracy": None,
        "train_seconds": train_seconds,
        "latency_p50_ms": statistics.median(times),
        "latency_p95_ms": times[int(0.95 * (len(times) - 1))],
        "throughput": rate,
    }


def oos_settings(use: str) -> list[tuple[str, float, str | None, float | None]]:
    """(label, confidence threshold, similarity signal, min_similarity) rows swept for one classifier."""
    rows: list[tuple[str, float, str | None, float | None]] = [(f"threshold {t}", t, None, None) for t in (0.5, 0.7, 0.9)]
    if use == "joint_bert":
        rows += [(f"threshold 0.5, prototype similarity {s}", 0.5, "prototype", s) for s in (0.5, 0.6, 0.7, 0.8)]
        rows += [(f"threshold 0.5, nearest-3 similarity {s}", 0.5, "nearest", s) for s in (0.6, 0.7, 0.8, 0.85, 0.9)]
    return rows


def separation(is_oos: list[bool], scores: list[float]) -> float:
    """AUROC of a score (higher = more in scope) at telling in-scope from out-of-scope messages."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([not o for o in is_oos], scores))


def oos_sweep(train: TrainingData, test: TrainingData, intents: list[str], per: int | None) -> list[dict[str, Any]]:
    """Out-of-scope detection without an OOS data set: for each of ``intents``, train without it, treat
    its test examples as out of scope, and sweep the fallback settings (in-scope accuracy vs OOS recall).
    Rows are averaged over the held-out intents (macro), so one near-duplicate intent does not decide."""
    from dialogue.nlu.fallback import FallbackClassifier

    totals: dict[str, list[tuple[float, float]]] = defaultdict(list)
    auroc: dict[str, list[float]] = defaultdict(list)
    for held in intents:
        kept = per_intent(TrainingData(tuple(e for e in train.examples if e.intent != held)), per)
        gold = tuple(TrainingExample(e.text, "oos", ()) if e.intent == held else e for e in test.examples)
        texts = [e.text for e in gold]
        is_oos = [e.intent == "oos" for e in gold]
        for system, use in (("joint_bert", "joint_bert"), ("TF-IDF + LR", "tfidf_intent")):
            components = build_nlu(scratch_domain(kept), [ComponentSpec(use=use)], data=kept, model_root=None)
            raw: dict[str | None, list[Any]] = {None: parse_batch(components, texts)}
            auroc[f"{system}, confidence"].append(separation(is_oos, [p.intent.confidence for p in raw[None]]))
            for label, threshold, signal, similarity in oos_settings(use):
                if signal not in raw:  # the same weights, read with the other similarity signal
                    components[0].config = components[0].config.model_copy(update={"similarity": signal})
                    raw[signal] = parse_batch(components, texts)
                    auroc[f"{system}, {signal} similarity"].append(
                        separation(is_oos, [p.metadata["nlu_similarity"] for p in raw[signal]]))
                fallback = FallbackClassifier(threshold, FallbackClassifier.Config(min_similarity=similarity))
                result = score(gold, [fallback.process(p) for p in raw[signal]], oos_label="oos")
                totals[f"{system}, {label}"].append((result["intent_accuracy"], result["oos_recall"]))
                print(f"held out {held}: {system}, {label}: in-scope {100 * result['intent_accuracy']:.2f} %, "
                      f"OOS recall {100 * result['oos_recall']:.2f} %", flush=True)
    rows = []
    for name, pairs in totals.items():
        rows.append({"system": name, "held_out": intents, "train_per_intent": per,
                     "in_scope_accuracy": statistics.mean(a for a, _ in pairs),
                     "oos_recall": statistics.mean(r for _, r in pairs)})
    print(f"\nAUROC, out-of-scope vs in-scope (1.0: every OOS message scores below every in-scope one), "
          f"mean over {len(intents)} held-out intent(s):")
    for name, values in auroc.items():
        rows.append({"system": name, "held_out": intents, "train_per_intent": per, "auroc": statistics.mean(values)})
        print(f"  {name}: {statistics.mean(values):.3f}  (" + ", ".join(f"{v:.3f}" for v in values) + ")")
    print(f"\nmean over {len(intents)} held-out intent(s):")
    print("| system and setting | in-scope accuracy % | OOS recall % |\n|---|---|---|")
    for row in rows:
        if "oos_recall" in row:
            print(f"| {row['system']} | {100 * row['in_scope_accuracy']:.2f} | {100 * row['oos_recall']:.2f} |")
    return rows


def speed_only(train: TrainingData, test: TrainingData) -> list[dict[str, Any]]:
    """Latency and throughput of the joint_bert pipeline, fp32 vs int8, 1 vs 2 threads. Speed does not
    depend on how well the model is trained, so a 1-epoch model on 20 examples per intent is used."""
    import torch

    from dialogue.nlu.bert.model import quantize

    subset = per_intent(train, 20)
    specs = [ComponentSpec(use=u) for u in PRESETS["bert"]]
    specs[2] = ComponentSpec(use="joint_bert", epochs=1)
    components = build_nlu(scratch_domain(subset), specs, data=subset, model_root=None)
    model = next(c for c in components if type(c).__name__ == "JointBertNLU")
    fp32 = model.model
    texts = [e.text for e in test.examples]
    rows = []
    for precision in ("fp32", "int8"):
        model.model = fp32 if precision == "fp32" else quantize(fp32)
        for threads in (1, 2):
            torch.set_num_threads(threads)
            p50, p95 = latency(components, texts, 300)
            rate = throughput(components, texts)
            rows.append({"precision": precision, "threads": threads, "latency_p50_ms": p50, "latency_p95_ms": p95,
                         "throughput": rate, "load": os.getloadavg()[0]})
            print(f"{precision} threads={threads}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {rate:.0f} msg/s "
                  f"(load {rows[-1]['load']:.1f})", flush=True)
    return rows


def fmt(value: Any, pct: bool = True, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.{digits}f}" if pct else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("system", "train ex.", "intent acc %", "intent F1 %", "entity F1 %", "sentence %", "train s",
                   "p50 ms", "p95 ms", "msg/s"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for r in rows:
        table.add_row(r["system"], str(r.get("train_examples") or ""), fmt(r["intent_accuracy"]), fmt(r["intent_macro_f1"]),
                      fmt(r.get("entity_f1")), fmt(r.get("sentence_accuracy")), fmt(r["train_seconds"], False, 1),
                      fmt(r.get("latency_p50_ms"), False), fmt(r.get("latency_p95_ms"), False), fmt(r.get("throughput"), False, 0))
    Console(width=160).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="SNIPS folder in JointBERT format (train/, dev/, test/)")
    parser.add_argument("--json", type=Path, help="write all rows as JSON")
    parser.add_argument("--quick", action="store_true", help="small subset: checks the script, not the model")
    parser.add_argument("--split", default="test", choices=["dev", "test"], help="what to score (dev while choosing settings)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["spacy", "fewshot", "int8", "tfidf", "mask"], help="rows to leave out")
    parser.add_argument("--oos-intent", nargs="+", help="only the out-of-scope sweep: train without each of these "
                        "intents in turn ('all': every intent), score its test examples as OOS")
    parser.add_argument("--per-intent", type=int, help="with --oos-intent: examples per intent to train on")
    parser.add_argument("--models", type=Path, help="keep trained models here and reuse them while data and "
                        "config are unchanged (inference-only settings can then be compared without retraining)")
    parser.add_argument("--fewshot-only", action="store_true", help="only the few-shot rows (and sentence_intent on "
                        "all examples): minutes instead of the full joint_bert training")
    parser.add_argument("--speed-only", action="store_true", help="only latency/throughput, fp32 vs int8, 1 vs 2 threads")
    args = parser.parse_args(argv)
    global MODELS
    MODELS = args.models
    folder = data_dir(args.data)
    if not (folder / "train" / "seq.in").is_file():
        print(f"SNIPS not found at {folder}; pass --data or set DIALOGUE_SNIPS", file=sys.stderr)
        return 2
    train = read_training_data(folder / "train", "jointbert")
    test = read_training_data(folder / args.split, "jointbert")
    if args.quick:
        train, test = per_intent(train, 40), TrainingData(test.examples[::7])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"SNIPS {folder}: {len(train.examples)} train, {len(test.examples)} {args.split}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start", file=sys.stderr)

    if args.speed_only:
        rows = speed_only(train, test)
        if args.json:
            args.json.write_text(json.dumps({"speed": rows}, indent=2), encoding="utf-8")
        return 0
    if args.oos_intent:
        held = train.intents if args.oos_intent == ["all"] else args.oos_intent
        sweep = oos_sweep(train, test, held, args.per_intent)
        if args.json:
            args.json.write_text(json.dumps({"oos": sweep}, indent=2), encoding="utf-8")
        return 0
    bert = [ComponentSpec(use=u) for u in PRESETS["bert"]]
    rows: list[dict[str, Any]] = []
    few: list[dict[str, Any]] = []

    def save() -> None:  # after every row, so a long run interrupted still leaves its figures
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "few_shot": few}, indent=2, default=str), encoding="utf-8")

    main_row: dict[str, Any] | None = None
    if not args.fewshot_only:
        main_row, components = run_pipeline("this NLU: joint_bert (MiniLM-L6, fp32)", bert, train, test)
        main_row["train_examples"] = len(train.examples)
        model = next(c for c in components if type(c).__name__ == "JointBertNLU")
        main_row["train_info"] = {k: v for k, v in model.train_info.items() if k != "history"}
        rows.append(main_row)
        save()
        if "int8" not in args.skip:
            from dialogue.nlu.bert.model import quantize

            fp32 = model.model
            model.model = quantize(fp32)
            row = measure("this NLU: joint_bert int8 (same weights, quantize_dynamic)", components, test, main_row["train_seconds"])
            row["train_examples"] = len(train.examples)
            rows.append(row)
            save()
            model.model = fp32
        if "mask" not in args.skip:
            model.config = model.config.model_copy(update={"intent_entity_mask": True})
            row = measure("this NLU: joint_bert + intent_entity_mask (same weights)", components, test, main_row["train_seconds"])
            row["train_examples"] = len(train.examples)
            rows.append(row)
            save()
            model.config = model.config.model_copy(update={"intent_entity_mask": False})
        if "tfidf" not in args.skip:
            tfidf = [ComponentSpec(use="tfidf_intent", calibrate=False)]
            row, _ = run_pipeline("baseline: TF-IDF + logistic regression", tfidf, train, test, progress=False)
            row["entity_f1"] = row["sentence_accuracy"] = None
            row["train_examples"] = len(train.examples)
            rows.append(row)
            save()
        if "spacy" not in args.skip:
            row = spacy_textcat(train, test)
            row["train_examples"] = len(train.examples)
            rows.append(row)
            save()
        print_table(rows, f"SNIPS {args.split}: full training data")

    if "fewshot" not in args.skip:
        for k in (5, 10):
            subset = per_intent(train, k)
            row, _ = run_pipeline(f"joint_bert, {k} per intent", bert, subset, test)
            row["train_examples"] = len(subset.examples)
            few.append(row)
            save()
            for name, use in (("sentence_intent (the default)", "sentence_intent"), ("TF-IDF + LR", "tfidf_intent")):
                row, _ = run_pipeline(f"{name}, {k} per intent", [ComponentSpec(use=use)], subset, test, progress=False)
                row["entity_f1"] = row["sentence_accuracy"] = None
                row["train_examples"] = len(subset.examples)
                few.append(row)
                save()
        row, _ = run_pipeline("sentence_intent (the default), all examples", [ComponentSpec(use="sentence_intent")],
                              train, test, progress=False)
        row["entity_f1"] = row["sentence_accuracy"] = None
        row["train_examples"] = len(train.examples)
        few.append(row)
        if main_row is not None:
            few.append({**main_row, "system": "joint_bert, all examples"})
        print_table(few, f"SNIPS {args.split}: few-shot (examples per intent, seed 0)")
    if main_row is None:
        return 0

    checks = [
        ("intent accuracy ≥ 98.0 %", main_row["intent_accuracy"] >= BARS["intent_accuracy"], f"{100 * main_row['intent_accuracy']:.2f} %"),
        ("entity F1 ≥ 95.0 %", main_row["entity_f1"] >= BARS["entity_f1"], f"{100 * main_row['entity_f1']:.2f} %"),
        ("p50 latency ≤ 15 ms", main_row["latency_p50_ms"] <= BARS["latency_p50_ms"], f"{main_row['latency_p50_ms']:.1f} ms"),
        ("batched ≥ 300 msg/s", main_row["throughput"] >= BARS["throughput"], f"{main_row['throughput']:.0f} msg/s"),
    ]
    baseline = next((r for r in rows if r["system"].startswith("baseline")), None)
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")
    if baseline:
        print(f"accuracy vs TF-IDF baseline: {100 * main_row['intent_accuracy']:.2f} vs {100 * baseline['intent_accuracy']:.2f}; "
              f"latency ratio {main_row['latency_p50_ms'] / max(baseline['latency_p50_ms'], 1e-9):.1f}x")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
