"""Safe boolean expressions over slots for rule conditions (``amount > 100 and vip``).

Expressions are checked once when the domain loads (syntax, allowed constructs, names) and
evaluated with ``simpleeval``: no attribute access, no imports, no ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

#: functions an expression may call
FUNCTIONS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "abs": abs, "int": int, "float": float, "str": str, "round": round,
    "lower": lambda s: str(s).lower(),
}
#: names always available besides the slots
BUILTIN_NAMES = ("intent", "confidence", "turn", "entities", "true", "false", "null")

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp, ast.Add,
    ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt,
    ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Call, ast.List,
    ast.Tuple, ast.Set, ast.Subscript, ast.IfExp,
)


def check_expression(expression: str) -> set[str]:
    """Raise ``ValueError`` if the expression is malformed or unsafe; return the names it reads."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {expression!r} is not valid: {exc.msg}") from exc
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"expression {expression!r} uses {type(node).__name__}, which is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ValueError(
                    f"expression {expression!r}: only these functions may be called: {', '.join(sorted(FUNCTIONS))}"
                )
            if node.keywords:
                raise ValueError(f"expression {expression!r}: keyword arguments are not allowed")
        elif isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            names.add(node.id)
    return names


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
