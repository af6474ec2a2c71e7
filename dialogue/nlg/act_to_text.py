"""Act-to-text realisation with a fine-tuned causal LM (SC-GPT recipe), and the act format it reads.

An act is linearised as ``inform ( order_id = [order_id] ; status = shipped ) & utter_order_status``:
slot values become placeholders (delexicalised) except the values of slots that choose a
template variant (``condition:``), which change the wording and so stay literal. The model
writes text with placeholders; ``relexicalise`` puts the real values back, so a value the
model never saw is still copied exactly and the slot error rate stays low.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
#: the llama.cpp grammar enumerates placeholder orders, so a segment may allow at most this many
GRAMMAR_MAX_PLACEHOLDERS = 4
#: next tokens checked against the slot plan at each step (transformers), best first
PLAN_TOP_K = 50
#: how far the slot plan constrains decoding. "allowed": no placeholder outside the plan and none
#: twice, while the ones every wording shows are left to reranking (forcing them too makes a model
#: that lost its way wander until it can place them: right slots, wrong words); "full": those
#: forced as well; "off": the plan only counts reranking's mistakes
PLAN_DECODING = ("allowed", "full", "off")


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

    Unlike ``slot_errors`` it needs no reference wording, so it can choose at run time. It is a
    slot plan's count for one act that must show every slot it is given (models without a plan).
    """
    return Segment(frozenset(given), frozenset(given)).mistakes(text)


def break_grammar(breaks: int) -> str:
    """GBNF for llama.cpp: text with exactly ``breaks`` act breaks, none first or last."""
    return "root ::= seg" + f' "{ACT_BREAK}" seg' * breaks + f"\nseg ::= [^{ACT_BREAK}]+"


def joined_acts(text: str) -> str:
    """The text a reader sees: act breaks become spaces."""
    return " ".join(part.strip() for part in text.split(ACT_BREAK) if part.strip())


def break_token_ids(texts: list[str | None]) -> list[int]:
    """Tokens whose text holds an act break, from ``token_texts`` (special tokens such as
    ``<|endoftext|>`` do not count)."""
    return [i for i, text in enumerate(texts) if text is not None and ACT_BREAK in text]


@dataclass(frozen=True)
class Segment:
    """What one act's text may show: each ``allowed`` placeholder at most once, every ``must`` one."""

    allowed: frozenset[str]
    must: frozenset[str]

    def orders(self) -> Iterator[tuple[str, ...]]:
        """Every sequence of distinct allowed placeholders that holds all the musts."""
        for size in range(len(self.must), len(self.allowed) + 1):
            for order in itertools.permutations(sorted(self.allowed), size):
                if self.must <= set(order):
                    yield order

    def scan(self, text: str) -> tuple[list[str], str] | None:
        """Placeholders written in ``text`` and an unclosed ``[`` tail; None if a closed ``[...]``
        is not an allowed placeholder or repeats one."""
        found: list[str] = []
        pos = 0
        while (start := text.find("[", pos)) != -1:
            end = text.find("]", start)
            if end == -1:
                return found, text[start:]
            name = text[start + 1 : end]
            if name not in self.allowed or name in found:
                return None
            found.append(name)
            pos = end + 1
        return found, ""

    def can_continue(self, text: str) -> bool:
        """``text`` can still grow into a text of this segment."""
        scan = self.scan(text)
        if scan is None:
            return False
        found, tail = scan
        return not tail or any(placeholder(s).startswith(tail) for s in self.allowed - set(found))

    def closes(self, text: str) -> bool:
        """``text`` is a whole text of this segment: not empty, nothing left open, every must written."""
        scan = self.scan(text)
        return scan is not None and text != "" and not scan[1] and self.must <= set(scan[0])

    def mistakes(self, text: str) -> int:
        """Musts left out, placeholders not allowed, and any written twice (what reranking counts)."""
        found = PLACEHOLDER.findall(text)
        invented = sum(1 for s in found if s not in self.allowed)
        return len(self.must - set(found)) + invented + len(found) - len(set(found))


NO_SLOTS = Segment(frozenset(), frozenset())


