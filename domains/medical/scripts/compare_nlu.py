"""Cross-validate the medical pack's NLU with each intent classifier, on the same folds, in one process.

    python domains/medical/scripts/compare_nlu.py [--classifiers tfidf_intent delex_tfidf_intent joint_bert]

Prints intent accuracy, macro-F1, entity F1, mean training time per fold and single-message
latency, plus the accuracy difference to the first (baseline) classifier. The rest of the
pipeline (extractors, fallback, safety_guard) is the pack's own.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from dialogue.components import load_local_plugins
from dialogue.domain import load_domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.nlu.evaluation import cross_validate

PACK = Path(__file__).resolve().parents[1]
CLASSIFIERS = ("tfidf_intent", "delex_tfidf_intent", "joint_bert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifiers", nargs="+", default=["tfidf_intent", "delex_tfidf_intent"])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    domain = load_domain(PACK)
    load_local_plugins(domain)
    rows = []
    for name in args.classifiers:
        specs = [ComponentSpec(use=name) if s.use in CLASSIFIERS else s for s in domain.pipeline.nlu]
        variant = dataclasses.replace(domain, pipeline=domain.pipeline.model_copy(update={"nlu": specs}))
        started = time.perf_counter()
        result = cross_validate(variant, folds=args.folds)
        rows.append((name, result, time.perf_counter() - started))
    print(f"{'classifier':20} {'intent acc':>10} {'macro-F1':>9} {'entity F1':>9} {'train s/fold':>12} {'p50 ms':>7} {'vs base':>8}")
    base = rows[0][1]["intent_accuracy"]
    for name, r, _ in rows:
        print(f"{name:20} {r['intent_accuracy']:10.3f} {r['intent_macro_f1']:9.3f} {r['entity_f1']:9.3f} "
              f"{r['train_seconds']:12.2f} {r['latency_p50_ms']:7.2f} {r['intent_accuracy'] - base:+8.3f}")


if __name__ == "__main__":
    main()
