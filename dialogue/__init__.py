"""dialogue: task-oriented chatbots from YAML domains.

Light on import: torch, transformers and spaCy load only when a domain's pipeline names a
component that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Bot": "dialogue.pipeline",
    "load_domain": "dialogue.domain",
    "Domain": "dialogue.domain",
    "DomainError": "dialogue.domain",
    "InProcessBus": "dialogue.bus",
    "assemble": "dialogue.assembly",
    "action": "dialogue.actions",
    "ActionContext": "dialogue.actions",
    "register": "dialogue.registry",
}

if TYPE_CHECKING:
    from dialogue.actions import ActionContext, action
    from dialogue.assembly import assemble
    from dialogue.bus import InProcessBus
    from dialogue.domain import Domain, DomainError, load_domain
    from dialogue.pipeline import Bot
    from dialogue.registry import register


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dialogue' has no attribute {name!r}")


__all__ = [*_LAZY, "__version__"]
