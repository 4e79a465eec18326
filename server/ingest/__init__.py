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
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from server.errors import UserError
from server.ingest import report
from server.ingest.files import BY_ENTITY, CsvFile
from server.ingest.load import Ahead, load_file, read_ahead
from server.ingest.prefetch import can_read_during
from server.ingest.read import CsvReader
from server.ingest.registered import import_files

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
    reading_next: asyncio.Task[Ahead | None] | None = None
    try:
        for spec in present:
            readers.append(CsvReader(directory / spec.name, spec))
        not_imported: set[str] = set()  # entities
        for position, reader in enumerate(readers):
            spec = reader.spec
            ahead = await reading_next if reading_next is not None else None
            reading_next = None
            missing = sorted(spec.references & not_imported)
            if missing:
                report.skipped(spec.name, BY_ENTITY[missing[0]].name)
                not_imported.add(spec.entity)
                continue
            following = readers[position + 1] if position + 1 < len(readers) else None

            def read_next(spec: CsvFile = spec, following: CsvReader | None = following) -> None:
                """Start reading the next file, if it may be read while this one finishes."""
                nonlocal reading_next
                if (
                    following is not None
                    and can_read_during(spec, following.spec)
                    and not following.spec.references & not_imported
                ):
                    reading_next = asyncio.create_task(
                        read_ahead(engine, following, directory, skip_invalid=skip_invalid)
                    )

            with _collector_paused():
                result = await load_file(
                    engine,
                    reader,
                    directory,
                    skip_invalid=skip_invalid,
                    progress=progress,
                    ahead=ahead,
                    on_written=read_next,
                )
            result.print()
            if not result.written:
                not_imported.add(spec.entity)
    finally:
        if reading_next is not None:
            await _stop(reading_next)
        for reader in readers:
            reader.close()
    return not not_imported


async def _stop(reading: asyncio.Task[Ahead | None]) -> None:
    """Stop a file's reading ahead that will not be used (an import interrupted by an error)."""
    reading.cancel()
    with suppress(asyncio.CancelledError, Exception):  # the import's own error is raised
        ahead = await reading
        if ahead is not None:
            await ahead.reading.close()


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
