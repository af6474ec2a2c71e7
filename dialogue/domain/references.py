"""Cross-file checks: every name a domain uses must be defined, with a "did you mean" hint.

Each check is a function ``(domain, origin) -> list[Problem]``. The domain's own checks are in
``CHECKS``; components add theirs (rules that can never fire, templates reading undefined
variables, an unreadable knowledge folder) through the registry's ``check`` group: built-ins in
``dialogue.builtins``, installed packages under the ``dialogue.check`` entry-point group. The
domain layer names them only as ``"module:attr"`` strings, so it imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dialogue.domain.errors import Problem
from dialogue.domain.examples import AnnotationError, parse_annotated
from dialogue.domain.model import Domain
from dialogue.domain.origin import Origin
from dialogue.registry import domain_scope, registry, suggest

Check = Callable[[Domain, Origin], list[Problem]]


def missing(kind: str, name: str, defined: Iterable[str]) -> str | None:
    defined = list(defined)
    if name in defined:
        return None
    return f"{kind} {name!r} is not defined.{suggest(name, defined)}"


def check_annotations(domain: Domain, origin: Origin) -> list[Problem]:
    problems = []
    for intent, spec in domain.intents.items():
        for i, raw in enumerate(spec.examples):
            key: tuple[str | int, ...] = ("intents", intent)
            sub: tuple[str | int, ...] = ("examples", i)
            if "examples" not in origin.written_keys(key):
                sub = (i,)
            try:
                example = parse_annotated(raw, intent)
            except AnnotationError as exc:
                problems.append(origin.problem(key, sub, str(exc)))
                continue
            for span in example.entities:
                if message := missing("entity", span.type, domain.entities):
                    problems.append(origin.problem(key, sub, f"example {raw!r}: {message}"))
    return problems


def check_rules(domain: Domain, origin: Origin) -> list[Problem]:
    problems = []
    intents = domain.intent_names
    for i, rule in enumerate(domain.rules):
        key = ("rules", i)
        for name in [*rule.when.intent, *rule.when.not_intent]:
            if message := missing("intent", name, intents):
                problems.append(origin.problem(key, ("when",), f"rule {rule.name!r}: {message}"))
        for name in rule.when.slots:
            if message := missing("slot", name, domain.slots):
                problems.append(origin.problem(key, ("when", "slots", name), f"rule {rule.name!r}: {message}"))
        if rule.when.form not in (None, "none", "any") and (message := missing("form", rule.when.form, domain.forms)):
            problems.append(origin.problem(key, ("when", "form"), f"rule {rule.name!r}: {message}"))
        previous = rule.when.previous_action
        if previous and (message := missing("action", previous, [*domain.responses, *domain.actions, *domain.forms])):
            message = message.replace("action", "previous_action (a response, action or form)", 1)
            problems.append(origin.problem(key, ("when", "previous_action"), f"rule {rule.name!r}: {message}"))
        for j, step in enumerate(rule.then):
            for message in _step_problems(domain, step):
                problems.append(origin.problem(key, ("then", j), f"rule {rule.name!r}: {message}"))
    return problems


def _step_problems(domain: Domain, step: object) -> list[str]:
    from dialogue.domain.schema.dm import Step

    assert isinstance(step, Step)
    found: list[str | None] = []
    if step.respond is not None:
        found.append(missing("response", step.respond, domain.responses))
    if step.action is not None:
        found.append(missing("action", step.action, domain.actions))
    if step.start_form is not None:
        found.append(missing("form", step.start_form, domain.forms))
    if isinstance(step.stop_form, str):
        found.append(missing("form", step.stop_form, domain.forms))
    for slot in (step.set_slot or {}):
        found.append(missing("slot", slot, domain.slots))
    cleared = [step.clear_slot] if isinstance(step.clear_slot, str) else step.clear_slot or []
    found.extend(missing("slot", slot, domain.slots) for slot in cleared)
    return [m for m in found if m]


def check_forms(domain: Domain, origin: Origin) -> list[Problem]:
    problems = []
    for name, form in domain.forms.items():
        key = ("forms", name)
        for slot, spec in form.slots.items():
            if message := missing("slot", slot, domain.slots):
                problems.append(origin.problem(key, ("slots", slot), f"form {name!r}: {message}"))
            for field_name in ("prompt", "invalid"):
                response = getattr(spec, field_name)
                if response and (message := missing("response", response, domain.responses)):
                    problems.append(origin.problem(key, ("slots", slot, field_name), f"form {name!r}: {message}"))
        for field_name in ("confirm", "done", "cancelled"):
            response = getattr(form, field_name)
            if response and (message := missing("response", response, domain.responses)):
                problems.append(origin.problem(key, (field_name,), f"form {name!r}: {message}"))
        if form.submit and (message := missing("action", form.submit, domain.actions)):
            problems.append(origin.problem(key, ("submit",), f"form {name!r}: {message}"))
        submit = domain.actions.get(form.submit) if form.submit else None
        if submit is not None and submit.changes_data and not form.confirm:
            problems.append(origin.problem(key, ("submit",), f"form {name!r} submits {form.submit!r}, which changes "
                                           "data, without asking to confirm first; add confirm: <a response>"))
        for slot, spec in form.slots.items():
            plugin = spec.validate_.plugin if spec.validate_ else None
            if plugin and (message := missing("action", plugin, domain.actions)):
                problems.append(origin.problem(key, ("slots", slot, "validate", "plugin"), f"form {name!r}: {message}"))
        for field_name in ("cancel_intents", "affirm_intents", "deny_intents"):
            if field_name not in origin.written_keys(key):
                continue  # defaults apply only when the domain has those intents
            for intent in getattr(form, field_name):
                if message := missing("intent", intent, domain.intent_names):
                    problems.append(origin.problem(key, (field_name,), f"form {name!r}: {message}"))
    return problems


def check_slots(domain: Domain, origin: Origin) -> list[Problem]:
    problems = []
    for name, slot in domain.slots.items():
        for i, fill in enumerate(slot.fill):
            sub = ("fill", i)
            entity = fill.entity or (name if fill.source == "entity" else None)  # default: the slot's own name
            if entity and (message := missing("entity", entity, domain.entities)):
                problems.append(origin.problem(("slots", name), sub, f"slot {name!r}: {message}"))
            for intent in [*fill.intent, *fill.not_intent]:
                if message := missing("intent", intent, domain.intent_names):
                    problems.append(origin.problem(("slots", name), sub, f"slot {name!r}: {message}"))
        for intent in slot.reset_on:
            if message := missing("intent", intent, domain.intent_names):
                problems.append(origin.problem(("slots", name), ("reset_on",), f"slot {name!r}: {message}"))
    return problems


def check_settings(domain: Domain, origin: Origin) -> list[Problem]:
    problems = []
    settings = domain.settings
    for field_name in ("fallback_response", "error_response", "greeting_response"):
        response = getattr(settings, field_name)
        written = field_name in origin.written_keys(("settings",))
        if response and written and (message := missing("response", response, domain.responses)):
            problems.append(origin.problem(("settings",), (field_name,), f"settings.{field_name}: {message}"))
    return problems


def check_knowledge_settings(domain: Domain, origin: Origin) -> list[Problem]:
    """The answer responses named exist and a folder written down exists (its contents: ``dialogue.knowledge``)."""
    problems = []
    settings = domain.knowledge
    if "response" in origin.written_keys(("knowledge",)) and (message := missing("response", settings.response, domain.responses)):
        problems.append(origin.problem(("knowledge",), ("response",), f"knowledge.response: {message}"))
    for key, names in (("answers_for", settings.answers_for or []), ("refines", settings.refines)):
        for name in names:
            if message := missing("response", name, domain.responses):
                problems.append(origin.problem(("knowledge",), (key,), f"knowledge.{key}: {message}"))
    if domain.knowledge_dir is None and settings.enabled and "folder" in origin.written_keys(("knowledge",)):
        problems.append(origin.problem(("knowledge",), ("folder",), f"knowledge.folder: {domain.path / settings.folder} does not exist"))
    return problems


CHECKS: list[Check] = [check_annotations, check_rules, check_forms, check_slots, check_settings, check_knowledge_settings]


def contributed_checks(scope: str | None = None) -> list[Check]:
    """Checks components add: built-in and locally registered ones (the domain's own with a ``scope``)
    in table order, then installed ones."""
    checks = registry("check")
    local = [n for n in checks.targets() if checks.has(n, scope)]
    return [checks.get(name, scope) for name in [*local, *sorted(set(checks.names(scope)) - set(checks.targets()))]]


def check_references(domain: Domain, origin: Origin) -> list[Problem]:
    problems: list[Problem] = []
    for check in [*CHECKS, *contributed_checks(domain_scope(domain.path))]:
        problems.extend(check(domain, origin))
    return problems
