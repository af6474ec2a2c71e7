"""Turn a loaded domain into a running ``Bot``: build, train or load each configured component."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dialogue.bus import Bus
from dialogue.components import build_component, load_local_plugins
from dialogue.domain.model import Domain
from dialogue.pipeline import Bot, NLUStage
from dialogue.protocols import Trainable
from dialogue.registry import PluginError, registry
from dialogue.wiring import ONE_PROCESS, Plugin, Shape, Timer

log = logging.getLogger("dialogue.assembly")

#: progress(description, fraction done in [0, 1])
Progress = Callable[[str, float], None]


def prepare_nlu(domain: Domain, *, train: bool = True, progress: Progress | None = None, force: bool = False) -> list[Any]:
    """Build the NLU components; trainable ones are loaded from the domain's model folder or trained.

    The cache key is the component's fingerprint (data + config + base model), so editing an
    example retrains and reverting the edit reuses the earlier model.
    """
    from dialogue.nlu.pipeline_builder import NotTrainedError, bind_preceding, train_or_load

    components: list[Any] = []
    data = None
    for index, spec in enumerate(domain.pipeline.nlu):
        component = build_component("nlu", spec, domain)
        if isinstance(component, Trainable):
            data = data or domain.training_data()
            try:
                train_or_load(component, f"{index}-{spec.use}", data, domain.model_dir / "models", progress,
                              force=force, may_train=train)
            except NotTrainedError as exc:
                raise PluginError(f"{exc}; run `dialogue train {domain.path}`.") from exc
        bind_preceding(component, components)
        components.append(component)
    return components


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
    shape: Shape = ONE_PROCESS,
    timed: Timer | None = None,
) -> Bot:
    """Wire what ``shape`` runs of a domain's NLU, dialogue manager, NLG and plugin subscribers onto ``bus``."""
    load_local_plugins(domain)
    components = nlu_components if nlu_components is not None else prepare_nlu(domain, train=train, progress=progress)
    nlu = NLUStage(components, domain.intent_names, max_chars=domain.settings.max_message_chars)
    manager = build_component("dm", domain.pipeline.dm, domain, store=store if store is not None else build_store(domain))
    realiser = build_component("nlg", domain.pipeline.nlg, domain)
    return Bot(domain, bus, nlu, manager, realiser, shape=shape, plugins=build_plugins(domain), timed=timed)


def build_plugins(domain: Domain) -> list[Plugin]:
    """The domain's bus subscribers (``pipeline.subscribers``)."""
    plugins = []
    for spec in domain.pipeline.subscribers:
        subscriber = build_component("subscriber", spec, domain)
        plugins.append(Plugin(spec.use, tuple(subscriber.topics), subscriber.handle))
    return plugins


__all__ = ["assemble", "build_plugins", "build_store", "prepare_nlu", "registry"]
