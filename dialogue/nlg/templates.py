"""The ``templates`` realiser: every dialogue act becomes its response template, rendered. No model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from dialogue.messages import BotMessage, Decision
from dialogue.nlg.rendering import Selection, TemplateRenderer
from dialogue.protocols import ComponentConfig, TokenSink

if TYPE_CHECKING:
    from dialogue.domain.model import Domain


class TemplateRealiser:
    """Renders each act of a decision with the domain's response templates."""

    class Config(ComponentConfig):
        selection: Selection = Field(
            "random", description="How a variant is picked: random, round_robin (reproducible) or first."
        )
        seed: int | None = Field(None, description="Seed for random selection, for reproducible conversations.")

    def __init__(self, domain: Domain, config: Config | None = None) -> None:
        self.domain = domain
        self.config = config or self.Config()
        self.renderer = TemplateRenderer(domain, self.config.selection, self.config.seed)

    @classmethod
    def from_config(cls, config: Config, domain: Domain, **_: Any) -> TemplateRealiser:
        return cls(domain, config)

    async def realise(self, decision: Decision, stream: TokenSink | None = None) -> list[BotMessage]:
        messages = []
        for act in decision.acts:
            message, _ = self.renderer.render_act(decision, act)
            if stream is not None and message.text:
                await stream(len(messages), message.text)
            messages.append(message)
        return messages
