"""Run the app under uvicorn the way ``dialogue serve`` does (tests run it the same way, in a thread).

What uvicorn does not do by itself: answer a request its HTTP parser rejects (a raw space in
the path, a broken request line) with the JSON error body every other refusal has; mask tokens
in its logs; stop the process when the bot fails to start in the background.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.applications import Starlette

from dialogue.server import logs
from dialogue.server.errors import error_body

log = logging.getLogger("dialogue.server")

INVALID_HTTP = ("The request is not valid HTTP. Percent-encode spaces and control characters in the path "
                "(a conversation id is letters, digits and . _ : @ -).")


def json_error_protocol(metrics: Any = None) -> type:
    """uvicorn's HTTP protocol with its parser's plain-text 400 replaced by a JSON error body."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    body = json.dumps(error_body("invalid_http_request", INVALID_HTTP)).encode()
    response = (b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)

    class JSONErrorProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        def send_400_response(self, msg: str) -> None:
            if metrics is not None:
                metrics.http_errors.labels(code="invalid_http_request").inc()
            self.transport.write(response)
            self.transport.close()

    return JSONErrorProtocol


def uvicorn_config(app: Starlette, host: str = "127.0.0.1", port: int = 5005, *, log_level: str = "warning",
                   shutdown_timeout: float = 30.0, asgi: Any = None, **options: Any) -> Any:
    """uvicorn's settings for ``app``; ``asgi`` is what actually serves it (``app`` wrapped in middleware)."""
    import uvicorn

    config = app.state.config
    ws_max = max(1024 * 1024, 4 * config.max_body_bytes)  # bigger frames close with 1009; smaller get 413 frames
    return uvicorn.Config(asgi or app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on",
                          timeout_graceful_shutdown=int(shutdown_timeout), http=json_error_protocol(app.state.metrics),
                          ws_max_size=ws_max, **options)


def serve(app: Starlette, host: str = "127.0.0.1", port: int = 5005, *, log_level: str = "warning",
          shutdown_timeout: float = 30.0, name: str = "the bot", access_log: bool = False) -> int:
    """Serve until SIGTERM/SIGINT, saying where and when ready; 1 if the bot failed to start, else 0."""
    from dialogue.server.listening import ListeningServer

    asgi: Any = app
    if access_log:
        from dialogue.server.access_log import AccessLog, log_to_stderr

        log_to_stderr()
        asgi = AccessLog(app)
    config = uvicorn_config(app, host, port, log_level=log_level, shutdown_timeout=shutdown_timeout, asgi=asgi)
    server = ListeningServer(config, name, app.state.config.access_control)
    app.state.on_start_failure = lambda: setattr(server, "should_exit", True)
    app.state.on_ready = server.ready
    config = app.state.config
    logs.install([config.admin_token, config.auth_secret])
    server.run()
    return 1 if app.state.start_error else 0
