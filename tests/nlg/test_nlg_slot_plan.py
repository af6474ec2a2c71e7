"""The slot plan: each act's text shows only the placeholders its response's wordings show (each once),
and every one they all show; the llama.cpp grammar, the transformers mask and reranking share the rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nlg_support import write_domain
from test_nlg_finetune import CAFE

from dialogue.domain.loader import load_domain
from dialogue.nlg.act_to_text import ActToTextModel, PlanMask, Segment, SlotPlan, token_texts
from dialogue.nlg.finetune.data import build_dataset, slot_usage

#: utter_late is given a condition flag it never shows and an eta only some wordings show
USAGE = {"utter_late": {"required": ["order_id"], "optional": ["eta"]}, "utter_bye": {"required": [], "optional": []}}
PROMPT = "inform ( eta = [eta] ; late = [late] ; order_id = [order_id] ) & utter_late | say & utter_bye =>"
PLAN = SlotPlan.for_prompt(PROMPT, USAGE)


def test_the_plan_narrows_each_act_to_the_slots_its_wordings_show() -> None:
    assert PLAN.segments == (Segment(frozenset({"eta", "order_id"}), frozenset({"order_id"})), Segment(frozenset(), frozenset()))
    unknown = SlotPlan.for_prompt("inform ( item = [item] ) & utter_new =>", USAGE)
    assert unknown.segments == (Segment(frozenset({"item"}), frozenset({"item"})),)  # not in the meta: every slot required
    merged = SlotPlan.for_prompt(PROMPT, USAGE, act_breaks=False)
    assert merged.segments == (Segment(frozenset({"eta", "order_id"}), frozenset({"order_id"})),)


def test_usage_is_learnt_from_the_wordings(tmp_path: Path) -> None:
    domain = (CAFE.replace('"Hello and welcome to the cafe!"', '"Hello{% if name %} {{ name }}{% endif %}!"\n'
                           '    - "Welcome{% if name %} back{% endif %}!"')
              .replace('"Goodbye, see you soon!"', '"Goodbye{% if people %}, all of you{% endif %}!"'))
    data = build_dataset(load_domain(write_domain(tmp_path / "cafe", domain)), max_pairs=4, seed=1)
    usage = slot_usage(data.train)
    assert usage["utter_greet"] == {"required": [], "optional": ["name"]}  # one wording of two shows it
    assert usage["utter_booked"] == {"required": ["name", "people", "time"], "optional": []}  # status stays literal
    assert usage["utter_bye"] == {"required": [], "optional": []}  # given people, but only tests it
    assert "[people]" in next(e.source for e in data.train if e.responses == ("utter_bye",))


def test_grammar_enumerates_the_orders_that_hold_every_must() -> None:
    assert PLAN.grammar() == "\n".join([
        'root ::= seg0 "|" seg1',
        'seg0 ::= t* "[order_id]" t* | t* "[eta]" t* "[order_id]" t* | t* "[order_id]" t* "[eta]" t*',
        "seg1 ::= t+",
        "t ::= [^|[]",
    ])
    five = {"utter_x": {"required": [], "optional": list("abcde")}}
    assert SlotPlan.for_prompt("inform ( a = [a] ; b = [b] ; c = [c] ; d = [d] ; e = [e] ) & utter_x =>", five).grammar() is None


@pytest.mark.parametrize(("text", "valid", "complete"), [
    (" Order [order_id] is late", True, True),
    (" Order [ord", True, False),  # half of an allowed placeholder
    (" Order [la", False, False),  # the flag is given but never shown
    (" Order [late]", False, False),
    (" Order [order_id], [order_id]", False, False),  # once per act
    (" Sorry |", False, False),  # the break before the act's must
    (" Order [eta] soon", True, False),  # the must is still to come
    (" Order [order_id] at [eta] |", True, False),  # the second act is still to be written
    (" Order [order_id] at [eta] | Bye!", True, True),
    (" Order [order_id] | Bye [order_id]", False, False),  # the second act shows no slot
    (" Order [order_id] | Bye | more", False, False),  # one break per act boundary, no more
])
def test_prefix_validity_follows_the_plan(text: str, valid: bool, complete: bool) -> None:
    plan = SlotPlan.for_prompt(PROMPT.replace(" | say & utter_bye", ""), USAGE) if "|" not in text else PLAN
    assert plan.valid_prefix(text) is valid
    assert plan.complete(text) is complete


def test_the_relaxed_plan_forbids_other_and_repeated_slots_but_forces_none() -> None:
    relaxed = PLAN.relaxed()
    assert relaxed.grammar() == "\n".join([
        'root ::= seg0 "|" seg1',
        'seg0 ::= t+ | t* "[eta]" t* | t* "[order_id]" t* | t* "[eta]" t* "[order_id]" t* | t* "[order_id]" t* "[eta]" t*',
        "seg1 ::= t+",
        "t ::= [^|[]",
    ])
    assert relaxed.complete(" Sorry, it is late | Bye!")  # the must is left to reranking
    assert not relaxed.valid_prefix(" Order [late]") and not relaxed.valid_prefix(" [eta] [eta]")
    assert PLAN.mistakes(" Sorry, it is late | Bye!") == 1  # which still counts it


def test_reranking_counts_mistakes_act_by_act() -> None:
    assert PLAN.mistakes(" Order [order_id] is late | Bye!") == 0
    assert PLAN.mistakes(" Order [order_id] is late: [late] | Bye!") == 1  # invented flag
    assert PLAN.mistakes(" Order is late | Bye [eta]!") == 2  # must missing, eta in the wrong act
    assert PLAN.mistakes(" Order [order_id] [order_id]") == 1  # said twice; the missing act has no must
    both = SlotPlan.for_prompt("inform ( order_id = [order_id] ) & utter_late | inform ( order_id = [order_id] ) & utter_late =>", USAGE)
    assert both.mistakes(" [order_id] late | [order_id] late") == 0  # a shared slot once in each act
    assert both.mistakes(" [order_id] late") == 1


class SeededLlama:
    """Stands in for llama.cpp: the text depends on the seed; records the grammar it was given."""

    def __init__(self, by_seed: list[str]) -> None:
        self.by_seed, self.grammars = by_seed, []  # type: list[str], list[Any]

    def create_completion(self, prompt: str, *, seed: int, grammar: Any = None, **options: object) -> dict[str, list[dict[str, str]]]:
        self.grammars.append(grammar)
        return {"choices": [{"text": " " + self.by_seed[min(seed, len(self.by_seed) - 1)]}]}


def test_reranking_no_longer_asks_for_a_flag_the_wordings_never_show() -> None:
    prompt = "inform ( late = [late] ; order_id = [order_id] ) & utter_late =>"
    texts = ["Order [order_id] is late.", "Order [order_id] is late: [late]."]
    planned = ActToTextModel(None, None, {"slot_plan": USAGE}, llama=SeededLlama(texts))
    planned._grammar = lambda text: text  # type: ignore[method-assign]  # the GBNF text, not compiled
    plan = SlotPlan.for_prompt(prompt, USAGE)
    assert planned.write(prompt) == (texts[0], texts[0])
    assert planned._llama.grammars == [plan.relaxed().grammar()]  # one decode, no slot outside the plan
    forcing = planned.with_plan_decoding("full")
    forcing._grammar = lambda text: text  # type: ignore[method-assign]
    assert forcing.write(prompt) == (texts[0], texts[0]) and forcing._llama.grammars[-1] == plan.grammar()
    counting = planned.with_plan_decoding("off")
    assert counting.write(prompt) == (texts[0], texts[0]) and counting._llama.grammars[-1] is None  # no grammar
    with pytest.raises(ValueError, match="plan decoding"):
        planned.with_plan_decoding("strict")
    old = ActToTextModel(None, None, {}, llama=SeededLlama(texts))  # a meta from before slot plans
    assert old.write(prompt) == (texts[0], texts[1])  # every given slot counted as required


def test_a_random_gpt2_that_wants_every_placeholder_still_writes_the_plan() -> None:
    """Random weights pushed towards placeholders, brackets, breaks and the end at every step: unmasked
    they break the plan; masked, every sampled text is a whole text of the plan."""
    torch = pytest.importorskip("torch")
    from transformers import GPT2Config, GPT2LMHeadModel

    from dialogue.nlg.backends.hf import TransformersGenerator
    from dialogue.nlg.finetune.train import train_tokenizer

    slots = ["[order_id]", "[eta]", "[late]"]
    texts = ["Order [order_id] is late, new date [eta].", "Bye!", "Order [order_id] | Bye [late]."] * 10
    tokenizer = train_tokenizer(texts, slots, vocab_size=200)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=96, n_embd=16, n_layer=1, n_head=2,
                        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id)
    decoder = TransformersGenerator(model=GPT2LMHeadModel(config).eval(), tokenizer=tokenizer)
    pieces = token_texts(tokenizer)
    eager_ids = [i for i, p in enumerate(pieces) if p and ("[" in p or "|" in p)] + [tokenizer.eos_token_id]
    mask = PlanMask(PLAN, pieces, [tokenizer.eos_token_id])

    def eager(generated: list[int], logits: Any) -> Any:
        logits[eager_ids] += 8.0
        return logits

    ids = tokenizer(PROMPT, return_tensors="pt")["input_ids"]
    free = ["".join(decoder.decode_stream(ids, 40, 1.0, seed, constrain=eager)) for seed in range(8)]
    assert not all(PLAN.complete(text) for text in free)  # the push alone breaks the plan
    for seed in range(8):
        text = "".join(decoder.decode_stream(ids, 40, 1.0, seed, constrain=lambda g, lg: mask(g, eager(g, lg))))
        assert PLAN.complete(text), text
        assert PLAN.mistakes(text) == 0 and "[late]" not in text and text.count("[order_id]") == 1


def test_the_llama_cpp_grammar_holds_the_embedded_model_to_the_plan() -> None:
    """The embedded model, untrained for acts, under the plan's grammar: a text that ended by itself
    is a whole text of the plan, and one cut by the token limit still a valid prefix."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from llama_cpp.llama_grammar import LlamaGrammar

    from dialogue.nlg.generator import embedded_model_path

    llama = llama_cpp.Llama(model_path=str(embedded_model_path()), n_ctx=256, n_threads=1, verbose=False)
    grammar = LlamaGrammar.from_string(str(PLAN.grammar()), verbose=False)
    for seed in range(3):
        out = llama.create_completion(PROMPT, max_tokens=32, temperature=0.9, seed=seed, grammar=grammar)["choices"][0]
        assert PLAN.complete(out["text"]) if out["finish_reason"] == "stop" else PLAN.valid_prefix(out["text"]), out
