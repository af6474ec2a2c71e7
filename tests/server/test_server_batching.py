"""NLU micro-batching: batches form under load, a lone message is not delayed, failures stay isolated."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from dialogue.messages import IntentScore, ParsedMessage, UserMessage
from dialogue.nlu_stage import BatchingNLUStage


class Recorder:
    """Labels each text by its length; records how it was called."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.singles = 0

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        self.singles += 1
        if "boom" in parse.text:
            raise ValueError("boom")
        return parse.model_copy(update={"intent": IntentScore(name=f"len{len(parse.text)}", confidence=1.0)})

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        self.batches.append(len(parses))
        if any("boom" in p.text for p in parses):
            raise ValueError("boom in batch")
        return [p.model_copy(update={"intent": IntentScore(name=f"len{len(p.text)}", confidence=1.0)}) for p in parses]


class PerMessage:
    """A component without process_batch: must be called once per message."""

    def __init__(self) -> None:
        self.calls = 0

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        self.calls += 1
        return parse.model_copy(update={"metadata": {"seen": True}})


def message(i: int, text: str) -> UserMessage:
    return UserMessage(conversation_id=f"c{i}", turn_id=i, text=text)


async def test_batching_groups_concurrent_messages_and_keeps_answers_apart() -> None:
    recorder, plain = Recorder(), PerMessage()
    sizes: list[int] = []
    stage = BatchingNLUStage([recorder, plain], ["greet"], max_batch=8, max_wait_ms=20, on_batch=sizes.append)
    texts = ["x" * (i + 1) for i in range(20)]
    results = await asyncio.gather(*(stage(message(i, t)) for i, t in enumerate(texts)))
    assert [r[0].intent.name for r in results] == [f"len{len(t)}" for t in texts]
    assert all(r[0].metadata == {"seen": True} and r[0].conversation_id == f"c{i}" for i, r in enumerate(results))
    assert sum(sizes) == 20 and max(sizes) <= 8 and len(sizes) < 20
    assert plain.calls == 20  # the component without process_batch still saw every message once
    assert recorder.batches and max(recorder.batches) > 1


async def test_batching_does_not_wait_for_a_lone_message() -> None:
    stage = BatchingNLUStage([Recorder()], max_batch=32, max_wait_ms=5000)
    parsed = await asyncio.wait_for(stage(message(1, "hello")), 2)
    assert parsed[0].intent.name == "len5"


async def test_batching_isolates_a_failing_message() -> None:
    recorder = Recorder()
    stage = BatchingNLUStage([recorder], max_batch=8, max_wait_ms=20)
    texts = ["ok one", "boom here", "ok three"]
    results = await asyncio.gather(*(stage(message(i, t)) for i, t in enumerate(texts)), return_exceptions=True)
    assert isinstance(results[1], ValueError)
    assert [r[0].intent.name for r in (results[0], results[2])] == ["len6", "len8"]


async def test_batching_answers_intent_payloads_without_the_nlu() -> None:
    recorder = Recorder()
    stage = BatchingNLUStage([recorder], ["greet"], max_batch=8)
    parsed = await stage(message(1, "/greet"))
    assert parsed[0].intent.name == "greet"
    assert recorder.singles == 0 and recorder.batches == []


def test_batching_rejects_a_zero_batch() -> None:
    with pytest.raises(ValueError):
        BatchingNLUStage([], max_batch=0)
