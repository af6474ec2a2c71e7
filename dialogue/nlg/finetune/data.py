"""Training pairs (dialogue act → utterance) built from a domain's own templates.

Each response variant gives one delexicalised pair: the template is rendered with
placeholders (``[order_id]``) for the values it reads, and with the literal value for
slots its ``condition`` tests. Pairs of different responses are joined into multi-act
examples, the texts joined by an act break (``|``) that decoding counts, so a model cannot stop
after the first act; a random set of response *combinations* is held out, so evaluation measures
whether the model composes acts it has seen into combinations it has not.
Realistic values (from lookups, categorical slots, annotated NLU examples, or the slot's
name) are sampled for every act so evaluation runs on real text, not placeholders.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from jinja2 import nodes

from dialogue.nlg.act_to_text import ACT_BREAK, ACT_JOINER, PLACEHOLDER, delexicalise_text, linearise, placeholder
from dialogue.nlg.rendering import BUILTIN_VARIABLES, TemplateRenderer

if TYPE_CHECKING:
    from dialogue.domain.model import Domain

NAMES = ["Alex", "Maria", "Sam", "Priya", "Jonas", "Chen", "Fatima", "Lucas"]
WORDS = ["standard", "blue", "express", "medium", "classic", "green", "large", "basic"]
MAX_TARGET_CHARS = 320  # longer templates are left to the template engine


@dataclass(frozen=True)
class Act:
    """One act of an example: response name, the values shown to the model, real values."""

    name: str
    shown: dict[str, str]  # slot → placeholder, or the literal value of a condition slot
    values: dict[str, str]  # slot → realistic value


@dataclass(frozen=True)
class Example:
    acts: tuple[Act, ...]
    target: str  # delexicalised text
    references: tuple[str, ...] = ()  # every template wording of these acts, delexicalised

    @property
    def source(self) -> str:
        return ACT_JOINER.join(linearise(a.name, a.shown) for a in self.acts)

    @property
    def expected_slots(self) -> set[str]:
        """Slots the template wording shows (a slot read only in an ``if`` may not appear)."""
        return set(PLACEHOLDER.findall(self.target))

    @property
    def given_slots(self) -> set[str]:
        return {k for act in self.acts for k, v in act.shown.items() if PLACEHOLDER.fullmatch(v)}

    @property
    def responses(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.acts)


@dataclass
class Dataset:
    train: list[Example]
    test: list[Example]
    literal: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


class ValueSampler:
    """Plausible values for a slot or entity, preferring what the domain itself knows."""

    def __init__(self, domain: Domain, rng: random.Random) -> None:
        self.domain = domain
        self.rng = rng
        self.known: dict[str, list[str]] = defaultdict(list)
        for example in domain.training_data().examples:
            for span in example.entities:
                self.known[span.type].append(str(span.value))
        for name, spec in domain.entities.items():
            self.known[name].extend(spec.lookup)
            self.known[name].extend(spec.synonyms)
        for name, slot in domain.slots.items():
            self.known[name].extend(str(v) for v in slot.values)
            for fill in slot.fill:
                if fill.entity:
                    self.known[name].extend(self.known.get(fill.entity, []))

    def sample(self, name: str) -> str:
        values = [v for v in self.known.get(name, []) if v.strip()]
        if values:
            return self.rng.choice(values)
        lowered = name.lower()
        if lowered.endswith("id") or "number" in lowered or "code" in lowered:
            return str(self.rng.randint(10000, 999999))
        if "date" in lowered or "day" in lowered:
            return self.rng.choice(["3 May", "12 June", "Monday", "2025-04-18"])
        if "time" in lowered:
            return self.rng.choice(["10:30", "9 am", "14:15"])
        if "email" in lowered:
            return "alex@example.com"
        if any(k in lowered for k in ("amount", "price", "total", "refund", "cost")):
            return f"{self.rng.randint(5, 400)}.{self.rng.choice(['00', '50', '99'])}"
        if any(k in lowered for k in ("count", "quantity", "age", "number")):
            return str(self.rng.randint(1, 12))
        if "name" in lowered:
            return self.rng.choice(NAMES)
        return self.rng.choice(WORDS)


def _render(renderer: TemplateRenderer, variant: Any, values: dict[str, Any]) -> str:
    context: dict[str, Any] = dict.fromkeys(renderer.domain.slots)
    context.update(dict.fromkeys(renderer.domain.entities))
    context.update(values)
    context.update(slots={**dict.fromkeys(renderer.domain.slots), **values}, channel="api", domain=renderer.domain.name)
    return " ".join(variant.text.render(context).split())


def structured_reads(renderer: TemplateRenderer, source: str, slots: set[str]) -> set[str]:
    """Slots whose value the template reads fields or items of, or loops over.

    Training values are strings, and a string's ``.title`` is a method, so such a template would
    teach the model ``<built-in method ...>``: it cannot be learnt from sampled values.
    """
    found: set[str] = set()
    for node in renderer.env.parse(source).find_all((nodes.Getattr, nodes.Getitem, nodes.For)):
        target = node.iter if isinstance(node, nodes.For) else getattr(node, "node", None)
        name = _slot_named(target) if isinstance(target, nodes.Node) else None
        if name in slots:
            found.add(name)
    return found


def _slot_named(node: nodes.Node) -> str | None:
    """The slot an expression names: ``course`` or ``slots.course`` / ``slots['course']``."""
    if isinstance(node, nodes.Name):
        return node.name
    inner = node.node if isinstance(node, nodes.Getattr | nodes.Getitem) else None
    if isinstance(inner, nodes.Name) and inner.name == "slots":
        if isinstance(node, nodes.Getattr):
            return node.attr
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return node.arg.value
    return None


def single_examples(domain: Domain, rng: random.Random) -> tuple[list[Example], dict[str, dict[str, list[str]]], list[str]]:
    """One example per (response, variant) on the default channel; what was left out, and why."""
    renderer = TemplateRenderer(domain, "first")
    sampler = ValueSampler(domain, rng)
    literal: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    examples: list[Example] = []
    skipped: list[str] = []
    for name, variants in renderer.responses.items():
        for variant in variants:
            for slot, wanted in (variant.spec.condition or {}).items():
                if isinstance(wanted, str | int | float) and wanted != "*" and str(wanted) not in literal[name][slot]:
                    literal[name][slot].append(str(wanted))
    for name, variants in renderer.responses.items():
        wordings: list[str] = []
        drafts: list[tuple[dict[str, str], dict[str, str], str]] = []
        for variant in variants:
            if variant.spec.channel:
                continue
            condition = {k: str(v) for k, v in (variant.spec.condition or {}).items() if isinstance(v, str | int | float) and v != "*"}
            if any(v is None for v in (variant.spec.condition or {}).values()):
                skipped.append(f"{name}: a variant conditioned on an unset slot")
                continue
            reads = sorted(set(variant.variables) - set(BUILTIN_VARIABLES))
            structured = structured_reads(renderer, variant.spec.text, set(reads) | set(renderer.domain.slots))
            if structured:
                skipped.append(f"{name}: reads fields or items of {', '.join(sorted(structured))} (structured values cannot be sampled)")
                continue
            shown = {slot: placeholder(slot) for slot in reads}
            shown.update(condition)
            values = {slot: sampler.sample(slot) for slot in reads}
            values.update(condition)
            target = _render(renderer, variant, shown)
            problem = ("empty" if not target else f"longer than {MAX_TARGET_CHARS} characters" if len(target) > MAX_TARGET_CHARS
                       else f"holds the act break {ACT_BREAK!r}" if ACT_BREAK in target else None)
            if problem:
                skipped.append(f"{name}: {problem}")
                continue
            wordings.append(target)
            drafts.append((shown, values, target))
        for shown, values, target in drafts:
            same_act = [t for s, _, t in _same_shape(drafts, shown)]
            examples.append(Example((Act(name, shown, values),), target, tuple(same_act)))
    return examples, {k: dict(v) for k, v in literal.items()}, skipped


def _same_shape(drafts: list[tuple[dict[str, str], dict[str, str], str]], shown: dict[str, str]) -> list[tuple[dict[str, str], dict[str, str], str]]:
    """Variants of a response that the same act could have produced (same slots, same literal values)."""
    return [d for d in drafts if d[0] == shown]


def extra_examples(path: Path, sampler_literal: dict[str, dict[str, list[str]]]) -> list[Example]:
    """Hand-written pairs from YAML: ``- {act: utter_x, slots: {order_id: "123"}, text: "..."}``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{act, slots, text}} items")
    examples = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "act" not in item or "text" not in item:
            raise ValueError(f"{path}: item {i + 1} needs 'act' and 'text'")
        values = {str(k): str(v) for k, v in (item.get("slots") or {}).items()}
        literal = sampler_literal.get(item["act"], {})
        shown = {k: (v if v in literal.get(k, []) else placeholder(k)) for k, v in values.items()}
        target = delexicalise_text(" ".join(str(item["text"]).split()), {k: v for k, v in values.items() if shown[k] != v})
        examples.append(Example((Act(str(item["act"]), shown, values),), target, (target,)))
    return examples


