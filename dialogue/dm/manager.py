"""``RuleDialogueManager``: YAML rules and forms over an event-sourced, persisted tracker.

Order of evaluation for each user message (see docs/dm.md):

1. commands: ``/restart``, ``/undo`` (and the configured restart/undo intents);
2. slot filling from entities and intents (slots of the active form are validated by it);
3. handoff intents: the user asked for a human;
4. the active form: cancel, the end of a refused form, confirmation (a clear yes or no, see
   ``dm.reading``), slot answers and corrections; questions, other requests and clearly
   out-of-scope messages are digressions, not answers;
5. rules, highest priority first, ties in file order; the first that matches runs
   (while a form is active, a rule that matches is a digression and the form asks again;
   rules marked ``interrupt: true`` are checked before the form handles the message; a rule
   leading to a change of data needs a clear request, see ``dm.changes``);
6. fallback: the active form re-asks (out of scope: the out-of-scope reply first); else clarify
   with the top intents ("did you mean"), out-of-scope reply, or the fallback response;
   repeated failure hands off to a human.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from pydantic import Field

from dialogue.dm.changes import ChangeGuard
from dialogue.dm.conditions import CompiledRule, Situation
from dialogue.dm.forms import FormEngine
from dialogue.dm.offers import offered_intent, plain_yes, record_offer
from dialogue.dm.reading import Reading
from dialogue.dm.slots import initial_slots
from dialogue.dm.steps import run_steps
from dialogue.dm.tracker import Tracker, record
from dialogue.dm.turn import Turn
from dialogue.domain.model import Domain
from dialogue.locks import KeyedLocks
from dialogue.messages import (
    ALSO_KEY,
    FALLBACK_INTENT,
    NEGATION_KEY,
    BotTurn,
    Button,
    Decision,
    Event,
    IntentScore,
    ParsedMessage,
)
from dialogue.protocols import ComponentConfig, TrackerStore, tells_positions
from dialogue.questions import asks_for_information, asks_rather_than_requests, looks_like_question
from dialogue.stores.base import Position, StoreConflict

log = logging.getLogger("dialogue.dm")

#: how often a turn is decided again when another process wrote its conversation meanwhile
MAX_COMMIT_ATTEMPTS = 3
#: how often a decided turn is stored after reply records that came in meanwhile (they change no state)
MAX_REBASES = 20
STATELESS_RECORDS = frozenset({"reply"})
__all__ = ["FALLBACK_INTENT", "RuleDialogueManager"]


class RuleDialogueManager:
    """Decides each turn from the domain's rules and forms; one conversation at a time each."""

    class Config(ComponentConfig):
        handoff_intents: list[str] = Field(default_factory=lambda: ["human_handoff"],
                                           description="Intents that mean 'let me talk to a person'.")
        handoff_after_failures: int = Field(3, ge=1, description="Hand off after this many failed turns in a row.")
        handoff_response: str = "utter_handoff"
        clarify_response: str = Field("utter_clarify", description="Said with 'did you mean' buttons.")
        clarify_options: int = Field(3, ge=0)
        clarify_min_confidence: float = Field(0.05, ge=0, le=1)
        out_of_scope_intents: list[str] = Field(default_factory=lambda: ["out_of_scope"])
        out_of_scope_response: str = "utter_out_of_scope"
        restart_intents: list[str] = Field(default_factory=lambda: ["restart"])
        undo_intents: list[str] = Field(default_factory=lambda: ["undo"])
        restart_response: str = "utter_restart"
        undo_response: str = "utter_undo"
        nothing_to_undo_response: str = "utter_nothing_to_undo"
        invalid_response: str = Field("utter_invalid", description="Said for an invalid form answer without its own.")
        negated_request_response: str = Field(
            "utter_negated_request",
            description="Said when a request that would change data is negated in the same message (\"don't cancel "
            "order 104302\"): nothing is started.",
        )
        one_request_at_a_time_response: str = Field(
            "utter_one_request_at_a_time",
            description="Said when a message asks for a second task beside the one started (\"cancel order 104302 and "
            "change my address\"): one flow at a time, so the user knows to ask again.",
        )
        past_request_response: str = Field(
            "utter_past_request",
            description="Said, with 'did you mean' buttons, when a request that would change data is told as already "
            "done (\"why did you cancel my order?\"): nothing is started.",
        )
        unclear_confirmation_response: str = Field(
            "utter_unclear_confirmation",
            description="Said (then the confirmation again) when the answer to a form's confirmation is not a clear "
            "yes or no.",
        )
        cache_size: int = Field(1000, ge=0, description="Trackers kept in memory; 0 reloads each turn. With a "
                                "store that has positions (every built-in one), a cached tracker reads only the "
                                "records other processes added since, so the cache is right on a shared bus too.")

    def __init__(self, domain: Domain, store: TrackerStore, config: Config | None = None) -> None:
        self.domain = domain
        self.store = store
        self.config = config or self.Config()
        self.rules = sorted(
            (CompiledRule(spec, i) for i, spec in enumerate(domain.rules)),
            key=lambda r: (-r.spec.priority, r.index),
        )
        self.forms = FormEngine(domain, self.config.invalid_response, self.config.handoff_response,
                                "Let me connect you with a person who can help.",
                                self.config.unclear_confirmation_response)
        self.changes = ChangeGuard(domain, self.rules)
        self._yes_intents = {"affirm"}.union(*(set(f.affirm_intents) for f in domain.forms.values()))
        self._initial = initial_slots(domain.slots)
        self._cache: OrderedDict[str, tuple[Tracker, Position | None]] = OrderedDict()
        self._read_at: dict[str, Position] = {}  # where the last read of a conversation ended (under its lock)
        self._locks = KeyedLocks(on_idle=lambda conversation_id: self._read_at.pop(conversation_id, None))

    @classmethod
    def from_config(cls, config: Config, domain: Domain, store: TrackerStore | None = None, **_: Any) -> RuleDialogueManager:
        if store is None:
            from dialogue.stores.memory import MemoryStore

            log.warning("no tracker store given: conversations of domain %s are kept in memory only", domain.name)
            store = MemoryStore()
        return cls(domain, store, config)

    # ------------------------------------------------------------------ public API

    async def handle(self, parse: ParsedMessage) -> tuple[Decision, Sequence[Event]]:
        async with self._conversation(parse.conversation_id):
            repeated: list[Decision] = []

            async def decide(tracker: Tracker) -> Turn | None:
                turn = Turn(self.domain, tracker.copy(), parse.conversation_id, parse.turn_id, parse, parse.channel)
                if self._already_handled(tracker, parse.turn_id):
                    repeated.append(self._repeat(turn))
                    return None
                await self._decide(turn)
                return turn

            turn = await self._stored(parse.conversation_id, decide)
            if turn is None:
                return repeated[-1], []
            return turn.decision(), turn.events

    async def _stored(self, conversation_id: str, build: Callable[[Tracker], Awaitable[Turn | None]]) -> Turn | None:
        """Read the tracker, build a turn on it, store the turn's records (the caller holds the lock).

        The records are stored only if nobody wrote the conversation meanwhile (another worker
        during a hand-over, a gateway's reply record); else it is read and the turn built again,
        and a turn the other writer already handled gets its reply repeated.
        """
        for attempt in range(1, MAX_COMMIT_ATTEMPTS + 1):
            turn = await build(await self._tracker(conversation_id))
            if turn is None:
                return None
            try:
                await self._commit(turn)
            except StoreConflict:
                if attempt == MAX_COMMIT_ATTEMPTS:
                    raise
                log.info("conversation %s changed while turn %s was decided; deciding again",
                         conversation_id, turn.turn_id)
                continue
            return turn
        return None

    async def record_reply(self, reply: BotTurn) -> None:
        """Keep what the bot said, and whether a language model wrote it, in the tracker."""
        async with self._conversation(reply.conversation_id):
            item = record("reply", reply.turn_id, messages=[
                {"text": m.text, "response": m.response, "generated": m.generated,
                 **({"source": m.source} if m.source else {})} for m in reply.messages
            ])
            items = [item]
            if any(m.source for m in reply.messages):
                # the NLG answered from the domain's knowledge: the user was helped after all, so the
                # turn does not count towards the "not understood N times in a row" handoff
                items.append(record("fail", reply.turn_id, count=0))
            if not tells_positions(self.store):
                tracker = await self._tracker(reply.conversation_id)
                await self.store.append(reply.conversation_id, items)
                for entry in items:
                    tracker.add(entry)
                return
            cached = self._cache.get(reply.conversation_id)
            position = await self.store.append(reply.conversation_id, items)
            if cached is not None:  # no need to load a tracker just to add a record to it
                for entry in items:
                    cached[0].add(entry)
                self._remember(cached[0], cached[1], position, len(items))

    @staticmethod
    def _already_handled(tracker: Tracker, turn_id: int) -> bool:
        """A redelivered message (at-least-once buses) must not change the state a second time."""
        return any(r.get("turn") == turn_id and r.get("type") == "user" for r in tracker.records)

    def _repeat(self, turn: Turn) -> Decision:
        """The same reply again for a redelivered turn, rendered from the current slots."""
        said: list[str] = next((r.get("acts", []) for r in reversed(turn.tracker.records)
                                if r.get("turn") == turn.turn_id and r.get("type") == "bot"), [])
        for name in said:
            if name != "text":  # literal texts are not stored; templates can be said again
                turn.say(name)
        turn.explain(f"turn {turn.turn_id} was already handled (redelivered): state unchanged, reply repeated")
        return turn.decision()

    async def restart(self, conversation_id: str, turn_id: int) -> Sequence[Event]:
        async def restarted(tracker: Tracker) -> Turn:
            turn = Turn(self.domain, tracker.copy(), conversation_id, turn_id)
            turn.restart("requested")
            return turn

        async with self._conversation(conversation_id):
            turn = await self._stored(conversation_id, restarted)
            return turn.events if turn is not None else []

    async def undo(self, conversation_id: str, turn_id: int) -> Sequence[Event]:
        """Rewind the last user turn (and everything the bot did in it)."""
        async def undone(tracker: Tracker) -> Turn:
            turn = Turn(self.domain, tracker.copy(), conversation_id, turn_id)
            turn.undo()
            return turn

        async with self._conversation(conversation_id):
            turn = await self._stored(conversation_id, undone)
            return turn.events if turn is not None else []

    async def tracker(self, conversation_id: str) -> Tracker:
        """A copy of a conversation's tracker (for inspection, debugging and tests)."""
        async with self._conversation(conversation_id):
            return (await self._tracker(conversation_id)).copy()

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        """Current slot values of a conversation (the terminal's /slots)."""
        return dict((await self.tracker(conversation_id)).state.slots)

    def attach_store(self, store: TrackerStore) -> None:
        """Use another store from now on (conversation tests isolate each test this way)."""
        self.store = store
        self._cache.clear()

    async def close(self) -> None:
        await self.store.close()

    # ------------------------------------------------------------------ plumbing

    def _conversation(self, conversation_id: str) -> AbstractAsyncContextManager[None]:
        """One turn at a time per conversation, even for direct callers; others run concurrently."""
        return self._locks.hold(conversation_id)

    async def _tracker(self, conversation_id: str) -> Tracker:
        """The conversation's tracker as stored now (the caller holds its lock).

        A cached tracker is checked against the store when it tells positions: only the records
        written since (by another process, e.g. the gateway's reply records) are read and added.
        """
        cached = self._cache.get(conversation_id)
        if not tells_positions(self.store):
            if cached is not None:
                self._cache.move_to_end(conversation_id)
                return cached[0]
            tracker = Tracker(conversation_id, self._initial, await self.store.load(conversation_id))
            self._remember(tracker, None, None, 0)
            return tracker
        snapshot = await self.store.load_from(conversation_id, cached[1] if cached is not None else None)
        if cached is None or snapshot.whole:
            tracker = Tracker(conversation_id, self._initial, snapshot.records)
        else:
            tracker = cached[0]
            for item in snapshot.records:
                tracker.add(item)
        self._read_at[conversation_id] = snapshot.position
        self._remember(tracker, snapshot.position, snapshot.position, 0)
        return tracker

    def _remember(self, tracker: Tracker, before: Position | None, after: Position | None, written: int) -> None:
        """Cache ``tracker`` at ``after``, unless someone else wrote between ``before`` and ``after``.

        ``written`` records were added by this call; if the store grew by more, another process
        interleaved its records with ours and the next read reloads the whole conversation.
        """
        conversation_id = tracker.conversation_id
        if self.config.cache_size == 0:
            return
        if tells_positions(self.store) and (before is None or after is None or after.epoch != before.epoch
                                            or after.length != before.length + written):
            self._cache.pop(conversation_id, None)
            return
        self._cache[conversation_id] = (tracker, after)
        self._cache.move_to_end(conversation_id)
        while len(self._cache) > self.config.cache_size:
            self._cache.popitem(last=False)

    async def _commit(self, turn: Turn) -> None:
        """Store the turn's records; only then does the in-memory tracker move on.

        With a positioned store the append is conditional on the position the tracker was read
        at (``StoreConflict`` otherwise): two processes never both add a turn to one state.
        """
        if not tells_positions(self.store):
            if turn.new_records:
                await self.store.append(turn.conversation_id, turn.new_records)
            self._remember(turn.tracker, None, None, 0)
            return
        conversation_id = turn.conversation_id
        before = self._read_at.pop(conversation_id, None)
        if not turn.new_records:
            self._remember(turn.tracker, before, before, 0)
            return
        rebased = False
        for _ in range(MAX_REBASES):
            try:
                after = await self.store.append(conversation_id, turn.new_records, expect=before)
                break
            except StoreConflict:
                self._cache.pop(conversation_id, None)
                came = await self.store.load_from(conversation_id, before)
                if came.whole or any(r.get("type") not in STATELESS_RECORDS for r in came.records):
                    raise  # the state moved: decide again
                before, rebased = came.position, True  # only replies came in meanwhile: the decision stands
        else:
            raise StoreConflict(f"conversation {conversation_id!r} kept changing while turn {turn.turn_id} was stored")
        if not rebased:  # after a rebase the stored order differs from this tracker's: read it next time
            self._remember(turn.tracker, before, after, len(turn.new_records))

    # ------------------------------------------------------------------ deciding

    def effective_intent(self, parse: ParsedMessage) -> tuple[str, float]:
        name, confidence = parse.intent.name, parse.intent.confidence
        if not name or (name != FALLBACK_INTENT and confidence < self.domain.settings.fallback_threshold):
            return FALLBACK_INTENT, confidence
        return name, confidence

    async def _decide(self, turn: Turn) -> None:
        self._take_up_offer(turn)
        self._task_first(turn)
        parse = turn.parse
        assert parse is not None
        config = self.config
        intent, confidence = self.effective_intent(parse)
        command = parse.text.strip().lower()
        if command == "/restart" or intent in config.restart_intents:
            turn.restart("the user asked")
            turn.say(config.restart_response, "Okay, let's start over.")
            return
        if command == "/undo" or intent in config.undo_intents:
            if turn.undo():
                if turn.state.form is not None:
                    turn.asked.clear()
                    await self.forms.advance(turn)
                else:
                    turn.say(config.undo_response, "Okay, I've undone your last message.")
            else:
                turn.say(config.nothing_to_undo_response, "There is nothing to undo.")
            return
        if turn.state.ended:
            turn.restart("the previous conversation had ended")
        previous_action = turn.state.previous_action
        turn.add("user", text=parse.text, intent=intent, confidence=round(confidence, 4),
                 entities=[e.model_dump(mode="json", exclude_defaults=True) for e in parse.entities])
        turn.explain(f"intent {intent} ({confidence:.2f})"
                     + (f", NLU said {parse.intent.name}" if intent != parse.intent.name else ""))
        self._reset_slots(turn, intent)
        fills = self._extract(turn, intent)
        form = turn.state.form
        form_slots = self.domain.forms[form].slots if form else {}
        kept = self._understood(turn, intent, confidence, previous_action)
        for slot, value in fills.items():
            if slot not in form_slots:
                if kept:
                    turn.set_slot(slot, value, "from the message")
                else:
                    turn.explain(f"{slot} not kept: the message was not understood")

        handled = await self._handle(turn, intent, confidence, fills, previous_action)
        before_form = len(turn.acts)
        if turn.state.form is not None and not turn.ended:
            await self.forms.advance(turn)
        if handled:
            turn.set_failures(0)
            await self._answer_second_question(turn, previous_action, before_form, answering_form=form is not None)
        if turn.acts:
            turn.add("bot", acts=[act.name for act in turn.acts])

    async def _handle(self, turn: Turn, intent: str, confidence: float, fills: dict[str, Any],
                      previous_action: str | None) -> bool:
        """Steps 3-6 of the evaluation order; True when something other than a fallback answered."""
        config = self.config
        if intent in config.handoff_intents:
            if turn.state.form is not None:
                turn.end_form(False, "the user asked for a human")
            turn.handoff("the user asked for a human")
            turn.say(config.handoff_response, "Let me connect you with a person who can help.")
            return True
        situation = self._situation(turn, intent, confidence, turn.parse, previous_action)
        interrupt = self._first_rule(situation, interrupting=True) if turn.state.form is not None else None
        if interrupt is not None:
            turn.explain(f"rule {interrupt.name} interrupted form {turn.state.form} (priority {interrupt.spec.priority})")
            turn.urgent = True
            await run_steps(turn, interrupt.spec.then, self.forms, interrupt.name)
            return True
        reading = self._reading(turn, situation) if turn.state.form is not None else None
        if reading is not None and await self.forms.handle(turn, fills, reading):
            return True
        rule = self._first_rule(situation)
        negated = self.changes.negated(rule, turn.parse) if rule is not None else None
        if negated is not None:
            turn.explain(negated)
            turn.say(config.negated_request_response, "All right, I haven't changed anything. What would you like me "
                     "to do?")
            return True
        done = self.changes.told_as_done(rule, turn.parse) if rule is not None else None
        if done is not None:
            turn.explain(done)
            turn.say(config.past_request_response, "I haven't changed anything. Would you like me to do that now, or are "
                     "you asking about something that already happened?", buttons=self._alternatives(turn))
            record_offer(turn, intent)  # a plain "yes" next asks for it (``_take_up_offer``)
            return True
        unclear = self.changes.unclear(rule, turn.parse, fills) if rule is not None else None
        if unclear is not None:
            turn.explain(unclear)
            # "did you mean ...?": a button is a clear request. A passage may answer a question about the change
            # ("what happens if I cancel an order?"), never stand in for the change asked for
            self._fallback(turn, FALLBACK_INTENT, answerable=asks_rather_than_requests(turn.parse.text if turn.parse else ""))
            return False
        if rule is not None:
            digression = turn.state.form
            turn.explain(f"rule {rule.name} fired (priority {rule.spec.priority})"
                         + (f"; digression from form {digression}" if digression else ""))
            turn.urgent = rule.spec.interrupt
            await run_steps(turn, rule.spec.then, self.forms, rule.name)
            return True
        if turn.state.form is not None:
            if reading is not None and reading.out_of_scope:  # a digression; the form asks its question again
                self._fallback(turn, intent)
                return False
            self.forms.no_answer(turn)
            return True
        self._fallback(turn, intent)
        return False

    def _take_up_offer(self, turn: Turn) -> None:
        """A plain yes to "would you like me to do that now?" (``past_request_response``) asks for the request the
        bot held back: the message is read as that intent, as its button would be (see ``dialogue.dm.offers``)."""
        parse = turn.parse
        if parse is None or turn.state.form is not None:
            return
        offered = offered_intent(turn.tracker)
        intent, confidence = self.effective_intent(parse)
        if offered is None or intent not in self._yes_intents or confidence < self.domain.settings.confirm_threshold \
                or not plain_yes(parse.text):
            return
        turn.explain(f"a yes to the offer to {offered}: read as {offered}")
        score = IntentScore(name=offered, confidence=1.0)
        turn.parse = parse.model_copy(update={"intent": score, "intent_ranking": (score,), "metadata": {}})

    def _task_first(self, turn: Turn) -> None:
        """"what's your return policy? I want to return order 104302", read as the policy question: outside a form,
        the task leads and the question is answered after it, as if the two had been written the other way round.
        The task piece was read clearly and negates nothing (``multiple_requests``), and only a rule that starts a
        form leads this way: a form that changes data confirms first, a rule that writes by itself is never run
        from a piece of a message."""
        parse = turn.parse
        second = parse.second_request() if parse is not None else None
        if parse is None or second is None or turn.state.form is not None or not parse.metadata[ALSO_KEY].get("beside"):
            return
        intent, confidence = self.effective_intent(parse)
        previous_action = turn.state.previous_action
        first_rule = self._first_rule(self._situation(turn, intent, confidence, parse, previous_action))
        task_rule = self._first_rule(self._situation(turn, second.intent.name, second.intent.confidence, second,
                                                     previous_action))
        if (first_rule is None or task_rule is None or first_rule.spec.interrupt or not self.changes.only_answers(first_rule)
                or not task_rule.starts_form or self.changes.writes_itself(task_rule)):
            return  # only a form, which confirms before it changes anything, is started from a piece of a message
        also = parse.metadata[ALSO_KEY]
        turn.explain(f"two requests: {second.intent.name} ({second.text!r}) is a task, {intent} only answers: the task "
                     "leads")
        question = {"intent": intent, "confidence": round(confidence, 4), "text": also.get("beside", ""),
                    "beside": second.text}
        metadata = {key: value for key, value in parse.metadata.items() if key != NEGATION_KEY}  # the task piece has none
        ranking = (second.intent, *(score for score in parse.intent_ranking if score.name != second.intent.name))
        turn.parse = parse.model_copy(update={"intent": second.intent, "intent_ranking": ranking,
                                              "metadata": {**metadata, ALSO_KEY: question}})

    async def _answer_second_question(self, turn: Turn, previous_action: str | None, before_form: int,
                                      answering_form: bool) -> None:
        """Answer a second question asked in the same message ("cancel order 104302 and tell me your return
        policy", per ``multiple_requests``) when a rule answers it without starting a task or changing data. A
        second task is left for the user to ask again, and told so (one flow at a time,
        ``one_request_at_a_time_response``); any second request is left unsaid after an
        interrupting rule (an emergency reply stands alone), and, in a message said to a waiting form, one
        that is not worded as a question ("deliver to 8 Willow Way, Apt 3, ..." is an address, not a
        shipping question). The question a form waits on comes last."""
        parse = turn.parse
        second = parse.second_request() if parse is not None else None
        if parse is None or second is None or turn.ended:
            return
        also = second.intent
        if turn.urgent:  # an emergency reply stands alone
            turn.explain(f"also asked: {also.name}; left, since an interrupting rule answered")
            return
        if answering_form and not asks_for_information(second.text):
            turn.explain(f"also asked: {also.name}; left, since a form was answered and {second.text!r} asks nothing")
            return
        rule = self._first_rule(self._situation(turn, also.name, also.confidence, second, previous_action))
        # a task waits its turn even where no rule would start it now (another form is under way)
        task = [r for r in ([rule] if rule is not None else self.rules)
                if r.names_intent(also.name) and not self.changes.only_answers(r)]
        if rule is None and not task:
            turn.explain(f"also asked: {also.name}; no rule answers it now, so it is left")
            return
        waiting = turn.acts[before_form:] if turn.state.form is not None else []
        del turn.acts[len(turn.acts) - len(waiting):]
        if rule is not None and not task:
            turn.explain(f"also asked: {also.name} ({also.confidence:.2f}, {second.text!r}); rule {rule.name} answers it")
            turn.parse = second  # actions read the question they answer
            try:
                await run_steps(turn, rule.spec.then, self.forms, rule.name)
            finally:
                turn.parse = parse
        else:
            turn.explain(f"also asked: {also.name} ({second.text!r}); rule {task[0].name} starts a task or changes data: "
                         "one at a time, the user is told to ask again")
            turn.say(self.config.one_request_at_a_time_response, "I'll take one request at a time: ask me again about "
                     "the other one once this is done.")
        turn.acts.extend(waiting)

    def _understood(self, turn: Turn, intent: str, confidence: float, previous_action: str | None) -> bool:
        """Whether entities in this message may change slots outside the active form.

        A message the bot is about to fall back on ("ignore all previous instructions ... code") must not
        leave a subject or product behind that a later turn acts on. A rule written for such messages
        that names the entities it wants (a bare id read as a fallback) still gets its slots; the plain
        out-of-scope reply does not make a stray word a slot.
        """
        if intent != FALLBACK_INTENT and intent not in self.config.out_of_scope_intents \
                and not self._nlu_said_out_of_scope(turn):
            return True
        rule = self._first_rule(self._situation(turn, intent, confidence, turn.parse, previous_action))
        return rule is not None and bool(rule.spec.when.entities)

    def _reading(self, turn: Turn, situation: Situation) -> Reading:
        """The intent plus what the rules and words say about it, for the active form."""
        intent = situation.intent
        naming = [r for r in self.rules if intent != FALLBACK_INTENT and r.names_intent(intent)
                  and r.mismatch(situation) is None]
        return Reading(
            intent=intent,
            confidence=situation.confidence,
            rule=bool(naming),
            answering_rule=any(not r.starts_form for r in naming),
            out_of_scope=self._clearly_out_of_scope(turn, intent, situation.confidence),
            question=looks_like_question(turn.parse.text) if turn.parse else False,
            unlike_examples=self._detected_out_of_scope(turn),
        )

    def _clearly_out_of_scope(self, turn: Turn, intent: str, confidence: float) -> bool:
        """Out of scope with at least ``settings.confirm_threshold`` confidence: mid-form, such a message is not
        taken as an answer ("15" read as out of scope at 0.4 is still a wrong severity, not a digression)."""
        out = intent in self.config.out_of_scope_intents or self._nlu_said_out_of_scope(turn)
        return out and confidence >= self.domain.settings.confirm_threshold

    def _situation(self, turn: Turn, intent: str, confidence: float, parse: ParsedMessage | None,
                   previous_action: str | None) -> Situation:
        """What the rules are matched against: ``intent`` with the entity types of ``parse`` in this turn's state
        (not those in the words of a second request: ``ParsedMessage.own_entities``)."""
        entities = frozenset(e.type for e in parse.own_entities()) if parse is not None else frozenset()
        return Situation(intent, confidence, entities, turn.state, previous_action, self.domain.slots)

    def _first_rule(self, situation: Situation, interrupting: bool = False) -> CompiledRule | None:
        """The first matching rule by priority; only ``interrupt: true`` rules when ``interrupting``."""
        for rule in self.rules:
            if (rule.spec.interrupt or not interrupting) and rule.mismatch(situation) is None:
                return rule
        return None

    def explain_rules(self, parse: ParsedMessage, tracker: Tracker) -> list[tuple[str, str | None]]:
        """Each rule with why it would not match this message now (None: it matches), for /debug."""
        intent, confidence = self.effective_intent(parse)
        situation = Situation(intent, confidence, frozenset(e.type for e in parse.entities), tracker.state,
                              tracker.state.previous_action, self.domain.slots)
        return [(rule.name, rule.mismatch(situation)) for rule in self.rules]

    def _reset_slots(self, turn: Turn, intent: str) -> None:
        for name, spec in self.domain.slots.items():
            if intent in spec.reset_on and turn.state.slots.get(name) != spec.initial:
                turn.set_slot(name, spec.initial, f"reset by intent {intent}")

    def _extract(self, turn: Turn, intent: str) -> dict[str, Any]:
        """Slot values this message carries (entities; intents for non-form or requested slots). The entities of a
        second request in the message are its own: they fill nothing for the first."""
        parse = turn.parse
        assert parse is not None
        entities = parse.own_entities()
        state = turn.state
        form_slots = self.domain.forms[state.form].slots if state.form else {}
        found: dict[str, Any] = {}
        for name, spec in self.domain.slots.items():
            for fill in spec.fill:
                if intent in fill.not_intent or (fill.intent and intent not in fill.intent):
                    continue
                if fill.source == "entity":
                    entity_type = fill.entity or name
                    values = [e.value for e in entities
                              if e.type == entity_type and (fill.role is None or e.role == fill.role)]
                    if values:
                        found[name] = values if spec.type == "list" else values[0]
                        break
                elif fill.source == "intent" and (name not in form_slots or name == state.requested):
                    found[name] = fill.value
                    break
        return found

    def _fallback(self, turn: Turn, intent: str, answerable: bool = True) -> None:
        config = self.config
        settings = self.domain.settings
        # an out-of-scope message is answered, but the bot still did not help: it counts
        # towards the handoff like a misunderstanding does
        failures = turn.state.failures + 1
        if failures >= config.handoff_after_failures:
            turn.set_failures(0)
            if turn.state.form is not None:
                turn.end_form(False, "handed over to a person")
            turn.handoff(f"{failures} turns in a row not understood or out of scope")
            turn.say(config.handoff_response, "Let me connect you with a person who can help.")
            return
        turn.set_failures(failures)
        if intent in config.out_of_scope_intents or self._nlu_said_out_of_scope(turn):
            turn.explain(f"out of scope (failure {failures})")
            name = config.out_of_scope_response
            turn.say(name if name in self.domain.responses else settings.fallback_response)
            return
        if intent == FALLBACK_INTENT:
            buttons = self._alternatives(turn)
            titles = [b.title for b in buttons]
            turn.explain(f"fallback: not sure what was meant (failure {failures}); offered: {', '.join(titles) or 'nothing'}"
                         + ("" if answerable else "; no knowledge passage stands in for a change asked for"))
            name = config.clarify_response if config.clarify_response in self.domain.responses else settings.fallback_response
            turn.say(name, buttons=buttons, answerable=answerable, options=titles)
        else:
            turn.explain(f"fallback: no rule for intent {intent} (failure {failures})")
            turn.say(settings.fallback_response)

    def _nlu_said_out_of_scope(self, turn: Turn) -> bool:
        """The NLU's fallback step keeps why it fell back; an out-of-scope label gets the out-of-scope reply."""
        why = turn.parse.metadata.get(FALLBACK_INTENT) if turn.parse else None
        return isinstance(why, dict) and why.get("reason") == "out of scope"

    def _detected_out_of_scope(self, turn: Turn) -> bool:
        """Out of scope by the NLU's learned decision (unlike every example), not by an out-of-scope label."""
        why = turn.parse.metadata.get(FALLBACK_INTENT) if turn.parse else None
        return isinstance(why, dict) and "detected_by" in why

    def _alternatives(self, turn: Turn) -> tuple[Button, ...]:
        parse = turn.parse
        assert parse is not None
        buttons: list[Button] = []
        for score in parse.intent_ranking:
            if len(buttons) >= self.config.clarify_options:
                break
            if score.name in self.domain.intents and score.confidence >= self.config.clarify_min_confidence:
                title = self.domain.intents[score.name].label(score.name)
                buttons.append(Button(title=title, payload=f"/{score.name}"))
        return tuple(buttons)
