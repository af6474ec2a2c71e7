"""Act-to-text: data from templates, a tiny GPT-2 fine-tune, and using it as the realiser."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from nlg_support import decision, write_domain

from dialogue.domain.loader import load_domain
from dialogue.messages import DialogueAct
from dialogue.nlg.act_to_text import PLACEHOLDER as PLACEHOLDER_RE
from dialogue.nlg.act_to_text import delexicalise_act, linearise, relexicalise, slot_errors
from dialogue.nlg.finetune.data import build_dataset, single_examples

pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[2]

CAFE = """
name: cafe
intents:
  book: ["table for [4](people) at [7 pm](time)"]
entities:
  people: {regex: ['\\d+']}
  time: {lookup: [7 pm, 8 pm, noon]}
slots:
  people: {type: text}
  time: {type: text}
  name: {type: text}
  status: {type: categorical, values: [confirmed, waitlisted]}
responses:
  utter_greet:
    - "Hello and welcome to the cafe!"
  utter_ask_people:
    - "How many people are coming?"
  utter_ask_time:
    - "What time would you like?"
  utter_booked:
    - text: "Booked: a table for {{ people }} at {{ time }}, {{ name }}."
      condition: {status: confirmed}
    - text: "You are on the waiting list for {{ people }} at {{ time }}, {{ name }}."
      condition: {status: waitlisted}
  utter_bye:
    - "Goodbye, see you soon!"
"""


def test_linearise_and_delexicalise_round_trip() -> None:
    literal = {"utter_booked": {"status": ["confirmed"]}}
    shown = delexicalise_act("utter_booked", {"people": 4, "status": "confirmed", "name": None}, literal)
    assert linearise("utter_booked", shown) == "inform ( people = [people] ; status = confirmed ) & utter_booked"
    assert linearise("utter_ask_time", {}) == "request & utter_ask_time"
    text, unknown = relexicalise("A table for [people] at [time].", {"people": 4})
    assert text == "A table for 4 at [time]." and unknown == ["time"]
    # [time] missing, [name] invented: 2 errors over 2 expected slots
    assert slot_errors("for [people] [people] at [name]", {"people", "time"}, {"people", "time"}) == (2, 2)


def test_pairs_come_from_the_templates_with_literal_condition_values(tmp_path: Path) -> None:
    domain = load_domain(write_domain(tmp_path / "cafe", CAFE))
    singles, literal, _ = single_examples(domain, random.Random(0))
    booked = [e for e in singles if e.acts[0].name == "utter_booked"]
    assert {e.source for e in booked} == {
        "inform ( name = [name] ; people = [people] ; status = confirmed ; time = [time] ) & utter_booked",
        "inform ( name = [name] ; people = [people] ; status = waitlisted ; time = [time] ) & utter_booked",
    }
    assert "Booked: a table for [people] at [time], [name]." in {e.target for e in booked}
    assert literal == {"utter_booked": {"status": ["confirmed", "waitlisted"]}}
    assert booked[0].acts[0].values["time"] in {"7 pm", "8 pm", "noon"}  # sampled from the domain's lookup
    data = build_dataset(domain, test_fraction=0.2)
    held_out = {e.responses for e in data.test}
    assert held_out and not held_out & {e.responses for e in data.train}  # unseen combinations


def test_tiny_gpt2_fine_tune_learns_and_copies_slot_values(tmp_path: Path) -> None:
    from dialogue.nlg.act_to_text import ActToTextModel
    from dialogue.nlg.finetune.train import TrainSettings, train_and_save

    domain = load_domain(write_domain(tmp_path / "cafe", CAFE))
    data = build_dataset(domain, max_pairs=12, test_fraction=0.25, seed=1)
    settings = TrainSettings(
        epochs=25, batch_size=8, n_layer=1, n_embd=64, n_head=2, vocab_size=400, max_new_tokens=48, min_steps=0
    )
    report = train_and_save(data, tmp_path / "model", settings)
    assert report.losses[-1] < report.losses[0] / 3
    model = ActToTextModel.load(tmp_path / "model")
    text = model.realise("utter_booked", {"people": "13", "time": "quarter past nine", "name": "Zoë", "status": "waitlisted"})
    assert text is not None
    assert "13" in text and "quarter past nine" in text and "Zoë" in text and "waiting list" in text


def test_max_steps_caps_the_updates_exactly_even_part_way_through_an_epoch() -> None:
    import torch

    from dialogue.nlg.finetune.train import TrainSettings, fit

    class Counting(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(1))
            self.calls = 0

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> object:
            self.calls += 1
            return type("Output", (), {"loss": (self.weight * input_ids.float()).mean()})()

    items = [([1, 2, 3], [1, 2, 3])] * 10  # 5 batches of 2 per epoch
    model = Counting()
    losses = fit(model, 0, items, TrainSettings(epochs=3, batch_size=2, min_steps=0, max_steps=7))
    assert model.calls == 7 and len(losses) == 2  # one whole epoch, then 2 of the next one's 5 batches
    model = Counting()
    assert len(fit(model, 0, items, TrainSettings(epochs=3, batch_size=2, min_steps=0, max_steps=50))) == 3
    assert model.calls == 15  # a cap above the planned updates changes nothing


class ScriptedLlama:
    """Stands in for llama.cpp: answers each act prompt with a fixed delexicalised text."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def create_completion(self, prompt: str, **options: object) -> dict[str, list[dict[str, str]]]:
        return {"choices": [{"text": " " + self.answers[prompt]}]}


