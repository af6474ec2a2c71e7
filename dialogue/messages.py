"""The whole vocabulary that travels on the bus: typed, immutable, JSON round-trippable.

Every bus message carries ``conversation_id`` and ``turn_id`` and a ``kind`` tag, so
``decode(encode(m)) == m`` for any message, across processes (see ``dialogue.bus.redis``).
The path of one user turn is::

    UserMessage --(NLU)--> ParsedMessage --(DM)--> Decision --(NLG)--> BotTurn

Events (slot set, form started, handoff, ...) are published on their own topic as they happen.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Value(BaseModel):
    """Base of every immutable value: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- values


class IntentScore(Value):
    name: str
    confidence: float


class Entity(Value):
    """An entity found in the user's text: the span, what it means, and who found it."""

    type: str
    value: Any  # normalised value: canonical synonym, ISO datetime, number, ...
    text: str  # the surface form, exactly as typed
    start: int  # character offsets into the user's text, end exclusive
    end: int
    extractor: str = "unknown"
    confidence: float = 1.0
    role: str | None = None


class Button(Value):
    title: str
    payload: str  # what is sent back when chosen, e.g. "/order_status" or plain text


class DialogueAct(Value):
    """One thing the dialogue manager wants said: a named response plus the values it needs.

    ``name`` is a response name from the domain (``utter_greet``) or an act type
    (``inform``); ``slots`` are the values the realiser may mention; ``generation``
    says whether NLG may ``rephrase`` the template or answer ``free``-form.
    """

    name: str
    slots: dict[str, Any] = Field(default_factory=dict)
    generation: Literal["off", "rephrase", "free"] = "off"
    text: str | None = None  # literal text chosen by an action, bypasses templates
    buttons: tuple[Button, ...] = ()  # extra choices to offer, e.g. "did you mean" intents
    #: False when no knowledge passage may stand in for this reply: a "did you mean" that holds back a change
    #: the user asked for ("sorry to bother you, cancel an order") must offer it, not a passage about it
    answerable: bool = True


class BotMessage(Value):
    text: str
    buttons: tuple[Button, ...] = ()
    payload: dict[str, Any] | None = None
    response: str | None = None  # name of the template it came from, if any
    generated: bool = False  # True when a language model wrote (or rewrote) the text
    source: str | None = None  # the knowledge passage a grounded answer came from ("policies.md:12")


# --------------------------------------------------------------------------- bus messages


class BusMessage(Value):
    """Base of everything published on the bus."""

    topic: ClassVar[str] = ""
    kind: str
    conversation_id: str
    turn_id: int
    created_at: datetime = Field(default_factory=utc_now)


class UserMessage(BusMessage):
    topic: ClassVar[str] = "user.message"
    kind: Literal["user_message"] = "user_message"
    text: str
    channel: str = "api"
    metadata: dict[str, Any] = Field(default_factory=dict)


#: the intent an NLU gives when it is unsure (low confidence, out of scope); every domain understands it
FALLBACK_INTENT = "nlu_fallback"

#: ``metadata`` key the ``negated_requests`` step writes: {"negated": [phrases], "rest": str, "request_negated": bool}
NEGATION_KEY = "nlu_negation"

#: ``metadata`` key the ``past_requests`` step writes: {"past": [phrases], "rest": str, "request_past": bool}
PAST_KEY = "nlu_past"

#: ``metadata`` key the ``multiple_requests`` step writes about a second request: {"intent": str, "confidence": float,
#: "text": its words, "beside": the words of the other request, and "was" when the message's reading was replaced}
ALSO_KEY = "nlu_also"


class ParsedMessage(BusMessage):
    """What NLU understood of a user message."""

    topic: ClassVar[str] = "nlu.parsed"
    kind: Literal["parsed_message"] = "parsed_message"
    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    channel: str = "api"
    metadata: dict[str, Any] = Field(default_factory=dict)

    def entity_values(self, entity_type: str) -> list[Any]:
        return [e.value for e in self.entities if e.type == entity_type]

    def negates_its_request(self) -> bool:
        """The message negates what it is read as ("don't cancel order 104302"), per ``negated_requests``."""
        found = self.metadata.get(NEGATION_KEY)
        return isinstance(found, dict) and bool(found.get("request_negated"))

    def tells_its_request_as_done(self) -> bool:
        """The message tells of what it is read as in the past ("why did you cancel order 104302?"), per
        ``past_requests``."""
        found = self.metadata.get(PAST_KEY)
        return isinstance(found, dict) and bool(found.get("request_past"))

    def own_entities(self) -> tuple[Entity, ...]:
        """The entities of the request the message is read as: those in the words of a second request ("cancel
        order 104302 and change the address of order 104233" read as the address change) belong to that one."""
        found = self.metadata.get(ALSO_KEY)
        text = str(found.get("text") or "") if isinstance(found, dict) else ""
        start = self.text.find(text) if text else -1
        if start < 0:
            return self.entities
        return tuple(e for e in self.entities if not (start <= e.start and e.end <= start + len(text)))

    def second_request(self) -> ParsedMessage | None:
        """The second request in the message ("..., and what's your return policy"), per ``multiple_requests``: its
        words, its intent and the entities found in those words."""
        found = self.metadata.get(ALSO_KEY)
        if not isinstance(found, dict) or not isinstance(found.get("intent"), str) or not found.get("text"):
            return None
        text = str(found["text"])
        start = self.text.find(text)
        entities = tuple(e.model_copy(update={"start": e.start - start, "end": e.end - start}) for e in self.entities
                         if start >= 0 and start <= e.start and e.end <= start + len(text))
        intent = IntentScore(name=found["intent"], confidence=float(found.get("confidence", 0.0)))
        metadata = {key: value for key, value in self.metadata.items() if key != ALSO_KEY}
        return self.model_copy(update={"text": text, "intent": intent, "intent_ranking": (intent,), "entities": entities,
                                       "metadata": metadata})


