"""Generated attacks against a real server: the HTTP API fuzzed from its own /openapi.json (schemathesis), the
WebSocket with hypothesis-built frames. No answer may be a 5xx, every answer must match the schema, and no
socket may drop.

Examples are derandomized so CI is reproducible; raise ``FUZZ_EXAMPLES`` to search harder locally.
"""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server_helpers import live_server
from dialogue.server import ServerConfig

ADMIN = "admin-token-of-the-fuzzer"
SECRET = "signing-secret-of-the-fuzzer-0123456789"
#: per operation and generation mode: 5 conversation operations x 2 modes x 30 = 300 requests by default,
#: plus the few distinct requests /health, /ready and /metrics take
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with live_server(ServerConfig(admin_token=ADMIN, auth_secret=SECRET, turn_timeout=10)) as live:
        yield live


@pytest.fixture(scope="module")
def credentials(server: Any) -> list[str | None]:
    """No token, the admin's, a conversation's (valid for one id only), and garbage."""
    started = httpx.post(f"{server.base}/conversations", json={"conversation_id": "fuzz"},
                         headers={"Authorization": f"Bearer {ADMIN}"}).json()
    return [None, ADMIN, started["token"], "garbage.token.value"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_http_api_fuzzed_from_its_openapi(server: Any, credentials: list[str | None], mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    sent: list[int] = []
    failures: list[str] = []
    with httpx.Client() as probe:  # one live socket while fuzzing: the server must not be knocked over
        for operation in operations:

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode), credential=st.sampled_from(credentials))
            def run(case: Any, credential: str | None) -> None:
                headers = {"Authorization": f"Bearer {credential}"} if credential else {}
                response = case.call(base_url=server.base, headers=headers, timeout=15)
                sent.append(response.status_code)
                try:
                    case.validate_response(response, checks=CHECKS)
                except Exception as exc:  # noqa: BLE001 - collect every failure, then report them together
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {exc}")

            try:
                run()
            except Unsatisfiable:
                # nothing to make invalid in an operation without parameters or body (/health, /metrics)
                assert mode is GenerationMode.NEGATIVE and not operation.path.startswith("/conversations/")
            assert probe.get(f"{server.base}/health").status_code == 200
    assert not failures, "\n".join(failures[:10])
    assert len(sent) >= 5 * EXAMPLES  # the probes take fewer distinct inputs than EXAMPLES
    print(mode, len(sent), sorted(collections.Counter(sent).items()))
    assert not [s for s in sent if s >= 500]


# --------------------------------------------------------------------------- WebSocket

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON_VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
TURN_LIKE = st.fixed_dictionaries(
    {"text": st.text(min_size=0, max_size=60) | JSON_VALUES},
    optional={"channel": st.text(max_size=80) | JSON_VALUES,
              "metadata": st.dictionaries(st.sampled_from(["text", "channel", "conversation_id", "x"]) | st.text(),
                                          JSON_VALUES, max_size=4) | JSON_VALUES,
              "extra": JSON_VALUES})
FRAMES = st.one_of(
    TURN_LIKE.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(20, 5000).map(lambda n: "[" * n + "]" * n),
    st.integers(20, 5000).map(lambda n: '{"text": "hi", "metadata": ' + '{"a":' * n + "1" + "}" * n + "}"),
    st.integers(60_000, 80_000).map(lambda n: json.dumps({"text": "x" * n})),
    st.sampled_from(['{"text": "hi \\ud800"}', '{"text": "hi", "metadata": {"\\udfff": 1}}', '{"text": "\\u0000"}']),
)


def test_websocket_fuzzed_frames_never_drop_the_socket(server: Any) -> None:
    frames_sent: list[int] = []
    url = f"{server.ws}/conversations/fuzz-ws/stream?token={ADMIN}"

    @settings(max_examples=max(1, EXAMPLES * 2), deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(frames=st.lists(FRAMES, min_size=1, max_size=5))
    def run(frames: list[str | bytes]) -> None:
        with connect(url, open_timeout=10, max_size=None) as ws:
            for frame in frames:
                ws.send(frame)
                answer = _answer(ws)
                assert answer["type"] in ("turn", "error"), answer
                if answer["type"] == "error":
                    assert answer["error"]["code"] != "internal_error", (frame, answer)
                frames_sent.append(1)
            ws.send(json.dumps({"text": "hello"}))  # still open, still answering
            assert _answer(ws)["type"] == "turn"

    run()
    assert len(frames_sent) >= EXAMPLES * 2


def _answer(ws: Any) -> dict[str, Any]:
    """The next frame that is not a streamed token; a closed socket fails the test."""
    while True:
        try:
            frame: dict[str, Any] = json.loads(ws.recv(timeout=15))
        except ConnectionClosed as exc:
            raise AssertionError(f"the server closed the socket: {exc}") from exc
        if frame["type"] != "token":
            return frame