def test_a_model_run_by_llama_cpp_is_scored_without_a_transformers_model(tmp_path: Path) -> None:
    import math

    from dialogue.nlg.act_to_text import SEPARATOR, ActToTextModel, joined_acts
    from dialogue.nlg.finetune.train import evaluate

    data = build_dataset(load_domain(write_domain(tmp_path / "cafe", CAFE)), max_pairs=12, test_fraction=0.25, seed=1)
    # a model without act breaks (meta {}): it writes the combined texts joined by a space
    exact = ActToTextModel(None, None, {}, llama=ScriptedLlama({e.source + SEPARATOR: joined_acts(e.target) for e in data.test}))
    scores = evaluate(exact, data.test)
    assert scores.slot_error_rate == 0 and scores.bleu > 99 and math.isnan(scores.perplexity)
    with_slots = [e for e in data.test if e.expected_slots]
    dropped = {e.source + SEPARATOR: PLACEHOLDER_RE.sub("", e.target) for e in with_slots}
    scores = evaluate(ActToTextModel(None, None, {}, llama=ScriptedLlama(dropped)), with_slots)
    assert scores.slot_error_rate == 1.0  # every placeholder the templates show is missing


class SeededLlama:
    """Stands in for llama.cpp: the text depends on the seed (greedy is seed 0), and calls are counted."""

    def __init__(self, by_seed: list[str]) -> None:
        self.by_seed = by_seed
        self.calls = 0

    def create_completion(self, prompt: str, *, temperature: float, seed: int, **options: object) -> dict[str, list[dict[str, str]]]:
        self.calls += 1
        assert (temperature == 0) == (seed == 0)  # only the first text is greedy
        return {"choices": [{"text": " " + self.by_seed[min(seed, len(self.by_seed) - 1)]}]}


def test_reranking_keeps_the_sample_that_gets_every_slot_right(tmp_path: Path) -> None:
    from dialogue.nlg.act_to_text import ActToTextModel, joined_acts
    from dialogue.nlg.finetune.train import evaluate

    prompt = "inform ( people = [people] ; time = [time] ) & utter_booked =>"
    llama = SeededLlama(["Booked for [people].", "Booked at [name].", "Booked: [people] at [time].", "never reached"])
    model = ActToTextModel(None, None, {}, llama=llama)
    assert model.write(prompt) == ("Booked for [people].", "Booked: [people] at [time].")
    assert llama.calls == 3  # sampling stops at the first text with no slot mistake
    assert model.realise("utter_booked", {"people": "4", "time": "7 pm"}) == "Booked: 4 at 7 pm."
    assert model.write(prompt, candidates=1)[1] == "Booked for [people]."  # no reranking: the greedy text

    data = build_dataset(load_domain(write_domain(tmp_path / "cafe", CAFE)), max_pairs=12, test_fraction=0.25, seed=1)
    with_slots = [e for e in data.test if e.expected_slots]
    right = {e.source: joined_acts(e.target) for e in with_slots}

    class GreedyDropsSlots(SeededLlama):
        def create_completion(self, prompt: str, *, temperature: float, seed: int, **options: object) -> dict[str, list[dict[str, str]]]:
            target = right[prompt.removesuffix(" =>")]
            return {"choices": [{"text": " " + (PLACEHOLDER_RE.sub("", target) if seed == 0 else target)}]}

    scores = evaluate(ActToTextModel(None, None, {}, llama=GreedyDropsSlots([])), with_slots)
    assert scores.greedy_slot_error_rate == 1.0 and scores.slot_error_rate == 0.0


