"""The progress bar of one file, on stderr: the bar follows bytes read, with rows and rows/s."""

from __future__ import annotations

from time import perf_counter
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


class FileProgress:
    """Use as a context manager; `enabled=False` shows nothing. Leaves no trace when done: the
    summary line printed afterwards says what happened."""

    def __init__(self, name: str, total_bytes: int, enabled: bool) -> None:
        self._name = name
        self._started = perf_counter()
        console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:>11,} rows"),
            TextColumn("{task.fields[rate]:>8,.0f} rows/s"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            # A bar in a log file or a pipe is noise: only draw it on a terminal.
            disable=not (enabled and console.is_terminal),
        )
        self._task = self._progress.add_task(name, total=max(total_bytes, 1), rows=0, rate=0.0)

    def __enter__(self) -> FileProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def advance(self, bytes_read: int, rows: int) -> None:
        rate = rows / max(perf_counter() - self._started, 1e-9)
        self._progress.update(self._task, completed=bytes_read, rows=rows, rate=rate)

    def stage(self, what: str) -> None:
        """Name the step after reading (deriving, committing) so a pause is explained."""
        self._progress.update(self._task, description=f"{self._name}: {what}")
