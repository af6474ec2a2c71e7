"""Any causal LM through transformers: GPT-2 family (gpt2, distilgpt2, DialoGPT), local folders, GGUF files.

Models load from local paths or the local Hugging Face cache only (``local_files_only``):
nothing is downloaded at run time. A GGUF file is dequantised by transformers' GGUF loader
(slow: ~20 s for SmolLM2-135M), so the result is saved once under ``cache_dir`` and later
loads read the cached safetensors instead.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dialogue.cache import cache_dir
from dialogue.nlg.generator import GenerationError, Prompt, ThreadedGenerator, as_messages, plain_prompt, resolve_model
from dialogue.protocols import ComponentConfig

if TYPE_CHECKING:
    from dialogue.domain.model import Domain

log = logging.getLogger("dialogue.nlg.hf")


def default_cache_dir() -> Path:
    return cache_dir("gguf")


def gguf_cache_folder(gguf_path: Path, cache_dir: Path) -> Path:
    """Where the dequantised copy of a GGUF file lives; changes when the file changes."""
    stat = gguf_path.stat()
    key = hashlib.sha256(f"{gguf_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir / f"{gguf_path.stem}-{key}"


class TransformersGenerator(ThreadedGenerator):
    """Token-by-token sampling with a KV cache, so every token can be streamed and cancelled."""

    class Config(ComponentConfig):
        model: str | None = Field(None, description="Folder, hub id in the local cache, or .gguf file; default: embedded SmolLM2.")
        gguf_file: str | None = Field(None, description="GGUF file name inside a model folder.")
        cache_dir: str | None = Field(None, description="Where dequantised GGUF models are kept (default ~/.cache/dialogue/gguf).")
        top_p: float = Field(0.95, gt=0, le=1)
        n_threads: int | None = Field(None, ge=1, description="torch threads (process-wide); default: torch's choice.")

    def __init__(self, config: Config | None = None, *, model: Any = None, tokenizer: Any = None) -> None:
        super().__init__()
        self.config = config or self.Config()
        self.model: Any = model
        self.tokenizer: Any = tokenizer
        if model is not None and tokenizer is not None:
            self._loaded = True
        self.load_seconds = 0.0
        self.from_cache = False

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> TransformersGenerator:
        return cls(config)

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise GenerationError("the transformers backend needs torch and transformers: pip install 'dialogue[generation]'") from exc
        if self.config.n_threads:
            torch.set_num_threads(self.config.n_threads)
        source = resolve_model(self.config.model)
        gguf_file = self.config.gguf_file
        path = Path(source)
        if path.is_file() and path.suffix == ".gguf":
            path, gguf_file = path.parent, path.name
        try:
            if gguf_file:
                self.model, self.tokenizer = self._load_gguf(path / gguf_file)
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
                self.model = AutoModelForCausalLM.from_pretrained(str(source), local_files_only=True)
        except GenerationError:
            raise
        except Exception as exc:
            raise GenerationError(
                f"transformers could not load {source!r} (only local folders and models already in the local "
                f"cache are used): {type(exc).__name__}: {exc}"
            ) from exc
        self.model.eval()

    def _load_gguf(self, gguf_path: Path) -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        cache_dir = Path(self.config.cache_dir).expanduser() if self.config.cache_dir else None
        folder, loaded = dequantised_folder(gguf_path, cache_dir)
        self.from_cache = loaded is None
        if loaded is not None:
            return loaded
        return (
            AutoModelForCausalLM.from_pretrained(folder, local_files_only=True),
            AutoTokenizer.from_pretrained(folder, local_files_only=True),
        )

    # ------------------------------------------------------------------ generation

    def prompt_ids(self, prompt: Prompt) -> Any:
        tok = self.tokenizer
        if not isinstance(prompt, str) and getattr(tok, "chat_template", None):
            text = tok.apply_chat_template(as_messages(prompt), add_generation_prompt=True, tokenize=False)
            return tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        return tok(plain_prompt(prompt), return_tensors="pt")["input_ids"]

    def _tokens(
        self, prompt: Prompt, max_new_tokens: int, temperature: float, seed: int | None, cancel: threading.Event
    ) -> Iterator[str]:
        input_ids = self.prompt_ids(prompt)
        yield from self.decode_stream(input_ids, max_new_tokens, temperature, seed, cancel)

    def decode_stream(
        self, input_ids: Any, max_new_tokens: int, temperature: float, seed: int | None, cancel: threading.Event | None = None,
        constrain: Callable[[list[int], Any], Any] | None = None,
    ) -> Iterator[str]:
        """Sample up to ``max_new_tokens`` after ``input_ids``, yielding text deltas as they become whole.

        ``constrain(generated ids, next-token logits)`` may forbid tokens (set them to -inf) before sampling.
        """
        import torch

        limit = getattr(self.model.config, "n_positions", None) or getattr(self.model.config, "max_position_embeddings", None)
        if limit:
            if input_ids.shape[1] >= limit:
                input_ids = input_ids[:, -(limit // 2) :]
            max_new_tokens = min(max_new_tokens, limit - input_ids.shape[1])
        eos = end_token_ids(self.model, self.tokenizer)
        rng = torch.Generator().manual_seed(seed if seed is not None else torch.seed() % (2**31))
        generated: list[int] = []
        shown = ""
        past = None
        step_input = input_ids
        names = inspect.signature(self.model.forward).parameters
        cache_arg = "cache" if "cache" in names else "past_key_values"  # transformers 5 renamed it
        extra = {"logits_to_keep": 1} if "logits_to_keep" in names else {}
        with torch.inference_mode():
            for _ in range(max_new_tokens):
                if cancel is not None and cancel.is_set():
                    return
                out = self.model(input_ids=step_input, use_cache=True, **{cache_arg: past}, **extra)
                past = getattr(out, "cache", None) or out.past_key_values
                logits = out.logits[0, -1].float()
                if constrain is not None:
                    logits = constrain(generated, logits)
                next_id = _sample(logits, temperature, self.config.top_p, rng)
                if next_id in eos:
                    break
                generated.append(next_id)
                step_input = torch.tensor([[next_id]])
                text = self.tokenizer.decode(generated, skip_special_tokens=True)
                if text.endswith("\ufffd"):
                    continue  # half of a multi-byte character: wait for the rest
                if text.startswith(shown):
                    delta, shown = text[len(shown) :], text
                    if delta:
                        yield delta


def end_token_ids(model: Any, tokenizer: Any) -> set[int]:
    """Every token that ends generation: the model's generation config and the tokenizer may name different ones."""
    return {i for i in _as_list(model.generation_config.eos_token_id) + _as_list(tokenizer.eos_token_id) if i is not None}