async def test_generative_realiser_uses_the_act_to_text_model(tmp_path: Path) -> None:
    from dialogue.nlg.finetune.cli import run
    from dialogue.nlg.realiser import GenerativeRealiser

    folder = write_domain(tmp_path / "cafe", CAFE + "generation:\n  mode: rephrase\n")
    out = io.StringIO()
    assert run(str(folder), epochs=30, batch_size=4, max_pairs=12, seed=1, n_layer=1, n_embd=64, min_steps=0, out=out) == 0
    assert "slot error rate" in out.getvalue()
    domain = load_domain(folder)
    config = GenerativeRealiser.Config(act_to_text_model=".dialogue/act_to_text")
    realiser = GenerativeRealiser.from_config(config, domain)
    [message] = await realiser.realise(
        decision(DialogueAct(name="utter_booked"), slots={"people": "6", "time": "8 pm", "name": "Ada", "status": "confirmed"})
    )
    assert message.generated and message.response == "utter_booked"
    assert "6" in message.text and "8 pm" in message.text and "Ada" in message.text and "Booked" in message.text


def test_run_reports_a_broken_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialogue.nlg.finetune.cli import run

    folder = write_domain(tmp_path / "bad", CAFE.replace("{{ people }} at", "{{ peple }} at"))
    assert run(str(folder)) == 1
    assert "peple" in capsys.readouterr().err


@pytest.mark.slow
def test_customer_service_act_to_text_meets_the_bar(tmp_path: Path) -> None:
    """The issue's bar on a shipped pack: slot error rate ≤ 2 % on held-out act combinations."""
    from dialogue.nlg.finetune.train import TrainSettings, train_and_save

    pack = ROOT / "domains" / "customer_service"
    if not pack.is_dir():
        pytest.skip("customer_service pack not present")
    data = build_dataset(load_domain(pack), max_pairs=100, seed=0)
    report = train_and_save(data, tmp_path / "cs", TrainSettings(epochs=30))
    assert report.slot_error_rate is not None and report.slot_error_rate <= 0.02  # act by act, as the realiser uses it
    assert report.bleu is not None and report.bleu > 60


STRUCTURED = CAFE + """
  utter_table:
    - text: "Your table {{ table.title }} is ready, {{ name }}."
      variables: [table]
    - text: "Table {{ table['number'] }} is yours, {{ slots.name.title }}."
      variables: [table]
    - text: "{% for dish in dishes %}{{ dish }} {% endfor %}are on the menu."
      variables: [dishes]
    - "A table is ready for {{ people }}."
"""


def test_variants_reading_fields_of_a_slot_value_are_skipped_not_learnt(tmp_path: Path) -> None:
    """Sampled values are strings: ``table.title`` would render as ``<built-in method title ...>``."""
    data = build_dataset(load_domain(write_domain(tmp_path / "cafe", STRUCTURED)), max_pairs=12, seed=1)
    targets = [e.target for e in data.train + data.test]
    assert not any("<built-in" in t or "<bound method" in t or "0x" in t for t in targets)
    assert {e.target for e in data.train if e.responses == ("utter_table",)} == {"A table is ready for [people]."}
    structured = sorted(s for s in data.skipped if s.startswith("utter_table:"))
    assert structured == [
        "utter_table: reads fields or items of dishes (structured values cannot be sampled)",
        "utter_table: reads fields or items of name, table (structured values cannot be sampled)",
        "utter_table: reads fields or items of table (structured values cannot be sampled)",
    ]


def test_train_nlg_passes_the_number_of_act_pairs_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dialogue.nlg.finetune.cli as finetune_cli
    from dialogue.cli import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr(finetune_cli, "run", lambda domain, **options: seen.update(options, domain=domain) or 0)
    assert main(["train", "nlg", str(tmp_path), "--max-pairs", "400", "--base-model", "embedded", "--lora", "16"]) == 0
    assert (seen["domain"], seen["max_pairs"], seen["base_model"], seen["lora"]) == (str(tmp_path), 400, "embedded", 16)
    assert main(["train", "nlg", str(tmp_path)]) == 0 and seen["max_pairs"] == 100  # the default
