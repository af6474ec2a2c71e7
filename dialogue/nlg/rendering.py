"""Response templates: a sandboxed Jinja2 environment, variant choice and rendering to BotMessages.

Templates come from domain YAML, which may be written by people who should not be able to
run code on the server, so they are compiled in a ``SandboxedEnvironment``. Everything is
compiled once when the realiser is built; a bad template never reaches run time because
``dialogue.nlg.checks`` rejects it when the domain loads.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import TemplateSyntaxError, meta
from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment

from dialogue.messages import BotMessage, Button, Decision, DialogueAct

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.domain.schema.nlg import ResponseVariant

log = logging.getLogger("dialogue.nlg")

#: variables every template may use without declaring them
BUILTIN_VARIABLES = ("channel", "slots", "domain")

Selection = Literal["random", "round_robin", "first"]


def _finalize(value: Any) -> Any:
    """An unset slot renders as nothing, not as the word ``None``."""
    return "" if value is None else value


def make_environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, finalize=_finalize
    )


def template_sources(variant: ResponseVariant) -> list[tuple[tuple[str | int, ...], str]]:
    """Every template string of a variant, with its path inside the variant (for error positions)."""
    sources: list[tuple[tuple[str | int, ...], str]] = [(("text",), variant.text)]
    for i, button in enumerate(variant.buttons):
        sources.append((("buttons", i, "title"), button.title))
        sources.append((("buttons", i, "payload"), button.payload))
    for path, value in _strings(variant.payload or {}, ("payload",)):
        sources.append((path, value))
    return sources


def _strings(node: Any, path: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _strings(value, (*path, i))


def undeclared_variables(env: SandboxedEnvironment, source: str) -> set[str]:
    """Names a template reads from its context (raises ``TemplateSyntaxError``)."""
    return set(meta.find_undeclared_variables(env.parse(source))) - set(env.globals)


def allowed_variables(domain: Domain, variant: ResponseVariant | None = None) -> set[str]:
    names = set(domain.slots) | set(domain.entities) | set(BUILTIN_VARIABLES)
    if variant is not None:
        names |= set(variant.variables)
    return names


@dataclass(frozen=True)
class CompiledVariant:
    spec: ResponseVariant
    text: Template
    buttons: tuple[tuple[Template, Template], ...]
    variables: frozenset[str]  # what the text template reads

    @property
    def specificity(self) -> int:
        return len(self.spec.condition or {}) + (1 if self.spec.channel else 0)


def _matches_condition(condition: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    for name, wanted in condition.items():
        have = values.get(name)
        if wanted is None:
            if have is not None:
                return False
        elif wanted == "*":
            if have is None:
                return False
        elif isinstance(wanted, list):
            if have not in wanted:
                return False
        elif have != wanted and str(have).lower() != str(wanted).lower():
            return False
    return True


class TemplateRenderer:
    """Chooses a variant of a response and renders it; compiled once per domain."""

    def __init__(self, domain: Domain, selection: Selection = "random", seed: int | None = None) -> None:
        self.domain = domain
        self.env = make_environment()
        self.selection = selection
        self._random = random.Random(seed)
        self._counters: dict[str, itertools.count[int]] = {}
        self.responses: dict[str, list[CompiledVariant]] = {
            name: [self._compile(name, v) for v in variants] for name, variants in domain.responses.items()
        }

    def _compile(self, name: str, variant: ResponseVariant) -> CompiledVariant:
        try:
            return CompiledVariant(
                spec=variant,
                text=self.env.from_string(variant.text),
                buttons=tuple((self.env.from_string(b.title), self.env.from_string(b.payload)) for b in variant.buttons),
                variables=frozenset(undeclared_variables(self.env, variant.text)),
            )
        except TemplateSyntaxError as exc:  # the loader's check reports these; be safe if it was bypassed
            raise ValueError(f"response {name!r}: template error: {exc}") from exc

    # ------------------------------------------------------------------ choosing

    def candidates(self, name: str, values: Mapping[str, Any], channel: str) -> list[CompiledVariant]:
        """Variants whose condition and channel hold; the most specific ones win."""
        matching = [
            v
            for v in self.responses.get(name, [])
            if (v.spec.channel is None or v.spec.channel == channel)
            and _matches_condition(v.spec.condition or {}, values)
        ]
        if not matching:
            return []
        best = max(v.specificity for v in matching)
        return [v for v in matching if v.specificity == best]

    def choose(self, name: str, values: Mapping[str, Any], channel: str) -> CompiledVariant | None:
        options = self.candidates(name, values, channel)
        if not options:
            return None
        if len(options) == 1 or self.selection == "first":
            return options[0]
        if self.selection == "round_robin":
            counter = self._counters.setdefault(name, itertools.count())
            return options[next(counter) % len(options)]
        return self._random.choice(options)

    # ------------------------------------------------------------------ rendering

    def variables(self, decision: Decision, act: DialogueAct) -> dict[str, Any]:
        """Template context: every declared name (unset → None), decision slots, then the act's values."""
        context: dict[str, Any] = dict.fromkeys(self.domain.slots)
        context.update(dict.fromkeys(self.domain.entities))
        context.update(decision.slots)
        context.update(act.slots)
        context["slots"] = {**dict.fromkeys(self.domain.slots), **decision.slots}
        context["channel"] = decision.channel
        context["domain"] = self.domain.name
        return context

    def render(self, variant: CompiledVariant, context: Mapping[str, Any], response: str | None) -> BotMessage:
        text = _tidy(variant.text.render(context))
        buttons = tuple(
            Button(title=_tidy(title.render(context)), payload=payload.render(context).strip())
            for title, payload in variant.buttons
        )
        payload = _render_payload(self.env, variant.spec.payload, context) if variant.spec.payload else None
        return BotMessage(text=text, buttons=buttons, payload=payload, response=response)

    def render_act(self, decision: Decision, act: DialogueAct) -> tuple[BotMessage, CompiledVariant | None]:
        """The message for one act, with any buttons the manager attached (e.g. "did you mean")."""
        message, variant = self._render_act(decision, act)
        if act.buttons:
            message = message.model_copy(update={"buttons": message.buttons + act.buttons})
        return message, variant

    def _render_act(self, decision: Decision, act: DialogueAct) -> tuple[BotMessage, CompiledVariant | None]:
        """The act's response rendered, the literal text, or a humanised fallback."""
        if act.name == "text":
            return BotMessage(text=act.text or ""), None
        context = self.variables(decision, act)
        variant = self.choose(act.name, context, decision.channel)
        if variant is None:
            if act.name in self.responses:
                log.warning("response %r has no variant for channel %r and these slots", act.name, decision.channel)
            else:
                log.warning("dialogue act %r is not a response of domain %r", act.name, self.domain.name)
            return BotMessage(text=humanise(act), response=None), None
        try:
            return self.render(variant, context, act.name), variant
        except Exception:  # noqa: BLE001 - e.g. a SecurityError from the sandbox: say something, never crash
            log.exception("rendering response %r failed", act.name)
            return BotMessage(text=humanise(act), response=None), None


def _tidy(text: str) -> str:
    """Strip template indentation noise: trailing spaces and runs of blank lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _render_payload(env: SandboxedEnvironment, node: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(node, str):
        return env.from_string(node).render(context)
    if isinstance(node, Mapping):
        return {k: _render_payload(env, v, context) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_render_payload(env, v, context) for v in node]
    return node


def humanise(act: DialogueAct) -> str:
    """Readable text for an act no template covers: ``inform_order(order_id=1)`` → 'Inform order: order id 1.'"""
    name = re.sub(r"^(utter|action)_", "", act.name).replace("_", " ").strip() or "ok"
    parts = [f"{k.replace('_', ' ')} {v}" for k, v in act.slots.items() if v not in (None, "")]
    text = name[0].upper() + name[1:]
    return f"{text}: {', '.join(parts)}." if parts else f"{text}."
