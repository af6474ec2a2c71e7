"""Load benchmark: simulated users talking to `dialogue serve` over loopback HTTP.

    python benchmarks/load.py                      # every scenario, 64 users, 8 s each
    python benchmarks/load.py --scenarios memory,memory-auth --users 64 --seconds 10

Each scenario starts its own processes on 127.0.0.1 (a private redis-server in a temp dir for
the Redis scenarios, the server, the workers), warms up, then runs ``--users`` concurrent
users for ``--seconds`` (or until ``--max-turns``); each user plays multi-turn conversations
built from the domain's own NLU examples (seeded). Everything is stopped afterwards.

Reported per scenario: turns/s, p50/p95/p99 latency, errors, the CPU seconds the server side
used (server, workers, redis-server) and turns per such CPU-second — the figure that stays
meaningful when other jobs share the machine — with throughput relative to the first scenario.
The client is a small keep-alive HTTP/1.1 client on asyncio streams, so that on a 2-core
machine the load generator takes as little CPU from the server as possible (it uses ~0.1 ms
of CPU per turn, see the `cli CPU s` column). ``--rate`` paces the users to offer a fixed load.

``-auth`` scenarios switch access control on: each conversation starts with ``POST /conversations``
(not timed as a turn), and each turn carries that conversation's token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOMAIN = ROOT / "domains" / "customer_service"
FALLBACK_DOMAIN = ROOT / "tests" / "server" / "domain"

#: name → (bus, batching, workers of each kind, access control)
SCENARIOS: dict[str, tuple[str, bool, int, bool]] = {
    "memory": ("memory", True, 0, False),
    "memory-auth": ("memory", True, 0, True),
    "memory-nobatch": ("memory", False, 0, False),
    "redis-1": ("redis", True, 1, False),
    "redis-1-auth": ("redis", True, 1, True),
    "redis-2": ("redis", True, 2, False),
    "redis-2-nobatch": ("redis", False, 2, False),
}
#: the credentials of the -auth scenarios (given to the server through its environment)
AUTH_ENV = {"DIALOGUE_ADMIN_TOKEN": "load-benchmark-admin-token",
            "DIALOGUE_AUTH_SECRET": "load-benchmark-signing-secret-0123456789"}


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def wait_ready(port: int, proc: subprocess.Popen[bytes], seconds: float = 600) -> None:
    """The port opens at once; the bot is loaded when /ready says 200."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not become ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc (0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass
