"""Importing one file: its batches written in one transaction, then what they invalidate."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from pathlib import Path
from time import perf_counter

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ingest import bulk, unchanged
from server.ingest.cascade import Cascade
from server.ingest.files import CsvFile, Record
from server.ingest.produce import Batch, batches
from server.ingest.progress import FileProgress
from server.ingest.read import CsvReader
from server.ingest.rejects import Rejects
from server.ingest.report import FileReport
from server.ingest.worker import batches_from_workers
from server.ingest.write import WRITE_CHUNK, open_writer

# Files from this size on are read in a worker process: starting one costs about half a second,
# which a large file repays many times over.
WORKER_BYTES = 8 * 1024 * 1024
# Worker processes per large file, one per core up to 4. Each reads the whole file but validates
# and derives only every WORKERS-th chunk, the bulk of the work.
WORKERS = max(1, min(4, os.cpu_count() or 1))


async def load_file(
    engine: AsyncEngine, reader: CsvReader, directory: Path, *, skip_invalid: bool, progress: bool
) -> FileReport:
    """Import one open file. Nothing of it is visible until it all is: the transaction commits
    after the last row and the derived values it changes, so a killed import loses nothing that
    was reported as written, and running it again completes it. A file with the same bytes as
    its last import (server.ingest.unchanged) is not read again."""
    spec = reader.spec
    report = FileReport(spec.name)
    started = perf_counter()
    print_ = unchanged.fingerprint(directory / spec.name, spec)
    rejects = Rejects(directory, spec.name, reader.header) if skip_invalid else None
    try:
        async with engine.connect() as connection:
            await bulk.prepare(connection)
            async with connection.begin() as transaction:
                known = await unchanged.imported_rows(connection, spec.name, print_)
                if known is not None:
                    report.rows, report.written, report.unchanged = known, True, True
                else:
                    await bulk.tune(connection)
                    with FileProgress(spec.name, reader.size, enabled=progress) as bar:
                        empty = await bulk.is_empty(connection, spec.table)
                        parts = _workers(connection, empty)
                        source = _batches(engine, reader, directory, skip_invalid, parts)
                        async with aclosing(source):
                            report.written = await _write(
                                connection, source, spec, empty, report, rejects, bar
                            )
                    if report.written:
                        whole = print_ if not report.rejected else None
                        await unchanged.remember(connection, spec.name, whole, report.rows)
                    else:
                        await transaction.rollback()
    finally:
        if rejects is not None:
            rejects.close()
    report.seconds = perf_counter() - started
    if rejects is not None and rejects.count:
        report.rejects = rejects.path
    return report


async def _write(
    connection: AsyncConnection,
    source: AsyncIterator[Batch],
    spec: CsvFile,
    empty: bool,
    report: FileReport,
    rejects: Rejects | None,
    bar: FileProgress,
) -> bool:
    """Write the batches, then what they invalidate; False when the file is not to be kept
    (an invalid row without --skip-invalid, which is when there are no `rejects`). `empty`:
    the table held no row when the file started."""
    writer = await open_writer(connection, spec.table, empty=empty)
    cascade = Cascade(computed=writer.computed)

    async def write(rows: list[Record]) -> None:
        changes = await writer.write(connection, rows)
        report.changed += len(changes)
        cascade.note(spec.entity, changes)

    # Rows to write are gathered into chunks of WRITE_CHUNK: a re-import's batches hold a few
    # changed rows each, and each write costs its statements whatever its size (1% of the peer
    # data's messages: 326 writes of 50 rows took 3.8 s on PostgreSQL).
    pending: list[Record] = []
    async for batch in source:
        _tally(batch, report, rejects)
        pending += batch.rows
        if len(pending) >= WRITE_CHUNK:
            await write(pending)
            pending = []
        bar.advance(batch.bytes_read, report.rows + report.rejected)
    if report.rejected and rejects is None:
        return False
    bar.stage("writing")
    if pending:
        await write(pending)
    await writer.finish(connection)
    bar.stage("deriving")
    await cascade.settle(connection)
    if bulk.worth_analysing(report.changed, report.rows):
        bar.stage("analysing")
        await bulk.analyze(connection, [spec.entity, *bulk.DERIVED_TABLES.get(spec.entity, ())])
    bar.stage("committing")
    return True


def _tally(batch: Batch, report: FileReport, rejects: Rejects | None) -> None:
    """Count the batch's rows; report and keep its rejected ones."""
    report.rows += batch.valid
    report.rejected += len(batch.rejected)
    for line, cells, problems in batch.rejected:
        for column, message in problems:
            report.problem(line, column, message)
        if rejects is not None:
            rejects.add(cells, "; ".join(f"{column}: {message}" for column, message in problems))


def _workers(connection: AsyncConnection, empty: bool) -> int:
    """How many worker processes read a large file. On SQLite, when rows are stored already,
    this process compares each batch with them, which keeps a core busy: one worker then, as a
    second one only competes for the cores (peer data's messages, read in full with nothing
    changed: 33.6 s with one, 39.4 s with two; loaded into an empty table: 25 s against 33 s)."""
    if connection.dialect.name == "sqlite" and not empty:
        return 1
    return WORKERS


async def _batches(
    engine: AsyncEngine, reader: CsvReader, directory: Path, skip_invalid: bool, parts: int
) -> AsyncGenerator[Batch, None]:
    """Batches read on a connection of their own, which sees what earlier files committed."""
    if reader.size >= WORKER_BYTES:
        source = batches_from_workers(
            engine,
            directory / reader.spec.name,
            reader.spec.name,
            skip_invalid=skip_invalid,
            parts=parts,
        )
        async with aclosing(source):
            async for batch in source:
                yield batch
        return
    async with engine.connect() as connection:
        local = batches(connection, reader, skip_invalid=skip_invalid)
        async with aclosing(local):
            async for batch in local:
                yield batch
