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
#: what a model trained on act combinations writes between the texts of two acts (its meta says
#: ``act_breaks``): decoding can then count the acts written, and may not end before the last one
ACT_BREAK = "|"
META_FILE = "act_to_text.json"
FORMAT_VERSION = 1
PLACEHOLDER = re.compile(r"\[([A-Za-z_][A-Za-z0-9_]*)\]")
#: texts written per act at most: the greedy one, then samples until one gets every slot right
CANDIDATES = 8
#: sampling temperature of the extra candidates (varied enough to fix a slot, close to the greedy text)
CANDIDATE_TEMPERATURE = 0.8


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


def slot_mismatch(text: str, given: set[str]) -> int:
    """Given placeholders left out, others invented, any said twice: what reranking minimises.

    Unlike ``slot_errors`` it needs no reference wording, so it can choose at run time.
    """
    found = PLACEHOLDER.findall(text)
    missing = sum(1 for s in given if s not in found)
    invented = sum(1 for s in found if s not in given)
    return missing + invented + len(found) - len(set(found))


def break_grammar(breaks: int) -> str:
    """GBNF for llama.cpp: text with exactly ``breaks`` act breaks, none first or last."""
    return "root ::= seg" + f' "{ACT_BREAK}" seg' * breaks + f"\nseg ::= [^{ACT_BREAK}]+"


def joined_acts(text: str) -> str:
    """The text a reader sees: act breaks become spaces."""
    return " ".join(part.strip() for part in text.split(ACT_BREAK) if part.strip())


def break_token_ids(tokenizer: Any) -> list[int]:
    """Tokens whose text holds an act break (special tokens such as ``<|endoftext|>`` do not count)."""
    special = set(tokenizer.all_special_ids)
    return [i for i in range(len(tokenizer)) if i not in special and ACT_BREAK in tokenizer.decode([i])]


class BreakCounter:
    """Logit mask for the transformers decoder, the same rule as ``break_grammar``: the end is
    forbidden until ``breaks`` act breaks are written, a further break after that."""

    def __init__(self, break_ids: list[int], end_ids: list[int], breaks: int) -> None:
        self.break_ids, self.end_ids, self.breaks = break_ids, end_ids, breaks
        self._is_break = set(break_ids)

    def __call__(self, generated: list[int], logits: Any) -> Any:
        written = sum(1 for token in generated if token in self._is_break)
        logits[self.end_ids if written < self.breaks else self.break_ids] = float("-inf")
        return logits


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
        self._grammars: dict[int, Any] = {}  # act breaks -> compiled llama.cpp grammar
        self._break_ids: list[int] | None = None  # tokens that write an act break (transformers)
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

    @property
    def act_breaks(self) -> bool:
        """Trained with act breaks between the texts of combined acts (``dialogue train nlg`` on a domain)."""
        return bool(self.meta.get("act_breaks"))

    def generate_delexicalised(self, prompt: str, temperature: float = 0.0, seed: int | None = 0) -> str:
        breaks = prompt.count(ACT_JOINER) if self.act_breaks else None
        if self._llama is not None:
            options = {"grammar": self._grammar(breaks)} if breaks is not None else {}
            with self._lock:
                out = self._llama.create_completion(prompt, max_tokens=self.max_new_tokens, temperature=temperature,
                                                    seed=seed if seed is not None else -1, **options)
            text = str(out["choices"][0]["text"])
        else:
            assert self._decoder is not None
            ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
            constrain = self._break_counter(breaks) if breaks is not None else None
            text = "".join(self._decoder.decode_stream(ids, self.max_new_tokens, temperature, seed, constrain=constrain))
        return joined_acts(text) if breaks is not None else text.strip()

    def _grammar(self, breaks: int) -> Any:
        if breaks not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            self._grammars[breaks] = LlamaGrammar.from_string(break_grammar(breaks), verbose=False)
        return self._grammars[breaks]

    def _break_counter(self, breaks: int) -> BreakCounter:
        from dialogue.nlg.backends.hf import end_token_ids

        if self._break_ids is None:
            self._break_ids = break_token_ids(self.tokenizer)
        return BreakCounter(self._break_ids, sorted(end_token_ids(self.model, self.tokenizer)), breaks)

    def write(self, prompt: str, candidates: int = CANDIDATES) -> tuple[str, str]:
        """(greedy text, text with the fewest slot mistakes) for a prompt: over-generate and rerank.

        A model that drops or invents a slot in its most likely text often gets it right in a
        sample; samples are drawn (seeded, so the same act reads the same) only until one has no
        mistake, so a model that is right the first time costs one decode.
        """
        given = set(PLACEHOLDER.findall(prompt))
        greedy = self.generate_delexicalised(prompt, 0.0)
        best, fewest = greedy, slot_mismatch(greedy, given)
        for seed in range(1, candidates):
            if fewest == 0:
                break
            text = self.generate_delexicalised(prompt, CANDIDATE_TEMPERATURE, seed=seed)
            mistakes = slot_mismatch(text, given)
            if mistakes < fewest:
                best, fewest = text, mistakes
        return greedy, best

    def realise(self, name: str, values: Mapping[str, Any], candidates: int = CANDIDATES) -> str | None:
        """Text for one act with its real values, or None if the model used a slot it was not given."""
        clean = {k: v for k, v in values.items() if v not in (None, "") and not isinstance(v, Mapping | list)}
        _, text = self.write(self.prompt([(name, clean)]), candidates)
        filled, unknown = relexicalise(text, clean)
        return None if unknown or not filled.strip() else filled
