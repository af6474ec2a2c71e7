"""Paraphrase pairs for the rephrasing model: response variants and mined rewrites, both passed through the guards."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from nlg_support import SHOP, ScriptedGenerator, write_domain

from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain
from dialogue.nlg.finetune.paraphrase import Pair, encode_pair, mined_pairs, variant_pairs

pytest.importorskip("transformers")

EXTRA = """
  utter_shipped:
    - "Order {{ order_id }} has shipped and arrives on {{ eta }}."
    - "Your order {{ order_id }} has shipped and will arrive on {{ eta }}."
    - "Good news: it's on the way."
"""


@pytest.fixture
def shop(tmp_path: Path) -> Domain:
    return load_domain(write_domain(tmp_path / "shop", SHOP + EXTRA))


def test_variants_the_guards_accept_as_rewrites_become_pairs_with_the_same_values(shop: Domain) -> None:
    pairs = [p for p in variant_pairs(shop, seed=1, renders=1) if p.response == "utter_shipped"]
    assert len(pairs) == 2  # the two wordings that keep the order number and date, both ways
    for pair in pairs:
        values = dict(pair.values)
        assert values["order_id"] in pair.source and values["order_id"] in pair.target
        assert values["eta"] in pair.source and values["eta"] in pair.target
        assert "Good news" not in pair.source + pair.target  # drops both values: never a training target
        assert pair.domain == shop.name  # so a benchmark can leave the responses a model learned from out


async def test_mined_rewrites_are_kept_only_if_accepted_and_changed(shop: Domain) -> None:
    order = next(p for p in variant_pairs(shop, seed=3, renders=1) if p.response == "utter_shipped")
    values = dict(order.values)
    template = f"Order {values['order_id']} has shipped and arrives on {values['eta']}."
    replies = [template,  # unchanged: teaches nothing
               f"Your order has shipped and arrives on {values['eta']}.",  # drops the order number
               f"Order {values['order_id']} is on its way and arrives on {values['eta']}.",  # a good rewrite
               f"Order {values['order_id']} is on its way and arrives on {values['eta']}."]  # the same one again
    generator = ScriptedGenerator(*replies)

    async def only_shipped(prompt, **options):  # type: ignore[no-untyped-def]
        text = str(prompt[-1]["content"])  # the message to rewrite
        return replies.pop(0) if text == template and replies else text

    generator.generate = only_shipped  # type: ignore[method-assign]
    mined = await mined_pairs(shop, generator, seed=3, samples=4)
    shipped = [p for p in mined if p.response == "utter_shipped"]
    assert [p.target for p in shipped] == [f"Order {values['order_id']} is on its way and arrives on {values['eta']}."]
    assert shipped[0].origin == "mined" and shipped[0].source == template


def test_a_pair_is_the_realiser_s_chat_and_only_the_answer_is_learned() -> None:
    from dialogue.nlg.finetune.train import train_tokenizer

    tokenizer = train_tokenizer(["hello there, your order 12345 shipped"] * 5, [], 300)
    tokenizer.chat_template = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}" \
                              "{% if add_generation_prompt %}<assistant>{% endif %}"
    ids, labels = encode_pair(tokenizer, Pair("Order 12345 shipped.", "Your order 12345 shipped.", "utter_x", "Sam"))
    learned = [i for i, label in zip(ids, labels) if label != -100]
    assert tokenizer.decode(learned[:-1]) == "Your order 12345 shipped." and learned[-1] == tokenizer.eos_token_id
    prompt = tokenizer.decode([i for i, label in zip(ids, labels) if label == -100])
    assert "Order 12345 shipped." in prompt and "rewrite" in prompt and "Sam" in prompt


def test_no_pairs_is_an_error_not_an_empty_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.nlg.finetune.cli import run_paraphrase

    plain = write_domain(tmp_path / "plain", "name: plain\nresponses:\n  utter_hi: [Hello!]\n")
    assert run_paraphrase([str(plain)], output=str(tmp_path / "out"), mine=0, out=io.StringIO()) == 1
    assert "no paraphrase pairs" in capsys.readouterr().err
