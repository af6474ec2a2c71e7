"""Build a domain's NLU components and train the trainable ones, reusing stored models.

A trained component is stored at ``<model_root>/<use-name>/<fingerprint>/`` and loaded
from there next time when neither the data nor the config changed (the fingerprint is a
content hash of both, plus the base model's identity).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import IntentScore, ParsedMessage
from dialogue.protocols import Trainable

log = logging.getLogger("dialogue.nlu")

Progress = Callable[[str, float], None]


class NotTrainedError(RuntimeError):
    """A trainable component has no stored model for this data and training was not allowed."""


def train_or_load(
    component: Any,
    name: str,
    data: TrainingData,
    model_root: Path | None,
    progress: Progress | None = None,
    *,
    force: bool = False,
    may_train: bool = True,
) -> str:
    """Load ``component`` from its fingerprint folder under ``model_root`` or train and save it.

    Returns ``"loaded"`` or ``"trained"``. ``model_root=None`` always trains and stores nothing;
    ``force`` retrains even when a stored model exists; ``may_train=False`` raises
    ``NotTrainedError`` instead of training.
    """
    if model_root is None:
        component.train(data, progress)
        return "trained"
    folder = Path(model_root) / name / component.fingerprint(data)
    stored = folder.is_dir()  # saved through a staging folder renamed at the end: present means complete
    if not may_train and not stored:
        raise NotTrainedError(f"{name} is not trained for this data and config (no {folder})")
    if stored and not force:
        try:
            component.load(folder)
            log.info("%s: reusing %s", name, folder)
            return "loaded"
        except Exception as exc:  # a stale or damaged folder: retrain over it
            log.warning("%s: could not load %s (%s); retraining", name, folder, exc)
    component.train(data, progress)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        component.save(staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)  # atomic: a half-written model is never picked up
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return "trained"


def build_nlu(
    domain: Domain,
    specs: Sequence[ComponentSpec] | None = None,
    data: TrainingData | None = None,
    model_root: Path | None | bool = True,
    progress: Progress | None = None,
) -> list[Any]:
    """The domain's NLU components (or ``specs``), trained on ``data`` (default: the domain's examples).

    ``model_root=True`` stores models under ``domain.model_dir``; ``False``/``None`` never stores.
    """
    from dialogue.components import build_component

    specs = list(specs if specs is not None else domain.pipeline.nlu)
    data = data if data is not None else domain.training_data()
    root = domain.model_dir if model_root is True else (model_root or None)
    components: list[Any] = []
    for spec in specs:
        component = build_component("nlu", spec, domain)
        if isinstance(component, Trainable) and hasattr(component, "fingerprint"):
            train_or_load(component, spec.use, data, root if isinstance(root, Path) else None, progress)
        bind_preceding(component, components)
        components.append(component)
    return components


def bind_preceding(component: Any, preceding: Sequence[Any]) -> None:
    """Hand a step that re-reads parts of a message (``RereadsParts``) the steps before it."""
    bind = getattr(component, "bind_preceding", None)
    if callable(bind):
        bind(list(preceding))


def empty_parse(text: str, conversation_id: str = "nlu", turn_id: int = 0) -> ParsedMessage:
    return ParsedMessage(conversation_id=conversation_id, turn_id=turn_id, text=text, intent=IntentScore(name="", confidence=0.0))


def parse_batch(components: Sequence[Any], texts: Sequence[str]) -> list[ParsedMessage]:
    """Run texts through the components, batching where a component supports it."""
    parses = [empty_parse(t, turn_id=i) for i, t in enumerate(texts)]
    for component in components:
        batch = getattr(component, "process_batch", None)
        parses = list(batch(parses)) if batch else [component.process(p) for p in parses]
    return parses


def parse_one(components: Sequence[Any], text: str) -> ParsedMessage:
    parse = empty_parse(text)
    for component in components:
        parse = component.process(parse)
    return parse
