"""Act-to-text realisation with a fine-tuned causal LM (SC-GPT recipe), and the act format it reads.

An act is linearised as ``inform ( order_id = [order_id] ; status = shipped ) & utter_order_status``:
slot values become placeholders (delexicalised) except the values of slots that choose a
template variant (``condition:``), which change the wording and so stay literal. The model
writes text with placeholders; ``relexicalise`` puts the real values back, so a value the
model never saw is still copied exactly and the slot error rate stays low.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("dialogue.nlg")

SEPARATOR = " =>"
ACT_JOINER = " | "
META_FILE = "act_to_text.json"
FORMAT_VERSION = 1
PLACEHOLDER = re.compile(r"\[([A-Za-z_][A-Za-z0-9_]*)\]")


def placeholder(slot: str) -> str:
    return f"[{slot}]"


def act_type(name: str, slots: Mapping[str, Any]) -> str:
    if re.search(r"(^|_)ask(_|$)", name) or name.startswith("request"):
        return "request"
    return "inform" if slots else "say"


def linearise(name: str, slots: Mapping[str, Any]) -> str:
    """``inform ( a = 1 ; b = [b] ) & utter_x``; slots sorted so the same act reads the same."""
    kind = act_type(name, slots)
    if not slots:
        return f"{kind} & {name}"
    inner = " ; ".join(f"{k} = {slots[k]}" for k in sorted(slots))
    return f"{kind} ( {inner} ) & {name}"


def delexicalise_act(
    name: str, values: Mapping[str, Any], literal: Mapping[str, Mapping[str, list[str]]]
) -> dict[str, str]:
    """Slot → placeholder, except condition values the model was trained on literally."""
    out: dict[str, str] = {}
    for slot, value in values.items():
        if value is None or value == "":
            continue
        known = literal.get(name, {}).get(slot, [])
        out[slot] = str(value) if str(value) in known else placeholder(slot)
    return out


def delexicalise_text(text: str, values: Mapping[str, Any]) -> str:
    """Replace each value's surface form in ``text`` with its placeholder (longest values first)."""
    for slot, value in sorted(values.items(), key=lambda kv: -len(str(kv[1]))):
        if value not in (None, ""):
            text = re.sub(rf"(?<!\w){re.escape(str(value))}(?!\w)", placeholder(slot), text)
    return text


def relexicalise(text: str, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Put values back; returns the text and the placeholders it had no value for."""
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot in values and values[slot] not in (None, ""):
            return str(values[slot])
        unknown.append(slot)
        return match.group(0)

    return PLACEHOLDER.sub(fill, text), unknown


def slot_errors(output: str, expected: set[str], given: set[str]) -> tuple[int, int]:
    """(missing + invented placeholders, placeholders expected), on delexicalised text as in SC-GPT.

    ``expected``: slots the reference wording shows; ``given``: slots the act passed. A
    placeholder for a slot the act did not pass is invented; one the reference shows but the
    output lacks is missing.
    """
    found = PLACEHOLDER.findall(output)
    missing = sum(1 for s in expected if s not in found)
    invented = sum(1 for s in found if s not in given)
    return missing + invented, len(expected)


class ActToTextModel:
    """A model folder written by ``dialogue train nlg``: weights (or GGUF files), tokenizer and ``act_to_text.json``.

    A model fine-tuned from a GGUF base is saved as GGUF files (8- and 4-bit) and run by
    llama.cpp; without llama-cpp-python, transformers loads the same file (dequantised) instead.
    """

    def __init__(self, model: Any, tokenizer: Any, meta: dict[str, Any], path: Path | None = None,
                 llama: Any = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.meta = meta
        self.path = path
        self.literal: dict[str, dict[str, list[str]]] = meta.get("literal", {})
        self.max_new_tokens = int(meta.get("max_new_tokens", 160))
        self._llama = llama  # a llama_cpp.Llama, which is not safe to call from two threads at once
        self._lock = threading.Lock()
        self._decoder = None
        if model is not None:
            from dialogue.nlg.backends.hf import TransformersGenerator

            self._decoder = TransformersGenerator(model=model, tokenizer=tokenizer)

    @classmethod
    def load(cls, path: str | Path, gguf: str | None = None) -> ActToTextModel:
        """Load a trained model; ``gguf`` picks one of its GGUF files (default: the one the training chose)."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        meta_file = path / META_FILE
        if not meta_file.is_file():
            raise FileNotFoundError(f"{path} is not an act-to-text model (no {META_FILE}); train one with `dialogue train nlg`")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        files: dict[str, str] = meta.get("gguf") or {}
        if files:
            name = files[gguf or meta.get("runtime") or next(iter(files))]
            try:
                return cls.from_gguf(path / name, meta, path)
            except ImportError:
                log.warning("llama-cpp-python is not installed: loading %s through transformers (slower)", name)
            model = AutoModelForCausalLM.from_pretrained(path, gguf_file=name, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(path, gguf_file=name, local_files_only=True)
        else:
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model.eval()
        return cls(model, tokenizer, meta, path)

    @classmethod
    def from_gguf(cls, file: Path, meta: dict[str, Any], path: Path | None = None, n_threads: int = 1) -> ActToTextModel:
        """The model in a GGUF file, run by llama.cpp (one thread: short prompts, often on a shared CPU)."""
        from llama_cpp import Llama

        llama = Llama(model_path=str(file), n_ctx=512, n_threads=n_threads, n_threads_batch=n_threads, verbose=False)
        return cls(None, None, meta, path or file.parent, llama=llama)

    def prompt(self, acts: list[tuple[str, Mapping[str, Any]]]) -> str:
        return ACT_JOINER.join(linearise(n, delexicalise_act(n, v, self.literal)) for n, v in acts) + SEPARATOR

    def generate_delexicalised(self, prompt: str, temperature: float = 0.0, seed: int | None = 0) -> str:
        if self._llama is not None:
            with self._lock:
                out = self._llama.create_completion(prompt, max_tokens=self.max_new_tokens, temperature=temperature,
                                                    seed=seed if seed is not None else -1)
            return str(out["choices"][0]["text"]).strip()
        assert self._decoder is not None
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        return "".join(self._decoder.decode_stream(ids, self.max_new_tokens, temperature, seed)).strip()

    def realise(self, name: str, values: Mapping[str, Any], temperature: float = 0.0) -> str | None:
        """Text for one act with its real values, or None if the model used a slot it was not given."""
        clean = {k: v for k, v in values.items() if v not in (None, "") and not isinstance(v, Mapping | list)}
        text = self.generate_delexicalised(self.prompt([(name, clean)]), temperature)
        filled, unknown = relexicalise(text, clean)
        return None if unknown or not filled.strip() else filled