@dataclass(frozen=True)
class SlotPlan:
    """The texts decoding may write for a prompt: one segment per act, in prompt order, joined by act breaks.

    A response's training wordings say which of its slots it shows (``required`` by every wording,
    ``optional`` by some); a slot given but never shown (a condition flag such as ``late``) is
    not to be written. The llama.cpp grammar, the transformers prefix check and reranking all
    read this one definition.
    """

    segments: tuple[Segment, ...]

    @classmethod
    def for_prompt(cls, prompt: str, usage: Mapping[str, Mapping[str, list[str]]], act_breaks: bool = True) -> SlotPlan:
        """The plan of ``prompt``; an act whose response ``usage`` lacks must show every slot it is given."""
        segments = [_segment(part, usage) for part in prompt.strip().removesuffix(SEPARATOR.strip()).split(ACT_JOINER)]
        if act_breaks:
            return cls(tuple(segments))
        merged = Segment(frozenset().union(*(s.allowed for s in segments)), frozenset().union(*(s.must for s in segments)))
        return cls((merged,))

    def valid_prefix(self, text: str) -> bool:
        """``text`` can still grow into a text of the plan."""
        parts = text.split(ACT_BREAK)
        if len(parts) > len(self.segments):
            return False
        done = all(self.segments[i].closes(part) for i, part in enumerate(parts[:-1]))
        return done and self.segments[len(parts) - 1].can_continue(parts[-1])

    def complete(self, text: str) -> bool:
        """``text`` is a whole text of the plan (decoding may end)."""
        parts = text.split(ACT_BREAK)
        return len(parts) == len(self.segments) and all(s.closes(p) for s, p in zip(self.segments, parts))

    def mistakes(self, text: str) -> int:
        """Slot mistakes segment by segment, so a slot of both acts may appear once in each."""
        parts = text.split(ACT_BREAK)
        parts += [""] * (len(self.segments) - len(parts))  # acts never written: their musts are missing
        segments = self.segments + (NO_SLOTS,) * (len(parts) - len(self.segments))  # extra text: nothing allowed
        return sum(segment.mistakes(part) for segment, part in zip(segments, parts))

    def relaxed(self) -> SlotPlan:
        """The same plan without the musts: what ``allowed`` decoding enforces."""
        return SlotPlan(tuple(Segment(s.allowed, frozenset()) for s in self.segments))

    def grammar(self) -> str | None:
        """GBNF for llama.cpp, or None when a segment allows too many placeholders to enumerate."""
        if any(len(s.allowed) > GRAMMAR_MAX_PLACEHOLDERS for s in self.segments):
            return None
        root = f' "{ACT_BREAK}" '.join(f"seg{i}" for i in range(len(self.segments)))
        rules = [f"root ::= {root}"]
        for i, segment in enumerate(self.segments):
            alternatives = [" ".join(["t*", *(f'"{placeholder(s)}" t*' for s in order)]) if order else "t+"
                            for order in segment.orders()]
            rules.append(f"seg{i} ::= " + " | ".join(alternatives))
        rules.append(f"t ::= [^{ACT_BREAK}[]")
        return "\n".join(rules)


def _segment(act: str, usage: Mapping[str, Mapping[str, list[str]]]) -> Segment:
    """One linearised act's segment: its given placeholders, narrowed by what its response shows."""
    given = frozenset(PLACEHOLDER.findall(act))
    shown = usage.get(act.rsplit(" & ", 1)[-1].strip())
    if shown is None:
        return Segment(given, given)
    must = given & set(shown.get("required", []))
    return Segment(given & (must | set(shown.get("optional", []))), must)


class PlanMask:
    """Logit mask for the transformers decoder, the rule of ``SlotPlan``: of the best next tokens,
    keep those after which the text is still a valid prefix (the end only once it is complete)."""

    def __init__(self, plan: SlotPlan, token_texts: list[str | None], end_ids: list[int], top_k: int = PLAN_TOP_K) -> None:
        self.plan, self.token_texts, self.top_k = plan, token_texts, top_k
        self.end_ids = set(end_ids)

    def __call__(self, generated: list[int], logits: Any) -> Any:
        text = "".join(self.token_texts[t] or "" for t in generated)
        keep: list[int] = []
        for rank, token in enumerate(logits.argsort(descending=True).tolist()):
            if rank >= self.top_k and keep:
                break
            if self.allows(text, token):
                keep.append(token)
        if not keep:  # nothing in the vocabulary fits: leave the model alone rather than fail
            return logits
        masked = logits.new_full(logits.shape, float("-inf"))
        masked[keep] = logits[keep]
        return masked

    def allows(self, text: str, token: int) -> bool:
        if token in self.end_ids:  # not after half of a multi-byte character, which the decoder never shows
            return self.plan.complete(text) and not text.endswith("\ufffd")
        piece = self.token_texts[token]
        return piece is not None and self.plan.valid_prefix(text + piece)


