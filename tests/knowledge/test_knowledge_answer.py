"""Grounded answers over the shipped MiniLM encoder: supported questions are answered, others declined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from knowledge_support import CountingEncoder, write_knowledge

from dialogue.domain.schema.knowledge import KnowledgeSettings
from dialogue.knowledge.answer import KnowledgeBase
from dialogue.knowledge.documents import load_knowledge


@pytest.fixture
def knowledge(tmp_path: Path, encoder: Any) -> KnowledgeBase:
    folder = write_knowledge(tmp_path / "knowledge")
    return KnowledgeBase(load_knowledge(folder), KnowledgeSettings(), tmp_path / "cache", encoder, frame="shop")


@pytest.mark.parametrize(
    ("question", "source", "fact"),
    [
        ("can you gift wrap my order?", "faq.yml", "$4.50"),
        ("for how long can I use a gift card?", "faq.yml", "3 years"),
        ("can the cast iron pan go in the dishwasher?", "care.md", "not dishwasher safe"),
        ("can I put the wool sweater in the dryer?", "care.md", "Never tumble dry"),
    ],
)
def test_a_question_the_knowledge_answers_gets_the_passage(knowledge: KnowledgeBase, question: str, source: str, fact: str) -> None:
    judgement = knowledge.ask(question)
    assert judgement.answer is not None, judgement.reason
    assert judgement.answer.passage.source == source and fact in judgement.answer.text
    assert judgement.answer.text in judgement.answer.passage.text  # extractive: the knowledge's own words


def test_a_long_passage_is_answered_with_its_best_sentences(knowledge: KnowledgeBase) -> None:
    answer = knowledge.answer("what colours does the sweater come in?")
    assert answer is not None and "burgundy" in answer.text
    assert len(answer.text) < len(answer.passage.text) and "Hand wash" not in answer.text


@pytest.mark.parametrize(
    "question",
    ["what's the weather in Paris tomorrow?", "do you sell gift cards in physical stores?", "who is your CEO?",
     "can I pay with bitcoin?", "please", "???", ""],
)
def test_a_question_the_knowledge_does_not_answer_is_declined_with_a_reason(knowledge: KnowledgeBase, question: str) -> None:
    judgement = knowledge.ask(question)
    assert judgement.answer is None and judgement.reason


def test_the_check_can_be_made_stricter(tmp_path: Path, encoder: Any) -> None:
    passages = load_knowledge(write_knowledge(tmp_path / "knowledge"))
    strict = KnowledgeBase(passages, KnowledgeSettings(min_similarity=0.99), None, encoder)
    assert strict.answer("can the cast iron pan go in the dishwasher?") is None


def test_the_index_is_cached_and_rebuilt_when_the_knowledge_changes(tmp_path: Path, encoder: Any) -> None:
    folder = write_knowledge(tmp_path / "knowledge")
    first = CountingEncoder(encoder)
    KnowledgeBase(load_knowledge(folder), KnowledgeSettings(), tmp_path / "cache", first).index
    again = CountingEncoder(encoder)
    KnowledgeBase(load_knowledge(folder), KnowledgeSettings(), tmp_path / "cache", again).index
    assert first.texts > 20 and again.texts == 0
    (folder / "faq.yml").write_text("- q: Do you ship abroad?\n  a: Only to Canada.\n", encoding="utf-8")
    changed = CountingEncoder(encoder)
    knowledge = KnowledgeBase(load_knowledge(folder), KnowledgeSettings(), tmp_path / "cache", changed)
    assert changed.texts == 0  # built lazily: nothing is embedded before the first question
    assert knowledge.answer("do you ship abroad?") is not None and changed.texts > 0
    assert len(list((tmp_path / "cache").glob("index-*.npy"))) == 1  # the stale index is removed


def test_a_read_only_cache_folder_still_answers(tmp_path: Path, encoder: Any) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    passages = load_knowledge(write_knowledge(tmp_path / "knowledge"))
    knowledge = KnowledgeBase(passages, KnowledgeSettings(), blocked / "cache", encoder)
    assert knowledge.answer("do you offer gift wrapping?") is not None


def test_contractions_typed_without_an_apostrophe_are_not_topic_words() -> None:
    from dialogue.knowledge.text import content_words

    # "whats" as a topic word the knowledge lacks would count against every passage
    assert content_words("whats the pass mark, i dont know it") == ["pass", "mark"]
    assert content_words("what's the pass mark") == content_words("whats the pass mark")
