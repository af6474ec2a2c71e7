"""The ``generative`` realiser: templates first, a language model where the domain allows it.

Per act the mode is chosen (``off`` / ``rephrase`` / ``free``, see ``mode_for``):

* off: the rendered template, as ``templates`` would say it;
* rephrase: the model rewrites the rendered template, and the rewrite is used only if it
  keeps every slot value and number and passes the guards; otherwise the template is used.
  With ``act_to_text_model`` a fine-tuned act-to-text model writes the text instead;
* free: the model answers the user's text under the domain's persona and instructions,
  streamed a checked sentence at a time; prompt-injection attempts get a fixed refusal, no generation.

Everything a model wrote is marked ``generated=True``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dialogue.messages import BotMessage, Decision, DialogueAct
from dialogue.nlg import guards, prompts
from dialogue.nlg.generator import GenerationError, Generator
from dialogue.nlg.rendering import CompiledVariant
from dialogue.nlg.templates import TemplateRealiser
from dialogue.protocols import TokenSink

if TYPE_CHECKING:
    from dialogue.domain.model import Domain
    from dialogue.knowledge.answer import Answer, KnowledgeBase
    from dialogue.nlg.act_to_text import ActToTextModel

log = logging.getLogger("dialogue.nlg")

MAX_CONVERSATIONS = 2000  # conversations whose recent history is kept for free-form context


class GenerativeRealiser(TemplateRealiser):
    """Templates plus rephrasing, free-form answers and act-to-text, behind the guards."""

    class Config(TemplateRealiser.Config):
        backend: str | None = Field(None, description="Generator name (llama_cpp, transformers); default: generation.backend.")
        model: str | None = Field(None, description="Model for the generator; default: generation.model or the embedded GGUF.")
        generator_options: dict[str, Any] = Field(default_factory=dict, description="Extra keys for the generator's Config.")
        act_to_text_model: str | None = Field(None, description="Folder of a model made by `dialogue train nlg`.")
        timeout: float = Field(30.0, gt=0, description="Seconds a generation may take before the template is used.")
        seed: int | None = None
        preload: bool = Field(False, description="Load the language model at start-up, not on the first generated reply.")

    def __init__(
        self,
        domain: Domain,
        config: Config | None = None,
        generator: Generator | None = None,
        act_to_text: ActToTextModel | None = None,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        super().__init__(domain, config or self.Config(), knowledge)
        self.config: GenerativeRealiser.Config
        self.settings = domain.generation
        self._generator = generator
        self._act_to_text = act_to_text
        self._history: OrderedDict[str, deque[dict[str, str]]] = OrderedDict()

    @classmethod
    def from_config(cls, config: TemplateRealiser.Config, domain: Domain, **extra: Any) -> GenerativeRealiser:
        """Also takes the templates' config, as a stand-in for a ``TemplateRealiser``: generation keys take defaults."""
        config = config if isinstance(config, cls.Config) else cls.Config.model_validate(config.model_dump())
        realiser = cls(domain, config, generator=extra.get("generator"), act_to_text=extra.get("act_to_text"),
                       knowledge=extra.get("knowledge"))
        if config.act_to_text_model and realiser._act_to_text is None:
            from dialogue.nlg.act_to_text import ActToTextModel

            path = domain.path / config.act_to_text_model
            realiser._act_to_text = ActToTextModel.load(path if path.exists() else config.act_to_text_model)
        if config.preload and domain.generation.enabled:
            loader = getattr(realiser.generator, "load", None)
            if loader is not None:
                loader()
        return realiser

    # ------------------------------------------------------------------ parts

    @property
    def generator(self) -> Generator:
        """The language model, built on first use so template-only turns never load it."""
        if self._generator is None:
            from dialogue.components import build_component
            from dialogue.domain.schema.pipeline import ComponentSpec

            params = dict(self.config.generator_options)
            model = self.config.model or self.settings.model
            if model:
                params["model"] = model
            spec = ComponentSpec(use=self.config.backend or self.settings.backend, **params)
            self._generator = build_component("generator", spec, self.domain)
        return self._generator

    def mode_for(self, decision: Decision, act: DialogueAct, variant: CompiledVariant | None) -> str:
        """off / rephrase / free: the domain can forbid; then the act, the variant, the domain default."""
        if act.name == "text" or not self.settings.enabled:
            return "off"
        if decision.intent and decision.intent in self.settings.forbid_intents:
            return "off"
        if act.generation != "off":
            return act.generation
        if variant is not None and variant.spec.generation is not None:
            return variant.spec.generation
        return self.settings.mode

    # ------------------------------------------------------------------ realise

    async def realise(self, decision: Decision, stream: TokenSink | None = None) -> list[BotMessage]:
        injection = guards.detect_injection(decision.user_text)
        if injection:
            log.warning("prompt injection attempt in %s: %r", decision.conversation_id, injection)
        messages: list[BotMessage] = []
        for act in decision.acts:
            index = len(messages)
            try:
                message = await self._realise_act(decision, act, index, stream, injection)
            except Exception:  # noqa: BLE001 - a failing model must never cost the user their reply
                log.exception("realising %r failed; using its template", act.name)
                message, _ = self.renderer.render_act(decision, act)
                await _emit(stream, index, message.text)
            messages.append(message)
        self._remember(decision, messages)
        return messages

    async def _realise_act(
        self, decision: Decision, act: DialogueAct, index: int, stream: TokenSink | None, injection: str | None
    ) -> BotMessage:
        base, variant = self.renderer.render_act(decision, act)
        mode = self.mode_for(decision, act, variant)
        grounded = await self.answer_from_knowledge(decision, act, variant)
        if grounded is not None:
            message = grounded
        elif mode == "free":
            if injection:
                message = BotMessage(text=self.settings.refusal, response="refusal")
            else:
                return await self._free(decision, act, base, index, stream)
        elif mode == "rephrase" and base.text and not injection:
            message = await self._rephrase(decision, act, base, variant)
        else:
            message = base
        await _emit(stream, index, message.text)
        return message

    async def answer_from_knowledge(self, decision: Decision, act: DialogueAct,
                                    variant: CompiledVariant | None = None) -> BotMessage | None:
        """Grounded answers, written by the model from the passage when generation is on for this act.

        The written answer must pass the guards and be supported by the passage (its numbers,
        names and content words come from the passage or the question); otherwise the passage's
        own words are said, so the check can only cost wording, never the answer.
        """
        if self.grounded is None or not self.grounded.replaces(decision, act):
            return None
        answer = await self.grounded.lookup(decision, act)
        if answer is None:
            return None
        if self.mode_for(decision, act, variant) == "off" or guards.detect_injection(decision.user_text):
            return self.grounded.message(self.renderer, decision, answer)
        written = await self._grounded_text(decision, answer)
        if written is None:
            return self.grounded.message(self.renderer, decision, answer)
        return self.grounded.message(self.renderer, decision, answer, text=written, generated=True)

    async def _grounded_text(self, decision: Decision, answer: Answer) -> str | None:
        chat = prompts.grounded_messages(answer.passage.title, answer.text, decision.user_text, self.domain.persona)
        try:
            candidate = await asyncio.wait_for(self.generator.generate(
                chat, max_new_tokens=self.settings.max_new_tokens, stop=("\n\n",),
                temperature=self.settings.rephrase_temperature, seed=self.config.seed,
            ), self.config.timeout)
        except (GenerationError, asyncio.TimeoutError) as exc:
            log.warning("grounded generation failed (%s); quoting the passage", exc)
            return None
        verdict = guards.check_generated(candidate, max_chars=self.settings.max_chars, blocklist=self.settings.blocklist,
                                         system_prompt=prompts.GROUNDED_SYSTEM)
        if verdict.ok:
            verdict = guards.check_supported(verdict.text, answer.text, decision.user_text)
        if not verdict.ok:
            log.info("grounded answer rejected (%s): %r", verdict.reason, candidate)
            return None
        return verdict.text

    async def _rephrase(
        self, decision: Decision, act: DialogueAct, base: BotMessage, variant: CompiledVariant | None
    ) -> BotMessage:
        context = self.renderer.variables(decision, act)
        used = variant.variables if variant is not None else frozenset(act.slots)
        values = {k: context.get(k) for k in used if k in context and k not in ("slots", "channel", "domain")}
        if any(guards.detect_injection(str(v)) for v in values.values() if isinstance(v, str)):
            return base  # a slot value is trying to steer the model
        if self._act_to_text is not None:
            chosen = (variant.spec.condition or {}) if variant is not None else {}
            shown = {**values, **{k: context.get(k) for k in chosen}}  # condition values pick the wording
            written = await asyncio.wait_for(
                asyncio.to_thread(self._act_to_text.realise, act.name, shown), self.config.timeout
            )
            if written is None:
                return base
            candidate = written
        else:
            try:
                candidate = await asyncio.wait_for(self.rephrase_candidate(base.text), self.config.timeout)
            except (GenerationError, asyncio.TimeoutError) as exc:
                log.warning("rephrasing %r failed (%s); using the template", act.name, exc)
                return base
        verdict = self.accept_rephrase(base.text, candidate, values)
        if not verdict.ok:
            log.info("rephrase of %r rejected (%s): %r", act.name, verdict.reason, candidate)
            return base
        return base.model_copy(update={"text": verdict.text, "generated": True})

    async def rephrase_candidate(self, text: str) -> str:
        """What the language model offers as a rewrite of ``text`` (not yet checked)."""
        return await self.generator.generate(
            prompts.rephrase_messages(text, self.domain.persona),
            max_new_tokens=prompts.rephrase_token_budget(text, self.settings.max_new_tokens),
            stop=("\n\n",),
            temperature=self.settings.rephrase_temperature,
            seed=self.config.seed,
        )

    def accept_rephrase(self, template: str, candidate: str, values: Mapping[str, Any]) -> guards.Verdict:
        """Guards, then slot preservation: the rewrite may change words, never values."""
        verdict = guards.check_generated(
            candidate,
            max_chars=self.settings.max_chars,
            blocklist=self.settings.blocklist,
            system_prompt=prompts.REPHRASE_SYSTEM,
        )
        if not verdict.ok:
            return verdict
        preserved = guards.check_preserved(template, verdict.text, values)
        if not preserved.ok:
            return preserved
        return guards.check_faithful(template, verdict.text)

    async def _free(
        self, decision: Decision, act: DialogueAct, base: BotMessage, index: int, stream: TokenSink | None
    ) -> BotMessage:
        fallback = base if act.name in self.domain.responses else self._fallback(decision)
        if not decision.user_text.strip():
            await _emit(stream, index, fallback.text)
            return fallback
        system = prompts.free_system_prompt(
            self.domain.name, self.domain.persona, self.domain.description, self.settings.instructions, decision.slots
        )
        chat = prompts.free_messages(system, list(self._history.get(decision.conversation_id, ())), decision.user_text)
        watcher = _StreamGuard(self.settings.max_chars, self.settings.blocklist, system)

        async def consume() -> None:
            async for delta in self.generator.stream(
                chat,
                max_new_tokens=self.settings.max_new_tokens,
                stop=("\nUser:", "<|im_end|>"),
                temperature=self.settings.temperature,
                seed=self.config.seed,
            ):
                await _emit(stream, index, watcher.feed(delta))
                if watcher.stopped:
                    break

        try:
            await asyncio.wait_for(consume(), self.config.timeout)
        except asyncio.TimeoutError:
            log.warning("free-form generation timed out after %.0f s", self.config.timeout)
        except GenerationError as exc:
            log.warning("free-form generation failed: %s", exc)
            watcher.fail("generator error")
        text = watcher.finish()
        if watcher.reason:
            log.info("free-form reply stopped (%s); %s", watcher.reason, "kept what was sent" if text else "using the template")
        if not text:
            await _emit(stream, index, fallback.text)
            return fallback
        await _emit(stream, index, text[len(watcher.emitted_text) :])
        return BotMessage(text=text, response=act.name if act.name in self.domain.responses else None, generated=True)

    def _fallback(self, decision: Decision) -> BotMessage:
        name = self.domain.settings.fallback_response
        if name in self.domain.responses:
            message, _ = self.renderer.render_act(decision, DialogueAct(name=name))
            return message
        return BotMessage(text="Sorry, I can't help with that.")

    def _remember(self, decision: Decision, messages: list[BotMessage]) -> None:
        keep = self.settings.history_turns * 2
        if not keep or not decision.user_text or guards.detect_injection(decision.user_text):
            return  # an injection attempt must not reach later prompts as context either
        history = self._history.setdefault(decision.conversation_id, deque(maxlen=keep))
        self._history.move_to_end(decision.conversation_id)
        history.append({"role": "user", "content": decision.user_text})
        said = " ".join(m.text for m in messages if m.text)
        if said:
            history.append({"role": "assistant", "content": said})
        while len(self._history) > MAX_CONVERSATIONS:
            self._history.popitem(last=False)


