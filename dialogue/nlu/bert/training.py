"""The fine-tuning recipe for few examples per intent, on a CPU.

Choices, and why:
* class-balanced epochs: intents with fewer examples than the median are oversampled up to
  it, so a hand-written domain's big intents do not swamp its small ones;
* entity-swap augmentation: with probability ``augment`` an example's entity values are
  replaced by other values of the same type seen in training, so the tagger learns the
  context rather than memorising the few values written by hand;
* a stratified held-out slice picks the best epoch (early stopping) and fits the softmax
  temperature, so confidences are calibrated for the fallback threshold;
* a step budget sets the epochs (small data gets many short epochs), with a floor of
  ``min_epochs`` passes: rare entity values in large data need several (docs/benchmarks/nlu.md);
* speed: dynamic padding, short ``max_len``, frozen word embeddings (half of MiniLM's
  parameters, and the costliest optimizer state), bf16 autocast where the CPU or GPU computes
  bf16 natively (weights and optimizer stay fp32), optionally frozen lower layers.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from dialogue.cores import auto_threads
from dialogue.domain.examples import EntitySpan, TrainingExample
from dialogue.nlu.bert.encoding import IGNORE, best_tag_path, decode_tags, token_labels, word_tags, words_of
from dialogue.precision import mixed_precision

Progress = Callable[[str, float], None]
#: fewer held-out examples than this give a noisy temperature: keep 1.0
MIN_CALIBRATION = 20


@dataclass
class TrainResult:
    temperature: float = 1.0
    epochs: int = 0
    best_epoch: int = 0
    holdout_size: int = 0
    seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)


def training_device(name: str) -> torch.device:
    """``cpu``, ``cuda[:n]``, or ``auto`` (a GPU when torch sees one): training only, inference stays on the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"joint_bert: device {name!r} asked for, but torch sees no GPU (use device: cpu or auto)")
    return device


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def split_holdout(
    examples: Sequence[TrainingExample], fraction: float, seed: int, minimum: int = 5, maximum: int = 300
) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """Stratified held-out slice: ~``fraction`` of each intent with ≥ 6 examples, at most ``maximum``
    in all (big data sets need no more to pick an epoch), none if fewer than ``minimum``."""
    if fraction <= 0:
        return list(examples), []
    rng = random.Random(seed)
    by_intent: dict[str, list[TrainingExample]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example)
    wanted = {i: len(v) * fraction if len(v) >= 6 else 0.0 for i, v in by_intent.items()}
    scale = min(1.0, maximum / max(1.0, sum(wanted.values())))
    train: list[TrainingExample] = []
    held: list[TrainingExample] = []
    for intent in sorted(by_intent):
        items = by_intent[intent][:]
        rng.shuffle(items)
        take = max(1, round(wanted[intent] * scale)) if wanted[intent] else 0
        held.extend(items[:take])
        train.extend(items[take:])
    if len(held) < minimum:
        return list(examples), []
    return train, held


def swap_entities(example: TrainingExample, values: dict[str, list[str]], rng: random.Random) -> TrainingExample:
    """The example with each entity's surface text replaced by another known value of its type."""
    if not example.entities:
        return example
    text = example.text
    parts: list[str] = []
    spans: list[EntitySpan] = []
    cursor = 0
    length = 0
    for span in sorted(example.entities, key=lambda s: s.start):
        if span.start < cursor:  # overlapping annotations: leave the example as it is
            return example
        candidates = values.get(span.type) or [text[span.start : span.end]]
        new = rng.choice(candidates)
        before = text[cursor : span.start]
        parts.extend([before, new])
        length += len(before)
        spans.append(EntitySpan(length, length + len(new), span.type, new, span.role))
        length += len(new)
        cursor = span.end
    parts.append(text[cursor:])
    return TrainingExample(text="".join(parts), intent=example.intent, entities=tuple(spans))


