"""Turn a loaded domain into a running ``Bot``: build, train or load each configured component."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dialogue.bus import Bus
from dialogue.components import build_component, load_local_plugins
from dialogue.domain.model import Domain
from dialogue.pipeline import Bot, NLUStage
from dialogue.protocols import Trainable
from dialogue.registry import PluginError, registry

log = logging.getLogger("dialogue.assembly")

#: progress(description, fraction done in [0, 1])
Progress = Callable[[str, float], None]


def model_path(domain: Domain, component_name: str, fingerprint: str) -> Path:
    return domain.model_dir / "models" / component_name / fingerprint[:16]


def prepare_nlu(domain: Domain, *, train: bool = True, progress: Progress | None = None, force: bool = False) -> list[Any]:
    """Build the NLU components; trainable ones are loaded from cache or trained and saved.

    The cache key is the component's fingerprint (data + config + base model), so editing an
    example retrains and reverting the edit reuses the earlier model.
    """
    components = []
    data = None
    for index, spec in enumerate(domain.pipeline.nlu):
        component = build_component("nlu", spec, domain)
        if isinstance(component, Trainable):
            data = data or domain.training_data()
            directory = model_path(domain, f"{index}-{spec.use}", component.fingerprint(data))
            if directory.is_dir() and not force:
                log.info("loading %s from %s", spec.use, directory)
                component.load(directory)
            elif not train:
                raise PluginError(f"{spec.use} is not trained for this data; run `dialogue train {domain.path}`.")
            else:
                component.train(data, progress)
                _save_atomically(component, directory)
        components.append(component)
    return components


def _save_atomically(component: Trainable, directory: Path) -> None:
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    component.save(partial)
    shutil.rmtree(directory, ignore_errors=True)
    partial.rename(directory)


def build_store(domain: Domain) -> Any:
    return build_component("store", domain.pipeline.store, domain)


def assemble(
    domain: Domain,
    bus: Bus,
    *,
    store: Any | None = None,
    train: bool = True,
    progress: Progress | None = None,
    nlu_components: list[Any] | None = None,
) -> Bot:
    """Wire a domain's NLU, dialogue manager and NLG onto ``bus``; plugins are subscribed too."""
    load_local_plugins(domain)
    components = nlu_components if nlu_components is not None else prepare_nlu(domain, train=train, progress=progress)
    nlu = NLUStage(components, domain.intent_names, max_chars=domain.settings.max_message_chars)
    manager = build_component("dm", domain.pipeline.dm, domain, store=store if store is not None else build_store(domain))
    realiser = build_component("nlg", domain.pipeline.nlg, domain)
    bot = Bot(domain, bus, nlu, manager, realiser)
    for spec in domain.pipeline.subscribers:
        subscriber = build_component("subscriber", spec, domain)
        for topic in subscriber.topics:
            bus.subscribe(topic, subscriber.handle, name=f"plugin:{spec.use}")
    return bot


__all__ = ["assemble", "build_store", "prepare_nlu", "registry"]
