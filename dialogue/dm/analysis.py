"""Static checks of the DM sections, run by ``dialogue validate`` and at load time.

The rules manager contributes ``check_rule_logic`` to every domain load (``dialogue.builtins``).

Finds rules that can never fire (contradictory conditions, or shadowed by a rule that is
checked first and matches whenever they do), rules that conflict (same conditions, same
priority), expressions that read unknown names, and form slots nothing can fill.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogue.domain.errors import Problem
from dialogue.domain.expressions import BUILTIN_NAMES, check_expression
from dialogue.domain.model import Domain
from dialogue.domain.origin import Origin
from dialogue.domain.schema.dm import Condition, RuleSpec

#: (rule index, path inside the rule, message)
Finding = tuple[int, tuple[str | int, ...], str]


def evaluation_order(rules: list[RuleSpec]) -> list[int]:
    """Indexes of rules in the order the manager tries them: priority high → low, then file order."""
    return sorted(range(len(rules)), key=lambda i: (-rules[i].priority, i))


def rule_findings(domain: Domain) -> Iterator[Finding]:
    rules = domain.rules
    for i, rule in enumerate(rules):
        yield from _contradictions(domain, i, rule)
    order = evaluation_order(rules)
    for position, j in enumerate(order):
        later = rules[j]
        for i in order[:position]:
            earlier = rules[i]
            if covers(earlier.when, later.when):
                if earlier.when == later.when and earlier.priority == later.priority:
                    message = (f"rule {later.name!r} conflicts with rule {earlier.name!r}: same conditions and priority, "
                               f"so only {earlier.name!r} (first in file order) ever fires")
                else:
                    message = (f"rule {later.name!r} can never fire: rule {earlier.name!r} (priority {earlier.priority}) "
                               f"is checked first and matches whenever it does")
                yield j, ("when",), message
                break


def _contradictions(domain: Domain, index: int, rule: RuleSpec) -> Iterator[Finding]:
    when = rule.when
    name = rule.name
    if when.intent and set(when.intent) <= set(when.not_intent):
        yield index, ("when",), f"rule {name!r} can never fire: every intent it needs is also excluded"
    handoff = _handoff_intents(domain)
    if when.intent and set(when.intent) <= handoff:
        yield index, ("when", "intent"), (
            f"rule {name!r} can never fire: {'/'.join(when.intent)} is in the manager's handoff_intents, which hand "
            f"off before rules are tried (set pipeline.dm.handoff_intents: [] to handle it with rules)")
    form = domain.forms.get(when.form or "")
    if form is not None and when.intent and set(when.intent) <= set(form.cancel_intents):
        yield index, ("when", "intent"), (
            f"rule {name!r} can never fire: while form {when.form!r} is active, {'/'.join(when.intent)} cancels it "
            f"before rules are tried")
    if when.min_turn is not None and when.max_turn is not None and when.min_turn > when.max_turn:
        yield index, ("when",), f"rule {name!r} can never fire: min_turn {when.min_turn} > max_turn {when.max_turn}"
    for slot, value in when.slots.items():
        spec = domain.slots.get(slot)
        if spec is None or value is None or value == "*":
            continue
        if spec.type == "categorical" and not any(str(v).lower() == str(value).lower() for v in spec.values):
            yield index, ("when", "slots", slot), (
                f"rule {name!r} can never fire: {value!r} is not a value of categorical slot {slot!r} "
                f"({', '.join(map(str, spec.values))})")
        elif spec.type == "boolean" and not isinstance(value, bool):
            yield index, ("when", "slots", slot), f"rule {name!r} can never fire: slot {slot!r} is boolean, not {value!r}"
        elif spec.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            yield index, ("when", "slots", slot), f"rule {name!r} can never fire: slot {slot!r} is a number, not {value!r}"
    if when.expression:
        unknown = sorted(check_expression(when.expression) - set(domain.slots) - set(BUILTIN_NAMES))
        if unknown:
            from dialogue.registry import suggest

            hint = suggest(unknown[0], [*domain.slots, *BUILTIN_NAMES])
            yield index, ("when", "expression"), (
                f"rule {name!r}: expression reads {', '.join(unknown)}, which is not a slot or one of "
                f"{', '.join(BUILTIN_NAMES[:4])}.{hint}")


def _handoff_intents(domain: Domain) -> set[str]:
    """The intents the built-in manager hands off on before any rule (its ``handoff_intents``)."""
    spec = domain.pipeline.dm
    if spec.use != "rules":
        return set()
    value = spec.params.get("handoff_intents", ["human_handoff"])
    return {value} if isinstance(value, str) else set(value or [])


def covers(a: Condition, b: Condition) -> bool:
    """True when every situation that satisfies ``b`` also satisfies ``a``."""
    if a.intent and not (b.intent and set(b.intent) <= set(a.intent)):
        return False
    for excluded in a.not_intent:
        if excluded not in b.not_intent and not (b.intent and excluded not in b.intent):
            return False
    if not set(a.entities) <= set(b.entities):
        return False
    for slot, value in a.slots.items():
        if slot not in b.slots:
            return False
        other = b.slots[slot]
        if not (other == value or (value == "*" and other not in (None, "*"))):
            return False
    if a.expression is not None and a.expression.strip() != (b.expression or "").strip():
        return False
    if a.form is not None and not (a.form == b.form or (a.form == "any" and b.form not in (None, "none"))):
        return False
    if a.previous_action is not None and a.previous_action != b.previous_action:
        return False
    if a.min_turn is not None and (b.min_turn is None or b.min_turn < a.min_turn):
        return False
    if a.max_turn is not None and (b.max_turn is None or b.max_turn > a.max_turn):
        return False
    return True


def unfillable_form_slots(domain: Domain) -> Iterator[tuple[str, str, str]]:
    """(form, slot, message) for form slots with no way to be answered by the user."""
    for form_name, form in domain.forms.items():
        for slot in form.slots:
            spec = domain.slots.get(slot)
            if spec is not None and not any(f.source in ("entity", "intent", "text") for f in spec.fill):
                yield form_name, slot, (
                    f"form {form_name!r} asks for slot {slot!r}, but nothing the user says can fill it "
                    f"(give the slot a fill from entity, intent or text)")


def check_rule_logic(domain: Domain, origin: Origin) -> list[Problem]:
    """Form slots nothing can fill, rules that can never fire or conflict, expressions reading unknown names."""
    problems = [origin.problem(("forms", form), ("slots", slot), message) for form, slot, message in unfillable_form_slots(domain)]
    problems.extend(origin.problem(("rules", index), sub, message) for index, sub, message in rule_findings(domain))
    return problems