def token_texts(tokenizer: Any) -> list[str | None]:
    """Each token's text; None for special tokens, which the plan never allows (the end is handled apart)."""
    special = set(tokenizer.all_special_ids)
    return [None if i in special else tokenizer.decode([i]) for i in range(len(tokenizer))]


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
        self._grammars: dict[str, Any] = {}  # GBNF text -> compiled llama.cpp grammar
        self._break_ids: list[int] | None = None  # tokens that write an act break (transformers)
        self._token_texts: list[str | None] | None = None  # each token's text (transformers): plan and breaks
        self.plan_decoding = PLAN_DECODING[0]  # how far the slot plan constrains decoding (see PLAN_DECODING)
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

    def slot_plan(self, prompt: str) -> SlotPlan | None:
        """The plan decoding follows; None for a model whose meta predates slot plans (break rule only)."""
        usage = self.meta.get("slot_plan")
        return None if usage is None else SlotPlan.for_prompt(prompt, usage, self.act_breaks)

    def without_slot_plan(self) -> ActToTextModel:
        """The same weights decoded as before slot plans (to compare the two on the same model)."""
        meta = {k: v for k, v in self.meta.items() if k != "slot_plan"}
        return ActToTextModel(self.model, self.tokenizer, meta, self.path, llama=self._llama)

    def with_plan_decoding(self, mode: str) -> ActToTextModel:
        """The same weights with the slot plan constraining decoding as ``mode`` says (to compare modes)."""
        if mode not in PLAN_DECODING:
            raise ValueError(f"plan decoding {mode!r}: expected one of {', '.join(PLAN_DECODING)}")
        model = ActToTextModel(self.model, self.tokenizer, self.meta, self.path, llama=self._llama)
        model.plan_decoding = mode
        return model

    def generate_delexicalised(self, prompt: str, temperature: float = 0.0, seed: int | None = 0) -> str:
        return self._shown(self._decode(prompt, temperature, seed, self.slot_plan(prompt)))

    def _shown(self, raw: str) -> str:
        return joined_acts(raw) if self.act_breaks else raw.strip()

    def _decode(self, prompt: str, temperature: float, seed: int | None, plan: SlotPlan | None) -> str:
        """The text as decoded, act breaks included, under the plan (or the break rule) when there is one."""
        breaks = prompt.count(ACT_JOINER) if self.act_breaks else None
        if plan is not None and self.plan_decoding != "full":
            plan = plan.relaxed() if self.plan_decoding == "allowed" else None
        if self._llama is not None:
            grammar = plan.grammar() if plan is not None else None
            if grammar is None and breaks is not None:
                grammar = break_grammar(breaks)
            options = {"grammar": self._grammar(grammar)} if grammar is not None else {}
            with self._lock:
                out = self._llama.create_completion(prompt, max_tokens=self.max_new_tokens, temperature=temperature,
                                                    seed=seed if seed is not None else -1, **options)
            return str(out["choices"][0]["text"])
        assert self._decoder is not None
        ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        constrain = self._plan_mask(plan) if plan is not None else self._break_counter(breaks) if breaks is not None else None
        return "".join(self._decoder.decode_stream(ids, self.max_new_tokens, temperature, seed, constrain=constrain))

    def _grammar(self, text: str) -> Any:
        if text not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def _break_counter(self, breaks: int) -> BreakCounter:
        from dialogue.nlg.backends.hf import end_token_ids

        if self._break_ids is None:
            self._break_ids = break_token_ids(self._vocabulary())
        return BreakCounter(self._break_ids, sorted(end_token_ids(self.model, self.tokenizer)), breaks)

    def _plan_mask(self, plan: SlotPlan) -> PlanMask:
        from dialogue.nlg.backends.hf import end_token_ids

        return PlanMask(plan, self._vocabulary(), sorted(end_token_ids(self.model, self.tokenizer)))

    def _vocabulary(self) -> list[str | None]:
        """Each token's text, decoded once per model (a pass over the whole vocabulary)."""
        if self._token_texts is None:
            self._token_texts = token_texts(self.tokenizer)
        return self._token_texts

    def write(self, prompt: str, candidates: int = CANDIDATES) -> tuple[str, str]:
        """(greedy text, text with the fewest slot mistakes) for a prompt: over-generate and rerank.

        A model that drops or invents a slot in its most likely text often gets it right in a
        sample; samples are drawn (seeded, so the same act reads the same) only until one has no
        mistake, so a model that is right the first time costs one decode. Mistakes are counted
        against the slot plan, act by act; a model without one counts every given slot as required.
        """
        plan = self.slot_plan(prompt)
        given = set(PLACEHOLDER.findall(prompt))
        count = plan.mistakes if plan is not None else lambda text: slot_mismatch(text, given)
        greedy = self._decode(prompt, 0.0, 0, plan)
        best, fewest = greedy, count(greedy)
        for seed in range(1, candidates):
            if fewest == 0:
                break
            text = self._decode(prompt, CANDIDATE_TEMPERATURE, seed, plan)
            mistakes = count(text)
            if mistakes < fewest:
                best, fewest = text, mistakes
        return self._shown(greedy), self._shown(best)

    def realise(self, name: str, values: Mapping[str, Any], candidates: int = CANDIDATES) -> str | None:
        """Text for one act with its real values, or None if the model used a slot it was not given."""
        clean = {k: v for k, v in values.items() if v not in (None, "") and not isinstance(v, Mapping | list)}
        _, text = self.write(self.prompt([(name, clean)]), candidates)
        filled, unknown = relexicalise(text, clean)
        return None if unknown or not filled.strip() else filled
