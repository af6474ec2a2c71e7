"""The medical pack's own library: date parsing, the clinic database and front-desk policy.

The domain's ``plugins/`` folder is imported as a package, so the plugin modules import this
subpackage relatively (``from .clinic import dates, desk, store``).
"""

from __future__ import annotations

from . import dates, desk, store

__all__ = ["dates", "desk", "store"]
