"""Convert a read Rasa project into the sections of a dialogue domain, collecting the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogue.importers.rasa.actions import scan_actions, skeletons
from dialogue.importers.rasa.conversations import convert_tests
from dialogue.importers.rasa.domain import (
    convert_entities,
    convert_forms,
    convert_intents,
    convert_responses,
    convert_slots,
    names,
)
from dialogue.importers.rasa.flows import Context, convert_flows
from dialogue.importers.rasa.nlu import convert_nlu
from dialogue.importers.rasa.pipeline import convert_pipeline, convert_policies
from dialogue.importers.rasa.project import RasaProject
from dialogue.importers.rasa.report import Report


@dataclass
class Converted:
    #: output file (relative) → its YAML sections
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: output file (relative) → Python source
    code: dict[str, str] = field(default_factory=dict)
    tests: list[dict[str, Any]] = field(default_factory=list)
    report: Report = field(default_factory=lambda: Report(""))


def convert(project: RasaProject) -> Converted:
    report = Report(project.path.name)
    domain = project.domain
    intents: dict[str, list[str]] = {}
    entities: dict[str, dict[str, Any]] = {}
    convert_intents(domain, intents, report)
    convert_entities(domain, entities, report)
    declared_entities = set(entities)
    convert_nlu(project.nlu, intents, entities, report)
    for name in sorted(set(entities) - declared_entities):
        report.add("nlu", f"regex/lookup {name}", f"{name!r} is not an entity of the domain: Rasa used it as a "
                   "feature for intent classification only; not converted.")
        del entities[name]
    slots, custom_slots = convert_slots(domain, report)
    responses = convert_responses(domain, report)
    forms = convert_forms(domain, responses, report)

    declared = [n for n, _ in names(domain.get("actions")) if n not in responses and n not in forms]
    declared += [a for a in custom_slots.values() if a not in declared]
    scanned = scan_actions(project.action_files, project.path)
    for name in scanned:
        if name not in declared:
            report.add("actions", f"{scanned[name].file}:{scanned[name].line}", f"action {name} is not declared in "
                       "domain.yml: not converted.")
    plugin, registered, _ = skeletons(declared, scanned, forms, report)
    fallback = "utter_default" if "utter_default" in responses else None
    context = Context(responses, forms, set(registered), fallback or "utter_default")
    flows = convert_flows(project.rules, project.stories, context, report)
    flow_code = _completions(forms, flows.completions, registered, report)

    has_lookups = any(spec.get("lookup") for spec in entities.values())
    pipeline, threshold = convert_pipeline(project.config, report, has_lookups)
    convert_policies(project.config, report)
    if domain.get("session_config"):
        report.add("domain", "domain.yml: session_config", "sessions do not expire here: a conversation keeps its "
                   "slots until /restart (or a rule with restart: true).", "approximated")
    if domain.get("e2e_actions"):
        report.add("domain", "domain.yml: e2e_actions", "end-to-end actions (bot texts in stories) are not converted.")

    settings: dict[str, Any] = {}
    if threshold is not None:
        settings["fallback_threshold"] = threshold
    if fallback:
        settings["fallback_response"] = fallback
    header: dict[str, Any] = {"version": 1, "description": f"Imported from the Rasa project {project.path.name}."}
    if settings:
        header["settings"] = settings
    converted = Converted(report=report)
    converted.files["domain.yml"] = header
    converted.files["nlu.yml"] = {"intents": {k: {"examples": v} for k, v in intents.items()},
                                  **({"entities": {k: _entity(v) for k, v in entities.items()}} if entities else {})}
    converted.files["slots.yml"] = {"slots": slots} if slots else {}
    converted.files["responses.yml"] = {"responses": responses}
    converted.files["forms.yml"] = {"forms": forms} if forms else {}
    converted.files["rules.yml"] = {"rules": flows.rules} if flows.rules else {}
    all_actions = registered + list(_generated(flow_code))
    converted.files["actions.yml"] = {"actions": {a: {"timeout": 5} for a in all_actions}} if all_actions else {}
    converted.files["pipeline.yml"] = {"pipeline": pipeline} if pipeline else {}
    if registered:
        converted.code["plugins/rasa_actions.py"] = plugin
    if flow_code:
        converted.code["plugins/rasa_flows.py"] = flow_code
    converted.tests = convert_tests(project.test_stories, forms, responses, set(registered), report)
    report.counts = {"intents": len(intents), "examples": sum(map(len, intents.values())), "entities": len(entities),
                     "slots": len(slots), "responses": len(responses), "forms": len(forms),
                     "rules": len(flows.rules), "custom actions": len(registered),
                     "conversation tests": len(converted.tests)}
    return converted


def _entity(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if v}


def _generated(code: str) -> list[str]:
    return [line.split('"')[1] for line in code.splitlines() if line.startswith('@action("')]


def _completions(forms: dict[str, Any], completions: dict[str, list[dict[str, Any]]], actions: list[str],
                 report: Report) -> str:
    """Set each form's submit/done from what Rasa did on completion; return code for longer sequences."""
    code: list[str] = []
    for form, steps in completions.items():
        if form not in forms:
            continue
        said = [s["respond"] for s in steps if "respond" in s]
        ran = [s["action"] for s in steps if "action" in s]
        other = [s for s in steps if "respond" not in s and "action" not in s]
        spec = forms[form]
        if other:
            report.add("rules", f"completion of form {form}", f"steps {other} after the form are not converted.")
        if not ran and len(said) <= 1:
            if said:
                spec["done"] = said[0]
        elif len(ran) == 1 and steps[0].get("action") == ran[0] and len(said) <= 1:
            spec["submit"] = ran[0]
            if said:
                spec["done"] = said[0]
        else:
            name = f"{form}_completed"
            spec["submit"] = name
            code.append(_sequence(name, form, [s for s in steps if "respond" in s or "action" in s]))
    if not code:
        return ""
    return ('"""What the Rasa rules did when each form completed, as the form\'s submit action (generated; '
            'edit freely)."""\n\nfrom __future__ import annotations\n\nfrom dialogue.actions import ActionContext, '
            'action\n\n\n' + "\n\n\n".join(code) + "\n")


def _sequence(name: str, form: str, steps: list[dict[str, Any]]) -> str:
    """An action that runs the steps in order: responses it says itself, actions as follow-ups (in order)."""
    body: list[str] = []
    pending: list[str] = []
    helpers: list[str] = []
    for step in steps:
        if "respond" in step:
            pending.append(step["respond"])
            continue
        if pending:
            helper = f"{name}_{len(helpers) + 1}"
            helpers.append(_say(helper, pending))
            body.append(f'    ctx.follow_up("{helper}")')
            pending = []
        body.append(f'    ctx.follow_up("{step["action"]}")')
    if pending and body:
        helper = f"{name}_{len(helpers) + 1}"
        helpers.append(_say(helper, pending))
        body.append(f'    ctx.follow_up("{helper}")')
    elif pending:
        body = [f'    ctx.respond("{r}")' for r in pending]
    main = (f'@action("{name}")\nasync def {name}(ctx: ActionContext) -> None:\n'
            f'    """After form {form}: {", ".join(s.get("respond") or s["action"] for s in steps)}."""\n'
            + "\n".join(body))
    return "\n\n\n".join([main, *helpers])


def _say(name: str, responses: list[str]) -> str:
    return (f'@action("{name}")\nasync def {name}(ctx: ActionContext) -> None:\n'
            + "\n".join(f'    ctx.respond("{r}")' for r in responses))
