"""Domains: a folder of YAML files describing what a bot understands, remembers and says."""

from __future__ import annotations

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain

__all__ = ["Domain", "DomainError", "Problem", "load_domain"]
