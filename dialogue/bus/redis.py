"""Redis Streams bus: the same ``Bus`` contract as the in-process bus, spread over processes.

Layout (``P`` is the key prefix, ``N`` the shard count)::

    P:s:<topic>:<shard>        one stream per topic and shard; shard = crc32(conversation_id) % N
    P:lease:<group>:<topic>:<shard>  which consumer of a subscriber group owns a shard (SET NX PX, renewed)
    P:members:<group>:<topic>        live consumers of a group (sorted set of heartbeats), for fair shares
    P:done:<group>:...         processed marker per (subscriber, conversation, turn), with a TTL

Why shards with leases: a consumer group alone spreads a conversation's messages over several
workers, which then race. Here each (group, shard) is read by one consumer at a time, so a
conversation's messages reach a subscriber in publish order, while different shards (and
different conversations inside a shard) are handled concurrently. Workers share a group's
shards evenly (each holds about N / live-workers leases) and hand shards over on scale-up.

Delivery is at least once: an entry is acknowledged only after its handler ran. Outputs are
published, the done marker set and the entry acknowledged in one Lua script, so a redelivered
entry either finds its marker (and is skipped before its handler runs) or had no visible
effect yet; a duplicate that slips through (two owners at once) publishes nothing twice. When a worker
dies its leases expire; the next owner claims the shard's pending entries with XAUTOCLAIM
(min idle time) and replays them, in order, before reading new ones.

Poison messages: an entry that was delivered ``max_deliveries`` times without being
acknowledged (it killed or hung each worker that took it) is moved to a dead-letter stream
instead of being delivered again (``dialogue.bus.dead_letters``).

Subscribers named in ``broadcast`` (the bot's turn listener) do not use a
group: every process reads every entry from the moment it started (fan-out), because each
gateway must see the replies to its own requests.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import socket
import time
import traceback
import zlib
from collections.abc import Callable, Collection, Sequence
from typing import Any

from dialogue.bus.base import ALL_TOPICS, Bus, Subscription
from dialogue.bus.dead_letters import DeadLetters
from dialogue.messages import (
    BotToken,
    BotTurn,
    BusMessage,
    Decision,
    Event,
    ParsedMessage,
    PipelineError,
    UserMessage,
    decode,
    encode,
)

log = logging.getLogger("dialogue.bus.redis")

#: every topic a message can be published on (``"*"`` subscribers read all of them)
TOPICS = (UserMessage.topic, ParsedMessage.topic, Decision.topic, BotTurn.topic, BotToken.topic,
          PipelineError.topic, Event.topic)
#: the order in which a turn's messages are published, for merging what one read of several streams brings
TURN_ORDER = {topic: rank for rank, topic in enumerate((
    UserMessage.topic, ParsedMessage.topic, Event.topic, Decision.topic, BotToken.topic, BotTurn.topic,
    PipelineError.topic))}
#: topics with exactly one message per (conversation, turn): idempotency keys use the turn
TURN_TOPICS = frozenset({UserMessage.topic, ParsedMessage.topic, Decision.topic, BotTurn.topic})
#: the turn listener of ``dialogue.pipeline.Bot``: every gateway process needs all of its messages
DEFAULT_BROADCAST = ("bot.turns",)

# KEYS: done-key, source stream, output streams...; ARGV: ttl, group, entry id, maxlen, payloads...
_COMMIT = """
local committed = 0
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  committed = 1
  for i = 3, #KEYS do
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[4], '*', 'm', ARGV[i + 2])
  end
end
redis.call('XACK', KEYS[2], ARGV[2], ARGV[3])
return committed
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{random.randrange(16**4):04x}"


