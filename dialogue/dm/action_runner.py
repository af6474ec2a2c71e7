"""Running custom actions: look up, time-box, and keep failures from touching the conversation."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogue.actions import ActionContext, ActionResult, RegisteredAction
from dialogue.domain.model import Domain
from dialogue.messages import ParsedMessage
from dialogue.registry import PluginError, domain_scope, registry

log = logging.getLogger("dialogue.dm.actions")

DEFAULT_TIMEOUT = 5.0


@dataclass
class Outcome:
    """An action's result if it succeeded, else why it failed (``error`` set, ``result`` None)."""

    name: str
    result: ActionResult | None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def resolve(name: str, domain: Domain | None = None) -> RegisteredAction:
    """The action called ``name`` that ``domain``'s plugins (or a shared package) registered; a bare
    async function is accepted too."""
    target = registry("action").get(name, scope=domain_scope(domain.path) if domain is not None else None)
    if isinstance(target, RegisteredAction):
        return target
    if callable(target):
        return RegisteredAction(name, target)
    raise PluginError(f"action {name!r} is registered as {type(target).__name__}, not an async function")


def timeout_for(domain: Domain, action: RegisteredAction) -> float:
    if action.timeout is not None:
        return action.timeout
    spec = domain.actions.get(action.name)
    return spec.timeout if spec is not None else DEFAULT_TIMEOUT


async def run_action(
    name: str,
    *,
    domain: Domain,
    conversation_id: str,
    slots: Mapping[str, Any],
    latest: ParsedMessage | None,
    history: Sequence[Mapping[str, Any]],
) -> Outcome:
    """Run one action with its timeout; never raises. Failures are logged with the conversation id."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    ctx = ActionContext(conversation_id=conversation_id, domain=domain, slots=slots, latest=latest, history=history)
    try:
        action = resolve(name, domain)
        timeout = timeout_for(domain, action)
        await asyncio.wait_for(action.run(ctx), timeout)
    except asyncio.TimeoutError:
        log.error("action %s timed out after %.3gs (conversation %s)", name, timeout, conversation_id)
        return Outcome(name, None, f"timed out after {timeout:g}s", loop.time() - start)
    except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; the user still gets a reply
        log.error("action %s failed (conversation %s)\n%s", name, conversation_id, traceback.format_exc())
        return Outcome(name, None, f"{type(exc).__name__}: {exc}", loop.time() - start)
    return Outcome(name, ctx.result, None, loop.time() - start)
