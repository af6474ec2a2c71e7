"""Fine-tune a causal LM on act → text pairs and evaluate it (BLEU, slot error rate, perplexity).

With no base model named, a small GPT-2 is created from a ``GPT2Config`` with a byte-level
BPE tokenizer trained on the domain's own texts (``tokenizers``), so this works offline with
nothing downloaded. Placeholders (``[order_id]``) are single added tokens, which makes
copying them the easy thing for the model to learn.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dialogue.nlg.act_to_text import (
    CANDIDATES,
    FORMAT_VERSION,
    META_FILE,
    PLACEHOLDER,
    SEPARATOR,
    ActToTextModel,
    linearise,
    relexicalise,
    slot_errors,
)
from dialogue.nlg.finetune.data import Dataset, Example, relexicalised_references, slot_usage
from dialogue.nlg.finetune.gguf_export import write_gguf
from dialogue.nlg.finetune.pretrained import gguf_source, load_base, merged, with_lora

EOS = "<|endoftext|>"
PAD = "<|pad|>"

Progress = Callable[[str, float], None]


@dataclass
class TrainSettings:
    epochs: int = 20
    batch_size: int = 16
    learning_rate: float | None = None  # default: 5e-3 from scratch, 5e-5 for a pretrained base
    seed: int = 0
    base_model: str | None = None
    vocab_size: int = 4000  # an upper bound: BPE stops when the domain's texts run out of merges
    n_layer: int = 3
    n_embd: int = 128
    n_head: int = 4
    max_new_tokens: int = 200
    single_weight: int = 6
    min_steps: int = 300  # small domains get more epochs, so they still see enough updates
    max_steps: int | None = None  # a cap on updates (a pretrained base on a CPU budget)
    threads: int | None = 1  # more threads slow down when the CPU is shared
    lora: int = 0  # LoRA rank for a pretrained base; 0 trains every weight
    lora_layers: int | None = 12  # LoRA on the last N blocks only (half the backward pass)
    gguf: tuple[str, ...] = ("Q8_0", "Q4_1")  # GGUF files written for a base that came from a GGUF
    runtime: str = "Q8_0"  # the one llama.cpp runs


@dataclass
class Report:
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch
    bleu: float | None = None  # held-out combinations, realised act by act (what the realiser does)
    slot_error_rate: float | None = None
    perplexity: float | None = None
    joint_bleu: float | None = None  # the same combinations decoded in one pass (harder: composition)
    joint_slot_error_rate: float | None = None
    joint_greedy_bleu: float | None = None  # the same, greedy text only (no reranking)
    joint_greedy_slot_error_rate: float | None = None
    n_train: int = 0
    n_test: int = 0
    seconds: float = 0.0
    train_seconds: float = 0.0
    samples: list[dict[str, str]] = field(default_factory=list)


def train_tokenizer(texts: Sequence[str], placeholders: Sequence[str], vocab_size: int, names: Sequence[str] = ()) -> Any:
    """A byte-level BPE over the domain's texts, wrapped as a transformers fast tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS, PAD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    tok.add_tokens([AddedToken(p, single_word=False, normalized=False) for p in placeholders])
    tok.add_tokens([AddedToken(n, single_word=True, normalized=False) for n in names])  # one token per response
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=PAD, bos_token=EOS, unk_token=None)


def _placeholders(examples: Sequence[Example]) -> list[str]:
    found: set[str] = set()
    for example in examples:
        found.update(f"[{s}]" for s in PLACEHOLDER.findall(example.source + " " + example.target))
    return sorted(found)


