"""Grounded answers in the NLG stage: a "sorry, I can't help" reply becomes an answer from the domain's knowledge.

The dialogue manager says its out-of-scope, clarify or fallback response when no rule
answered (whatever the NLU decided). Before that reply is rendered, the user's text is looked
up in the domain's ``knowledge/`` folder; if a passage supports an answer it is said instead,
citing the passage, and otherwise the reply is exactly what it was. Safety rules are never
touched: only the responses listed in ``knowledge.answers_for`` can be replaced.
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

    @classmethod
    def for_domain(cls, domain: Domain, knowledge: KnowledgeBase | None = None) -> GroundedAnswers | None:
        """None when the domain has no knowledge folder (or switched it off)."""
        if knowledge is None:
            from dialogue.knowledge.answer import KnowledgeBase

            knowledge = KnowledgeBase.for_domain(domain)
        return cls(domain, knowledge) if knowledge is not None else None

    def replaces(self, decision: Decision, act: DialogueAct) -> bool:
        return act.name in self.answers_for and bool(decision.user_text.strip()) and self.knowledge is not None

    async def lookup(self, decision: Decision) -> Answer | None:
        """The supported answer to the user's text, or None; a failing lookup only costs the answer."""
        assert self.knowledge is not None
        try:
            judgement = await asyncio.to_thread(self.knowledge.ask, decision.user_text)
        except Exception:  # noqa: BLE001 - the template reply is always there to fall back on
            log.exception("knowledge lookup failed; saying the usual reply")
            return None
        log.info("knowledge: %r → %s", decision.user_text[:80], judgement.reason)
        return judgement.answer

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
