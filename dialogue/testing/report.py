"""The readable report of ``dialogue test``: one line per test, diffs for failures, a summary."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from dialogue.dm.redaction import MASK, is_sensitive
from dialogue.domain.schema.dm import SlotSpec
from dialogue.testing.conversation_runner import CaseResult, Failure, SuiteResult


def print_result(console: Console, result: CaseResult, slots: Mapping[str, SlotSpec] | None = None) -> None:
    """One test's line; a failure's slot values show ``***`` for sensitive slots (the comparison used the real ones)."""
    where = f"{result.file}:{result.line}" if result.line else result.file
    if result.passed:
        console.print(f"[green]✓[/green] {escape(result.name)} [dim]({escape(where)}, {result.seconds:.2f}s)[/dim]")
        return
    console.print(f"[bold red]✗ {escape(result.name)}[/bold red] [dim]({escape(where)})[/dim]")
    if result.error:
        console.print(f"    [red]error:[/red] {escape(result.error.rstrip())}")
    shown: set[int] = set()
    for failure in result.failures:
        if failure.turn not in shown:
            shown.add(failure.turn)
            console.print(f"    [bold]turn {failure.turn}[/bold] user: {escape(repr(failure.user))}")
        _print_failure(console, _redacted(failure, slots))
        turn = result.turns[failure.turn - 1] if failure.turn - 1 < len(result.turns) else None
        if failure.field in ("bot", "slots", "events") and turn is not None and turn.explanation:
            console.print(f"        [dim]dm: {escape('; '.join(turn.explanation))}[/dim]")
    for line in result.logs[:10]:
        console.print(f"    [dim]log: {escape(line)}[/dim]")


class _Shown(str):
    """A masked value that prints without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _redacted(failure: Failure, slots: Mapping[str, SlotSpec] | None) -> Failure:
    """The failure as printed: sensitive slots' values in ``slots`` and ``slot_set`` events masked."""
    def mask(values: Any, shown: str) -> Any:
        if not isinstance(values, dict):
            return values
        return {k: _Shown(shown) if v is not None and is_sensitive(k, slots) else v for k, v in values.items()}

    if failure.field == "slots":  # only slots that differ are listed, so say so when both sides are masked
        return Failure(failure.turn, failure.user, failure.field,
                       mask(failure.expected, MASK), mask(failure.actual, f"{MASK} (sensitive; differs)"))
    if failure.field == "events":
        hidden = [name for name in (slots or {}) if is_sensitive(name, slots)]

        def line(text: Any) -> Any:
            if isinstance(text, str) and text.startswith("slot_set(") and any(f"name={n!r}" in text for n in hidden):
                return text.split(", value=")[0] + f", value={MASK})" if ", value=" in text else text
            return text

        return Failure(failure.turn, failure.user, failure.field,
                       [line(t) for t in failure.expected], [line(t) for t in failure.actual])
    return failure


def _print_failure(console: Console, failure: Failure) -> None:
    console.print(f"      [yellow]{failure.field}[/yellow]:")
    expected, actual = _lines(failure.expected), _lines(failure.actual)
    for line in difflib.ndiff(expected, actual):
        if line.startswith("- "):
            console.print(f"        [red]- expected {escape(line[2:])}[/red]")
        elif line.startswith("+ "):
            console.print(f"        [green]+ actual   {escape(line[2:])}[/green]")
        elif line.startswith("  "):
            console.print(f"          same     {escape(line[2:])}")


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value] or ["(none)"]
    if isinstance(value, dict):
        return [f"{k}: {v!r}" for k, v in value.items()] or ["(none)"]
    return [repr(value)]


def print_nlu(console: Console, nlu: dict[str, Any]) -> None:
    status = nlu.get("status")
    if status == "skipped":
        return
    if status == "unavailable":
        console.print(f"[yellow]NLU cross-validation unavailable:[/yellow] {escape(str(nlu.get('reason', '')))}")
        return
    parts = []
    for key, label in (("intent_accuracy", "intent accuracy"), ("intent_macro_f1", "intent macro-F1"),
                       ("entity_f1", "entity F1"), ("sentence_accuracy", "sentence accuracy")):
        if isinstance(nlu.get(key), (int, float)):
            parts.append(f"{label} {nlu[key]:.3f}")
    folds = nlu.get("folds")
    reused = (f"; reused from {nlu.get('computed_at')}, data and pipeline unchanged (--fresh-cv reruns)"
              if nlu.get("reused") else "")
    console.print(f"NLU ({folds}-fold cross-validation{reused}): " + ", ".join(parts))


def print_summary(console: Console, suite: SuiteResult) -> None:
    colour = "green" if suite.failed == 0 else "red"
    console.print(f"[bold {colour}]{suite.passed} passed, {suite.failed} failed[/bold {colour}]")
