"""Grounded answers in the NLG stage: a "sorry, I can't help" reply becomes an answer from the domain's knowledge.

The dialogue manager says its out-of-scope, clarify or fallback response when no rule
answered (whatever the NLU decided). Before that reply is rendered, the user's text is looked
up in the domain's ``knowledge/`` folder; if a passage supports an answer it is said instead,
citing the passage, and otherwise the reply is exactly what it was. Safety rules are never
touched: only the responses listed in ``knowledge.answers_for`` can be replaced, and those in
``knowledge.refines`` (an intent's general reply) only when the question names something that
intent's examples never mention and a passage holds every topic word of it ("are copies of my
records free?" read as a billing question; "do you take my insurance?" keeps the insurance reply).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from dialogue.messages import BotMessage, Decision, DialogueAct

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.knowledge.answer import Answer, KnowledgeBase
    from dialogue.nlg.rendering import TemplateRenderer

log = logging.getLogger("dialogue.nlg")

#: responses a grounded answer may replace when the domain does not list its own
DEFAULT_ANSWERS_FOR = ("utter_out_of_scope", "utter_clarify")


class GroundedAnswers:
    """Which acts may be answered from knowledge, the lookup, and the answer's wording and citation."""

    def __init__(self, domain: Domain, knowledge: KnowledgeBase | None) -> None:
        self.domain = domain
        self.knowledge = knowledge
        settings = domain.knowledge
        names = settings.answers_for if settings.answers_for is not None else [
            *DEFAULT_ANSWERS_FOR, domain.settings.fallback_response]
        self.answers_for = frozenset(names)
        self.refines = frozenset(settings.refines)
        self._taught: dict[str, frozenset[str]] | None = None

    @classmethod
    def for_domain(cls, domain: Domain, knowledge: KnowledgeBase | None = None) -> GroundedAnswers | None:
        """None when the domain has no knowledge folder (or switched it off)."""
        if knowledge is None:
            from dialogue.knowledge.answer import KnowledgeBase

            knowledge = KnowledgeBase.for_domain(domain)
        return cls(domain, knowledge) if knowledge is not None else None

    def replaces(self, decision: Decision, act: DialogueAct) -> bool:
        return (act.name in self.answers_for or act.name in self.refines) and act.answerable \
            and bool(decision.user_text.strip()) and self.knowledge is not None

    async def lookup(self, decision: Decision, act: DialogueAct) -> Answer | None:
        """The supported answer to the user's text, or None; a failing lookup only costs the answer."""
        assert self.knowledge is not None
        try:
            judgement = await asyncio.to_thread(self.knowledge.ask, decision.user_text)
        except Exception:  # noqa: BLE001 - the template reply is always there to fall back on
            log.exception("knowledge lookup failed; saying the usual reply")
            return None
        log.info("knowledge: %r → %s", decision.user_text[:80], judgement.reason)
        answer = judgement.answer
        if answer is not None and act.name not in self.answers_for and not self._refines(decision, answer):
            log.info("knowledge: %s keeps its reply (the question is what %s was taught, or the passage covers "
                     "only %.2f of it)", act.name, decision.intent, answer.coverage)
            return None
        return answer

    def _refines(self, decision: Decision, answer: Answer) -> bool:
        """Whether a passage may replace an intent's general reply: it covers the whole question, and the
        question names something the intent's examples never do."""
        from dialogue.knowledge.text import content_words, stem

        if answer.coverage < 1.0:
            return False
        if self._taught is None:
            taught: dict[str, set[str]] = {}
            for example in self.domain.training_data().examples:
                taught.setdefault(example.intent, set()).update(stem(w) for w in content_words(example.text))
            self._taught = {intent: frozenset(words) for intent, words in taught.items()}
        known = self._taught.get(decision.intent or "", frozenset())
        return any(stem(w) not in known for w in content_words(decision.user_text))

    def message(self, renderer: TemplateRenderer, decision: Decision, answer: Answer, text: str | None = None,
                generated: bool = False) -> BotMessage:
        """The answer (``text`` if a model reworded it), wrapped in the domain's response or the built-in wording."""
        body = text if text is not None else answer.text
        title, source = answer.passage.title, answer.passage.source
        name = self.domain.knowledge.response
        if name in self.domain.responses:
            act = DialogueAct(name=name, slots={"answer": body, "title": title, "source": source})
            message, _ = renderer.render_act(decision, act)
        else:
            cite = f"\n\nSource: {title}" if self.domain.knowledge.cite else ""
            message = BotMessage(text=body + cite)
        return message.model_copy(update={"source": answer.passage.id, "generated": generated})
