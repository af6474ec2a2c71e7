"""The sentence encoder run by ONNX Runtime: the same vectors as torch, at a fraction of the cost.

A bot parses one short message at a time. For a six-layer MiniLM that work is dominated by
per-operator overhead, not arithmetic, and ONNX Runtime's fused CPU kernels run it 2-3× faster
than eager torch; it also starts without importing torch or transformers (seconds of every
training run and every chat start). The checkpoint is exported once, with mean pooling and
L2 normalisation inside the graph, to ``~/.cache/dialogue/onnx/`` (``$DIALOGUE_CACHE`` moves
it); later processes load the file. Tokenisation uses the checkpoint's own ``tokenizer.json``
through the ``tokenizers`` library, exactly what transformers' fast tokenizer runs.
The export needs torch, transformers and ``onnx``; where any is missing or the export fails,
``dialogue.embeddings.shared_encoder`` keeps the torch encoder. A checkpoint with fine-tuned top
layers (``sentence_intent``'s ``finetune``) is exported the same way, under a name that includes
the tuned weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dialogue.cache import cache_dir
from dialogue.checkpoints import model_identity, resolve_model_path

log = logging.getLogger("dialogue.embeddings")

#: bump when the exported graph changes, so stale cached files are not reused
EXPORT_VERSION = 1
OPSET = 17


def onnx_runtime_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "tokenizers"))


def exported_file(model: str | None, tuned_layers: dict[str, Any] | None = None) -> Path:
    """Where the ONNX export of ``model`` (with ``tuned_layers`` over it) lives; the name changes
    when the checkpoint or the tuned weights do."""
    identity = json.dumps(model_identity(model), sort_keys=True)
    digest = hashlib.sha256(f"{EXPORT_VERSION}|{OPSET}|{identity}".encode())
    layers = tuned_layers or {}
    for name in sorted(layers):
        digest.update(name.encode())
        digest.update(layers[name].detach().cpu().contiguous().numpy().tobytes())
    prefix = "tuned" if tuned_layers else "encoder"
    return cache_dir("onnx") / f"{prefix}-{digest.hexdigest()[:16]}.onnx"


def export_encoder(model: str | None, target: Path, tuned_layers: dict[str, Any] | None = None) -> Path:
    """Write encoder + mean pooling + normalisation as one ONNX graph (atomically: a crash or a
    second process exporting at the same time never leaves a half-written file under ``target``)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model_path(model)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, use_fast=True)
    bert = AutoModel.from_pretrained(path, local_files_only=True).eval()
    if tuned_layers:
        bert.load_state_dict(tuned_layers, strict=False)

    class Pooled(torch.nn.Module):
        """Mean of the last hidden states over real tokens, unit length: as TorchSentenceEncoder."""

        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled, dim=-1)

    sample = tokenizer(["an example sentence", "and a second, longer one to pad"], padding=True,
                       return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(suffix=".onnx", dir=target.parent)
    os.close(handle)
    try:
        import warnings

        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the exporter's deprecation and indexing notes
            torch.onnx.export(
                Pooled(bert).eval(), (sample["input_ids"], sample["attention_mask"]), scratch,
                dynamo=False, opset_version=OPSET, input_names=["input_ids", "attention_mask"],
                output_names=["vector"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "vector": {0: "batch"}},
            )
        os.chmod(scratch, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(scratch, target)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    return target


class OnnxSentenceEncoder:
    """Unit sentence vectors from an exported encoder; same interface as ``TorchSentenceEncoder``."""

    def __init__(self, model: str | None = None, max_len: int = 64, batch_size: int = 64,
                 tuned_layers: dict[str, Any] | None = None) -> None:
        from tokenizers import Tokenizer

        self.path = resolve_model_path(model)
        self.max_len = max_len
        self.batch_size = batch_size
        tokenizer_file = Path(self.path) / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise FileNotFoundError(f"{tokenizer_file}: the ONNX encoder needs the checkpoint's fast tokenizer file")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_len)
        pad = _pad_token(Path(self.path))
        pad_id = self.tokenizer.token_to_id(pad)
        self.tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad)
        self.file = exported_file(model, tuned_layers)
        if not self.file.is_file():
            log.info("exporting %s to ONNX once (%s)", self.path, self.file)
            export_encoder(model, self.file, tuned_layers)
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        #: what suits one message: two threads that sleep when idle beat one, on a quiet or a busy CPU
        self.inference_threads = min(2, os.cpu_count() or 1)
        self.dimension = _hidden_size(Path(self.path))  # sessions open on first use, one per thread count

    def _session(self, threads: int) -> Any:
        """One session per thread count (ONNX Runtime fixes it at creation); ``run`` is thread-safe."""
        with self._lock:
            if threads not in self._sessions:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # idle pool threads sleep instead of spinning: spinning threads fight other work for a
                # shared CPU (and each other's sessions) and made one message several times slower
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._sessions[threads] = ort.InferenceSession(str(self.file), options,
                                                               providers=["CPUExecutionProvider"])
            return self._sessions[threads]

    def encode(self, texts: Sequence[str], threads: int | None = None) -> np.ndarray:
        """``len(texts) × dimension`` float32 array of unit vectors (an empty text gets a zero vector);
        ``threads`` None: ``inference_threads``."""
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        session = self._session(max(1, threads or self.inference_threads))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for offset in range(0, len(order), self.batch_size):
            chunk = [i for i in order[offset : offset + self.batch_size] if texts[i].strip()]
            if not chunk:
                continue
            batch = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([b.ids for b in batch], dtype=np.int64)
            mask = np.array([b.attention_mask for b in batch], dtype=np.int64)
            out[chunk] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


def _pad_token(folder: Path) -> str:
    config = folder / "tokenizer_config.json"
    if config.is_file():
        pad = json.loads(config.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(pad, dict):
            pad = pad.get("content")
        if isinstance(pad, str):
            return pad
    return "[PAD]"


def _hidden_size(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
