"""The network: a BERT encoder with an intent head (mean-pooled) and a word-tagging head."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class JointModel(nn.Module):
    """Shared encoder, two heads trained together: intent from the mean of token states
    (how sentence-transformers MiniLM was pre-trained, so few examples already separate well),
    BIO entity tags from each token state."""

    def __init__(self, encoder: Any, n_intents: int, n_tags: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.tag_head = nn.Linear(hidden, n_tags)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        self.last_pooled = pooled  # read by inference for the distance-to-examples signal
        return self.intent_head(self.dropout(pooled)), self.tag_head(self.dropout(states))


def load_encoder(path: str, pretrained: bool = True) -> Any:
    """The BERT-family encoder at ``path`` (weights if ``pretrained``, else architecture only)."""
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the "unexpected pooler weights" report is expected: we pool ourselves
    hf_logging.disable_progress_bar()
    if pretrained:
        return AutoModel.from_pretrained(path, local_files_only=True, add_pooling_layer=False) if _is_bert(path) else AutoModel.from_pretrained(path, local_files_only=True)
    config = AutoConfig.from_pretrained(path, local_files_only=True)
    return AutoModel.from_config(config, add_pooling_layer=False) if config.model_type == "bert" else AutoModel.from_config(config)


def _is_bert(path: str) -> bool:
    from transformers import AutoConfig

    model_type: str = AutoConfig.from_pretrained(path, local_files_only=True).model_type
    return model_type == "bert"


def quantize(model: nn.Module) -> nn.Module:
    """A copy with the encoder's Linear layers in dynamic int8 (weights int8, activations quantised
    on the fly). The two small heads stay fp32: they cost nothing and decide every tag boundary."""
    import copy
    import warnings

    with warnings.catch_warnings():  # torch 2.13 deprecates torch.ao in favour of torchao (not installed)
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        quantised = copy.deepcopy(model)
        quantised.encoder = quantize_dynamic(quantised.encoder, {nn.Linear}, dtype=torch.qint8, inplace=True)
        return quantised
