"""GGUF models on the CPU through llama.cpp (llama-cpp-python): the fast default backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dialogue.nlg.generator import GenerationError, Prompt, ThreadedGenerator, as_messages, resolve_model
from dialogue.protocols import ComponentConfig

if TYPE_CHECKING:
    from dialogue.domain.model import Domain


class LlamaCppGenerator(ThreadedGenerator):
    """Streams tokens from a GGUF file; the chat template stored in the file formats chats."""

    class Config(ComponentConfig):
        model: str | None = Field(None, description="Path to a .gguf file; default: the embedded SmolLM2.")
        n_threads: int = Field(2, ge=1)
        n_ctx: int = Field(2048, ge=128)
        seed: int = 0

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self.config = config or self.Config()
        self.model_path = resolve_model(self.config.model)
        self._llm: Any = None

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> LlamaCppGenerator:
        return cls(config)

    def _load(self) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise GenerationError(
                "the llama_cpp backend needs llama-cpp-python: pip install 'dialogue[generation]'"
            ) from exc
        if not Path(self.model_path).is_file():
            raise GenerationError(f"llama_cpp: model file {self.model_path} does not exist")
        try:
            self._llm = Llama(
                model_path=self.model_path,
                n_ctx=self.config.n_ctx,
                n_threads=self.config.n_threads,
                n_threads_batch=self.config.n_threads,
                seed=self.config.seed,
                verbose=False,
            )
        except Exception as exc:
            raise GenerationError(f"llama_cpp could not load {self.model_path}: {exc}") from exc

    def _tokens(
        self, prompt: Prompt, max_new_tokens: int, temperature: float, seed: int | None, cancel: threading.Event
    ) -> Iterator[str]:
        options: dict[str, Any] = {"max_tokens": max_new_tokens, "temperature": temperature, "stream": True}
        if seed is not None:
            options["seed"] = seed
        if isinstance(prompt, str):
            for chunk in self._llm.create_completion(prompt, **options):
                yield chunk["choices"][0].get("text") or ""
                if cancel.is_set():
                    return
        else:
            for chunk in self._llm.create_chat_completion(as_messages(prompt), **options):
                yield chunk["choices"][0].get("delta", {}).get("content") or ""
                if cancel.is_set():
                    return

    def count_tokens(self, text: str) -> int:
        self.load()
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False))