class Decision(BusMessage):
    """What the dialogue manager decided to say this turn, with the state NLG may need."""

    topic: ClassVar[str] = "dm.decision"
    kind: Literal["decision"] = "decision"
    acts: tuple[DialogueAct, ...]
    slots: dict[str, Any] = Field(default_factory=dict)
    channel: str = "api"
    explanation: tuple[str, ...] = ()  # why: rules that fired, form steps, fallbacks
    ended: bool = False
    # the user's text and intent this turn: free-form generation answers it, guards screen it
    user_text: str = ""
    intent: str | None = None


class BotTurn(BusMessage):
    """Everything the bot says in reply to one user turn; ends the turn."""

    topic: ClassVar[str] = "bot.turn"
    kind: Literal["bot_turn"] = "bot_turn"
    messages: tuple[BotMessage, ...]
    channel: str = "api"


class BotToken(BusMessage):
    """A chunk of a reply being generated, for channels that stream."""

    topic: ClassVar[str] = "bot.stream"
    kind: Literal["bot_token"] = "bot_token"
    index: int  # which message of the turn
    delta: str
    final: bool = False


class PipelineError(BusMessage):
    """A subscriber raised while handling a message; the turn still gets a reply."""

    topic: ClassVar[str] = "system.error"
    kind: Literal["pipeline_error"] = "pipeline_error"
    subscriber: str
    failed_topic: str
    error: str
    trace: str = ""


# --------------------------------------------------------------------------- events


class Event(BusMessage):
    topic: ClassVar[str] = "conversation.event"


class SlotSet(Event):
    kind: Literal["slot_set"] = "slot_set"
    name: str
    value: Any


class FormStarted(Event):
    kind: Literal["form_started"] = "form_started"
    name: str


class FormEnded(Event):
    kind: Literal["form_ended"] = "form_ended"
    name: str
    completed: bool


class ActionExecuted(Event):
    kind: Literal["action_executed"] = "action_executed"
    name: str
    ok: bool = True


class HandoffRequested(Event):
    kind: Literal["handoff_requested"] = "handoff_requested"
    reason: str


class ConversationRestarted(Event):
    kind: Literal["conversation_restarted"] = "conversation_restarted"


class ConversationEnded(Event):
    kind: Literal["conversation_ended"] = "conversation_ended"
    reason: str = ""


class TurnUndone(Event):
    kind: Literal["turn_undone"] = "turn_undone"


#: every event kind; a new event class is added here and nowhere else
EVENT_TYPES = (
    SlotSet,
    FormStarted,
    FormEnded,
    ActionExecuted,
    HandoffRequested,
    ConversationRestarted,
    ConversationEnded,
    TurnUndone,
)
MESSAGE_TYPES = (UserMessage, ParsedMessage, Decision, BotTurn, BotToken, PipelineError, *EVENT_TYPES)

AnyEvent = Annotated[Union[EVENT_TYPES], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007 - a runtime tuple
AnyMessage = Annotated[Union[MESSAGE_TYPES], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007

_MESSAGE_ADAPTER: TypeAdapter[BusMessage] = TypeAdapter(AnyMessage)
_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(AnyEvent)


def encode(message: BusMessage) -> str:
    """JSON text of a bus message; ``decode`` gives back an equal message."""
    return message.model_dump_json()


def decode(data: str | bytes) -> BusMessage:
    """Rebuild a bus message from ``encode``'s JSON; raises ``pydantic.ValidationError`` if malformed."""
    return _MESSAGE_ADAPTER.validate_json(data)


def decode_event(data: str | bytes | dict[str, Any]) -> Event:
    if isinstance(data, dict):
        return _EVENT_ADAPTER.validate_python(data)
    return _EVENT_ADAPTER.validate_json(data)
