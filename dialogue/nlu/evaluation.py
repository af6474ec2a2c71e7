"""Score an NLU pipeline on labelled data: intents, entities, whole sentences, out-of-scope.

Metrics (the keys of every result dict):
* ``intent_accuracy``, ``intent_macro_f1`` — with an out-of-scope label, over in-scope test
  examples only and a fallback counts as wrong (Larson et al. 2019); without one, the
  classifier's own prediction is scored (the fallback's renaming is undone);
* ``entity_f1`` (+ precision, recall) — CoNLL style: a predicted entity counts only when type,
  start and end all match a gold one; micro-averaged;
* ``sentence_accuracy`` — intent and the whole entity set right;
* ``oos_recall`` — share of out-of-scope examples answered with the OOS label or
  ``nlu_fallback`` (``None`` without ``oos_label``);
* ``train_seconds``, ``latency_p50_ms``, ``latency_p95_ms`` (single message, whole pipeline).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.model import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import FALLBACK_INTENT, ParsedMessage
from dialogue.nlu.pipeline_builder import build_nlu, parse_batch, parse_one

#: the built-in intent classifiers, by preset name
CLASSIFIER_PRESETS = {"sentence": "sentence_intent", "tfidf": "tfidf_intent", "bert": "joint_bert"}
INTENT_CLASSIFIERS = frozenset(CLASSIFIER_PRESETS.values())

#: the default pipeline with each intent classifier
PRESETS: dict[str, list[str]] = {
    name: ["regex_entities", "lookup_entities", classifier, "pleasantries", "multiple_requests", "negated_requests",
           "past_requests",
           "synonyms", "entity_conflicts", "fallback"]
    for name, classifier in CLASSIFIER_PRESETS.items()
}


def with_step(specs: Sequence[ComponentSpec], use: str, after: Collection[str] = INTENT_CLASSIFIERS) -> list[ComponentSpec]:
    """``specs`` with step ``use`` right after the last of ``after`` (the classifier), unless it is there already:
    what a benchmark of a step measures on a domain whose pipeline lacks it."""
    specs = list(specs)
    if not any(s.use == use for s in specs):
        at = max(i for i, s in enumerate(specs) if s.use in after)
        specs.insert(at + 1, ComponentSpec(use=use))
    return specs

Progress = Callable[[str, float], None]


def pipeline_specs(name: str | None, domain: Domain | None = None) -> list[ComponentSpec]:
    """A preset (``sentence``, ``tfidf``, ``bert``), a YAML file with an ``nlu:`` list (or ``pipeline: nlu:``),
    or the domain's own; with neither, the default ``sentence`` preset."""
    if name is None:
        return list(domain.pipeline.nlu) if domain is not None else [ComponentSpec(use=u) for u in PRESETS["sentence"]]
    if name in PRESETS:
        return [ComponentSpec(use=u) for u in PRESETS[name]]
    path = Path(name)
    if not path.is_file():
        raise ValueError(f"--pipeline {name!r}: not a preset ({', '.join(PRESETS)}) nor a YAML file")
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("pipeline"), dict):
        data = data["pipeline"]
    items = data.get("nlu") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path}: expected a list of NLU components under 'nlu:'")
    return [ComponentSpec.model_validate(item) for item in items]


def scratch_domain(data: TrainingData, folder: Path | None = None) -> Domain:
    """A minimal domain for data read from another format (no rules, regexes or lookups)."""
    from dialogue.domain.schema import EntitySpec, IntentSpec

    return Domain(
        path=folder or Path(tempfile.gettempdir()) / "dialogue-evaluate",
        name="evaluation",
        intents={name: IntentSpec() for name in data.intents},
        entities={name: EntitySpec() for name in data.entity_types},
    )


def _own_intent(parse: ParsedMessage) -> str:
    info = parse.metadata.get(FALLBACK_INTENT) if parse.intent.name == FALLBACK_INTENT else None
    return str(info["predicted"]) if isinstance(info, dict) and info.get("predicted") else parse.intent.name


def score(gold: Sequence[TrainingExample], predicted: Sequence[ParsedMessage], oos_label: str | None = None) -> dict[str, Any]:
    """Metrics of predictions against gold examples (same order)."""
    from sklearn.metrics import f1_score

    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold examples but {len(predicted)} predictions")
    in_scope = [i for i, g in enumerate(gold) if oos_label is None or g.intent != oos_label]
    intents = [predicted[i].intent.name if oos_label else _own_intent(predicted[i]) for i in range(len(gold))]
    y_true = [gold[i].intent for i in in_scope]
    y_pred = [intents[i] for i in in_scope]
    hits = spans_gold = spans_pred = 0
    sentences = 0
    for g, p, intent in zip(gold, predicted, intents):
        gold_set = {(s.type, s.start, s.end) for s in g.entities}
        pred_set = {(e.type, e.start, e.end) for e in p.entities}
        hits += len(gold_set & pred_set)
        spans_gold += len(gold_set)
        spans_pred += len(pred_set)
        right_intent = intent == g.intent or (oos_label is not None and g.intent == oos_label and intent in (oos_label, FALLBACK_INTENT))
        sentences += right_intent and gold_set == pred_set
    precision = hits / spans_pred if spans_pred else (1.0 if not spans_gold else 0.0)
    recall = hits / spans_gold if spans_gold else 1.0
    oos = [i for i, g in enumerate(gold) if oos_label is not None and g.intent == oos_label]
    confusions = Counter((t, p) for t, p in zip(y_true, y_pred) if t != p)
    labels = sorted(set(y_true))
    return {
        "examples": len(gold),
        "intent_accuracy": sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true) if y_true else None,
        "intent_macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)) if y_true else None,
        "entity_precision": precision,
        "entity_recall": recall,
        "entity_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "entity_count": spans_gold,
        "sentence_accuracy": sentences / len(gold) if gold else None,
        "oos_recall": (sum(intents[i] in (oos_label, FALLBACK_INTENT) for i in oos) / len(oos) if oos else None)
        if oos_label is not None
        else None,
        "confusions": [[t, p, n] for (t, p), n in confusions.most_common(10)],
    }