def build_model(data: Dataset, settings: TrainSettings) -> tuple[Any, Any]:
    """The base model and tokenizer: a named local checkpoint, or a fresh small GPT-2."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel

    everything = data.train + data.test
    placeholders = _placeholders(everything)
    if gguf_source(settings.base_model) is not None:
        # the GGUF's tokenizer is kept as it is (placeholders are a few ordinary tokens), so the
        # tuned weights can be written back into a copy of that file for llama.cpp
        model, tokenizer, _ = load_base(str(settings.base_model))
        return (with_lora(model, settings.lora, settings.lora_layers) if settings.lora else model), tokenizer
    if settings.base_model:
        tokenizer = AutoTokenizer.from_pretrained(settings.base_model, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(settings.base_model, local_files_only=True)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if tokenizer.add_tokens(placeholders):
            model.resize_token_embeddings(len(tokenizer))
        return model, tokenizer
    texts = [e.source + SEPARATOR + " " + e.target for e in data.train]
    names = sorted({a.name for e in everything for a in e.acts})
    tokenizer = train_tokenizer(texts, placeholders, settings.vocab_size, names)
    longest = max(len(tokenizer(e.source + SEPARATOR + " " + e.target)["input_ids"]) for e in everything) + 1
    torch.manual_seed(settings.seed)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=longest + settings.max_new_tokens,
        n_embd=settings.n_embd,
        n_layer=settings.n_layer,
        n_head=settings.n_head,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config), tokenizer


def encode(tokenizer: Any, example: Example) -> tuple[list[int], list[int]]:
    """Input ids and labels; only the target (and its end token) is learned, not the act."""
    prompt = tokenizer(example.source + SEPARATOR)["input_ids"]
    target = tokenizer(" " + example.target)["input_ids"] + [tokenizer.eos_token_id]
    return prompt + target, [-100] * len(prompt) + target


def _batches(items: list[tuple[list[int], list[int]]], size: int, pad: int, rng: random.Random | None) -> Any:
    import torch

    order = list(range(len(items)))
    if rng is not None:
        rng.shuffle(order)
    for start in range(0, len(order), size):
        chunk = [items[i] for i in order[start : start + size]]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad)
        labels = torch.full((len(chunk), width), -100)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, (x, y) in enumerate(chunk):
            ids[row, : len(x)] = torch.tensor(x)
            labels[row, : len(y)] = torch.tensor(y)
            mask[row, : len(x)] = 1
        yield ids, labels, mask


def fine_tune(model: Any, tokenizer: Any, examples: list[Example], settings: TrainSettings, progress: Progress | None = None) -> list[float]:
    """Act → text training: single acts repeated ``single_weight`` times, then ``fit``."""
    # single acts are what the realiser asks for: show them as often as the pairs built from them
    weighted = [e for e in examples for _ in range(settings.single_weight if len(e.acts) == 1 else 1)]
    return fit(model, tokenizer.pad_token_id, [encode(tokenizer, e) for e in weighted], settings, progress)


def fit(model: Any, pad_id: int, encoded: list[tuple[list[int], list[int]]], settings: TrainSettings,
        progress: Progress | None = None) -> list[float]:
    """AdamW with linear decay over (input ids, labels) items; returns the mean loss of each epoch.

    ``settings.max_steps`` caps the updates exactly (a pretrained model on a CPU costs seconds a step).
    """
    import torch

    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    lr = settings.learning_rate or (2e-4 if settings.lora else 5e-5 if settings.base_model else 5e-3)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    per_epoch = math.ceil(len(encoded) / settings.batch_size)
    epochs = max(settings.epochs, math.ceil(settings.min_steps / per_epoch))
    steps = epochs * per_epoch
    if settings.max_steps and settings.max_steps < steps:  # the last epoch may stop part-way
        steps = settings.max_steps
        epochs = math.ceil(steps / per_epoch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: max(0.05, 1 - s / max(1, steps)))
    if getattr(model, "loss_type", None) is None:
        model.loss_type = "ForCausalLM"  # what a GPT-2 made from a config lacks; silences a warning
    model.train()
    losses = []
    done = 0
    for epoch in range(epochs):
        total, count = 0.0, 0
        for ids, labels, mask in _batches(encoded, settings.batch_size, pad_id, rng):
            if done == steps:
                break
            done += 1
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(ids)
            count += len(ids)
        losses.append(total / max(1, count))
        if progress:
            progress(f"epoch {epoch + 1}/{epochs}, loss {losses[-1]:.3f}", (epoch + 1) / epochs)
    model.eval()
    return losses


def perplexity(model: Any, tokenizer: Any, examples: list[Example]) -> float:
    import torch

    total, tokens = 0.0, 0
    with torch.inference_mode():
        for ids, labels, mask in _batches([encode(tokenizer, e) for e in examples], 16, tokenizer.pad_token_id, None):
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
            target = labels[:, 1:]
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100, reduction="sum")
            total += float(loss)
            tokens += int((target != -100).sum())
    return math.exp(total / max(1, tokens))


@dataclass
class Scores:
    """Scores of the texts the realiser uses (reranked), and of the greedy texts alone."""

    bleu: float
    rouge_l: float
    slot_error_rate: float
    perplexity: float
    samples: list[dict[str, str]] = field(default_factory=list)
    greedy_bleu: float | None = None
    greedy_slot_error_rate: float | None = None


def evaluate(realiser: ActToTextModel, examples: list[Example], samples: int = 5, per_act: bool = False,
             lm: tuple[Any, Any] | None = None, candidates: int = CANDIDATES) -> Scores:
    """BLEU and ROUGE-L (against every reference wording), slot error rate and perplexity on held-out examples.

    ``lm``: the (model, tokenizer) perplexity is measured with, when the realiser runs a GGUF file
    (without it, such a realiser's perplexity is NaN).

    ``per_act``: write each act of a combination on its own and join the texts, as the
    realiser does for a multi-act turn; otherwise the whole combination is decoded at once.
    ``candidates``: texts written per prompt for reranking (``ActToTextModel.write``); the
    greedy texts are scored too, from the same decodes.
    """
    from dialogue.nlg.finetune.external import rouge_l

    greedy: list[str] = []
    chosen: list[str] = []
    references: list[list[str]] = []
    errors = [0, 0]  # greedy, chosen
    expected = 0
    shown: list[dict[str, str]] = []
    for example in examples:
        prompts = [linearise(a.name, a.shown) + SEPARATOR for a in example.acts] if per_act else [example.source + SEPARATOR]
        written = [realiser.write(prompt, candidates) for prompt in prompts]  # (greedy, chosen) per prompt
        values = {k: v for act in example.acts for k, v in act.values.items()}
        for index, texts in enumerate((greedy, chosen)):
            delex = " ".join(w[index] for w in written)
            errors[index] += slot_errors(delex, example.expected_slots, example.given_slots)[0]
            texts.append(relexicalise(delex, values)[0])
        expected += len(example.expected_slots)
        references.append(relexicalised_references(example))
        if len(shown) < samples:
            shown.append({"act": example.source, "output": chosen[-1]})
    rouge = 100 * sum(rouge_l(h, refs) for h, refs in zip(chosen, references)) / len(chosen)
    model, tokenizer = lm or (realiser.model, realiser.tokenizer)
    # a realiser running a GGUF through llama.cpp has no transformers model to measure perplexity with
    ppl = perplexity(model, tokenizer, examples) if model is not None else math.nan
    return Scores(_bleu(chosen, references), rouge, errors[1] / max(1, expected), ppl, shown,
                  greedy_bleu=_bleu(greedy, references), greedy_slot_error_rate=errors[0] / max(1, expected))


def _bleu(hypotheses: list[str], references: list[list[str]]) -> float:
    """Corpus BLEU against every reference wording (sacrebleu wants one stream per reference slot)."""
    import sacrebleu

    width = max(len(r) for r in references)
    streams = [[refs[i] if i < len(refs) else refs[0] for refs in references] for i in range(width)]
    return float(sacrebleu.corpus_bleu(hypotheses, streams).score)


def export(model: Any, tokenizer: Any, output: Path, meta: dict[str, Any], settings: TrainSettings) -> None:
    """Save the trained model: GGUF files for a GGUF base (llama.cpp), else a transformers folder."""
    output.mkdir(parents=True, exist_ok=True)
    template = gguf_source(settings.base_model)
    if template is not None:
        meta["gguf"] = {q: f"model-{q}.gguf" for q in settings.gguf}
        meta["runtime"] = settings.runtime if settings.runtime in settings.gguf else settings.gguf[0]
        for qtype, name in meta["gguf"].items():
            write_gguf(model, template, output / name, qtype)
    else:
        model.save_pretrained(output)
        tokenizer.save_pretrained(output)
    (output / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def train_and_save(data: Dataset, output: Path, settings: TrainSettings, progress: Progress | None = None) -> Report:
    started = time.perf_counter()
    model, tokenizer = build_model(data, settings)
    report = Report(n_train=len(data.train), n_test=len(data.test))
    report.losses = fine_tune(model, tokenizer, data.train, settings, progress)
    model = merged(model)
    longest = max(len(tokenizer(" " + e.target)["input_ids"]) for e in data.train + data.test)
    meta: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "act_breaks": True,  # combinations were trained with act breaks (data.build_dataset)
        "literal": data.literal,
        "slot_plan": slot_usage(data.train),  # which placeholders each response's wordings show
        "max_new_tokens": min(settings.max_new_tokens, int(longest * 1.5) + 8),
        "base_model": settings.base_model,
        "lora": settings.lora,
    }
    report.train_seconds = time.perf_counter() - started
    export(model, tokenizer, output, meta, settings)
    # evaluate what will run: the GGUF through llama.cpp when there is one
    realiser = ActToTextModel.load(output) if meta.get("gguf") else ActToTextModel(model, tokenizer, meta)
    if data.test:
        if progress:
            progress("evaluating on held-out act combinations", 1.0)
        by_act = evaluate(realiser, data.test, per_act=True, lm=(model, tokenizer))
        joint = evaluate(realiser, data.test, samples=0, lm=(model, tokenizer))
        report.bleu, report.slot_error_rate, report.perplexity, report.samples = (
            by_act.bleu, by_act.slot_error_rate, by_act.perplexity, by_act.samples)
        report.joint_bleu, report.joint_slot_error_rate = joint.bleu, joint.slot_error_rate
        report.joint_greedy_bleu, report.joint_greedy_slot_error_rate = joint.greedy_bleu, joint.greedy_slot_error_rate
    report.seconds = time.perf_counter() - started
    meta["report"] = asdict(report)
    (output / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return report
