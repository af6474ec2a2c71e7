"""``dialogue evaluate nlu``: train an NLU pipeline on one data set and score it on another."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evaluate", help="score the NLU on labelled data (accuracy, F1, latency)")
    targets = parser.add_subparsers(dest="target", metavar="TARGET")
    nlu = targets.add_parser("nlu", help="train on TRAIN, score TEST", description=(
        "Train an NLU pipeline on TRAIN and report intent accuracy, macro-F1, entity F1, sentence "
        "accuracy, out-of-scope recall, training time and parse latency on TEST."))
    nlu.add_argument("--train", required=True, type=Path, help="training data (domain folder, yaml, JointBERT folder, csv, Rasa yaml)")
    nlu.add_argument("--test", required=True, type=Path, help="test data, same formats")
    nlu.add_argument("--format", choices=["yaml", "jointbert", "csv", "rasa"], help="data format (default: guessed)")
    nlu.add_argument("--json", type=Path, metavar="OUT", help="also write the scores as JSON")
    nlu.add_argument("--oos-label", metavar="LABEL", help="intent name of out-of-scope examples")
    nlu.add_argument("--oos-holdout", type=float, metavar="SHARE",
                     help="no out-of-scope data? hold out this share of the intents (e.g. 0.25) from training and "
                          "score their test messages as out of scope")
    nlu.add_argument("--pipeline", metavar="sentence|tfidf|bert|FILE.yml",
                     help="components to evaluate (default: the domain's pipeline, else sentence)")
    nlu.set_defaults(func=run_nlu)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_nlu(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    try:
        return _run(args, console)
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump traces
        from dialogue.domain import DomainError
        from dialogue.nlu.readers import ReaderError
        from dialogue.registry import PluginError

        if isinstance(exc, (ReaderError, DomainError, PluginError, ValueError, RuntimeError, OSError)):
            console.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            return 1
        raise


def _run(args: argparse.Namespace, console: Any) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dialogue.nlu.evaluation import evaluate, pipeline_specs, scratch_domain
    from dialogue.nlu.readers import read_training_data

    train = read_training_data(args.train, args.format)
    test = read_training_data(args.test, args.format)
    if args.oos_holdout:
        from dialogue.nlu.evaluation import hold_out_intents

        if args.oos_label:
            raise ValueError("--oos-holdout makes its own out-of-scope label; drop --oos-label")
        train, test, held = hold_out_intents(train, test, args.oos_holdout)
        args.oos_label = "oos"
        console.print(f"held out as out of scope: {', '.join(held)}", highlight=False)
    domain = None
    if args.train.is_dir() and (args.format in (None, "yaml")) and not (args.train / "seq.in").exists():
        from dialogue.domain import load_domain

        domain = load_domain(args.train)
    specs = pipeline_specs(args.pipeline, domain)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("training", total=1.0)
        result = evaluate(train, test, specs, domain or scratch_domain(train), args.oos_label,
                          progress=lambda text, fraction: bar.update(task, description=text, completed=fraction))
    _print(result, len(train.examples), console)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


def _print(result: dict[str, Any], n_train: int, console: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"NLU evaluation ({' → '.join(result['pipeline'])})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("train / test examples", f"{n_train} / {result['examples']}"),
        ("intent accuracy", _pct(result["intent_accuracy"])),
        ("intent macro-F1", _pct(result["intent_macro_f1"])),
        ("entity micro-F1 (exact)", _pct(result["entity_f1"]) + f"  ({result['entity_count']} gold)"),
        ("sentence accuracy", _pct(result["sentence_accuracy"])),
        ("out-of-scope recall", _pct(result["oos_recall"])),
        ("training", f"{result['train_seconds']:.1f} s"),
        ("parse latency p50 / p95", f"{result['latency_p50_ms']:.1f} / {result['latency_p95_ms']:.1f} ms"),
    ]
    point = result.get("oos_operating_point")
    if point:
        rows.append(("out-of-scope cut-off (P(oos) >)", f"{point['threshold']:.3f}"
                     + ("" if point["threshold"] == point["learned_threshold"] else f"  (learned {point['learned_threshold']:.3f})")))
        rows.append(("  expected from training: OOS recall / in-scope refused",
                     f"{_pct(point['expected_oos_recall'])} / {_pct(point['expected_in_scope_refused'])}"))
    for name, value in rows:
        table.add_row(name, value)
    out = Console()
    out.print(table)
    if result["confusions"]:
        confused = Table(title="most confused intents")
        for column in ("gold", "predicted", "count"):
            confused.add_column(column)
        for gold, predicted, count in result["confusions"][:5]:
            confused.add_row(gold, predicted, str(count))
        out.print(confused)
