"""Run conversation tests through the real pipeline (NLU → DM → NLG on an in-process bus).

Each test gets a fresh bot with its own temporary SQLite store and conversation id; the NLU
models are trained (or loaded from the domain's cache) once per run. Custom actions run for
real; a test's fixtures may point them at fake outside services (env variables, setup hooks).
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import logging
import os
import re
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from dialogue.bus import InProcessBus
from dialogue.domain.model import Domain
from dialogue.testing.format import BotExpectation, EventExpectation, LoadedCase, Step
from dialogue.text import is_empty
from dialogue.turns import TurnResult

#: bookkeeping fields of events that expectations never mention
_EVENT_NOISE = {"conversation_id", "turn_id", "created_at"}


@dataclass
class Failure:
    turn: int
    user: str
    field: str
    expected: Any
    actual: Any

    def to_json(self) -> dict[str, Any]:
        return {"turn": self.turn, "user": self.user, "field": self.field, "expected": self.expected, "actual": self.actual}


@dataclass
class TestedTurn:
    """What happened in one turn, as the tests see it."""

    user: str
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    bot: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


@dataclass
class CaseResult:
    name: str
    file: str
    line: int | None
    failures: list[Failure] = field(default_factory=list)
    turns: list[TestedTurn] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    logs: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "file": self.file, "line": self.line, "passed": self.passed,
            "seconds": round(self.seconds, 3), "error": self.error, "logs": self.logs,
            "failures": [f.to_json() for f in self.failures],
            "turns": [vars(t) for t in self.turns],
        }


@dataclass
class SuiteResult:
    domain: str
    results: list[CaseResult]
    nlu: dict[str, Any] = field(default_factory=lambda: {"status": "skipped"})

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain, "passed": self.passed, "failed": self.failed,
            "tests": [r.to_json() for r in self.results], "nlu": self.nlu,
        }


# --------------------------------------------------------------------------- fixtures


@dataclass
class FixtureContext:
    """Given to a test's ``setup`` functions: the domain, the test's temp folder, its plugins."""

    domain: Domain
    tmp: Path

    def plugin(self, stem: str) -> ModuleType:
        """The loaded local plugin module ``plugins/<stem>.py`` (the instance the actions use)."""
        from dialogue.components import import_domain_plugin

        return import_domain_plugin(self.domain, stem)


def _import_file(path: Path) -> ModuleType:
    name = f"dialogue_convtest_{abs(hash(path.resolve()))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def fixtures(loaded: LoadedCase, ctx: FixtureContext, before_setup: Callable[[], None]) -> Iterator[None]:
    """Set env variables, call ``before_setup`` (build the bot), run setup hooks; undo all after."""
    saved = {k: os.environ.get(k) for k in loaded.fixtures.env}
    teardowns: list[Callable[[], Any]] = []
    try:
        for key, value in loaded.fixtures.env.items():
            os.environ[key] = value.replace("{tmp}", str(ctx.tmp))
        before_setup()
        for target in loaded.fixtures.setup:
            file, _, function = target.partition(":")
            hook = getattr(_import_file(loaded.file.parent / file), function)
            result = hook(ctx) if inspect.signature(hook).parameters else hook()
            if inspect.isgenerator(result):
                next(result)
                def finish(gen: Iterator[Any] = result) -> None:  # runs the fixture's code after its yield
                    next(gen, None)

                teardowns.append(finish)
            elif callable(result):
                teardowns.append(result)
        yield
    finally:
        for teardown in reversed(teardowns):
            with contextlib.suppress(Exception):
                teardown()
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# --------------------------------------------------------------------------- running


def tested_turn(user: str, turn: TurnResult) -> TestedTurn:
    """What the tests compare, from the turn ``Bot.handle`` returned."""
    parse, decision = turn.parse, turn.decision
    return TestedTurn(
        user=user,
        intent=parse.intent.name if parse else None,
        confidence=round(parse.intent.confidence, 4) if parse else None,
        entities=[{"type": e.type, "value": e.value, "text": e.text} for e in parse.entities] if parse else [],
        bot=[{"response": m.response, "text": m.text, "buttons": [b.title for b in m.buttons]} for m in turn.replies],
        slots=dict(decision.slots) if decision else {},
        events=[e.model_dump(mode="json", exclude=_EVENT_NOISE) for e in turn.events],
        explanation=list(decision.explanation) if decision else [],
    )


BotFactory = Callable[[Domain, InProcessBus, Any], Any]


def default_bot_factory(nlu_components: list[Any]) -> BotFactory:
    def build(domain: Domain, bus: InProcessBus, store: Any) -> Any:
        from dialogue.assembly import assemble

        return assemble(domain, bus, store=store, nlu_components=nlu_components)

    return build


async def run_case(domain: Domain, loaded: LoadedCase, make_bot: BotFactory, turn_timeout: float = 60.0) -> CaseResult:
    """Run one scripted conversation; failures are collected per turn, errors stop the test."""
    from dialogue.stores.sqlite import SQLiteStore

    result = CaseResult(loaded.name, str(loaded.file), loaded.line)
    started = time.perf_counter()
    conversation_id = f"test-{uuid.uuid4().hex[:12]}"
    bots: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="dialogue-test-") as folder:
        tmp = Path(folder)

        def build() -> None:
            bus = InProcessBus()
            bots.append(make_bot(domain, bus, SQLiteStore(tmp / "conversations.sqlite3")))

        try:
            with fixtures(loaded, FixtureContext(domain, tmp), build):
                bot = bots[0]
                for number, step in enumerate(loaded.case.steps, start=1):
                    if is_empty(step.user):
                        turn = await _refused_turn(bot, conversation_id, step.user)
                        result.turns.append(turn)
                        result.failures.extend(compare(step, turn, number))
                        continue
                    message = bot.user_message(conversation_id, step.user, channel="test")
                    turn = tested_turn(step.user, await bot.handle(message, timeout=turn_timeout))
                    await bot.bus.join()
                    result.turns.append(turn)
                    result.failures.extend(compare(step, turn, number))
        except Exception as exc:  # noqa: BLE001 - a broken fixture or pipeline fails this test only
            result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
        finally:
            for bot in bots:
                with contextlib.suppress(Exception):
                    await bot.close()
    result.seconds = time.perf_counter() - started
    return result


async def _refused_turn(bot: Any, conversation_id: str, user: str) -> TestedTurn:
    """A message with no visible text is refused by every channel: no reply, no events, slots as they were."""
    slots = await bot.slots(conversation_id)
    return TestedTurn(user=user, slots=dict(slots or {}), explanation=["no visible text: not sent to the bot"])


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        lines = [line for line in record.getMessage().splitlines() if line.strip()] or [""]
        summary = lines[0] if len(lines) == 1 else f"{lines[0]}: {lines[-1].strip()}"  # first line + the exception
        self.lines.append(f"{record.levelname} {record.name}: {summary}")


async def run_cases(domain: Domain, cases: Sequence[LoadedCase], make_bot: BotFactory,
                    on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Run tests one after another; warnings and errors the bot logs go with each test's result
    (an action failing on purpose is part of a test, not noise on the terminal)."""
    results = []
    logger = logging.getLogger("dialogue")
    for loaded in cases:
        collector = _LogCollector()
        logger.addHandler(collector)
        propagate, logger.propagate = logger.propagate, False
        try:
            result = await run_case(domain, loaded, make_bot)
        finally:
            logger.removeHandler(collector)
            logger.propagate = propagate
        result.logs = collector.lines
        if on_result:
            on_result(result)
        results.append(result)
    return results


