"""Fine-tuning the rephrasing model: text → paraphrase pairs from the domains' own responses.

Two sources of pairs, both checked by the same guards that decide at run time:

* **variants**: the wordings of one response (same condition, same channel) say the same
  thing, so each is a paraphrase of the others, rendered with the same realistic values;
* **mined**: rewrites the embedded model writes for every response at a high temperature,
  kept only when the unchanged guards accept them *and* they differ from the template
  (self-training against a verifier: the model learns from its own best, checked outputs).

Pairs are shown in exactly the chat the realiser sends (``prompts.rephrase_messages``), and
only the answer is learned. The result is written to GGUF for llama.cpp: use it with
``generation: {model: .dialogue/rephrase/model-Q8_0.gguf}``.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dialogue.nlg import prompts

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.nlg.finetune.train import Progress, TrainSettings


@dataclass(frozen=True)
class Pair:
    source: str  # the rendered template
    target: str  # a rewrite that keeps every value
    response: str
    persona: str = ""
    origin: str = "variants"  # variants | mined
    values: tuple[tuple[str, str], ...] = ()  # the slot values both texts show
    domain: str = ""  # the domain the response belongs to (so an evaluation can leave its responses out)


@dataclass
class ParaphraseReport:
    pairs: dict[str, int] = field(default_factory=dict)  # per origin
    losses: list[float] = field(default_factory=list)
    train_seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)


def _rendered(domain: Domain, rng: random.Random) -> list[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """Per response: its default-channel variants rendered with one set of realistic values, grouped by condition."""
    from dialogue.messages import Decision, DialogueAct
    from dialogue.nlg.finetune.data import ValueSampler
    from dialogue.nlg.rendering import BUILTIN_VARIABLES, TemplateRenderer

    renderer = TemplateRenderer(domain, "first")
    sampler = ValueSampler(domain, rng)
    out: list[tuple[str, list[tuple[str, dict[str, str]]]]] = []
    for name, variants in renderer.responses.items():
        groups: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        reads = sorted({v for variant in variants for v in variant.variables} - set(BUILTIN_VARIABLES))
        values = {slot: sampler.sample(slot) for slot in reads}
        for variant in variants:
            if variant.spec.channel:
                continue
            condition = {k: v for k, v in (variant.spec.condition or {}).items() if isinstance(v, str | int | float) and v != "*"}
            context = {**values, **{k: str(v) for k, v in condition.items()}}
            decision = Decision(conversation_id="paraphrase", turn_id=1, acts=(DialogueAct(name=name, slots=context),))
            try:
                message = renderer.render(variant, renderer.variables(decision, decision.acts[0]), name)
            except Exception:  # noqa: BLE001 - a template that needs an action's values: nothing to learn from
                continue
            text = " ".join(message.text.split())
            if text and len(text) <= 320:
                shown = {k: str(v) for k, v in context.items() if str(v) and str(v) in text}
                groups[json.dumps(variant.spec.condition or {}, sort_keys=True, default=str)].append((text, shown))
        out.extend((name, group) for group in groups.values())
    return out


def variant_pairs(domain: Domain, seed: int = 0, renders: int = 2) -> list[Pair]:
    """Every ordered pair of wordings of the same response that the guards would accept as a rewrite.

    Rendered ``renders`` times with different values. Wordings that differ too much for the
    guards (other content words, a dropped name) are left out: a model must not learn rewrites
    the realiser would reject.
    """
    from dialogue.nlg.realiser import GenerativeRealiser

    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(selection="first"), domain)
    pairs = []
    for r in range(renders):
        for name, group in _rendered(domain, random.Random(seed + r)):
            for i, (a, shown) in enumerate(group):
                for j, (b, _) in enumerate(group):
                    if i != j and _norm(a) != _norm(b) and realiser.accept_rephrase(a, b, shown).ok:
                        pairs.append(Pair(a, b, name, domain.persona, "variants", tuple(sorted(shown.items())), domain.name))
    return pairs


async def mined_pairs(domain: Domain, generator: Any, seed: int = 0, samples: int = 4, temperature: float = 0.9,
                      progress: Progress | None = None) -> list[Pair]:
    """Rewrites of each response by ``generator`` that the realiser's guards accept and that change the wording."""
    from dialogue.nlg.realiser import GenerativeRealiser

    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(selection="first"), domain, generator=generator)
    groups = _rendered(domain, random.Random(seed))
    pairs: list[Pair] = []
    for n, (name, group) in enumerate(groups):
        text, shown = group[0]
        seen = {_norm(text)}
        for k in range(samples):
            candidate = await generator.generate(
                prompts.rephrase_messages(text, domain.persona),
                max_new_tokens=prompts.rephrase_token_budget(text, domain.generation.max_new_tokens),
                stop=("\n\n",), temperature=temperature, seed=seed * 1000 + n * samples + k,
            )
            verdict = realiser.accept_rephrase(text, candidate, shown)
            if verdict.ok and _norm(verdict.text) not in seen:
                seen.add(_norm(verdict.text))
                pairs.append(Pair(text, verdict.text, name, domain.persona, "mined", tuple(sorted(shown.items())), domain.name))
        if progress:
            progress(f"mining rewrites of {domain.name}: {n + 1}/{len(groups)} responses, {len(pairs)} kept", (n + 1) / len(groups))
    return pairs


def encode_pair(tokenizer: Any, pair: Pair) -> tuple[list[int], list[int]]:
    """The realiser's rephrase chat with the paraphrase as the answer; only the answer is learned."""
    chat = prompts.rephrase_messages(pair.source, pair.persona)
    prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(pair.target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids


def train_paraphraser(pairs: list[Pair], output: Path, settings: TrainSettings, progress: Progress | None = None) -> ParaphraseReport:
    """LoRA (or full) fine-tune of the GGUF base on ``pairs``; merged and written as GGUF files under ``output``."""
    from dialogue.nlg.finetune.gguf_export import write_gguf
    from dialogue.nlg.finetune.pretrained import gguf_source, load_base, merged, with_lora
    from dialogue.nlg.finetune.train import fit

    template = gguf_source(settings.base_model)
    if template is None:
        raise ValueError("the rephrasing model is fine-tuned from a GGUF (e.g. --base-model embedded), so llama.cpp can run it")
    started = time.perf_counter()
    model, tokenizer, _ = load_base(str(settings.base_model))
    if settings.lora:
        model = with_lora(model, settings.lora, settings.lora_layers)
    report = ParaphraseReport(pairs={o: sum(p.origin == o for p in pairs) for o in ("variants", "mined")})
    report.losses = fit(model, tokenizer.pad_token_id, [encode_pair(tokenizer, p) for p in pairs], settings, progress)
    model = merged(model)
    report.train_seconds = time.perf_counter() - started
    output.mkdir(parents=True, exist_ok=True)
    for qtype in settings.gguf:
        name = f"model-{qtype}.gguf"
        write_gguf(model, template, output / name, qtype)
        report.files[qtype] = name
    (output / "paraphrase.json").write_text(json.dumps({"report": asdict(report), "pairs": [asdict(p) for p in pairs]},
                                                       indent=2, ensure_ascii=False), encoding="utf-8")
    return report


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
