"""The expression language of rule conditions (``amount > 100 and vip``): what an expression may contain.

Checked once when the domain loads (syntax, allowed constructs, the names it reads); the dialogue
manager evaluates checked expressions (``dialogue.dm.expressions``).
"""

from __future__ import annotations

import ast
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
