"""The ``templates`` realiser: every dialogue act becomes its response template, rendered. No model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from dialogue.messages import BotMessage, Decision, DialogueAct
from dialogue.nlg.grounded import GroundedAnswers
from dialogue.nlg.rendering import CompiledVariant, Selection, TemplateRenderer
from dialogue.protocols import ComponentConfig, TokenSink

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.knowledge.answer import KnowledgeBase


class TemplateRealiser:
    """Renders each act of a decision with the domain's response templates.

    A domain with a ``knowledge/`` folder also gets grounded answers: an out-of-scope, clarify or
    fallback reply is replaced by a passage that answers the user's question, when one does.
    """

    class Config(ComponentConfig):
        selection: Selection = Field(
            "random", description="How a variant is picked: random, round_robin (reproducible) or first."
        )
        seed: int | None = Field(None, description="Seed for random selection, for reproducible conversations.")

    def __init__(self, domain: Domain, config: Config | None = None, knowledge: KnowledgeBase | None = None) -> None:
        self.domain = domain
        self.config = config or self.Config()
        self.renderer = TemplateRenderer(domain, self.config.selection, self.config.seed)
        self.grounded = GroundedAnswers.for_domain(domain, knowledge)

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **extra: Any) -> TemplateRealiser:
        return cls(domain, config, knowledge=extra.get("knowledge"))

    async def realise(self, decision: Decision, stream: TokenSink | None = None) -> list[BotMessage]:
        messages: list[BotMessage] = []
        for act in decision.acts:
            message = await self.answer_from_knowledge(decision, act)
            if message is None:
                message, _ = self.renderer.render_act(decision, act)
            if stream is not None and message.text:
                await stream(len(messages), message.text)
            messages.append(message)
        return messages

    async def answer_from_knowledge(self, decision: Decision, act: DialogueAct,
                                    variant: CompiledVariant | None = None) -> BotMessage | None:
        """The passage that answers the user's question, if ``act`` is a reply the knowledge may replace.

        ``variant`` (the act's chosen template) matters to the generative realiser, which reads its mode.
        """
        if self.grounded is None or not self.grounded.replaces(decision, act):
            return None
        answer = await self.grounded.lookup(decision, act)
        return self.grounded.message(self.renderer, decision, answer) if answer is not None else None
