"""Act breaks: a model trained on act combinations writes '|' between the acts' texts, and decoding
may not end before every act is written (the failure that made joint decoding stop after one act)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from nlg_support import write_domain
from test_nlg_finetune import CAFE

from dialogue.domain.loader import load_domain
from dialogue.nlg.act_to_text import (
    ACT_BREAK,
    ACT_JOINER,
    BreakCounter,
    break_grammar,
    break_token_ids,
    joined_acts,
    token_texts,
)
from dialogue.nlg.finetune.data import build_dataset

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_combinations_are_trained_with_one_act_break_and_single_acts_with_none(tmp_path: Path) -> None:
    data = build_dataset(load_domain(write_domain(tmp_path / "cafe", CAFE)), max_pairs=12, test_fraction=0.25, seed=1)
    for example in data.train + data.test:
        assert example.target.count(ACT_BREAK) == len(example.acts) - 1
        assert example.source.count(ACT_JOINER) == len(example.acts) - 1  # what decoding counts
    pair = next(e for e in data.train if len(e.acts) == 2)
    assert joined_acts(pair.target) in pair.references or not pair.references  # the reader never sees the break
    assert ACT_BREAK not in joined_acts(pair.target)


def test_the_end_is_forbidden_until_every_break_is_written_and_a_break_after() -> None:
    counter = BreakCounter(break_ids=[5, 6], end_ids=[0], breaks=1)
    before = counter([1, 2], torch.zeros(8))
    assert before[0] == float("-inf") and before[5] == 0 and before[6] == 0
    after = counter([1, 6, 2], torch.zeros(8))
    assert after[0] == 0 and after[5] == float("-inf") and after[6] == float("-inf")
    single = BreakCounter(break_ids=[5], end_ids=[0], breaks=0)([], torch.zeros(8))
    assert single[0] == 0 and single[5] == float("-inf")  # one act: never a break


@pytest.mark.parametrize("breaks", [0, 1, 2])
def test_a_decoder_that_wants_to_stop_at_once_still_writes_every_act(breaks: int) -> None:
    """A random GPT-2 pushed towards ending (and towards a break) at every step: without the counter
    it would end at once; with it the text holds exactly the breaks asked for, then ends."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from dialogue.nlg.backends.hf import TransformersGenerator
    from dialogue.nlg.finetune.train import train_tokenizer

    texts = ["Booked for [people] at [time].", "Hello and welcome!", "Hello | Booked."] * 10
    tokenizer = train_tokenizer(texts, ["[people]", "[time]"], vocab_size=200)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=16, n_layer=1, n_head=2,
                        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config).eval()
    break_ids = break_token_ids(token_texts(tokenizer))
    assert break_ids and tokenizer.eos_token_id not in break_ids  # '<|endoftext|>' holds a '|' but ends the text
    counter = BreakCounter(break_ids, [tokenizer.eos_token_id], breaks)

    def eager(generated: list[int], logits: torch.Tensor) -> torch.Tensor:
        logits[[tokenizer.eos_token_id, *break_ids]] += 50.0
        return counter(generated, logits)

    decoder = TransformersGenerator(model=model, tokenizer=tokenizer)
    ids = tokenizer("say & utter_greet" + " | say & utter_greet" * breaks + " =>", return_tensors="pt")["input_ids"]
    raw = "".join(decoder.decode_stream(ids, 30, 0.0, 0, constrain=eager))
    assert raw.count(ACT_BREAK) == breaks
    assert raw.replace(ACT_BREAK, "").strip() == ""  # then it ended: nothing but the breaks was worth writing


def test_the_llama_cpp_grammar_allows_an_end_only_after_every_break() -> None:
    """The embedded model, untrained for acts, under the grammar: whatever it writes, a text that
    ended by itself holds exactly the breaks asked for, and one cut by the token limit no more."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from llama_cpp.llama_grammar import LlamaGrammar

    from dialogue.nlg.generator import embedded_model_path

    assert break_grammar(2) == 'root ::= seg "|" seg "|" seg\nseg ::= [^|]+'
    llama = llama_cpp.Llama(model_path=str(embedded_model_path()), n_ctx=256, n_threads=1, verbose=False)
    rng = random.Random(0)
    for breaks in (0, 1, 2):
        grammar = LlamaGrammar.from_string(break_grammar(breaks), verbose=False)
        prompt = " | ".join(["say & utter_greet", "inform ( item = [item] ) & utter_item", "say & utter_bye"][: breaks + 1])
        out = llama.create_completion(prompt + " =>", max_tokens=24, temperature=0.7, seed=rng.randrange(1000),
                                      grammar=grammar)["choices"][0]
        written = out["text"].count(ACT_BREAK)
        assert written == breaks if out["finish_reason"] == "stop" else written <= breaks
