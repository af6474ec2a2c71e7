"""How joint_bert's training settings were chosen: variants trained on SNIPS ``train``, scored on ``dev``.

    python benchmarks/nlu_recipe.py [--data DIR] [--device auto] [--variants NAME ...] [--per-intent K] [--json OUT]

Never scores ``test``: the benchmark (benchmarks/nlu.py) reports test once the settings are fixed.
Each variant changes one thing against the study's starting settings (``STUDY_BASE``); the
last one is today's defaults. Each trained model is read twice, with
BIO-constrained (Viterbi) tag decoding and with word-by-word argmax, so the decoder's effect
is measured on the same weights. ``--device cuda`` trains on a GPU when one is present (the
figures are about accuracy, not speed); ``--per-intent`` checks the same variants few-shot.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlu import data_dir, per_intent  # noqa: E402  (the benchmark's SNIPS helpers)

from dialogue.domain.schema.pipeline import ComponentSpec  # noqa: E402
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch  # noqa: E402
from dialogue.nlu.evaluation import score, scratch_domain  # noqa: E402
from dialogue.nlu.readers import read_training_data  # noqa: E402

#: the settings the study started from (fp32, a 300-step budget, at least 2 passes); each variant
#: changes one thing against them, so a re-run reproduces docs/benchmarks/nlu.md
STUDY_BASE: dict[str, Any] = {"target_steps": 300, "min_epochs": 2, "precision": "fp32"}
VARIANTS: dict[str, dict[str, Any]] = {
    "step budget (2 epochs)": STUDY_BASE,
    "epochs 4": {**STUDY_BASE, "epochs": 4},
    "epochs 8": {**STUDY_BASE, "epochs": 8},
    "epochs 4, no augmentation": {**STUDY_BASE, "epochs": 4, "augment": 0.0},
    "epochs 4, trainable word embeddings": {**STUDY_BASE, "epochs": 4, "freeze_embeddings": False},
    "epochs 4, entity loss x2": {**STUDY_BASE, "epochs": 4, "entity_loss_weight": 2.0},
    "epochs 4, lr 5e-5": {**STUDY_BASE, "epochs": 4, "lr": 5e-5},
    "epochs 4, batch 64": {**STUDY_BASE, "epochs": 4, "batch_size": 64},
    "epochs 12": {**STUDY_BASE, "epochs": 12},
    "epochs 8, no augmentation": {**STUDY_BASE, "epochs": 8, "augment": 0.0},
    "epochs 8, trainable word embeddings": {**STUDY_BASE, "epochs": 8, "freeze_embeddings": False},
    "current defaults": {},
}


def run_variant(name: str, overrides: dict[str, Any], train: Any, dev: Any, device: str, model: str | None) -> dict[str, Any]:
    spec = ComponentSpec(use="joint_bert", device=device, model=model, **overrides)
    started = time.perf_counter()
    components = build_nlu(scratch_domain(train), [spec], data=train, model_root=None)
    seconds = time.perf_counter() - started
    model = components[0]
    texts = [e.text for e in dev.examples]
    constrained = score(dev.examples, parse_batch(components, texts))
    model.config = model.config.model_copy(update={"constrained_decoding": False})
    argmax = score(dev.examples, parse_batch(components, texts))
    info = model.train_info
    row = {
        "variant": name,
        "overrides": overrides,
        "epochs": info.get("epochs"),
        "best_epoch": info.get("best_epoch"),
        "train_seconds": seconds,
        "intent_accuracy": constrained["intent_accuracy"],
        "entity_f1": constrained["entity_f1"],
        "entity_f1_argmax": argmax["entity_f1"],
        "sentence_accuracy": constrained["sentence_accuracy"],
        "history": info.get("history"),
    }
    print(f"{name}: intent {100 * row['intent_accuracy']:.2f}, entity F1 {100 * row['entity_f1']:.2f} "
          f"(argmax {100 * row['entity_f1_argmax']:.2f}), sentence {100 * row['sentence_accuracy']:.2f}, "
          f"epochs {row['epochs']} best {row['best_epoch']}, {seconds:.0f} s", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="SNIPS folder in JointBERT format")
    parser.add_argument("--device", default="auto", help="training device: cpu, cuda, auto")
    parser.add_argument("--model", help="encoder checkpoint folder (default: the packaged MiniLM-L6)")
    parser.add_argument("--variants", nargs="*", choices=sorted(VARIANTS), help="default: all")
    parser.add_argument("--per-intent", type=int, help="train on this many examples per intent")
    parser.add_argument("--json", type=Path, help="write the rows as JSON")
    args = parser.parse_args(argv)
    folder = data_dir(args.data)
    train = per_intent(read_training_data(folder / "train", "jointbert"), args.per_intent)
    dev = read_training_data(folder / "dev", "jointbert")
    print(f"SNIPS {folder}: {len(train.examples)} train, {len(dev.examples)} dev", file=sys.stderr)
    rows = []
    for name in args.variants or list(VARIANTS):
        rows.append(run_variant(name, VARIANTS[name], train, dev, args.device, args.model))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n| variant | epochs (best) | intent acc % | entity F1 % | entity F1 % (argmax) | sentence % | train s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['variant']} | {r['epochs']} ({r['best_epoch']}) | {100 * r['intent_accuracy']:.2f} | "
              f"{100 * r['entity_f1']:.2f} | {100 * r['entity_f1_argmax']:.2f} | {100 * r['sentence_accuracy']:.2f} | "
              f"{r['train_seconds']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
