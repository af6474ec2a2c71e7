"""Evaluating rule-condition expressions (``amount > 100 and vip``) per turn.

What an expression may contain is the domain's language (``dialogue.domain.expressions``, checked
when the domain loads); here a checked expression is evaluated with ``simpleeval``: no attribute
access, no imports, no ``eval``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogue.domain.expressions import FUNCTIONS, check_expression

__all__ = ["Expression", "check_expression"]


class Expression:
    """A checked expression, compiled once, evaluated per turn against the current names."""

    def __init__(self, source: str) -> None:
        from simpleeval import EvalWithCompoundTypes

        self.source = source.strip()
        self.names = check_expression(self.source)
        self._evaluator = EvalWithCompoundTypes(functions=FUNCTIONS)
        self._tree = self._evaluator.parse(self.source)

    def evaluate(self, names: Mapping[str, Any]) -> Any:
        """Value of the expression; names it reads that are missing count as ``None``."""
        values = {name: names.get(name) for name in self.names}
        values.update(true=True, false=False, null=None)
        self._evaluator.names = values
        return self._evaluator.eval(self.source, previously_parsed=self._tree)