class RedisStreamsBus(Bus):
    """Publish/subscribe over Redis Streams with consumer groups, shard leases and replay.

    ``run`` says which subscribers this process consumes (a set of names or a predicate;
    ``None``: all); ``dialogue.wiring`` subscribes only what a process runs, so it needs none.
    """

    distributed = True

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "dialogue",
        shards: int = 16,
        run: Collection[str] | Callable[[str], bool] | None = None,
        broadcast: Collection[str] = DEFAULT_BROADCAST,
        lease_ms: int = 3000,
        claim_idle_ms: int = 1000,
        block_ms: int = 100,
        max_in_flight: int = 256,
        maxlen: int = 100_000,
        done_ttl_s: int = 900,
        consumer: str | None = None,
        max_connections: int = 32,
        max_deliveries: int = 3,
    ) -> None:
        super().__init__()
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.url = url
        self.prefix = prefix
        self.shards = shards
        self.broadcast = set(broadcast)
        self._run = run
        self.lease_ms = lease_ms
        self.claim_idle_ms = claim_idle_ms
        self.block_ms = block_ms
        self.max_in_flight = max_in_flight
        self.maxlen = maxlen
        self.done_ttl_s = done_ttl_s
        self.consumer = consumer or _consumer_name()
        self.max_connections = max_connections
        self.max_deliveries = max_deliveries
        self.dead_letters: DeadLetters | None = None
        self.redis: Any = None
        self._pool: Any = None
        self._consumers: list[_GroupConsumer] = []
        self._fanout: _FanOut | None = None
        self._started = False
        self._commit: Any = None
        self._renew: Any = None
        self._release: Any = None

    # ------------------------------------------------------------------ naming

    def shard_of(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode("utf-8")) % self.shards

    def stream(self, topic: str, shard: int) -> str:
        return f"{self.prefix}:s:{topic}:{shard}"

    def runs(self, name: str) -> bool:
        if self._run is None:
            return True
        if callable(self._run):
            return bool(self._run(name))
        return name in self._run

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._started:
            return
        import redis.asyncio as aioredis

        # a blocking pool: under load, callers wait for a free connection instead of failing
        pool = aioredis.BlockingConnectionPool.from_url(self.url, decode_responses=True,
                                                        max_connections=self.max_connections, timeout=30)
        self.redis = aioredis.Redis(connection_pool=pool)
        self._pool = pool
        await self.redis.ping()
        self._commit = self.redis.register_script(_COMMIT)
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self.dead_letters = DeadLetters(self.redis, self.prefix, self.maxlen)
        self._started = True
        for sub in list(self.subscriptions):
            await self._activate(sub)
        if self._fanout is not None:
            await self._fanout.start()

    def subscribe(self, topic: str, handler: Any, *, name: str | None = None) -> Subscription:
        if self._started:
            raise RuntimeError("subscribe to a RedisStreamsBus before start(): consumers are set up there")
        return super().subscribe(topic, handler, name=name)

    async def _activate(self, sub: Subscription) -> None:
        if sub.name in self.broadcast:
            if self._fanout is None:
                self._fanout = _FanOut(self)
            self._fanout.add(sub)
            return
        if not self.runs(sub.name):
            return
        consumer = _GroupConsumer(self, sub)
        await consumer.start()
        self._consumers.append(consumer)

    async def close(self) -> None:
        if not self._started:
            return
        self._started = False
        for consumer in self._consumers:
            await consumer.stop()
        if self._fanout is not None:
            await self._fanout.stop()
        await self.redis.aclose()
        await self._pool.disconnect()

    async def healthy(self, timeout: float = 1.0) -> bool:
        """Whether Redis answers a PING in time (for readiness probes)."""
        if not self._started:
            return False
        try:
            return bool(await asyncio.wait_for(self.redis.ping(), timeout))
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False

    # ------------------------------------------------------------------ publish / deliver

    async def publish(self, message: BusMessage) -> None:
        stream = self.stream(message.topic, self.shard_of(message.conversation_id))
        await self.redis.xadd(stream, {"m": encode(message)}, maxlen=self.maxlen, approximate=True)

    def done_key(self, group: str, message: BusMessage, entry_id: str) -> str:
        if message.topic in TURN_TOPICS:
            ident = f"{message.conversation_id}:{message.turn_id}:{message.kind}"
        else:
            ident = entry_id
        return f"{self.prefix}:done:{group}:{message.topic}:{ident}"

    async def handle_entry(self, sub: Subscription, stream: str, entry_id: str, message: BusMessage,
                           check: bool = True) -> None:
        """Run one subscriber on one stream entry, then commit outputs + marker + ack atomically.

        ``check`` first looks for the processed marker, so a replayed entry does not run its
        handler (and its side effects) again; a first delivery skips that round trip, and if it
        duplicates an earlier message the commit still publishes nothing twice.
        """
        group = sub.name
        key = self.done_key(group, message, entry_id)
        if check and await self.redis.exists(key):
            await self.redis.xack(stream, group, entry_id)
            return
        try:
            produced = list(await sub.handler(message) or ())
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            trace = traceback.format_exc()
            log.error("subscriber %s failed on %s (conversation %s, turn %s)\n%s",
                      sub.name, message.topic, message.conversation_id, message.turn_id, trace)
            produced = []
            if message.topic != PipelineError.topic:
                produced.append(PipelineError(
                    conversation_id=message.conversation_id, turn_id=message.turn_id, subscriber=sub.name,
                    failed_topic=message.topic, error=f"{type(exc).__name__}: {exc}", trace=trace,
                ))
        keys = [key, stream, *(self.stream(m.topic, self.shard_of(m.conversation_id)) for m in produced)]
        args = [self.done_ttl_s, group, entry_id, self.maxlen, *(encode(m) for m in produced)]
        await self._commit(keys=keys, args=args)

    async def join(self) -> None:
        """Wait until this process's group subscribers have nothing unread or unacknowledged."""
        while True:
            busy = False
            for consumer in self._consumers:
                if consumer.in_flight or await consumer.backlog():
                    busy = True
                    break
            if not busy:
                return
            await asyncio.sleep(0.05)


