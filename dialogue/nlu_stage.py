"""The NLU stage (user.message → nlu.parsed), one message at a time or in micro-batches.

Micro-batching parses concurrent user messages together so throughput grows with load.

A classifier that encodes 32 sentences in one call is far cheaper per sentence than 32 calls.
``BatchingNLUStage`` is a drop-in ``NLUStage``: each caller waits for its own parse while a
single runner drains the queue in batches of at most ``max_batch``. A lone message at low load
is parsed at once (no waiting); once messages queue up, the runner waits up to ``max_wait_ms``
for a batch to fill. Components implementing ``protocols.BatchNLUComponent`` get the whole
batch; the others are called per message. If a batch fails, its messages are parsed one by one
so only the message that breaks a component gets an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import ClassVar

from dialogue.messages import BusMessage, IntentScore, ParsedMessage, UserMessage
from dialogue.payloads import parse_payload
from dialogue.protocols import BatchNLUComponent, NLUComponent

log = logging.getLogger("dialogue.nlu_batching")


class NLUStage:
    """user.message → nlu.parsed. Runs the NLU components in order, each enriching the parse."""

    kind: ClassVar[str] = "nlu"
    topic: ClassVar[str] = UserMessage.topic

    def __init__(self, components: Sequence[NLUComponent], intents: Sequence[str] = (), max_chars: int = 2000) -> None:
        self.components = list(components)
        self.intents = list(intents)
        self.max_chars = max_chars

    def start_parse(self, message: UserMessage) -> ParsedMessage:
        """The empty parse the first component receives (over-long text is cut, not refused)."""
        return ParsedMessage(
            conversation_id=message.conversation_id,
            turn_id=message.turn_id,
            text=message.text[: self.max_chars],
            intent=IntentScore(name="", confidence=0.0),
            channel=message.channel,
            metadata=message.metadata,
        )

    def parse(self, message: UserMessage) -> ParsedMessage:
        parse = self.start_parse(message)
        payload = parse_payload(parse, self.intents)
        if payload is not None:
            return payload
        for component in self.components:
            parse = component.process(parse)
        return parse

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, UserMessage)
        return [await asyncio.to_thread(self.parse, message)]

    def batched(self, *, max_batch: int, max_wait_ms: float,
                on_batch: Callable[[int], None] | None = None) -> BatchingNLUStage:
        """This stage parsing whatever is queued as one batch (``dialogue.wiring.Batchable``)."""
        return BatchingNLUStage(self.components, self.intents, self.max_chars, max_batch=max_batch,
                                max_wait_ms=max_wait_ms, on_batch=on_batch)


class BatchingNLUStage(NLUStage):
    """user.message → nlu.parsed, parsing whatever is queued as one batch."""

    def __init__(
        self,
        components: Sequence[NLUComponent],
        intents: Sequence[str] = (),
        max_chars: int = 2000,
        *,
        max_batch: int = 32,
        max_wait_ms: float = 2.0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(components, intents=intents, max_chars=max_chars)
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.max_batch = max_batch
        self.max_wait = max(0.0, max_wait_ms) / 1000
        self.on_batch = on_batch
        self._queue: list[tuple[UserMessage, asyncio.Future[ParsedMessage]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._last_size = 0

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, UserMessage)
        future: asyncio.Future[ParsedMessage] = asyncio.get_running_loop().create_future()
        self._queue.append((message, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return [await future]

    async def _drain(self) -> None:
        while self._queue:
            busy = len(self._queue) > 1 or self._last_size > 1
            if busy and len(self._queue) < self.max_batch and self.max_wait > 0:
                await asyncio.sleep(self.max_wait)  # under load: let concurrent messages join
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            self._last_size = len(batch)
            if self.on_batch is not None:
                self.on_batch(len(batch))
            results = await asyncio.to_thread(self.parse_batch, [m for m, _ in batch])
            for (_, future), result in zip(batch, results):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def parse_batch(self, messages: Sequence[UserMessage]) -> list[ParsedMessage | Exception]:
        """Run every component over the batch; on failure, isolate the message that broke it."""
        results: list[ParsedMessage | Exception | None] = [parse_payload(self.start_parse(m), self.intents)
                                                            for m in messages]
        todo = [i for i, r in enumerate(results) if r is None]  # "/intent{...}" payloads skip the NLU
        if todo:
            for index, parse in zip(todo, self._run_components([messages[i] for i in todo])):
                results[index] = parse
        return [r for r in results if r is not None]

    def _run_components(self, messages: Sequence[UserMessage]) -> list[ParsedMessage | Exception]:
        parses = [self.start_parse(m) for m in messages]
        try:
            for component in self.components:
                if len(parses) > 1 and isinstance(component, BatchNLUComponent):
                    parses = list(component.process_batch(parses))
                    if len(parses) != len(messages):
                        raise RuntimeError(f"{type(component).__name__}.process_batch returned {len(parses)} "
                                           f"parses for {len(messages)} messages")
                else:
                    parses = [component.process(p) for p in parses]
            return list(parses)
        except Exception:  # noqa: BLE001 - retried one by one below
            if len(messages) == 1:
                return [_capture(self.parse, messages[0])]
            log.warning("a batch of %d parses failed; parsing them one by one", len(messages))
            return [_capture(self.parse, m) for m in messages]


def _capture(parse: Callable[[UserMessage], ParsedMessage], message: UserMessage) -> ParsedMessage | Exception:
    try:
        return parse(message)
    except Exception as exc:  # noqa: BLE001 - handed to that message's caller
        return exc
