"""The app factory: routes, JSON errors, and a lifespan that builds the bot and drains it on shutdown."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette

from dialogue.server.config import ServerConfig
from dialogue.server.errors import EXCEPTION_HANDLERS
from dialogue.server.metrics import Metrics
from dialogue.server.routes import ROUTES
from dialogue.server.service import BotService

log = logging.getLogger("dialogue.server")

#: builds the running bot once the event loop runs (buses and clients bind to it)
ServiceFactory = Callable[[Metrics], Awaitable[BotService]]


def create_app(factory: ServiceFactory, config: ServerConfig | None = None) -> Starlette:
    """An ASGI app serving the bot ``factory`` builds at startup.

    Shutdown refuses new turns (503, and /ready turns 503), waits up to
    ``config.shutdown_timeout`` for in-flight turns, then closes the bot, bus and store.
    """
    config = config or ServerConfig()
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service = await factory(metrics)
        await service.start()
        app.state.service = service
        log.info("serving %s", service.bot.domain.name)
        try:
            yield
        finally:
            if not await service.drain(config.shutdown_timeout):
                log.warning("%d turns were still in flight after %.0f s", service.in_flight, config.shutdown_timeout)
            await service.close()

    app = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)  # type: ignore[arg-type]
    app.state.config = config
    app.state.metrics = metrics
    app.state.service = None
    return app