def balanced_order(examples: Sequence[TrainingExample], balance: bool, rng: random.Random) -> list[int]:
    """Indices for one epoch: every example once, plus duplicates lifting small intents to the median."""
    order = list(range(len(examples)))
    if balance:
        by_intent: dict[str, list[int]] = defaultdict(list)
        for i, example in enumerate(examples):
            by_intent[example.intent].append(i)
        target = int(np.median([len(v) for v in by_intent.values()]))
        for items in by_intent.values():
            if len(items) < target:
                order.extend(rng.choices(items, k=target - len(items)))
    rng.shuffle(order)
    return order


def length_batches(order: list[int], examples: Sequence[TrainingExample], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (less padding, same randomness): sort within windows of 50 batches."""
    batches: list[list[int]] = []
    window = size * 50
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: len(examples[i].text))
        batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


class Encoder:
    """Tokenises examples into padded tensors with intent and word-tag labels."""

    def __init__(self, tokenizer: Any, intents: list[str], tags: list[str], max_len: int) -> None:
        self.tokenizer = tokenizer
        self.intent_index = {name: i for i, name in enumerate(intents)}
        self.tag_index = {name: i for i, name in enumerate(tags)}
        self.max_len = max_len
        self.device = torch.device("cpu")

    def batch(self, examples: Sequence[TrainingExample]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            [e.text for e in examples], truncation=True, max_length=self.max_len, padding=True, return_tensors="pt"
        )
        length = enc["input_ids"].shape[1]
        tags = [token_labels(enc.encodings[i], e.entities, self.tag_index, length) for i, e in enumerate(examples)]
        tensors = {
            "input_ids": enc["input_ids"],
            "attention_mask": enc["attention_mask"],
            "intent": torch.tensor([self.intent_index[e.intent] for e in examples]),
            "tags": torch.tensor(tags, dtype=torch.long),
        }
        return {name: tensor.to(self.device) for name, tensor in tensors.items()}


def _f1(gold: set[Any], pred: set[Any]) -> float:
    if not gold and not pred:
        return 1.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


@torch.inference_mode()
def score_holdout(model: nn.Module, encoder: Encoder, tags: list[str], examples: Sequence[TrainingExample], batch_size: int) -> dict[str, Any]:
    """Intent accuracy, entity span F1, loss and raw intent logits on held-out examples."""
    model.eval()
    logits_all: list[torch.Tensor] = []
    gold_spans: set[tuple[int, str, int, int]] = set()
    pred_spans: set[tuple[int, str, int, int]] = set()
    loss_sum = 0.0
    for offset in range(0, len(examples), batch_size):
        chunk = examples[offset : offset + batch_size]
        batch = encoder.batch(chunk)
        intent_logits, tag_logits = model(batch["input_ids"], batch["attention_mask"])
        loss_sum += float(nn.functional.cross_entropy(intent_logits, batch["intent"], reduction="sum"))
        logits_all.append(intent_logits)
        tag_probs = torch.softmax(tag_logits.float(), dim=-1).cpu().numpy()
        enc = encoder.tokenizer([e.text for e in chunk], truncation=True, max_length=encoder.max_len)
        for i, example in enumerate(chunk):
            words = words_of(enc.encodings[i])
            path, _ = best_tag_path(tag_probs[i, words.first_token], tags)
            word_pred = [tags[t] for t in path]
            for span in decode_tags(words, word_pred, [1.0] * len(word_pred)):
                pred_spans.add((offset + i, span.type, span.start, span.end))
            gold_words = word_tags(words, example.entities)
            for span in decode_tags(words, gold_words, [1.0] * len(gold_words)):
                gold_spans.add((offset + i, span.type, span.start, span.end))
    logits = torch.cat(logits_all).float().cpu().numpy()
    labels = np.array([encoder.intent_index[e.intent] for e in examples])
    return {
        "intent_accuracy": float((logits.argmax(1) == labels).mean()),
        "entity_f1": _f1(gold_spans, pred_spans),
        "loss": loss_sum / max(1, len(examples)),
        "logits": logits,
        "labels": labels,
    }


def train_joint(
    model: nn.Module,
    encoder: Encoder,
    tags: list[str],
    examples: Sequence[TrainingExample],
    config: Any,
    progress: Progress | None = None,
) -> TrainResult:
    """Fine-tune ``model`` in place following the recipe above; returns calibration and history."""
    from dialogue.nlu.calibration import fit_temperature

    started = time.perf_counter()
    torch.set_num_threads(config.train_threads or auto_threads())
    seed_everything(config.seed)
    rng = random.Random(config.seed)
    train, held = split_holdout(examples, config.holdout, config.seed, maximum=config.holdout_max)
    values: dict[str, list[str]] = defaultdict(list)
    for example in train:
        for span in example.entities:
            values[span.type].append(example.text[span.start : span.end])
    values = {k: sorted(set(v)) for k, v in values.items()}
    has_entities = len(tags) > 1
    encoder.device = training_device(config.device)
    model.to(encoder.device)
    bf16 = mixed_precision(config.precision, encoder.device)

    epoch_size = len(balanced_order(train, config.balance, random.Random(0)))
    steps_per_epoch = math.ceil(epoch_size / config.batch_size)
    epochs = config.epochs or min(config.max_epochs, max(config.min_epochs, round(config.target_steps / steps_per_epoch)))
    total_steps: int = epochs * steps_per_epoch

    encoder_module = model.get_submodule("encoder")
    if config.freeze_embeddings and hasattr(encoder_module, "embeddings"):
        for p in encoder_module.get_submodule("embeddings.word_embeddings").parameters():
            p.requires_grad = False
    layers = getattr(getattr(encoder_module, "encoder", None), "layer", [])
    for layer in list(layers)[: config.freeze_layers]:
        for p in layer.parameters():
            p.requires_grad = False

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    body_params = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": config.lr}, {"params": head_params, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    warmup = max(1, int(total_steps * config.warmup))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    result = TrainResult(epochs=epochs, holdout_size=len(held))
    best_score = -math.inf
    best_state: dict[str, torch.Tensor] | None = None
    stale = 0
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = balanced_order(train, config.balance, rng)
        running = 0.0
        for b, indices in enumerate(length_batches(order, train, config.batch_size, rng)):
            chunk = [train[i] for i in indices]
            if values and config.augment > 0:
                chunk = [swap_entities(e, values, rng) if rng.random() < config.augment else e for e in chunk]
            batch = encoder.batch(chunk)
            with torch.autocast(encoder.device.type, dtype=torch.bfloat16, enabled=bf16):
                intent_logits, tag_logits = model(batch["input_ids"], batch["attention_mask"])
            loss = nn.functional.cross_entropy(intent_logits.float(), batch["intent"])
            if has_entities:
                loss = loss + config.entity_loss_weight * nn.functional.cross_entropy(
                    tag_logits.float().reshape(-1, tag_logits.shape[-1]), batch["tags"].reshape(-1), ignore_index=IGNORE
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            running = 0.9 * running + 0.1 * value if b else value
            if progress:
                progress(f"joint_bert epoch {epoch}/{epochs} loss {running:.3f}", step / total_steps)
        entry: dict[str, float] = {"epoch": epoch, "train_loss": running}
        if held:
            scores = score_holdout(model, encoder, tags, held, config.batch_size * 2)
            score = scores["intent_accuracy"] + (scores["entity_f1"] if has_entities else 0.0) - 1e-3 * scores["loss"]
            entry.update({k: scores[k] for k in ("intent_accuracy", "entity_f1", "loss")})
            if score > best_score:
                best_score, stale, result.best_epoch = score, 0, epoch
                best_state = copy.deepcopy(model.state_dict())
            else:
                stale += 1
        result.history.append(entry)
        if held and stale >= max(config.patience, epochs // 3):
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = int(result.history[-1]["epoch"]) if result.history else 0
    if len(held) >= MIN_CALIBRATION:
        final = score_holdout(model, encoder, tags, held, config.batch_size * 2)
        result.temperature = min(4.0, max(0.25, fit_temperature(final["logits"], final["labels"])))
    model.to("cpu")
    encoder.device = torch.device("cpu")
    model.eval()
    result.seconds = time.perf_counter() - started
    if progress:
        progress("joint_bert done", 1.0)
    return result
