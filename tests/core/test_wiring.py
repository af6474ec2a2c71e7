"""One module wires every deployment shape; the bus backend comes from the registry like any component."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dialogue.bus import InProcessBus
from dialogue.deployment import bus_backend, make_bus
from dialogue.domain import load_domain
from dialogue.messages import BotMessage, BusMessage, Decision, UserMessage
from dialogue.nlu_stage import BatchingNLUStage
from dialogue.pipeline import TURN_LISTENER, Bot
from dialogue.registry import registry
from dialogue.stages import DMStage, NLGStage, NLUStage
from dialogue.wiring import Batching, Plugin, Shape, wire

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


class NoManager:
    async def handle(self, parse: Any) -> Any:
        raise AssertionError("not called")

    async def restart(self, conversation_id: str, turn_id: int) -> list[Any]:
        return []


class NoRealiser:
    async def realise(self, decision: Decision, stream: Any = None) -> list[BotMessage]:
        return []


async def audit(message: BusMessage) -> None:
    return None


def stages(bus: InProcessBus) -> list[Any]:
    return [NLUStage([]), DMStage(NoManager()), NLGStage(NoRealiser(), bus)]


def subscribed(bus: InProcessBus) -> list[tuple[str, str]]:
    return [(s.name, s.topic) for s in bus.subscriptions]


PLUGIN = Plugin("audit", ("nlu.parsed", "bot.turn"), audit)


def test_one_process_runs_every_stage_the_turn_listener_and_plugins():
    bus = InProcessBus()
    running = wire(bus, Shape.one_process(), stages(bus), turn_listener=(TURN_LISTENER, audit), plugins=[PLUGIN])
    assert subscribed(bus) == [("nlu", "user.message"), ("dm", "nlu.parsed"), ("nlg", "dm.decision"),
                               (TURN_LISTENER, "*"), ("plugin:audit", "nlu.parsed"), ("plugin:audit", "bot.turn")]
    assert set(running) == {"nlu", "dm", "nlg"} and type(running["nlu"]) is NLUStage


def test_a_gateway_runs_no_stage():
    bus = InProcessBus()
    running = wire(bus, Shape.gateway(), stages(bus), turn_listener=(TURN_LISTENER, audit), plugins=[PLUGIN])
    assert running == {}
    assert subscribed(bus) == [(TURN_LISTENER, "*"), ("plugin:audit", "nlu.parsed"), ("plugin:audit", "bot.turn")]


@pytest.mark.parametrize("kind", ["nlu", "dm", "nlg"])
def test_a_worker_runs_its_own_stage_only(kind: str):
    bus = InProcessBus()
    wire(bus, Shape.worker(kind), stages(bus), turn_listener=(TURN_LISTENER, audit), plugins=[PLUGIN])
    assert [name for name, _ in subscribed(bus)] == [kind]


def test_an_unknown_worker_kind_is_refused():
    with pytest.raises(ValueError, match="unknown worker kind 'nlx'"):
        Shape.worker("nlx")


def test_batching_applies_to_the_stage_that_can_batch_and_timing_to_every_stage():
    bus = InProcessBus()
    sizes: list[int] = []
    timed: list[str] = []

    def timer(kind: str, handler: Any) -> Any:
        timed.append(kind)
        return handler

    shape = Shape.one_process(Batching(max_batch=4, max_wait_ms=1, on_batch=sizes.append))
    running = wire(bus, shape, stages(bus), timed=timer)
    nlu = running["nlu"]
    assert isinstance(nlu, BatchingNLUStage) and nlu.max_batch == 4 and nlu.on_batch == sizes.append
    assert [s.handler for s in bus.subscriptions if s.topic == UserMessage.topic] == [nlu]
    assert type(running["dm"]) is DMStage and timed == ["nlu", "dm", "nlg"]


async def test_a_bot_answers_through_its_batching_stage():
    domain = load_domain(FIXTURE)

    class Echo(NoManager):
        async def handle(self, parse: Any) -> Any:
            return Decision(conversation_id=parse.conversation_id, turn_id=parse.turn_id, acts=()), []

    class Said(NoRealiser):
        async def realise(self, decision: Decision, stream: Any = None) -> list[BotMessage]:
            return [BotMessage(text="ok")]

    sizes: list[int] = []
    bot = Bot(domain, InProcessBus(), NLUStage([], domain.intent_names), Echo(), Said(),
              shape=Shape.one_process(Batching(on_batch=sizes.append)))
    assert isinstance(bot.nlu, BatchingNLUStage)
    turn = await bot.say("c1", "hello")
    assert [m.text for m in turn.replies] == ["ok"] and sizes == [1]


# --------------------------------------------------------------------------- bus backends


class RecordingBus(InProcessBus):
    """A backend a plugin could add: registered under its URL scheme."""

    distributed = True

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__()
        self.url, self.options = url, options

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> RecordingBus:
        return cls(spec, **options)


def test_a_bus_backend_is_found_through_the_registry():
    backends = registry("bus")
    backends.add("recording", RecordingBus)
    try:
        bus = make_bus("recording://somewhere", shards=3, prefix="p", lease_ms=10)
        assert isinstance(bus, RecordingBus) and bus.url == "recording://somewhere"
        assert bus.options == {"shards": 3, "prefix": "p", "lease_ms": 10}
        assert bus_backend("recording://x").distributed
    finally:
        backends.remove("recording")


def test_built_in_backends_and_unknown_ones():
    from dialogue.bus.redis import RedisStreamsBus

    assert type(make_bus("memory", shards=4)) is InProcessBus and not bus_backend("memory").distributed
    redis_bus = make_bus("redis://127.0.0.1:1/0", shards=4, prefix="x")  # not connected before start()
    assert isinstance(redis_bus, RedisStreamsBus) and redis_bus.shards == 4 and redis_bus.distributed
    with pytest.raises(ValueError, match=r"--bus 'kafka://x': use 'memory' or a URL of a shared bus \(redis://"):
        make_bus("kafka://x")
