"""Rasa custom actions (rasa_sdk) → a list with where each was, and a plugin file of skeletons to fill in.

Each skeleton registers the action under its Rasa name, so the domain validates and runs; until it
is filled in it raises ``NotImplementedError``, which the user sees as the domain's error reply
(and the log names the file to edit). The Rasa code is kept below it as a comment, to port.
A ``FormValidationAction``'s ``validate_<slot>`` methods become validator skeletons, one per slot.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from dialogue.importers.rasa.report import Report


@dataclass
class RasaAction:
    name: str
    cls: str
    file: Path
    line: int
    source: str
    validators: dict[str, str] = field(default_factory=dict)  #: slot → validate_<slot> method source


def scan_actions(files: list[Path], project: Path) -> dict[str, RasaAction]:
    """Action classes with a ``name()`` returning a constant, by that name."""
    found: dict[str, RasaAction] = {}
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            name = _returned_name(node)
            if name is None:
                continue
            validators = {item.name[len("validate_"):]: ast.get_source_segment(text, item) or ""
                          for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                          and item.name.startswith("validate_")}
            found[name] = RasaAction(name, node.name, file.relative_to(project), node.lineno,
                                     ast.get_source_segment(text, node) or "", validators)
    return found


def _returned_name(node: ast.ClassDef) -> str | None:
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "name":
            for statement in ast.walk(item):
                if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Constant):
                    return str(statement.value.value)
    return None


def skeletons(declared: list[str], scanned: dict[str, RasaAction], forms: dict[str, dict[str, object]],
              report: Report) -> tuple[str, list[str], dict[tuple[str, str], str]]:
    """The plugin module, the actions it registers, and (form, slot) → validator action name."""
    parts = [HEADER]
    registered: list[str] = []
    validators: dict[tuple[str, str], str] = {}
    for name in declared:
        rasa = scanned.get(name)
        origin = f"{rasa.file}:{rasa.line} ({rasa.cls})" if rasa else "not found in actions/"
        form = name[len("validate_"):] if name.startswith("validate_") else None
        if form in forms:
            slots = list(forms[form]["slots"])  # type: ignore[call-overload]
            for slot in slots:
                method = rasa.validators.get(slot) if rasa else None
                if rasa is not None and method is None:
                    continue
                action = f"validate_{form}_{slot}"
                validators[(form, slot)] = action
                registered.append(action)
                parts.append(_validator(action, slot, form, origin, method))
                report.add("actions", origin, f"{rasa.cls if rasa else name}.validate_{slot} → skeleton "
                           f"{action} in plugins/rasa_actions.py; port it, then add `validate: {{plugin: {action}}}` "
                           f"under forms.{form}.slots.{slot}.", "to do")
            continue
        registered.append(name)
        parts.append(_action(name, origin, rasa.source if rasa else ""))
        report.add("actions", origin, f"custom action {name} → skeleton in plugins/rasa_actions.py (raises "
                   "NotImplementedError until ported: the user gets the error reply).", "to do")
    return "\n\n".join(parts) + "\n", registered, validators


HEADER = '''"""Custom actions imported from a Rasa project: skeletons to fill in (see IMPORT_REPORT.md).

Each one is registered under its Rasa name, so the bot validates and runs. Until it is ported it
raises NotImplementedError: the user gets the domain's error reply and the log points here.
The API is dialogue.actions (docs/dm.md#custom-actions): read ctx.slot(name), ctx.entity(type),
ctx.intent; write ctx.set_slot(name, value), ctx.respond("utter_x"), ctx.handoff(reason).
rasa_sdk's tracker.get_slot → ctx.slot, dispatcher.utter_message(response=...) → ctx.respond,
return [SlotSet(x, v)] → ctx.set_slot(x, v).
"""

from __future__ import annotations

from dialogue.actions import ActionContext, action'''


def _function(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def _commented(source: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in source.splitlines())


def _action(name: str, origin: str, source: str) -> str:
    kept = f"\n\n# The Rasa code ({origin}):\n{_commented(source)}" if source else ""
    return (f'@action("{name}")\nasync def {_function(name)}(ctx: ActionContext) -> None:\n'
            f'    """Rasa\'s {name} ({origin}): port it here."""\n'
            f'    raise NotImplementedError("{name} is not ported yet: fill it in, in plugins/rasa_actions.py")'
            f"{kept}")


def _validator(action_name: str, slot: str, form: str, origin: str, method: str | None) -> str:
    kept = f"\n\n# The Rasa code ({origin}):\n{_commented(method)}" if method else ""
    return (f'@action("{action_name}")\nasync def {_function(action_name)}(ctx: ActionContext) -> None:\n'
            f'    """Validates {slot} for form {form}: keep ctx.slot("{slot}"), replace it with ctx.set_slot("{slot}", '
            f'value),\n    or reject it with ctx.set_slot("{slot}", None) (and ctx.respond(...) to say why)."""\n'
            f'    raise NotImplementedError("{action_name} is not ported yet: fill it in, in plugins/rasa_actions.py")'
            f"{kept}")