def build_dataset(
    domain: Domain,
    *,
    max_pairs: int = 300,
    test_fraction: float = 0.15,
    seed: int = 0,
    extra: Path | None = None,
) -> Dataset:
    """Singles (all for training) plus multi-act pairs, with held-out response combinations for testing."""
    rng = random.Random(seed)
    singles, literal, skipped = single_examples(domain, rng)
    if extra is not None and extra.is_file():
        singles.extend(extra_examples(extra, literal))
    if not singles:
        raise ValueError(f"domain {domain.name!r} has no response templates to learn from")
    by_response: dict[str, list[Example]] = defaultdict(list)
    for example in singles:
        by_response[example.acts[0].name].append(example)
    names = sorted(by_response)
    combos = [(a, b) for a in names for b in names if a != b]
    rng.shuffle(combos)
    combos = combos[:max_pairs]
    n_test = max(1, int(len(combos) * test_fraction)) if len(combos) >= 4 else 0
    held_out = set(combos[:n_test])
    train: list[Example] = list(singles)
    test: list[Example] = []
    for a, b in combos:
        first, second = rng.choice(by_response[a]), rng.choice(by_response[b])
        one, two = first.acts[0], second.acts[0]
        shared = {
            k: v for k, v in one.values.items()
            if k in two.values and one.shown.get(k) == two.shown.get(k) == placeholder(k)
        }
        if shared:  # one turn, one value per slot: the second act says the same order number
            second = Example((Act(two.name, two.shown, {**two.values, **shared}),), second.target, second.references)
        refs = tuple(f"{x} {y}" for x in first.references for y in second.references)
        # the act break tells the model (and its decoder) that one act's text ends and the next begins
        pair = Example(first.acts + second.acts, f"{first.target} {ACT_BREAK} {second.target}", refs)
        (test if (a, b) in held_out else train).append(pair)
    return Dataset(train=train, test=test, literal=literal, skipped=skipped)


def slot_usage(examples: list[Example]) -> dict[str, dict[str, list[str]]]:
    """Per response, the placeholders its single-act wordings show: ``required`` (by every wording
    given the slot) and ``optional`` (by some). Decoding plans from it, so a slot a response is given
    but never shows (a condition flag) is not asked for."""
    given: dict[str, Counter[str]] = defaultdict(Counter)
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for example in examples:
        if len(example.acts) != 1:
            continue
        name = example.acts[0].name
        given[name].update(example.given_slots)
        shown[name].update(example.given_slots & example.expected_slots)
    return {
        name: {"required": sorted(s for s, n in shown[name].items() if n == given[name][s]),
               "optional": sorted(s for s, n in shown[name].items() if 0 < n < given[name][s])}
        for name in sorted(shown)
    }


def relexicalised_references(example: Example) -> list[str]:
    values = {k: v for act in example.acts for k, v in act.values.items()}
    out = []
    for ref in example.references:
        text = ref
        for slot, value in values.items():
            text = text.replace(placeholder(slot), value)
        out.append(re.sub(r"\s+", " ", text).strip())
    return out