class Stack:
    """The processes of one scenario; ``close`` stops them all (SIGTERM, then SIGKILL)."""

    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dialogue-load-")))

    def spawn(self, *args: str, ready_port: int | None = None, stdout: int | None = subprocess.DEVNULL,
              env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{len(self.procs)}-{Path(args[0]).name}.log", "wb")  # noqa: SIM115 - closed with tmp
        proc = subprocess.Popen(list(args), stdout=stdout, stderr=log, cwd=ROOT, env={**os.environ, **(env or {})})
        self.procs.append(proc)
        if ready_port is not None:
            wait_port(ready_port, proc)
        return proc

    def server_cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def logs(self) -> str:
        logs = sorted(self.tmp.glob("*.log"))
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def dialogue_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dialogue", *args]


def start_stack(name: str, domain: Path, shards: int = 16) -> tuple[Stack, int]:
    bus_kind, batching, workers, auth = SCENARIOS[name]
    stack = Stack()
    port = free_port()
    batch = [] if batching else ["--no-batching"]
    env = AUTH_ENV if auth else None
    try:
        if bus_kind == "memory":
            store = f"sqlite:///{stack.tmp / 'conversations.sqlite3'}"
            server = stack.spawn(*dialogue_cmd("serve", str(domain), "--port", str(port), "--store", store,
                                               "--no-train", "--log-level", "error", *batch), ready_port=port, env=env)
            wait_ready(port, server)
            return stack, port
        redis_port = free_port()
        stack.spawn(shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                    "--dir", str(stack.tmp), "--save", "", "--appendonly", "no", ready_port=redis_port)
        bus, store = f"redis://127.0.0.1:{redis_port}/0", f"redis://127.0.0.1:{redis_port}/1"
        layout = ["--shards", str(shards)]
        for kind in ("nlu", "dm", "nlg"):
            for _ in range(workers):
                proc = stack.spawn(*dialogue_cmd("worker", kind, str(domain), "--bus", bus, "--store", store,
                                                 "--no-train", *layout, *batch), stdout=subprocess.PIPE)
                assert proc.stdout is not None
                if b"ready" not in proc.stdout.readline():
                    raise RuntimeError(f"worker {kind} did not start")
        server = stack.spawn(*dialogue_cmd("serve", str(domain), "--port", str(port), "--bus", bus, "--store", store,
                                           "--no-train", "--log-level", "error", *layout), ready_port=port, env=env)
        wait_ready(port, server)
        return stack, port
    except BaseException:
        stack.close()
        raise


# --------------------------------------------------------------------------- client


class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON (what a load generator needs, nothing more)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict[str, object], token: str | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        body = json.dumps(payload).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def conversations(domain: Path, seed: int, turns: int = 5) -> list[list[str]]:
    """Multi-turn scripts from the domain's own examples (annotations stripped), seeded."""
    from dialogue.domain import load_domain

    texts = [e.text for e in load_domain(domain).training_data().examples]
    rng = random.Random(seed)
    return [[rng.choice(texts) for _ in range(turns)] for _ in range(500)]


@dataclass
class Result:
    name: str
    latencies: list[float]
    errors: int
    seconds: float
    server_cpu: float
    client_cpu: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def per_cpu(self) -> float:
        """Turns per CPU-second of the server side: what a dedicated core would sustain."""
        return len(self.latencies) / self.server_cpu if self.server_cpu else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def drive(port: int, scripts: list[list[str]], users: int, seconds: float, max_turns: int,
                tag: str, rate: float = 0.0, auth: bool = False) -> tuple[list[float], int, float]:
    """Run ``users`` concurrent users; with ``rate`` > 0 they offer that many turns/s in all (paced),
    else each sends its next message as soon as the previous reply arrives (closed loop). With
    ``auth`` each conversation starts with ``POST /conversations`` and its turns carry the token."""
    latencies: list[float] = []
    errors = 0
    began = time.perf_counter()
    stop_at = began + seconds

    async def user(index: int) -> None:
        nonlocal errors
        connection = Connection(port)
        n = 0
        sent = 0
        try:
            while time.perf_counter() < stop_at and len(latencies) + errors < max_turns:
                script = scripts[(index * 7919 + n) % len(scripts)]
                conversation, token = f"{tag}-{index}-{n}", None
                n += 1
                if auth:
                    try:
                        status, body = await connection.post("/conversations", {})
                        started = json.loads(body)
                        conversation, token = started["conversation_id"], started["token"]
                    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
                        errors += 1
                        await connection.close()
                        connection = Connection(port)
                        continue
                for text in script:
                    if rate > 0:  # user i's k-th turn is due at began + (i + k * users) / rate
                        due = began + (index + sent * users) / rate
                        sent += 1
                        if due > time.perf_counter():
                            await asyncio.sleep(due - time.perf_counter())
                    if time.perf_counter() >= stop_at or len(latencies) + errors >= max_turns:
                        return
                    start = time.perf_counter()
                    try:
                        status, body = await connection.post(f"/conversations/{conversation}/messages", {"text": text},
                                                             token)
                    except (OSError, asyncio.IncompleteReadError, ValueError):
                        errors += 1
                        await connection.close()
                        connection = Connection(port)
                        continue
                    if status == 200 and not json.loads(body).get("error"):
                        latencies.append(time.perf_counter() - start)
                    else:
                        errors += 1
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(users)))
    return latencies, errors, time.perf_counter() - start


