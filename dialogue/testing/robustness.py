"""``dialogue test DOMAIN --robustness``: how the NLU holds up when people write differently.

Every NLU example and every user line of the conversation tests is perturbed
(``dialogue.testing.perturbations``) and parsed again by the domain's own pipeline. NLU examples are
perturbed only when held out: the pipeline is trained on the other folds, so the audit measures
understanding of unseen wording, not memory. Conversation-test lines are parsed by the pipeline
trained on all examples; their gold intent is the one the test expects, where it says.

Reported per perturbation and per intent: accuracy before and after, how often the intent flips,
and how often a flip is a *misreading* (another real intent, which the bot would act on) rather
than a safe fallback. For name, place and gender swaps the flip rate is the bias measure; for
negation, keeping the same intent is the failure unless the pipeline marks the message as negating its
request (``negated_requests``), which keeps the dialogue manager from starting a change on it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dialogue.domain.examples import TrainingData, TrainingExample
from dialogue.domain.model import Domain
from dialogue.messages import FALLBACK_INTENT, ParsedMessage
from dialogue.testing.perturbations import PERTURBATIONS, Perturbation

Progress = Callable[[str, float], None]


@dataclass
class Probe:
    source: str  # "nlu example" | "conversation test"
    perturbation: str
    kind: str
    gold: str | None
    original_text: str
    perturbed_text: str
    original: str = ""  # intent of the original text
    perturbed: str = ""  # intent of the perturbed text
    marked_negated: bool = False  # the perturbed text was marked as negating its request (``negated_requests``)


def _intent(parse: ParsedMessage) -> str:
    return parse.intent.name


def probes_for(texts: Sequence[tuple[str, str | None]], source: str, perturbations: Sequence[Perturbation],
               rng: random.Random) -> list[Probe]:
    out = []
    for text, gold in texts:
        for p in perturbations:
            changed = p.apply(text, rng)
            if changed is not None and changed != text:
                out.append(Probe(source, p.name, p.kind, gold, text, changed))
    return out


def _sample(examples: Sequence[TrainingExample], per_intent: int | None, rng: random.Random) -> list[TrainingExample]:
    if per_intent is None:
        return list(examples)
    by_intent: dict[str, list[TrainingExample]] = defaultdict(list)
    for e in examples:
        by_intent[e.intent].append(e)
    return [e for intent in sorted(by_intent) for e in rng.sample(by_intent[intent], min(per_intent, len(by_intent[intent])))]


def _parse_probes(components: Sequence[Any], probes: list[Probe]) -> None:
    from dialogue.nlu.pipeline_builder import parse_batch

    originals = sorted({p.original_text for p in probes})
    intents = dict(zip(originals, map(_intent, parse_batch(components, originals))))
    perturbed = [p.perturbed_text for p in probes]
    for probe, parse in zip(probes, parse_batch(components, perturbed)):
        probe.original = intents[probe.original_text]
        probe.perturbed = _intent(parse)
        probe.marked_negated = parse.negates_its_request()


def audit(domain: Domain, *, folds: int = 3, per_intent: int | None = 20, seed: int = 0,
          test_lines: Sequence[tuple[str, str | None]] = (), perturbations: Sequence[Perturbation] = PERTURBATIONS,
          progress: Progress | None = None) -> dict[str, Any]:
    """Perturb, parse and score; returns the JSON-able report (``summary``, ``by_perturbation``, ``by_intent``)."""
    from sklearn.model_selection import StratifiedKFold

    from dialogue.nlu.pipeline_builder import build_nlu

    say = progress or (lambda _t, _f: None)
    rng = random.Random(seed)
    data = domain.training_data()
    examples = list(data.examples)
    labels = [e.intent for e in examples]
    folds = max(2, min(folds, min(data.counts().values()) if data.counts() else 2))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    probes: list[Probe] = []
    for number, (train_idx, test_idx) in enumerate(splitter.split(examples, labels), start=1):
        say(f"robustness: fold {number}/{folds}", (number - 1) / (folds + 1))
        train = TrainingData(tuple(examples[i] for i in train_idx), data.synonyms)
        components = build_nlu(domain, data=train, model_root=None)
        held = _sample([examples[i] for i in test_idx], per_intent and max(1, per_intent // folds + 1), rng)
        fold_probes = probes_for([(e.text, e.intent) for e in held], "nlu example", perturbations, rng)
        _parse_probes(components, fold_probes)
        probes += fold_probes
    lines = [(t, g) for t, g in test_lines if not t.startswith("/")]
    if lines:
        say("robustness: conversation-test messages", folds / (folds + 1))
        components = build_nlu(domain)
        line_probes = probes_for(lines, "conversation test", perturbations, rng)
        _parse_probes(components, line_probes)
        probes += line_probes
    say("robustness: done", 1.0)
    return report(probes, [p.name for p in perturbations])


def _rates(group: Sequence[Probe]) -> dict[str, Any]:
    scored = [p for p in group if p.gold is not None]
    n = len(group)
    flips = [p for p in group if p.perturbed != p.original]
    return {
        "n": n,
        "accuracy_original": sum(p.original == p.gold for p in scored) / len(scored) if scored else None,
        "accuracy_perturbed": sum(p.perturbed == p.gold for p in scored) / len(scored) if scored else None,
        "flip_rate": len(flips) / n if n else None,
        # a flip to another real intent: the bot would act on a misunderstanding
        "misread_rate": sum(p.perturbed not in (p.original, FALLBACK_INTENT) for p in flips) / n if n else None,
    }


def report(probes: Sequence[Probe], order: Sequence[str]) -> dict[str, Any]:
    by_perturbation = []
    for name in order:
        group = [p for p in probes if p.perturbation == name]
        if not group:
            continue
        row = {"perturbation": name, "kind": group[0].kind, **_rates(group)}
        if row["accuracy_original"] is not None:
            row["accuracy_change"] = row["accuracy_perturbed"] - row["accuracy_original"]
        if group[0].kind == "negation":
            kept = [p for p in group if p.perturbed == p.original and p.original != FALLBACK_INTENT]
            unnoticed = [p for p in kept if not p.marked_negated]
            row["same_intent_after_negation"] = len(kept) / len(group)
            # kept the intent and not marked as a negated request: read as the request itself
            row["same_intent_unmarked"] = len(unnoticed) / len(group)
            row["examples"] = [{"text": p.perturbed_text, "intent": p.perturbed} for p in unnoticed[:5]]
        else:
            row["examples"] = [{"original": p.original_text, "perturbed": p.perturbed_text, "was": p.original,
                                "now": p.perturbed} for p in group if p.perturbed != p.original][:5]
        by_perturbation.append(row)
    invariance = [p for p in probes if p.kind == "invariance"]
    by_intent = []
    for intent in sorted({p.gold for p in invariance if p.gold}):
        row = {"intent": intent, **_rates([p for p in invariance if p.gold == intent])}
        row["accuracy_change"] = row["accuracy_perturbed"] - row["accuracy_original"]
        by_intent.append(row)
    fairness = [p for p in probes if p.kind == "fairness"]
    summary = {
        "probes": len(probes),
        "invariance": _rates(invariance),
        "fairness_flip_rate": _rates(fairness)["flip_rate"] if fairness else None,
        "fairness_probes": len(fairness),
        "negation_same_intent": next((r["same_intent_after_negation"] for r in by_perturbation if r["kind"] == "negation"), None),
        "negation_same_intent_unmarked": next((r["same_intent_unmarked"] for r in by_perturbation
                                               if r["kind"] == "negation"), None),
    }
    return {"summary": summary, "by_perturbation": by_perturbation, "by_intent": by_intent,
            "probes": [asdict(p) for p in probes]}


def print_report(console: Any, result: dict[str, Any], worst_intents: int = 8) -> None:
    """The audit as two rich tables (per perturbation, weakest intents) and a summary line."""
    from rich.table import Table

    def pct(value: float | None, signed: bool = False) -> str:
        return "–" if value is None else (f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}")

    table = Table(title="NLU robustness: perturbed held-out examples and test messages (%)")
    for column in ("perturbation", "kind", "n", "acc. before", "acc. after", "change", "flipped", "misread"):
        table.add_column(column, justify="right" if column not in ("perturbation", "kind") else "left")
    for row in result["by_perturbation"]:
        misread = pct(row["misread_rate"])
        if row["kind"] == "negation":
            misread = f"{pct(row['same_intent_after_negation'])} kept, {pct(row['same_intent_unmarked'])} unmarked"
        table.add_row(row["perturbation"], row["kind"], str(row["n"]), pct(row["accuracy_original"]),
                      pct(row["accuracy_perturbed"]), pct(row.get("accuracy_change"), signed=True),
                      pct(row["flip_rate"]), misread)
    console.print(table)
    weakest = sorted(result["by_intent"], key=lambda r: r["accuracy_change"])[:worst_intents]
    if weakest:
        table = Table(title=f"Intents that suffer most from invariant rewrites (worst {len(weakest)})")
        for column in ("intent", "n", "acc. before", "acc. after", "change", "misread"):
            table.add_column(column, justify="left" if column == "intent" else "right")
        for row in weakest:
            table.add_row(row["intent"], str(row["n"]), pct(row["accuracy_original"]), pct(row["accuracy_perturbed"]),
                          pct(row["accuracy_change"], signed=True), pct(row["misread_rate"]))
        console.print(table)
    summary = result["summary"]
    inv = summary["invariance"]
    console.print(
        f"invariant rewrites: accuracy {pct(inv['accuracy_original'])} → {pct(inv['accuracy_perturbed'])} %, "
        f"misread {pct(inv['misread_rate'])} %; name/place/gender swaps flip "
        f"{pct(summary['fairness_flip_rate'])} % of {summary['fairness_probes']}; "
        f"negation keeps the intent {pct(summary['negation_same_intent'])} % (not marked as a negated request: "
        f"{pct(summary['negation_same_intent_unmarked'])} %)"
    )