async def _emit(stream: TokenSink | None, index: int, text: str) -> None:
    if stream is not None and text:
        await stream(index, text)


class _StreamGuard:
    """Streams a free-form reply a whole sentence at a time, so the stream never shows text the reply drops.

    The final reply is cut at a sentence end (token budget, ``max_chars``). A sentence is sent
    only once the model has written past its end and the text up to it passes every guard,
    so no later cut can take it back. A guard that trips later ends the reply at the last
    sentence sent (it was checked in full); with nothing sent yet the caller says the template.
    Invariant: the final reply starts with everything streamed, and the caller streams the rest.
    """

    def __init__(self, max_chars: int, blocklist: list[str], system_prompt: str) -> None:
        self.max_chars = max_chars
        self.blocklist = blocklist
        self.system_prompt = system_prompt
        self.text = ""  # everything the model wrote so far
        self.emitted_text = ""  # the checked reply so far: what the stream has received
        self._checked_upto = 0  # length of the model's text that ``emitted_text`` covers
        self.stopped = False
        self.failed = False
        self.reason = ""

    @property
    def emitted(self) -> bool:
        return bool(self.emitted_text)

    def fail(self, reason: str) -> None:
        self.stopped = self.failed = True
        self.reason = reason

    def _check(self, text: str) -> guards.Verdict:
        return guards.check_generated(text, max_chars=self.max_chars, blocklist=self.blocklist, system_prompt=self.system_prompt)

    def feed(self, delta: str) -> str:
        """Add what the model wrote; return the text that may be streamed now (often nothing)."""
        if self.stopped:
            return ""
        self.text += delta
        if (phrase := guards.blocked_phrase(self.text, self.blocklist)) is not None:
            self.fail(f"block-listed phrase {phrase!r}")
            return ""
        if guards.echoes(self.text, self.system_prompt):
            self.fail("repeats the system prompt")
            return ""
        if len(self.text) >= self.max_chars:
            self.stopped = True  # the final text is cut at a sentence end within max_chars
            return ""
        ready = guards.whole_sentences(self.text)
        if len(ready) <= self._checked_upto:
            return ""
        verdict = self._check(ready)
        if not verdict.ok or not verdict.text.startswith(self.emitted_text):
            self.fail(verdict.reason or "cleaning changed text already sent")
            return ""
        out = verdict.text[len(self.emitted_text) :]
        self.emitted_text, self._checked_upto = verdict.text, len(ready)
        return out

    def finish(self) -> str:
        """The final reply: the whole checked text if it keeps what was sent, else what was sent ("" = rejected)."""
        if not self.failed:
            verdict = self._check(guards.end_at_sentence(self.text))
            if verdict.ok and verdict.text.startswith(self.emitted_text):
                return verdict.text
            self.reason = verdict.reason or "the finished text drops what was sent"
        return self.emitted_text
