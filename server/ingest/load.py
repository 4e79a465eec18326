"""Importing one file: read, validate, derive and write in chunks, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from time import perf_counter
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from server.ingest.cascade import Cascade
from server.ingest.derive import derive
from server.ingest.files import Record
from server.ingest.lookups import Lookups
from server.ingest.progress import FileProgress
from server.ingest.read import CsvReader
from server.ingest.rejects import Rejects
from server.ingest.report import FileReport
from server.ingest.validate import Validator
from server.ingest.write import NewAccounts, write_changes

# Rows validated, derived and written together: one round of batched queries per chunk.
CHUNK_ROWS = 5000

T = TypeVar("T")


async def load_file(
    engine: AsyncEngine, reader: CsvReader, directory: Path, *, skip_invalid: bool, progress: bool
) -> FileReport:
    """Import one open file. Nothing of it is visible until it all is: the transaction commits
    after the last row and the derived values it changes, so a killed import loses nothing that
    was reported as written, and running it again completes it."""
    spec = reader.spec
    report = FileReport(spec.name)
    validator = Validator(spec, reader.header)
    lookups = Lookups()
    cascade = Cascade()
    new_accounts = NewAccounts(spec.table)
    rejects = Rejects(directory, spec.name, reader.header) if skip_invalid else None
    started = perf_counter()
    try:
        async with engine.connect() as connection, connection.begin() as transaction:
            with FileProgress(spec.name, reader.size, enabled=progress) as bar:
                for chunk in _chunks(reader.rows(), CHUNK_ROWS):
                    rows = [validator.parse(line, cells) for line, cells in chunk]
                    await validator.check_database(connection, lookups, rows)
                    valid: list[Record] = []
                    for row in rows:
                        if not row.problems:
                            valid.append(row.record)
                            continue
                        report.rejected += 1
                        for column, message in row.problems:
                            report.problem(row.line, column, message)
                        if rejects is not None:
                            rejects.add(row.cells, "; ".join(f"{c}: {m}" for c, m in row.problems))
                    report.rows += len(valid)
                    # Without --skip-invalid one bad row dooms the file: only validate the rest.
                    if skip_invalid or not report.rejected:
                        await derive(connection, lookups, spec.entity, valid)
                        await new_accounts.learn(connection, valid)
                        changes = await write_changes(connection, spec.table, valid, new_accounts)
                        report.changed += len(changes)
                        cascade.note(spec.entity, changes)
                    lookups.trim()
                    bar.advance(reader.bytes_read, report.rows + report.rejected)
                report.written = skip_invalid or not report.rejected
                if report.written:
                    bar.stage("deriving")
                    await cascade.settle(connection)
                    bar.stage("committing")
                else:
                    await transaction.rollback()
    finally:
        if rejects is not None:
            rejects.close()
    report.seconds = perf_counter() - started
    if rejects is not None and rejects.count:
        report.rejects = rejects.path
    return report


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