# --------------------------------------------------------------------------- comparing


def compare(step: Step, turn: TestedTurn, number: int) -> list[Failure]:
    failures: list[Failure] = []

    def fail(name: str, expected: Any, actual: Any) -> None:
        failures.append(Failure(number, step.user, name, expected, actual))

    if step.intent is not None and step.intent != turn.intent:
        fail("intent", step.intent, turn.intent)
    if step.entities is not None and not _entities_match(step.entities, turn.entities):
        fail("entities", step.entities, {e["type"]: e["value"] for e in turn.entities})
    if step.bot is not None and not _bot_matches(step.bot, turn.bot):
        fail("bot", [b.describe() for b in step.bot], [describe_message(m) for m in turn.bot])
    if step.slots is not None:
        wrong = {k: v for k, v in step.slots.items() if not _same(turn.slots.get(k), v)}
        if wrong:
            fail("slots", wrong, {k: turn.slots.get(k) for k in wrong})
    if step.events is not None and not _events_match(step.events, turn.events):
        fail("events", [e.describe() for e in step.events], [_describe_event(e) for e in turn.events])
    return failures


def describe_message(message: dict[str, Any]) -> str:
    text = message["text"].replace("\n", " ")
    if len(text) > 80:
        text = text[:77] + "..."
    buttons = f" [{' | '.join(message['buttons'])}]" if message.get("buttons") else ""
    return f"{message['response'] or '(text)'}: {text}{buttons}"


def _describe_event(event: dict[str, Any]) -> str:
    extra = ", ".join(f"{k}={v!r}" for k, v in event.items() if k != "kind")
    return f"{event['kind']}({extra})" if extra else event["kind"]


def _same(actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    if isinstance(actual, (int, float)) and isinstance(expected, str) or isinstance(expected, (int, float)) and isinstance(actual, str):
        return str(actual) == str(expected)
    return False


def _entities_match(expected: dict[str, Any] | list[str], actual: list[dict[str, Any]]) -> bool:
    if isinstance(expected, list):
        return all(any(e["type"] == t for e in actual) for t in expected)
    return all(any(e["type"] == t and _same(e["value"], v) for e in actual) for t, v in expected.items())


def _bot_matches(expected: list[BotExpectation], actual: list[dict[str, Any]]) -> bool:
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual):
        if want.response is not None and want.response != got["response"]:
            return False
        if want.text is not None and not re.search(want.text, got["text"], re.IGNORECASE):
            return False
        if want.buttons is not None and want.buttons != got["buttons"]:
            return False
    return True


def _events_match(expected: list[EventExpectation], actual: list[dict[str, Any]]) -> bool:
    """``[]`` means no events; otherwise the expected events appear in this order (others may be between)."""
    if not expected:
        return not actual
    position = 0
    for want in expected:
        while position < len(actual):
            got = actual[position]
            position += 1
            if got["kind"] == want.kind and all(_same(got.get(k), v) for k, v in want.fields.items()):
                break
        else:
            return False
    return True
