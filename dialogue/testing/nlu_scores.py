"""Cross-validated NLU scores for ``dialogue test``, reused while the data and the pipeline are unchanged.

Cross-validation trains the pipeline once per fold, which is most of a test run's time. The
result is stored under ``<domain>/.dialogue/cv/<key>.json``; the key is a content hash of
everything the scores depend on: the examples in order (folds are drawn from that order),
entity definitions and lookup files, the NLU pipeline and its parameters, the fallback
threshold, the trainable components' fingerprints (their config, library versions and base
model), the domain's plugin code (NLU components may live there), folds and seed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dialogue.domain.model import Domain

log = logging.getLogger("dialogue.testing")

#: bump when cross_validate's method or its result keys change, so stored results are not reused
METHOD_VERSION = 1


def cache_key(domain: Domain, components: Sequence[Any] = (), folds: int = 5, seed: int = 0) -> str:
    from dialogue import __version__
    from dialogue.components import local_plugin_files
    from dialogue.nlu.base import content_hash

    data = domain.training_data()
    examples = [[e.text, e.intent, [[s.start, s.end, s.type, s.value, s.role] for s in e.entities]]
                for e in data.examples]
    entities = {name: spec.model_dump(mode="json") for name, spec in domain.entities.items()}
    lookups = {name: _read(domain.path / spec.lookup_file) for name, spec in domain.entities.items() if spec.lookup_file}
    pipeline = [spec.model_dump(mode="json") for spec in domain.pipeline.nlu]
    fingerprints = [c.fingerprint(data) for c in components if hasattr(c, "fingerprint")]
    plugins = {str(p.relative_to(domain.path)) if p.is_relative_to(domain.path) else str(p): _read(p)
               for p in sorted(local_plugin_files(domain)) + _plugin_helpers(domain)}
    return content_hash("cv", METHOD_VERSION, __version__, folds, seed, examples, sorted(data.synonyms.items()),
                        entities, lookups, pipeline, domain.settings.fallback_threshold, fingerprints, plugins)


def nlu_scores(domain: Domain, components: Sequence[Any] = (), *, reuse: bool = True, folds: int = 5,
               seed: int = 0) -> dict[str, Any]:
    """Cross-validated scores (``status: ok``), stored ones when nothing they depend on changed, or why not."""
    key = cache_key(domain, components, folds, seed)
    stored = domain.model_dir / "cv" / f"{key}.json"
    if reuse and stored.is_file():
        try:
            result = json.loads(stored.read_text(encoding="utf-8"))
            return {**result, "reused": True}
        except (OSError, ValueError) as exc:
            log.warning("could not read stored cross-validation %s (%s); running it again", stored, exc)
    from dialogue.nlu.evaluation import cross_validate

    try:
        scores = cross_validate(domain, folds=folds, seed=seed)
    except ValueError as exc:
        return {"status": "unavailable", "reason": str(exc)}
    result = {"status": "ok", **scores, "computed_at": time.strftime("%Y-%m-%d %H:%M:%S"), "key": key}
    _store(stored, result)
    return {**result, "reused": False}


def _store(path: Path, result: dict[str, Any]) -> None:
    """Write atomically, and keep only this result: older keys belong to data that no longer exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    for old in path.parent.glob("*.json"):
        if old != path:
            old.unlink(missing_ok=True)
    staging.replace(path)


def _plugin_helpers(domain: Domain) -> list[Path]:
    """Every other Python file under plugins/ (helpers the plugin files import)."""
    folder = domain.path / "plugins"
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts) if folder.is_dir() else []


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
