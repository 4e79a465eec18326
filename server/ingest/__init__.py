"""CSV import (SPEC section 4): the eleven files of a folder, validated, derived and upserted.

Files are imported in dependency order, each in one transaction. Without `skip_invalid`, a file
with any invalid row writes nothing, and the files that refer to it are not imported either
(their references could not be checked); files that do not depend on it still are.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from server.errors import UserError
from server.ingest import report
from server.ingest.files import BY_ENTITY
from server.ingest.load import load_file
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
    try:
        for spec in present:
            readers.append(CsvReader(directory / spec.name, spec))
        not_imported: set[str] = set()  # entities
        for reader in readers:
            spec = reader.spec
            missing = sorted(spec.references & not_imported)
            if missing:
                report.skipped(spec.name, BY_ENTITY[missing[0]].name)
                not_imported.add(spec.entity)
                continue
            with _collector_paused():
                result = await load_file(
                    engine, reader, directory, skip_invalid=skip_invalid, progress=progress
                )
            result.print()
            if not result.written:
                not_imported.add(spec.entity)
    finally:
        for reader in readers:
            reader.close()
    return not not_imported


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
