"""The small contracts every pluggable part implements. Components never see the bus.

A component class is built by ``ComponentClass.from_config(config, domain)`` where
``config`` is an instance of its own ``Config`` model (pydantic, unknown keys rejected), so
a typo in ``pipeline.yml`` fails at load time with the list of valid keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, runtime_checkable

from pydantic import BaseModel, ConfigDict

from dialogue.messages import BotMessage, Decision, Event, ParsedMessage

if TYPE_CHECKING:
    from dialogue.domain.examples import TrainingData
    from dialogue.stores.base import Position, Snapshot


class ComponentConfig(BaseModel):
    """Base for every component's ``Config``: unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


@runtime_checkable
class NLUComponent(Protocol):
    """One step of the NLU pipeline: takes the parse so far and returns it enriched.

    The first step receives a parse whose intent is ``None``-like (``""``, confidence 0);
    classifiers fill the intent ranking, extractors add entities, later steps
    (synonyms, conflict resolution, fallback) rewrite them.
    """

    def process(self, parse: ParsedMessage) -> ParsedMessage: ...


@runtime_checkable
class BatchNLUComponent(NLUComponent, Protocol):
    """An NLU step that is faster on many messages at once (used by micro-batching)."""

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]: ...


@runtime_checkable
class Trainable(Protocol):
    """A component with learned parameters, persisted under the domain's model folder."""

    def fingerprint(self, data: TrainingData) -> str:
        """Content hash of data plus config: training is skipped when it has not changed."""
        ...

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None: ...

    def save(self, directory: Path) -> None: ...

    def load(self, directory: Path) -> None: ...


class DialogueManager(Protocol):
    """Decides what the bot does next. Owns the tracker of each conversation.

    Returns the decision for NLG plus the events that happened this turn (published on
    ``conversation.event`` for channels, metrics and plugins).
    """

    async def handle(self, parse: ParsedMessage) -> tuple[Decision, Sequence[Event]]: ...

    async def restart(self, conversation_id: str, turn_id: int) -> Sequence[Event]: ...


class TokenSink(Protocol):
    """Where a realiser pushes generated text while it is being written."""

    async def __call__(self, index: int, delta: str) -> None: ...


class Realiser(Protocol):
    """Turns the manager's dialogue acts into bot messages (templates, generation, ...)."""

    async def realise(self, decision: Decision, stream: TokenSink | None = None) -> list[BotMessage]: ...


class TrackerStore(Protocol):
    """Append-only storage of a conversation's tracker records (JSON-able dicts).

    ``append`` and ``replace`` may return anything (callers of a plain store ignore it);
    a ``PositionedTrackerStore`` returns where the records end.
    """

    async def load(self, conversation_id: str) -> list[dict[str, Any]]: ...

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> object: ...

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> object: ...

    async def conversation_ids(self) -> list[str]: ...

    async def close(self) -> None: ...


class PositionedTrackerStore(TrackerStore, Protocol):
    """A store that says where a conversation's records end (``dialogue.stores.base.Position``).

    ``append`` returns the position after its records and ``load_from`` the records after a
    position, so a cached tracker stays right when several processes write one conversation.
    Every built-in store is one; a store without ``load_from`` gets no cache on a shared bus.
    """

    async def load_from(self, conversation_id: str, since: Position | None = None) -> Snapshot: ...

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]],
                     expect: Position | None = None) -> Position | None:
        """Raises ``StoreConflict`` unless the conversation is at ``expect`` (when given);
        ``None`` when nothing was appended."""
        ...


def tells_positions(store: TrackerStore) -> TypeGuard[PositionedTrackerStore]:
    """Whether ``store`` is a ``PositionedTrackerStore`` (it has ``load_from``)."""
    return callable(getattr(store, "load_from", None))
