"""How many cores a training step may use: the idle ones, not all of them.

On a CPU shared with other work, OpenMP threads that compete for busy cores spin and slow each
other down many times over, so training asks how many cores are idle right now. Kept free of
torch so that parts which never need it (ONNX inference, linear heads) do not import it.
"""

from __future__ import annotations

import time


def auto_threads(cap: int = 4) -> int:
    """Cores idle right now, at least 1: OpenMP threads that compete for a shared CPU spin and
    slow each other down many times over. Idle time is sampled over 0.2 s (/proc/stat); the
    1-minute load average, the fallback, still counts work that has just finished."""
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = busy_cores(cpus)
    return max(1, min(cap, cpus, int(cpus - busy + 0.5)))


def busy_cores(cpus: int, interval: float = 0.2) -> float:
    """How many cores other work keeps busy: from /proc/stat deltas, else the load average."""
    import os

    def sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(x) for x in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return idle, sum(fields)

    first = sample()
    if first is not None:
        time.sleep(interval)
        second = sample()
        if second is not None and second[1] > first[1]:
            return cpus * (1 - (second[0] - first[0]) / (second[1] - first[1]))
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
