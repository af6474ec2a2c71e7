"""Sentence vectors from the shipped MiniLM encoder (or any BERT-family checkpoint a user names).

One loaded encoder serves every part that needs to compare meanings: the few-shot intent
classifier, out-of-scope similarity, and retrieval over a domain's documents. Vectors are the
mean of the last hidden states over real tokens, L2-normalised (how sentence-transformers
trained ``all-MiniLM-L6-v2``), so a dot product is a cosine similarity. Nothing here downloads:
a model is the packaged one, a local folder, or a hub id already in the local cache.
torch and transformers are imported on first use, never by ``import dialogue``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from dialogue.checkpoints import DEFAULT_MODEL, resolve_model_path


class SentenceEncoder(Protocol):
    """What every part that compares meanings needs from an encoder."""

    path: str
    dimension: int
    inference_threads: int  # threads that suit one message on this backend

    def encode(self, texts: Sequence[str], threads: int | None = None) -> Any: ...


class TorchSentenceEncoder:
    """Unit sentence vectors for batches of texts through torch; thread-safe, length-sorted batching.
    The encoder to fine-tune (its ``model`` is a torch module); inference prefers the ONNX one."""

    def __init__(self, model: str | None = None, max_len: int = 64, batch_size: int = 64) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # "unused pooler weights" is expected: we pool ourselves
        hf_logging.disable_progress_bar()
        self.path = resolve_model_path(model)
        self.max_len = max_len
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True, use_fast=True)
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True).eval()
        self.dimension = int(self.model.config.hidden_size)
        self.inference_threads = 1  # torch's threads spin-wait: a second one slows a busy CPU many times over
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], threads: int | None = None) -> Any:
        """``len(texts) × dimension`` float32 array of unit vectors (an empty text gets a zero vector)."""
        import numpy as np
        import torch

        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._lock, _torch_threads(threads), torch.inference_mode():
            for offset in range(0, len(order), self.batch_size):
                chunk = [i for i in order[offset : offset + self.batch_size] if texts[i].strip()]
                if not chunk:
                    continue
                batch = self.tokenizer([texts[i] for i in chunk], truncation=True, max_length=self.max_len,
                                       padding=True, return_tensors="pt")
                states = self.model(**batch).last_hidden_state
                vectors = mean_pool(states, batch["attention_mask"])
                out[chunk] = torch.nn.functional.normalize(vectors.float(), dim=-1).numpy()
        return out


def mean_pool(states: Any, attention_mask: Any) -> Any:
    """Mean of token states over real (unpadded) tokens."""
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class _torch_threads:
    """Run a block with ``n`` torch threads (None: leave as is), restoring the previous count."""

    def __init__(self, n: int | None) -> None:
        self.n = n
        self.previous = 0

    def __enter__(self) -> None:
        if self.n is not None:
            import torch

            self.previous = torch.get_num_threads()
            torch.set_num_threads(self.n)

    def __exit__(self, *_: object) -> None:
        if self.n is not None:
            import torch

            torch.set_num_threads(self.previous)


#: ``DIALOGUE_ENCODER=torch`` keeps inference on torch even where ONNX Runtime is installed
BACKEND_VARIABLE = "DIALOGUE_ENCODER"


@functools.lru_cache(maxsize=4)
def shared_encoder(model: str | None = None, max_len: int = 64) -> SentenceEncoder:
    """One encoder per checkpoint in a process: components that embed text share its weights."""
    return inference_encoder(model, max_len)


def inference_encoder(model: str | None = None, max_len: int = 64,
                      tuned_layers: dict[str, Any] | None = None) -> SentenceEncoder:
    """ONNX Runtime where it is installed (same vectors, 2-3× faster per message, no torch import),
    else torch; ``tuned_layers`` (a fine-tune's state dict) replace the checkpoint's weights they name."""
    import os

    from dialogue.onnx_encoder import OnnxSentenceEncoder, onnx_runtime_available

    if os.environ.get(BACKEND_VARIABLE, "auto") != "torch" and onnx_runtime_available():
        try:
            return OnnxSentenceEncoder(model, max_len, tuned_layers=tuned_layers)
        except Exception as error:  # noqa: BLE001 - any export or load failure leaves torch, which always works
            import logging

            logging.getLogger("dialogue.embeddings").warning(
                "ONNX encoder unavailable for %s (%s: %s); using torch", model or DEFAULT_MODEL,
                type(error).__name__, error)
    encoder = TorchSentenceEncoder(model, max_len)
    if tuned_layers:
        encoder.model.load_state_dict(tuned_layers, strict=False)
    return encoder
