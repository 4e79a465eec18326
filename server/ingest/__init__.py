"""CSV import (SPEC section 4): the eleven files of a folder, validated, derived and upserted.

Files are imported in dependency order, each in one transaction. Without `skip_invalid`, a file
with any invalid row writes nothing, and the files that refer to it are not imported either
(their references could not be checked); files that do not depend on it still are.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from server.errors import UserError
from server.ingest import report
from server.ingest.files import BY_ENTITY
from server.ingest.load import Ahead, load_file, read_ahead, read_by_workers, spare_core
from server.ingest.prefetch import can_read_during
from server.ingest.read import CsvReader
from server.ingest.registered import import_files
from server.ingest.worker import spare_workers

__all__ = ["import_directory"]


async def import_directory(
    engine: AsyncEngine, directory: Path, *, skip_invalid: bool = False, progress: bool = True
) -> bool:
    """Import the CSV files of `directory`; True when every file present was imported.

    Problems and a summary line per file go to stderr. Mistakes that concern the whole command
    (a file that cannot be read, a header with a missing or unknown column) raise UserError
    before anything is written.
    """
    files = import_files()
    for path in sorted(directory.glob("*.csv")):
        if path.name not in {spec.name for spec in files}:
            report.ignored(path.name)
    present = [spec for spec in files if (directory / spec.name).is_file()]
    if not present:
        names = ", ".join(spec.name for spec in files)
        raise UserError(f"{directory}: nothing to import (expected any of {names})")
    readers: list[CsvReader] = []
    ahead = _FilesAhead(engine, directory, readers, skip_invalid=skip_invalid)
    try:
        for spec in present:
            readers.append(CsvReader(directory / spec.name, spec))
        async with spare_workers(sum(map(read_by_workers, readers))):
            await _import_files(
                engine, directory, readers, ahead, skip_invalid=skip_invalid, progress=progress
            )
    finally:
        await ahead.stop()
        for reader in readers:
            reader.close()
    return not ahead.not_imported


async def _import_files(
    engine: AsyncEngine,
    directory: Path,
    readers: list[CsvReader],
    ahead: _FilesAhead,
    *,
    skip_invalid: bool,
    progress: bool,
) -> None:
    """Each file in its turn, read ahead where it can be."""
    for position, reader in enumerate(readers):
        spec = reader.spec
        missing = sorted(spec.references & ahead.not_imported)
        if missing:
            report.skipped(spec.name, BY_ENTITY[missing[0]].name)
            ahead.not_imported.add(spec.entity)
            continue
        reading = await ahead.take(position)
        if read_by_workers(reader) and spare_core():
            # The file's workers leave a core to the next file, which is read meanwhile, its
            # workers yielding to these: a re-import that changes little writes next to nothing
            # (peer data, every row read again and unchanged, SQLite: 17.9 s and 18.2 s without,
            # 12.8 s and 13.0 s with). A first load read column by column starts every later
            # file it can anyway (`on_columnar`).
            ahead.start(position + 1, frozenset({spec.entity}), preload=True)
        with _collector_paused():
            result = await load_file(
                engine,
                reader,
                directory,
                skip_invalid=skip_invalid,
                progress=progress,
                ahead=reading,
                on_written=partial(ahead.written, position + 1, frozenset({spec.entity})),
                on_columnar=partial(ahead.start_all, position + 1, frozenset({spec.entity})),
            )
        result.print()
        if not result.written:
            ahead.not_imported.add(spec.entity)


class _FilesAhead:
    """The files of one import read before their turn (server.ingest.prefetch), and the
    entities of the files that were not imported."""

    def __init__(
        self, engine: AsyncEngine, directory: Path, readers: list[CsvReader], *, skip_invalid: bool
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._readers = readers
        self._skip_invalid = skip_invalid
        self._reading: dict[int, asyncio.Task[Ahead]] = {}  # by position
        self.not_imported: set[str] = set()

    async def written(self, position: int, unfinished: frozenset[str], locking: bool) -> None:
        """`start`, for the file after one whose rows are written (the `unfinished` one).

        When what is left of its transaction is `locking`, every later file that can be read
        meanwhile starts too, instead of once the file before it is read whole: a reading that
        starts after the locks are taken waits for the commit before it can preload (peer data
        on PostgreSQL: the stage changes, read once the small transactions file was, waited
        11.8 s for the ratings' commit). Each reading preloads, and this returns once they
        all did (or stopped: a failure is raised in its file's turn), waiting `PRELOAD_WAIT`
        at most for them all."""
        if not locking:
            self.start(position, unfinished)
            return
        self.start_all(position, unfinished)
        tasks = [task for p, task in self._reading.items() if p >= position]
        if not tasks:
            return
        await asyncio.wait(tasks)
        readings = [
            reading
            for task in tasks
            if not task.cancelled()
            and task.exception() is None
            and (reading := task.result().reading) is not None
        ]
        await asyncio.gather(*(reading.preloaded() for reading in readings))

    def start_all(self, position: int, unfinished: frozenset[str]) -> None:
        """`start` every file from `position` on that can be read now, each preloading: while
        a file is read column by column (the importer waits for its worker), and before a
        finish that locks. (Peer data, PostgreSQL: the stage changes, started once the
        ratings were read, kept the messages' COPY waiting 5 s for their preloading.)"""
        entities = set(unfinished)
        for later in range(position, len(self._readers)):
            self.start(later, frozenset(entities), preload=True)
            entities.add(self._readers[later].spec.entity)

    def start(self, position: int, unfinished: frozenset[str], *, preload: bool = False) -> None:
        """Start reading the file at `position`, if it refers to none of the `unfinished`
        entities (files written but not committed yet) and to no file not imported. Once it
        is read whole, the file after it is considered the same way."""
        if position >= len(self._readers) or position in self._reading:
            return
        spec = self._readers[position].spec
        if not can_read_during(unfinished | self.not_imported, spec):
            return
        read_whole = partial(self.start, position + 1, unfinished | {spec.entity})
        self._reading[position] = asyncio.create_task(
            read_ahead(
                self._engine,
                self._readers[position],
                self._directory,
                skip_invalid=self._skip_invalid,
                on_read_whole=read_whole,
                preload=preload,
            )
        )

    async def take(self, position: int) -> Ahead | None:
        """The reading of the file at `position`, if it started before its turn."""
        task = self._reading.pop(position, None)
        return None if task is None else await task

    async def stop(self) -> None:
        """Stop the readings not taken (an import interrupted by an error)."""
        for task in self._reading.values():
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):  # the import's own error is raised
                await (await task).close()
        self._reading.clear()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Imports make no reference cycles per row, but they keep large dicts alive (duplicate
    checks, lookups), which the cyclic collector would otherwise walk again and again: pausing
    it saves about a fifth of the CPU time of a large file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
