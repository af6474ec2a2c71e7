"""A rich progress bar that trainers drive through ``progress(description, fraction)``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn


@contextmanager
def progress_bar(title: str, console: Console | None = None) -> Iterator[Callable[[str, float], None]]:
    """Yields ``update(description, fraction)``; the bar appears only once work is reported."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
    )
    task: list[TaskID] = []

    def update(description: str, fraction: float) -> None:
        if not task:
            bar.start()
            task.append(bar.add_task(title, total=1.0))
        bar.update(task[0], description=f"{title}: {description}", completed=max(0.0, min(1.0, fraction)))

    try:
        yield update
    finally:
        if task:
            bar.stop()
