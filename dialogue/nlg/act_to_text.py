"""Act-to-text realisation with a fine-tuned causal LM (SC-GPT recipe), and the act format it reads.

An act is linearised as ``inform ( order_id = [order_id] ; status = shipped ) & utter_order_status``:
slot values become placeholders (delexicalised) except the values of slots that choose a
template variant (``condition:``), which change the wording and so stay literal. The model
writes text with placeholders; ``relexicalise`` puts the real values back, so a value the
model never saw is still copied exactly and the slot error rate stays low.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    """A model folder written by ``dialogue train nlg``: weights, tokenizer and ``act_to_text.json``."""

    def __init__(self, model: Any, tokenizer: Any, meta: dict[str, Any], path: Path | None = None) -> None:
        from dialogue.nlg.backends.hf import TransformersGenerator

        self.model = model
        self.tokenizer = tokenizer
        self.meta = meta
        self.path = path
        self.literal: dict[str, dict[str, list[str]]] = meta.get("literal", {})
        self.max_new_tokens = int(meta.get("max_new_tokens", 160))
        self._decoder = TransformersGenerator(model=model, tokenizer=tokenizer)

    @classmethod
    def load(cls, path: str | Path) -> ActToTextModel:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        meta_file = path / META_FILE
        if not meta_file.is_file():
            raise FileNotFoundError(f"{path} is not an act-to-text model (no {META_FILE}); train one with `dialogue train nlg`")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        model.eval()
        return cls(model, AutoTokenizer.from_pretrained(path, local_files_only=True), meta, path)

    def prompt(self, acts: list[tuple[str, Mapping[str, Any]]]) -> str:
        return ACT_JOINER.join(linearise(n, delexicalise_act(n, v, self.literal)) for n, v in acts) + SEPARATOR

    def generate_delexicalised(self, prompt: str, temperature: float = 0.0, seed: int | None = 0) -> str:
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        return "".join(self._decoder.decode_stream(ids, self.max_new_tokens, temperature, seed)).strip()

    def realise(self, name: str, values: Mapping[str, Any], temperature: float = 0.0) -> str | None:
        """Text for one act with its real values, or None if the model used a slot it was not given."""
        clean = {k: v for k, v in values.items() if v not in (None, "") and not isinstance(v, Mapping | list)}
        text = self.generate_delexicalised(self.prompt([(name, clean)]), temperature)
        filled, unknown = relexicalise(text, clean)
        return None if unknown or not filled.strip() else filled
