"""Helpers for the NLG tests: a small shop domain written to a temp folder, and a scripted generator."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from dialogue.messages import Decision, DialogueAct
from dialogue.nlg.generator import Prompt, StopTrimmer

SHOP = """
name: shop
persona: Sam, the assistant of the Corner Shop
description: Tracks orders and answers questions about the Corner Shop.
intents:
  greet: [hello, hi]
  order_status: ["where is order [12345](order_id)", "track [54321](order_id)"]
  chitchat: [how are you, tell me a joke]
  symptoms: [i have a headache]
entities:
  order_id:
    regex: ['\\b\\d{5}\\b']
  city:
    lookup: [Paris, Berlin, Madrid]
slots:
  name: {type: text}
  order_id: {type: text}
  status: {type: categorical, values: [shipped, delayed, delivered]}
  eta: {type: text}
responses:
  utter_greet:
    - "Hello{% if name %} {{ name }}{% endif %}!"
    - "Hi{% if name %} {{ name }}{% endif %}, how can I help?"
    - "Welcome back{% if name %}, {{ name }}{% endif %}."
  utter_order_status:
    - text: "Order **{{ order_id }}** has shipped and arrives on {{ eta }}."
      condition: {status: shipped}
    - text: "Order {{ order_id }} is delayed, sorry. New date: {{ eta }}."
      condition: {status: delayed}
    - text: "Order {{ order_id }} is {{ status or 'being prepared' }}."
  utter_menu:
    - text: "What would you like to do?"
      buttons:
        - {title: "Track {{ order_id or 'an order' }}", payload: "/order_status"}
        - {title: "Talk to a person", payload: "/human"}
    - text: "Pick one: track or talk."
      channel: sms
  utter_weather:
    - text: "It is {{ temperature }} degrees in {{ city }}."
      variables: [temperature]
  utter_chitchat:
    - text: "I'm fine, thanks! I can help with your orders."
      generation: free
  utter_default:
    - "Sorry, I did not get that."
"""


def write_domain(folder: Path, text: str = SHOP) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "domain.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def decision(*acts: DialogueAct, slots: dict | None = None, channel: str = "api", user_text: str = "",
             intent: str | None = None, conversation_id: str = "c1") -> Decision:
    return Decision(
        conversation_id=conversation_id, turn_id=1, acts=acts, slots=slots or {}, channel=channel,
        user_text=user_text, intent=intent,
    )


class ScriptedGenerator:
    """A test double for a language model: replies with the given texts in turn, word by word.

    Lets the realiser's own logic (guards, fallbacks, streaming) be tested exactly; real
    models are exercised in test_nlg_llama.py and test_nlg_hf.py.
    """

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[Prompt] = []

    async def stream(self, prompt: Prompt, *, max_new_tokens: int = 60, stop: Sequence[str] = (),
                     temperature: float = 0.7, seed: int | None = None) -> AsyncIterator[str]:
        self.prompts.append(prompt)
        reply = self.replies.pop(0) if self.replies else ""
        trimmer = StopTrimmer(stop)
        for i, word in enumerate(reply.split(" ")):
            out = trimmer.feed(word if i == 0 else " " + word)
            if out:
                yield out
            if trimmer.stopped:
                return
        if tail := trimmer.flush():
            yield tail

    async def generate(self, prompt: Prompt, **options: object) -> str:
        return "".join([d async for d in self.stream(prompt, **options)])  # type: ignore[arg-type]