def run_scenario(name: str, domain: Path, scripts: list[list[str]], args: argparse.Namespace,
                 rate: float = 0.0) -> Result:
    stack, port = start_stack(name, domain, args.shards)
    auth = SCENARIOS[name][3]
    try:
        asyncio.run(drive(port, scripts, min(args.users, 8), args.warmup, 10_000, f"warm-{name}", auth=auth))
        cpu_before, client_before = stack.server_cpu(), time.process_time()
        latencies, errors, seconds = asyncio.run(
            drive(port, scripts, args.users, args.seconds, args.max_turns, f"{name}-{time.time_ns()}", rate, auth))
        if errors and args.verbose:
            print(stack.logs(), file=sys.stderr)
        label = f"{name}@{rate:g}/s" if rate > 0 else name
        return Result(label, latencies, errors, seconds, stack.server_cpu() - cpu_before,
                      time.process_time() - client_before)
    finally:
        stack.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", type=Path, default=DEFAULT_DOMAIN if DEFAULT_DOMAIN.is_dir() else FALLBACK_DOMAIN)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--users", type=int, default=64, help="concurrent simulated users (default 64)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured time per scenario (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up per scenario (default 2)")
    parser.add_argument("--max-turns", type=int, default=20_000, help="stop a scenario after this many turns")
    parser.add_argument("--rate", default="0",
                        help="offered turns/s over all users (paced); 0: closed loop, as fast as replies come; "
                             "several, comma-separated, run each scenario at each (one training for all)")
    parser.add_argument("--shards", type=int, default=16, help="Redis bus shards (default 16)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--verbose", action="store_true", help="print the processes' logs when a turn failed")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}")
    if any(SCENARIOS[n][0] == "redis" for n in names) and shutil.which("redis-server") is None:
        parser.error("the redis scenarios need redis-server (apt-get install redis-server)")

    from dialogue.assembly import prepare_nlu
    from dialogue.components import load_local_plugins
    from dialogue.domain import load_domain

    # a snapshot of the domain, so edits to it (or its model cache) during the run change nothing
    snapshot_dir = Path(tempfile.mkdtemp(prefix="dialogue-load-domain-"))
    snapshot = snapshot_dir / args.domain.name
    shutil.copytree(args.domain, snapshot, ignore=shutil.ignore_patterns(".dialogue", "__pycache__"))
    try:
        domain = load_domain(snapshot)
        load_local_plugins(domain)
        prepare_nlu(domain)  # train once here, so servers and workers start with --no-train
        return _run(args, names, snapshot)
    finally:
        shutil.rmtree(snapshot_dir, ignore_errors=True)


def _run(args: argparse.Namespace, names: list[str], domain_path: Path) -> int:
    scripts = conversations(domain_path, args.seed)
    rates = [float(r) for r in str(args.rate).split(",") if r.strip()]

    load = ", ".join(f"offered {r:g} turns/s" if r > 0 else "closed loop" for r in rates)
    print(f"domain {domain_path.name}, {args.users} users, {load}, {args.seconds:g} s per scenario, "
          f"{os.cpu_count()} CPUs", flush=True)
    results = []
    for rate in rates:
        for name in names:
            results.append(run_scenario(name, domain_path, scripts, args, rate))
            r = results[-1]
            print(f"  {r.name}: {r.throughput:.0f} turns/s, p99 {r.percentile(0.99):.0f} ms", flush=True)

    base = results[0].throughput or 1.0
    print(f"\n{'scenario':<22}{'turns':>7}{'turns/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
          f"{'errors':>7}{'srv CPU s':>10}{'turns/CPU s':>12}{'cli CPU s':>10}{'vs ' + results[0].name:>16}")
    for r in results:
        print(f"{r.name:<22}{len(r.latencies):>7}{r.throughput:>9.1f}{r.percentile(0.5):>8.1f}"
              f"{r.percentile(0.95):>8.1f}{r.percentile(0.99):>8.1f}{r.errors:>7}{r.server_cpu:>10.1f}"
              f"{r.per_cpu:>12.0f}{r.client_cpu:>10.1f}{r.throughput / base:>15.2f}x")
    if args.json:
        args.json.write_text(json.dumps([
            {"scenario": r.name, "turns": len(r.latencies), "turns_per_s": r.throughput,
             "p50_ms": r.percentile(0.5), "p95_ms": r.percentile(0.95), "p99_ms": r.percentile(0.99),
             "mean_ms": statistics.fmean(r.latencies) * 1000 if r.latencies else None,
             "errors": r.errors, "server_cpu_s": r.server_cpu, "turns_per_cpu_s": r.per_cpu,
             "client_cpu_s": r.client_cpu}
            for r in results], indent=2))
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
