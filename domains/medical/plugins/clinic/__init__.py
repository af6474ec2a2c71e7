"""The medical pack's own library: date parsing, the clinic database and front-desk policy.

A domain's plugins are plain files, not an installed package, so each plugin module loads
this package by path (``_load_clinic``) under the name ``medical_pack_clinic``.
"""

from __future__ import annotations

from . import dates, desk, store

__all__ = ["dates", "desk", "store"]
