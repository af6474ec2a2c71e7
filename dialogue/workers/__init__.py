"""Component workers: one pipeline stage per process on a Redis Streams bus (``dialogue worker``)."""

from __future__ import annotations

from dialogue.workers.stage_worker import KINDS, WorkerOptions, build_worker, run_worker

__all__ = ["KINDS", "WorkerOptions", "build_worker", "run_worker"]
