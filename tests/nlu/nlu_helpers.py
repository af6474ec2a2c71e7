"""Helpers for the NLU tests: a small hand-written domain on disk, empty parses, a keyword classifier."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from dialogue.messages import IntentScore, ParsedMessage
from dialogue.nlu.base import READABLE_KEY


class KeywordClassifier:
    """A transparent stand-in for a trained classifier, for steps that re-read parts of a message: the intent
    with most keywords at 0.95; a tie or no keyword is unsure (0.4). Remembers every text it read."""

    def __init__(self, keywords: Mapping[str, set[str]]) -> None:
        self.keywords = keywords
        self.texts: list[str] = []

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        self.texts.append(parse.text)
        words = set(re.findall(r"[a-z0-9]+", parse.text.lower()))
        hits = sorted(((len(words & keys), name) for name, keys in self.keywords.items()), reverse=True)
        (best, name), (second, other) = hits[0], hits[1]
        confidence = 0.95 if best and best > second else 0.4
        ranking = (IntentScore(name=name, confidence=confidence), IntentScore(name=other, confidence=1 - confidence))
        metadata = {**parse.metadata, READABLE_KEY: bool(best)}
        return parse.model_copy(update={"intent": ranking[0], "intent_ranking": ranking, "metadata": metadata})

NLU_YAML = """
intents:
  greet:
    - hi
    - hello there
    - good morning
    - hey, how are you
    - hello bot
    - hi there friend
  order_pizza:
    - I want a [large](size) pizza
    - order a [small](size) pizza to [NYC](city:New York)
    - can I get a [medium](size) margherita
    - one [large](size) pepperoni please
    - I'd like to order a pizza
    - get me a [small](size) veggie pizza delivered to [Boston](city)
  weather:
    - what's the weather like in [Paris](city)
    - will it rain tomorrow
    - is it sunny in [Boston](city)
    - weather forecast please
    - how cold is it outside
    - do I need an umbrella today
entities:
  size:
    lookup: [small, medium, large]
  city:
    lookup_file: cities.txt
    synonyms:
      New York: [NYC, big apple]
  order_id:
    regex: ['\\b\\d{5}\\b', 'order (?:number )?#(\\w+)']
  when:
    spacy: [DATE, TIME]
  amount:
    spacy: [MONEY]
"""


def write_domain(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nlu.yml").write_text(NLU_YAML, encoding="utf-8")
    (folder / "cities.txt").write_text("# cities\nParis\nBoston\nNew York\nSan Francisco\n", encoding="utf-8")
    return folder


def parse_of(text: str, **update: object) -> ParsedMessage:
    parse = ParsedMessage(conversation_id="t", turn_id=1, text=text, intent=IntentScore(name="", confidence=0.0))
    return parse.model_copy(update=update) if update else parse