def dequantised_folder(gguf_path: Path, cache_dir: Path | None = None) -> tuple[Path, tuple[Any, Any] | None]:
    """A transformers folder holding the dequantised GGUF model (made once, then cached).

    Returns the folder and, when it was just made, the model and tokenizer already in memory
    (a read-only cache still gets them, so nothing stops). Fine-tuning starts from this folder.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not gguf_path.is_file():
        raise GenerationError(f"GGUF file {gguf_path} does not exist")
    cache = gguf_cache_folder(gguf_path, cache_dir or default_cache_dir())
    if (cache / "config.json").is_file():
        return cache, None
    log.info("dequantising %s (once; cached in %s)", gguf_path, cache)
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, local_files_only=True)
    _drop_gguf_quantizer(model)
    tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        tmp.replace(cache) if not cache.exists() else None
    except OSError as exc:  # a read-only cache must not stop the bot
        log.warning("could not cache the dequantised model in %s: %s", cache, exc)
    return cache, (model, tokenizer)


def _drop_gguf_quantizer(model: Any) -> None:
    """GGUF weights are fully dequantised on load; forget the quantizer so the model can be saved."""
    model.hf_quantizer = None
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    model.is_quantized = False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _sample(logits: Any, temperature: float, top_p: float, rng: Any) -> int:
    import torch

    if temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < top_p
        sorted_probs = sorted_probs * keep
        choice = torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=rng)
        return int(order[choice])
    return int(torch.multinomial(probs, 1, generator=rng))