def _entries(reply: Any) -> list[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """XREAD/XREADGROUP replies come as a list (RESP2) or a dict (RESP3); make them one shape."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return [(stream, items[0] if len(items) == 1 and isinstance(items[0], list) and items[0]
                 and isinstance(items[0][0], (list, tuple)) else items) for stream, items in reply.items()]
    return [(stream, items) for stream, items in reply]


def _decode_entry(stream: str, entry_id: str, fields: dict[str, str] | None, group: str | None = None
                  ) -> BusMessage | None:
    """The entry's message; None for a foreign or corrupt entry, or one replayed for another group."""
    if not fields or "m" not in fields:
        return None
    if "for" in fields and fields["for"] != group:  # a dead letter replayed for one group only
        return None
    try:
        return decode(fields["m"])
    except Exception:  # noqa: BLE001 - a foreign or corrupt entry must not stop the consumer
        log.error("dropping undecodable entry %s on %s", entry_id, stream)
        return None


class _Lanes:
    """Per-conversation FIFO lanes: one conversation's entries one at a time, others concurrently."""

    def __init__(self, run: Callable[[str, str, BusMessage], Any]) -> None:
        self._run = run
        self._lanes: dict[str, list[tuple[str, str, BusMessage]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.in_flight = 0
        self.per_stream: dict[str, int] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def put(self, stream: str, entry_id: str, message: BusMessage) -> None:
        self.in_flight += 1
        self.per_stream[stream] = self.per_stream.get(stream, 0) + 1
        self._idle.clear()
        lane = self._lanes.get(message.conversation_id)
        if lane is not None:
            lane.append((stream, entry_id, message))
            return
        self._lanes[message.conversation_id] = [(stream, entry_id, message)]
        task = asyncio.create_task(self._work(message.conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self, conversation_id: str) -> None:
        lane = self._lanes[conversation_id]
        while lane:
            stream, entry_id, message = lane[0]
            try:
                await self._run(stream, entry_id, message)
            except Exception:  # noqa: BLE001 - left pending, replayed after the claim idle time
                log.exception("delivery of %s on %s failed; it stays pending", entry_id, stream)
            finally:
                lane.pop(0)
                self.in_flight -= 1
                self.per_stream[stream] -= 1
                if self.in_flight == 0:
                    self._idle.set()
        del self._lanes[conversation_id]

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def wait_stream(self, streams: Collection[str]) -> None:
        while any(self.per_stream.get(s, 0) for s in streams):
            await asyncio.sleep(0.01)


class _GroupConsumer:
    """One subscriber's consumer-group membership: leases shards, reads, replays, hands over."""

    def __init__(self, bus: RedisStreamsBus, sub: Subscription) -> None:
        self.bus = bus
        self.sub = sub
        self.group = sub.name
        self.topics = TOPICS if sub.topic == ALL_TOPICS else (sub.topic,)
        self.lanes = _Lanes(self._deliver)
        self.ready: set[int] = set()  # shards leased, recovered, and read with '>'
        self.held: set[int] = set()  # shards whose lease this consumer holds
        self._tasks: list[asyncio.Task[None]] = []
        self._side: set[asyncio.Task[None]] = set()
        self._replayed: set[str] = set()  # claimed entries: check their processed marker first
        self._stopping = False
        self._wake = asyncio.Event()
        self._read_lock = asyncio.Lock()

    @property
    def in_flight(self) -> int:
        return self.lanes.in_flight

    def _lease(self, shard: int) -> str:
        return f"{self.bus.prefix}:lease:{self.group}:{self.sub.topic}:{shard}"

    def _streams(self, shard: int) -> list[str]:
        return [self.bus.stream(t, shard) for t in self.topics]

    async def start(self) -> None:
        r = self.bus.redis
        async with r.pipeline(transaction=False) as pipe:
            for shard in range(self.bus.shards):
                for stream in self._streams(shard):
                    pipe.xgroup_create(stream, self.group, id="0", mkstream=True)
            results = await pipe.execute(raise_on_error=False)
        for result in results:
            if isinstance(result, Exception) and "BUSYGROUP" not in str(result):
                raise result
        await self._rebalance()
        self._tasks = [asyncio.create_task(self._lease_loop()), asyncio.create_task(self._read_loop())]

    async def stop(self) -> None:
        """Stop reading, finish in-flight entries, give leases back so others take over at once."""
        self._stopping = True
        self._wake.set()
        for task in [*self._tasks, *self._side]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._side, return_exceptions=True)
        await self.lanes.wait_idle()
        r = self.bus.redis
        for shard in list(self.held):
            await self.bus._release(keys=[self._lease(shard)], args=[self.bus.consumer])
        self.held.clear()
        self.ready.clear()
        await r.zrem(f"{self.bus.prefix}:members:{self.group}:{self.sub.topic}", self.bus.consumer)

    async def backlog(self) -> int:
        """Entries not yet read or not yet acknowledged in this group, over every shard."""
        total = 0
        for shard in range(self.bus.shards):
            for stream in self._streams(shard):
                for info in await self.bus.redis.xinfo_groups(stream):
                    if info["name"] == self.group:
                        total += int(info.get("pending") or 0) + int(info.get("lag") or 0)
        return total

    # -------------------------------------------------------------- leases

    async def _lease_loop(self) -> None:
        period = self.bus.lease_ms / 3000
        while not self._stopping:
            try:
                await asyncio.sleep(period)
                await self._rebalance()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - redis hiccup: try again next period
                log.exception("lease renewal for %s failed", self.group)

    async def _rebalance(self) -> None:
        """Heartbeat, renew held leases, then give back or take shards toward a fair share."""
        bus, r = self.bus, self.bus.redis
        members = f"{bus.prefix}:members:{self.group}:{self.sub.topic}"
        now = time.time() * 1000
        async with r.pipeline(transaction=False) as pipe:
            pipe.zadd(members, {bus.consumer: now})
            pipe.zremrangebyscore(members, 0, now - bus.lease_ms)
            pipe.zcard(members)
            _, _, live = await pipe.execute()
        held = sorted(self.held)
        if held:
            async with r.pipeline(transaction=False) as pipe:
                for shard in held:
                    await bus._renew(keys=[self._lease(shard)], args=[bus.consumer, bus.lease_ms], client=pipe)
                renewed = await pipe.execute()
            for shard, ok in zip(held, renewed):
                if not ok:
                    log.warning("%s lost the lease of shard %d of %s", bus.consumer, shard, self.group)
                    self.held.discard(shard)
                    self.ready.discard(shard)
        target = math.ceil(bus.shards / max(1, live))
        for shard in sorted(self.held, reverse=True)[: max(0, len(self.held) - target)]:
            self.held.discard(shard)
            self._spawn(self._hand_over(shard))
        if len(self.held) < target:
            order = list(range(bus.shards))
            random.shuffle(order)
            for shard in order:
                if len(self.held) >= target:
                    break
                if shard in self.held:
                    continue
                if await r.set(self._lease(shard), bus.consumer, nx=True, px=bus.lease_ms):
                    self.held.add(shard)
                    self._spawn(self._recover(shard))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._side.add(task)
        task.add_done_callback(self._side.discard)

    async def _hand_over(self, shard: int) -> None:
        """Stop reading a shard, let its in-flight entries finish, then free its lease."""
        self.ready.discard(shard)
        async with self._read_lock:  # an XREADGROUP already under way may still bring entries
            pass
        await self.lanes.wait_stream(self._streams(shard))
        await self.bus._release(keys=[self._lease(shard)], args=[self.bus.consumer])

    async def _recover(self, shard: int) -> None:
        """Replay what earlier owners left pending (after the claim idle time), then read new entries."""
        r = self.bus.redis
        try:
            for stream in self._streams(shard):
                while shard in self.held and not self._stopping:
                    pending = await r.xpending(stream, self.group)
                    if not pending or not int(pending.get("pending") or 0):
                        break
                    await self._bury_poison(stream)
                    reply = await r.xautoclaim(stream, self.group, self.bus.consumer,
                                               min_idle_time=self.bus.claim_idle_ms, start_id="0-0", count=100)
                    claimed = reply[1] if len(reply) > 1 else []
                    for entry_id, fields in claimed:
                        message = _decode_entry(stream, entry_id, fields, self.group)
                        if message is None:
                            await r.xack(stream, self.group, entry_id)
                            continue
                        log.info("%s replays %s on %s", self.bus.consumer, entry_id, stream)
                        self._replayed.add(entry_id)
                        self.lanes.put(stream, entry_id, message)
                    await self.lanes.wait_stream([stream])
                    if not claimed:
                        await asyncio.sleep(min(0.1, self.bus.claim_idle_ms / 1000))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - retried when the lease is taken again
            log.exception("recovery of shard %d of %s failed", shard, self.group)
            self.held.discard(shard)
            return
        if shard in self.held:
            self.ready.add(shard)
            self._wake.set()

    async def _bury_poison(self, stream: str) -> None:
        """Entries already delivered ``max_deliveries`` times go to the dead letters, not to a handler."""
        bus, r = self.bus, self.bus.redis
        if not bus.max_deliveries or bus.dead_letters is None:
            return
        for entry in await r.xpending_range(stream, self.group, min="-", max="+", count=100,
                                            idle=bus.claim_idle_ms):
            if int(entry["times_delivered"]) < bus.max_deliveries:
                continue
            entry_id = entry["message_id"]
            claimed = await r.xclaim(stream, self.group, bus.consumer, min_idle_time=bus.claim_idle_ms,
                                     message_ids=[entry_id])
            if not claimed or not claimed[0][1]:  # taken meanwhile, or deleted: nothing to set aside
                continue
            payload = claimed[0][1].get("m", "")
            shard = int(stream.rsplit(":", 1)[1])
            log.error("%s: entry %s on %s was delivered %s times without an ack; moved to %s",
                      self.group, entry_id, stream, entry["times_delivered"], bus.dead_letters.stream)
            await bus.dead_letters.bury(stream, entry_id, self.group, payload, int(entry["times_delivered"]),
                                        str(entry["consumer"]), bus.stream(PipelineError.topic, shard))

    # -------------------------------------------------------------- reading

    async def _read_loop(self) -> None:
        bus, r = self.bus, self.bus.redis
        while not self._stopping:
            try:
                room = bus.max_in_flight - self.lanes.in_flight
                if not self.ready or room <= 0:
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), 0.05)
                    except asyncio.TimeoutError:
                        pass
                    continue
                async with self._read_lock:
                    streams = {s: ">" for shard in sorted(self.ready) for s in self._streams(shard)}
                    reply = await r.xreadgroup(self.group, bus.consumer, streams, count=min(room, 128),
                                               block=bus.block_ms)
                    for stream, items in _entries(reply):
                        for entry_id, fields in items:
                            message = _decode_entry(stream, entry_id, fields, self.group)
                            if message is None:
                                await r.xack(stream, self.group, entry_id)
                                continue
                            self.lanes.put(stream, entry_id, message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - connection trouble: back off and retry
                log.exception("reading %s failed", self.group)
                await asyncio.sleep(0.5)

    async def _deliver(self, stream: str, entry_id: str, message: BusMessage) -> None:
        replayed = entry_id in self._replayed
        self._replayed.discard(entry_id)
        await self.bus.handle_entry(self.sub, stream, entry_id, message, check=replayed)


class _FanOut:
    """Reads every shard of the broadcast subscribers' topics from where this process started."""

    def __init__(self, bus: RedisStreamsBus) -> None:
        self.bus = bus
        self.subs: list[Subscription] = []
        self.task: asyncio.Task[None] | None = None
        self.lanes: dict[int, _Lanes] = {}
        self._last: dict[str, str] = {}

    def add(self, sub: Subscription) -> None:
        self.subs.append(sub)

    def _topics(self) -> set[str]:
        topics: set[str] = set()
        for sub in self.subs:
            topics.update(TOPICS if sub.topic == ALL_TOPICS else (sub.topic,))
        return topics

    async def start(self) -> None:
        r = self.bus.redis
        streams = [self.bus.stream(t, s) for t in sorted(self._topics()) for s in range(self.bus.shards)]
        async with r.pipeline(transaction=False) as pipe:
            for stream in streams:
                pipe.xrevrange(stream, count=1)
            lasts = await pipe.execute()
        self._last = {s: (last[0][0] if last else "0-0") for s, last in zip(streams, lasts)}
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        for lanes in self.lanes.values():
            await lanes.wait_idle()

    async def _loop(self) -> None:
        r = self.bus.redis
        while True:
            try:
                reply = await r.xread(self._last, count=500, block=self.bus.block_ms)
                for stream, entry_id, fields in self._in_publish_order(reply):
                    self._last[stream] = entry_id
                    message = _decode_entry(stream, entry_id, fields)
                    if message is None:
                        continue
                    for sub in self.subs:
                        if sub.topic in (message.topic, ALL_TOPICS):
                            self._lanes(sub).put(stream, entry_id, message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - connection trouble: back off and retry
                log.exception("broadcast read failed")
                await asyncio.sleep(0.5)

    def _in_publish_order(self, reply: Any) -> list[tuple[str, str, dict[str, str]]]:
        """The entries of one read of several streams, merged by time, then by a turn's topic order.

        XREAD answers stream by stream; a ``"*"`` subscriber (the bot's turn listener) must see
        a turn's decision before its reply, as it does on the in-process bus. Entry ids carry the
        Redis clock's milliseconds; within one millisecond the topic order of a turn decides.
        """
        merged = []
        for stream, items in _entries(reply):
            rank = TURN_ORDER.get(stream[len(self.bus.prefix) + 3:].rsplit(":", 1)[0], len(TURN_ORDER))
            for entry_id, fields in items:
                millis, _, seq = entry_id.partition("-")
                merged.append(((int(millis), rank, int(seq or 0)), stream, entry_id, fields))
        merged.sort(key=lambda item: item[0])
        return [(stream, entry_id, fields) for _, stream, entry_id, fields in merged]

    def _lanes(self, sub: Subscription) -> _Lanes:
        lanes = self.lanes.get(id(sub))
        if lanes is None:

            async def run(stream: str, entry_id: str, message: BusMessage, sub: Subscription = sub) -> None:
                await self.bus.deliver(sub, message)

            lanes = self.lanes[id(sub)] = _Lanes(run)
        return lanes


def is_redis_url(value: str) -> bool:
    return value.startswith(("redis://", "rediss://", "unix://"))


__all__: Sequence[str] = ["DEFAULT_BROADCAST", "RedisStreamsBus", "TOPICS", "is_redis_url"]
