"""Templates: variants, conditions, channels, buttons, sandboxing, and load-time validation."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from nlg_support import SHOP, decision, write_domain

from dialogue.domain.errors import DomainError
from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain
from dialogue.messages import DialogueAct
from dialogue.nlg.templates import TemplateRealiser


def realiser(domain: Domain, **config: object) -> TemplateRealiser:
    return TemplateRealiser.from_config(TemplateRealiser.Config(**config), domain)  # type: ignore[arg-type]


async def texts(r: TemplateRealiser, *acts: DialogueAct, **kwargs: object) -> list[str]:
    return [m.text for m in await r.realise(decision(*acts, **kwargs))]  # type: ignore[arg-type]


async def test_slot_interpolation_and_markdown_kept(shop: Domain) -> None:
    r = realiser(shop)
    [message] = await r.realise(decision(DialogueAct(name="utter_order_status"), slots={"order_id": "12345", "status": "shipped", "eta": "May 3"}))
    assert message.text == "Order **12345** has shipped and arrives on May 3."
    assert message.response == "utter_order_status" and not message.generated


async def test_condition_picks_the_matching_variant_and_act_values_win(shop: Domain) -> None:
    r = realiser(shop)
    assert await texts(r, DialogueAct(name="utter_order_status", slots={"eta": "June 1"}),
                       slots={"order_id": "777", "status": "delayed", "eta": "May 3"}) == [
        "Order 777 is delayed, sorry. New date: June 1."
    ]
    # no condition holds: the unconditional variant, with its Jinja default
    assert await texts(r, DialogueAct(name="utter_order_status"), slots={"order_id": "9"}) == ["Order 9 is being prepared."]


async def test_unset_slots_render_as_nothing(shop: Domain) -> None:
    r = realiser(shop, selection="first")
    assert await texts(r, DialogueAct(name="utter_greet")) == ["Hello!"]
    assert await texts(r, DialogueAct(name="utter_greet"), slots={"name": "Ada"}) == ["Hello Ada!"]


async def test_round_robin_cycles_through_variants(shop: Domain) -> None:
    r = realiser(shop, selection="round_robin")
    said = [(await texts(r, DialogueAct(name="utter_greet")))[0] for _ in range(4)]
    assert said == ["Hello!", "Hi, how can I help?", "Welcome back.", "Hello!"]


async def test_seeded_random_selection_is_reproducible(shop: Domain) -> None:
    runs = []
    for _ in range(2):
        r = realiser(shop, seed=7)
        runs.append([(await texts(r, DialogueAct(name="utter_greet")))[0] for _ in range(12)])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 1  # random, not always the first


async def test_buttons_render_and_channel_variant_wins(shop: Domain) -> None:
    r = realiser(shop)
    [web] = await r.realise(decision(DialogueAct(name="utter_menu"), slots={"order_id": "12345"}))
    assert web.text == "What would you like to do?"
    assert [(b.title, b.payload) for b in web.buttons] == [("Track 12345", "/order_status"), ("Talk to a person", "/human")]
    [sms] = await r.realise(decision(DialogueAct(name="utter_menu"), channel="sms"))
    assert sms.text == "Pick one: track or talk." and sms.buttons == ()


async def test_declared_variables_and_entities_come_from_the_act(shop: Domain) -> None:
    r = realiser(shop)
    act = DialogueAct(name="utter_weather", slots={"temperature": 21, "city": "Paris"})
    assert await texts(r, act) == ["It is 21 degrees in Paris."]


async def test_literal_text_and_unknown_act(shop: Domain, caplog: pytest.LogCaptureFixture) -> None:
    r = realiser(shop)
    with caplog.at_level(logging.WARNING, logger="dialogue.nlg"):
        said = await texts(r, DialogueAct(name="text", text="As you wish."),
                           DialogueAct(name="inform_refund", slots={"amount": 30, "order_id": "12345"}))
    assert said == ["As you wish.", "Inform refund: amount 30, order id 12345."]
    assert "inform_refund" in caplog.text


async def test_stream_receives_every_message_in_order(shop: Domain) -> None:
    r = realiser(shop, selection="first")
    got: list[tuple[int, str]] = []

    async def sink(index: int, delta: str) -> None:
        got.append((index, delta))

    messages = await r.realise(decision(DialogueAct(name="utter_greet"), DialogueAct(name="utter_default")), sink)
    assert got == [(0, messages[0].text), (1, messages[1].text)]


async def test_sandbox_blocks_attribute_escapes(tmp_path: Path) -> None:
    text = SHOP.replace('"Welcome back{% if name %}, {{ name }}{% endif %}."',
                        '"{{ name.__class__.__mro__[1].__subclasses__() }}"')
    domain = load_domain(write_domain(tmp_path / "evil", text))
    r = realiser(domain, selection="round_robin")
    said = [m.text for _ in range(3) for m in await r.realise(decision(DialogueAct(name="utter_greet"), slots={"name": "x"}))]
    assert said[:2] == ["Hello x!", "Hi x, how can I help?"]
    assert said[2] == "Greet." and "class" not in said[2]  # the escape was refused, the bot still answers


def test_undefined_slot_is_a_load_error_with_position_and_hint(tmp_path: Path) -> None:
    text = SHOP.replace("New date: {{ eta }}", "New date: {{ etaa }}")
    with pytest.raises(DomainError) as info:
        load_domain(write_domain(tmp_path / "bad", text))
    [problem] = info.value.problems
    assert "'etaa'" in problem.message and 'Did you mean "eta"?' in problem.message
    assert problem.file is not None and problem.file.name == "domain.yml" and problem.line is not None
    assert SHOP.splitlines()[problem.line - 1].strip().startswith("- text: \"Order {{ order_id }} is delayed")


def test_undeclared_action_variable_and_syntax_error_are_reported(tmp_path: Path) -> None:
    text = SHOP.replace("      variables: [temperature]\n", "").replace('"Sorry, I did not get that."', '"Sorry {{ oops"')
    with pytest.raises(DomainError) as info:
        load_domain(write_domain(tmp_path / "bad", text))
    messages = [p.message for p in info.value.problems]
    assert any("'temperature'" in m and "variables: [temperature]" in m for m in messages)
    assert any("utter_default" in m and "syntax error" in m for m in messages)


def test_condition_on_unknown_slot_and_bad_forbidden_intent(tmp_path: Path) -> None:
    text = SHOP.replace("condition: {status: delayed}", "condition: {statuss: delayed}").replace(
        "condition: {status: shipped}", "condition: {status: shiped}"
    ) + (
        "generation:\n  forbid_intents: [symptom]\n  backend: llama_ccp\n"
    )
    with pytest.raises(DomainError) as info:
        load_domain(write_domain(tmp_path / "bad", text))
    messages = " | ".join(p.message for p in info.value.problems)
    assert "'statuss'" in messages and "'symptom'" in messages and 'Did you mean "symptoms"?' in messages
    assert 'no generator named \'llama_ccp\'. Did you mean "llama_cpp"?' in messages
    assert "status = 'shiped' can never hold" in messages and 'Did you mean "shipped"?' in messages
