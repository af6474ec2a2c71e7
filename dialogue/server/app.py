"""The app factory: routes, JSON errors, access control, and a lifespan that starts the bot in the background.

The port opens at once: while the bot loads (the first-use NLU training may take minutes),
``/health`` answers 200, ``/ready`` and the conversation routes 503 ``starting``. A bot that
fails to start makes ``/health`` 503 and calls ``on_start_failure`` (``dialogue serve`` exits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette

from dialogue.server.auth import Access
from dialogue.server.config import ServerConfig
from dialogue.server.errors import EXCEPTION_HANDLERS
from dialogue.server.metrics import Metrics
from dialogue.server.routes import ROUTES
from dialogue.server.service import BotService

log = logging.getLogger("dialogue.server")

#: builds the running bot once the event loop runs (buses and clients bind to it)
ServiceFactory = Callable[[Metrics], Awaitable[BotService]]


def create_app(factory: ServiceFactory, config: ServerConfig | None = None,
               on_start_failure: Callable[[], None] | None = None) -> Starlette:
    """An ASGI app serving the bot ``factory`` builds at startup (in the background).

    Shutdown refuses new turns (503, and /ready turns 503), waits up to
    ``config.shutdown_timeout`` for in-flight turns, then closes the bot, bus and store.
    Raises ``ValueError`` for unusable access-control settings (a short secret).
    """
    config = config or ServerConfig()
    metrics = Metrics()
    access = Access(config.auth_secret, config.admin_token, config.token_ttl)

    async def start(app: Starlette) -> None:
        try:
            service = await factory(metrics)
            await service.start()
        except Exception as exc:  # noqa: BLE001 - reported on /health and /ready, and to the runner
            log.exception("the bot could not start")
            app.state.start_error = f"{type(exc).__name__}: {exc}"
            if app.state.on_start_failure is not None:
                app.state.on_start_failure()
            return
        app.state.service = service
        log.info("serving %s", service.bot.domain.name)
        if app.state.on_ready is not None:
            app.state.on_ready()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.starting = asyncio.create_task(start(app))
        try:
            yield
        finally:
            starting: asyncio.Task[None] = app.state.starting
            if not starting.done():
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)
            service: BotService | None = app.state.service
            if service is not None:
                if not await service.drain(config.shutdown_timeout):
                    log.warning("%d turns were still in flight after %.0f s", service.in_flight,
                                config.shutdown_timeout)
                await service.close()

    app = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.config = config
    app.state.access = access
    app.state.metrics = metrics
    app.state.service = None
    app.state.start_error = None
    app.state.on_start_failure = on_start_failure  # the runner sets it to stop the server
    app.state.on_ready = None  # the runner sets it to say the bot can chat
    return app


async def started(app: Starlette, timeout: float = 600.0) -> BotService:
    """Wait until the app's bot is serving (inside its lifespan); raises if it failed to start."""
    await asyncio.wait_for(asyncio.shield(app.state.starting), timeout)
    if app.state.service is None:
        raise RuntimeError(f"the bot failed to start: {app.state.start_error}")
    service: BotService = app.state.service
    return service
