"""Load-time checks of response templates: syntax, undefined variables, conditions, settings.

The templates realiser contributes ``check_templates`` to every domain load (``dialogue.builtins``);
imports only Jinja2 so loading a domain stays light.
"""

from __future__ import annotations

from jinja2 import TemplateSyntaxError, meta

from dialogue.domain.errors import Problem
from dialogue.domain.model import Domain
from dialogue.domain.origin import Origin
from dialogue.nlg.rendering import BUILTIN_VARIABLES, allowed_variables, make_environment, template_sources
from dialogue.registry import suggest


def check_templates(domain: Domain, origin: Origin) -> list[Problem]:
    """Every template compiles and reads only slots, entities, built-ins or declared variables."""
    env = make_environment()
    problems: list[Problem] = []
    for name, variants in domain.responses.items():
        key = ("responses", name)
        for i, variant in enumerate(variants):
            allowed = allowed_variables(domain, variant)
            for path, source in template_sources(variant):
                where = (i, *path)
                try:
                    ast = env.parse(source)
                except TemplateSyntaxError as exc:
                    problems.append(origin.problem(key, where, f"response {name!r}: template syntax error: {exc.message}"))
                    continue
                for variable in sorted(set(meta.find_undeclared_variables(ast)) - set(env.globals) - allowed):
                    hint = suggest(variable, sorted(allowed))
                    problems.append(
                        origin.problem(
                            key,
                            where,
                            f"response {name!r}: template uses {variable!r}, which is not a slot, an entity, "
                            f"a built-in ({', '.join(BUILTIN_VARIABLES)}) or a declared variable.{hint} "
                            f"(Declare values an action passes with `variables: [{variable}]`.)",
                        )
                    )
            for slot, wanted in (variant.condition or {}).items():
                if slot not in domain.slots:
                    problems.append(
                        origin.problem(
                            key,
                            (i, "condition", slot),
                            f"response {name!r}: condition on {slot!r}, which is not a slot.{suggest(slot, list(domain.slots))}",
                        )
                    )
                    continue
                allowed_values = [str(v) for v in domain.slots[slot].values]
                for value in wanted if isinstance(wanted, list) else [wanted]:
                    if allowed_values and value not in (None, "*") and str(value) not in allowed_values:
                        problems.append(
                            origin.problem(
                                key,
                                (i, "condition", slot),
                                f"response {name!r}: condition {slot} = {value!r} can never hold; the slot's values "
                                f"are {', '.join(allowed_values)}.{suggest(str(value), allowed_values)}",
                            )
                        )
    problems.extend(_check_generation(domain, origin))
    return problems


def _check_generation(domain: Domain, origin: Origin) -> list[Problem]:
    from dialogue.registry import registry

    problems = []
    generators = registry("generator")
    if domain.generation.backend not in generators:
        names = generators.names()
        problems.append(
            origin.problem(
                ("generation",),
                ("backend",),
                f"generation.backend: no generator named {domain.generation.backend!r}."
                f"{suggest(domain.generation.backend, names)} Available: {', '.join(names)}.",
            )
        )
    for intent in domain.generation.forbid_intents:
        if intent not in domain.intent_names:
            problems.append(
                origin.problem(
                    ("generation",),
                    ("forbid_intents",),
                    f"generation.forbid_intents: intent {intent!r} is not defined.{suggest(intent, domain.intent_names)}",
                )
            )
    return problems