def latency(components: Sequence[Any], texts: Sequence[str], limit: int = 200) -> tuple[float, float]:
    """p50 and p95 single-message parse time in milliseconds (after one warm-up parse)."""
    texts = list(texts)[:limit]
    if not texts:
        return 0.0, 0.0
    parse_one(components, texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        parse_one(components, text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def evaluate(
    train: TrainingData,
    test: TrainingData,
    specs: Sequence[ComponentSpec],
    domain: Domain | None = None,
    oos_label: str | None = None,
    progress: Progress | None = None,
    latency_samples: int = 200,
) -> dict[str, Any]:
    """Train the pipeline on ``train`` (never cached), score it on ``test``."""
    domain = domain or scratch_domain(train)
    started = time.perf_counter()
    components = build_nlu(domain, specs, data=train, model_root=None, progress=progress)
    train_seconds = time.perf_counter() - started
    predicted = parse_batch(components, [e.text for e in test.examples])
    result = score(test.examples, predicted, oos_label)
    p50, p95 = latency(components, [e.text for e in test.examples], latency_samples)
    result.update(train_seconds=round(train_seconds, 2), latency_p50_ms=round(p50, 2), latency_p95_ms=round(p95, 2))
    result["pipeline"] = [s.use for s in specs]
    result["oos_operating_point"] = operating_point(components)
    return result


def operating_point(components: Sequence[Any]) -> dict[str, Any] | None:
    """The learned out-of-scope decision of the pipeline's classifier, as estimated on its training data."""
    for component in components:
        model = getattr(component, "oos", None)
        if model is not None and hasattr(model, "threshold"):
            threshold = getattr(component.config, "oos_threshold", None)
            return {"threshold": threshold if threshold is not None else model.threshold,
                    "learned_threshold": model.threshold, "similarity_weight": model.weight,
                    "expected_oos_recall": model.expected_recall, "expected_in_scope_refused": model.expected_rejection}
    return None


def hold_out_intents(train: TrainingData, test: TrainingData, share: float, seed: int = 0,
                     label: str = "oos") -> tuple[TrainingData, TrainingData, list[str]]:
    """Out-of-scope data made from in-scope data: ``share`` of the intents leave the training data and
    their test examples are relabelled ``label`` (what the bot was never taught looks like this)."""
    import random

    if not 0 < share < 1:
        raise ValueError(f"--oos-holdout must be between 0 and 1, not {share}")
    intents = train.intents
    held = sorted(random.Random(seed).sample(intents, max(1, min(len(intents) - 2, round(share * len(intents))))))
    kept = TrainingData(tuple(e for e in train.examples if e.intent not in held), train.synonyms)
    relabelled = TrainingData(tuple(TrainingExample(e.text, label, e.entities) if e.intent in held else e
                                    for e in test.examples), test.synonyms)
    return kept, relabelled, held


def cross_validate(domain: Domain, folds: int = 5, seed: int = 0, progress: Progress | None = None) -> dict[str, Any]:
    """Stratified k-fold scores of the domain's own NLU pipeline (predictions pooled over folds)."""
    from sklearn.model_selection import StratifiedKFold

    data = domain.training_data()
    counts = data.counts()
    if not counts:
        raise ValueError(f"domain {domain.name!r} has no NLU examples to cross-validate")
    folds = min(folds, max(counts.values()))
    if folds < 2:
        raise ValueError("cross-validation needs at least one intent with 2 or more examples")
    examples = list(data.examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    specs = list(domain.pipeline.nlu)
    gold: list[TrainingExample] = []
    predicted: list[ParsedMessage] = []
    train_seconds: list[float] = []
    components: list[Any] = []
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has fewer members than n_splits"
        splits = list(splitter.split(examples, [e.intent for e in examples]))
    for number, (train_idx, test_idx) in enumerate(splits, start=1):
        if progress:
            progress(f"fold {number}/{folds}", (number - 1) / folds)
        train = TrainingData(tuple(examples[i] for i in train_idx), synonyms=data.synonyms)
        started = time.perf_counter()
        components = build_nlu(domain, specs, data=train, model_root=None)
        train_seconds.append(time.perf_counter() - started)
        test = [examples[i] for i in test_idx]
        gold.extend(test)
        predicted.extend(parse_batch(components, [e.text for e in test]))
    result = score(gold, predicted)
    p50, p95 = latency(components, [e.text for e in gold], 100)
    result.update(
        folds=folds,
        train_seconds=round(statistics.mean(train_seconds), 2),
        latency_p50_ms=round(p50, 2),
        latency_p95_ms=round(p95, 2),
        pipeline=[s.use for s in specs],
    )
    if progress:
        progress("cross-validation done", 1.0)
    return result
