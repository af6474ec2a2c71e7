"""A short contrastive fine-tune of the sentence encoder's top layers (the SetFit idea, made cheap).

SetFit sharpens a sentence encoder on a few labelled examples by pulling examples of one class
together and pushing others apart, then fits a plain head. On a 2-core CPU the whole encoder is
too slow to train in seconds, so only the top ``finetune_layers`` train: the frozen lower layers
run once per example and their output is cached. Each step takes one pair of examples from each
of up to ``batch`` different intents; the loss asks every example to pick its partner among all
the batch's partners (in-batch negatives, as in multiple-negatives ranking), so no pair is ever a
false negative and no O(n²) pair list is built.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: similarity scale of the in-batch softmax (cosine × scale), as sentence-transformers uses
SCALE = 20.0


def contrastive_finetune(encoder: Any, texts: Sequence[str], labels: np.ndarray, config: Any,
                         progress: Callable[[str, float], None], batch: int = 32) -> dict[str, Any]:
    """Train ``encoder.model``'s top layers in place; returns their state dict (what to save)."""
    import torch
    import torch.nn.functional as F

    from dialogue.cores import auto_threads
    from dialogue.embeddings import mean_pool
    from dialogue.precision import mixed_precision

    model = encoder.model
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if layers is None:
        raise ValueError("sentence_intent finetune: the encoder has no BERT-style encoder.layer stack")
    top = min(config.finetune_layers, len(layers))
    frozen = len(layers) - top
    by_intent = {int(c): [i for i in range(len(texts)) if labels[i] == c] for c in np.unique(labels)}
    pairable = [c for c, members in by_intent.items() if len(members) >= 2]
    if len(pairable) < 2:
        return {}
    rng = random.Random(config.seed)
    bf16 = mixed_precision(config.finetune_precision, torch.device("cpu"))  # the forward pass only: 1.4x faster here
    torch.manual_seed(config.seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(auto_threads())
    try:
        cached = _lower_states(encoder, texts, frozen)
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        trainable = [p for layer in layers[frozen:] for p in layer.parameters()]
        for parameter in trainable:
            parameter.requires_grad_(True)
        optimiser = torch.optim.AdamW(trainable, lr=config.finetune_lr, weight_decay=0.01)
        per_step = 2 * min(batch, len(pairable))
        steps = max(1, int(config.finetune_epochs * len(texts) / per_step))
        model.train()
        for step in range(steps):
            intents = rng.sample(pairable, min(batch, len(pairable)))
            pairs = [rng.sample(by_intent[c], 2) for c in intents]
            states, mask = _pad([cached[a] for a, _ in pairs] + [cached[b] for _, b in pairs])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                upper = _upper(layers[frozen:], states, mask)
            vectors = F.normalize(mean_pool(upper.float(), mask), dim=-1)
            anchors, partners = vectors[: len(pairs)], vectors[len(pairs):]
            logits = anchors @ partners.T * SCALE
            target = torch.arange(len(pairs))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            progress(f"sentence_intent: fine-tuning step {step + 1}/{steps} loss {loss.item():.3f}",
                     0.05 + 0.35 * (step + 1) / steps)
    finally:
        model.eval()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        torch.set_num_threads(threads)
    names = {f"encoder.layer.{i}." for i in range(frozen, len(layers))}
    return {k: v.detach().clone() for k, v in model.state_dict().items() if any(k.startswith(n) for n in names)}


def _lower_states(encoder: Any, texts: Sequence[str], frozen: int) -> list[Any]:
    """Each text's hidden states after the frozen layers (real tokens only), computed once."""
    import torch

    out: list[Any] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for offset in range(0, len(order), 64):
            chunk = order[offset : offset + 64]
            batch = encoder.tokenizer([texts[i] for i in chunk], truncation=True, max_length=encoder.max_len,
                                      padding=True, return_tensors="pt")
            states = encoder.model(**batch, output_hidden_states=True).hidden_states[frozen]
            for row, index in enumerate(chunk):
                length = int(batch["attention_mask"][row].sum())
                out[index] = states[row, :length].clone()
    return out


def _pad(states: Sequence[Any]) -> tuple[Any, Any]:
    import torch

    length = max(s.shape[0] for s in states)
    padded = torch.zeros(len(states), length, states[0].shape[1])
    mask = torch.zeros(len(states), length, dtype=torch.long)
    for row, s in enumerate(states):
        padded[row, : s.shape[0]] = s
        mask[row, : s.shape[0]] = 1
    return padded, mask


def _upper(layers: Sequence[Any], states: Any, mask: Any) -> Any:
    """Run the trainable layers; the additive 4-D mask works with eager and SDPA attention alike."""
    import torch

    additive = (1.0 - mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
    for layer in layers:
        result = layer(states, attention_mask=additive)
        states = result[0] if isinstance(result, tuple) else result
    return states
