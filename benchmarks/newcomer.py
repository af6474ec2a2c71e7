"""The newcomer's first commands, timed as whole processes: `dialogue init bot && dialogue test bot`.

Runs in a fresh temporary folder with the `dialogue` on PATH (or --dialogue): init + test with
cross-validation (what the README promises in under 60 s on 2 cores), the same test again (the
stored cross-validation is reused), and again with --fresh-cv (the baseline for the ratio).

    python benchmarks/newcomer.py [--repeat 2] [--dialogue .venv/bin/dialogue]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the child) of one command, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dialogue", default=shutil.which("dialogue") or "dialogue")
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float]]] = {"init + test (empty folder)": [], "test again (CV reused)": [],
                                                   "test --fresh-cv (baseline)": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            init = timed([args.dialogue, "init", "bot"], work)
            first = timed([args.dialogue, "test", "bot"], work)
            rows["init + test (empty folder)"].append((init[0] + first[0], init[1] + first[1]))
            rows["test again (CV reused)"].append(timed([args.dialogue, "test", "bot"], work))
            rows["test --fresh-cv (baseline)"].append(timed([args.dialogue, "test", "bot", "--fresh-cv"], work))
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"| run | wall s (best of {args.repeat}) | CPU s (best) |\n|---|---|---|")
    best = {name: (min(w for w, _ in runs), min(c for _, c in runs)) for name, runs in rows.items()}
    for name, (wall, cpu) in best.items():
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    baseline, reused = best["test --fresh-cv (baseline)"], best["test again (CV reused)"]
    print(f"reusing cross-validation: {baseline[0] / reused[0]:.1f}x less wall time, "
          f"{baseline[1] / reused[1]:.1f}x less CPU than cross-validating again")


if __name__ == "__main__":
    main()
