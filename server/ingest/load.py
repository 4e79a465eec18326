"""Importing one file: its batches written in one transaction, then what they invalidate."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ingest import bulk, columnar, unchanged
from server.ingest.cascade import Cascade
from server.ingest.columnar import Loaded, side
from server.ingest.files import CsvFile, Record
from server.ingest.prefetch import ReadAhead
from server.ingest.produce import Batch, Produced, batches, reading, unpickled
from server.ingest.progress import FileProgress
from server.ingest.read import CsvReader
from server.ingest.rejects import Rejects
from server.ingest.report import FileReport
from server.ingest.rollup_changes import account_timezones
from server.ingest.worker import batches_from_workers
from server.ingest.write import WRITE_CHUNK, open_writer

# Files from this size on are read in a worker process: starting one costs about half a second,
# which a large file repays many times over.
WORKER_BYTES = 8 * 1024 * 1024
# Worker processes per large file on a first load into PostgreSQL, one per core up to 4. Each
# reads the whole file but validates and derives only every WORKERS-th chunk, the bulk of the
# work.
WORKERS = max(1, min(4, os.cpu_count() or 1))
# Elsewhere (SQLite, and re-imports), one: see _workers.
OTHER_WORKERS = 1


@dataclass(frozen=True)
class Start:
    """What a file's reading is planned on, read in its transaction (and before, when it is
    read ahead: server.ingest.prefetch)."""

    known: int | None  # its rows, when its last import had the same fingerprint: not read again
    empty: bool  # its table holds no row


@dataclass(frozen=True)
class Ahead:
    """A file being read before its turn."""

    fingerprint: str
    start: Start
    reading: ReadAhead | None  # None: the same bytes as its last import, not to be read
    columnar_target: Path | None  # where its rows are left, when read column by column

    async def close(self) -> None:
        if self.reading is not None:
            await self.reading.close()
        side.discard(self.columnar_target)


async def read_ahead(
    engine: AsyncEngine,
    reader: CsvReader,
    directory: Path,
    *,
    skip_invalid: bool,
    on_read_whole: Callable[[], None],
    preload: bool = False,
) -> Ahead:
    """Start reading a file before its turn (server.ingest.prefetch), unless it is the same
    bytes as its last import (its fingerprint is kept, not computed again in its turn).
    `on_read_whole`: see ReadAhead. With `preload`, the reading loads what the file refers to
    first (ReadAhead.preloaded)."""
    spec = reader.spec
    print_ = await asyncio.to_thread(unchanged.fingerprint, directory / spec.name, spec)
    async with engine.connect() as connection:
        start = await _start(connection, spec, print_)
    if start.known is not None:
        return Ahead(print_, start, None, None)
    parts = _workers(engine.dialect.name, empty=start.empty)
    preloaded = asyncio.Event() if preload else None
    on_preloaded = None if preloaded is None else preloaded.set
    target = _columnar_target(engine.dialect.name, reader, start)
    source = _batches(
        engine, reader, directory, skip_invalid, parts, on_preloaded, target, yielding=True
    )
    return Ahead(print_, start, ReadAhead(source, on_read_whole, preloaded), target)


async def load_file(
    engine: AsyncEngine,
    reader: CsvReader,
    directory: Path,
    *,
    skip_invalid: bool,
    progress: bool,
    ahead: Ahead | None = None,
    on_written: Callable[[bool], Awaitable[None]] | None = None,
    on_columnar: Callable[[], None] | None = None,
) -> FileReport:
    """Import one open file. Nothing of it is visible until it all is: the transaction commits
    after the last row and the derived values it changes, so a killed import loses nothing that
    was reported as written, and running it again completes it. A file with the same bytes as
    its last import (server.ingest.unchanged) is not read again.

    `ahead`: the file's reading, started before its turn. `on_written` is awaited once its rows
    are written, with whether what is left of its transaction takes locks that readers of
    other tables wait on (`Writer.locks_on_finish`): it starts reading the next file, and then
    returns once that reading needs none of them (server.ingest.prefetch). `on_columnar` is
    called if a worker reads the file column by column (server.ingest.columnar): this process
    waits for it without work of its own, so the later files may be read meanwhile (peer
    data, SQLite: the ratings' worker then runs beside the messages', not after)."""
    # Its time counts from its turn: reading ahead overlaps the files before (whose own time
    # it is), so the files' times add up to the import's.
    started = perf_counter()
    spec = reader.spec
    if ahead is None:
        fingerprint = unchanged.fingerprint(directory / spec.name, spec)
    else:
        fingerprint = ahead.fingerprint
    file = _File(
        reader,
        directory,
        skip_invalid=skip_invalid,
        progress=progress,
        ahead=ahead,
        on_written=on_written,
        on_columnar=on_columnar,
        report=FileReport(spec.name),
        fingerprint=fingerprint,
        rejects=Rejects(directory, spec.name, reader.header) if skip_invalid else None,
        columnar_target=None if ahead is None else ahead.columnar_target,
    )
    try:
        async with engine.connect() as connection:
            await bulk.prepare(connection)
            try:
                await _import(engine, connection, file)
            finally:
                await side.detach(connection, file.columnar_target)
    finally:
        if ahead is not None:
            await ahead.close()
        side.discard(file.columnar_target)
        if file.rejects is not None:
            file.rejects.close()
    report = file.report
    report.seconds = perf_counter() - started
    if file.rejects is not None and file.rejects.count:
        report.rejects = file.rejects.path
    return report


@dataclass
class _File:
    """One file's import, as its steps share it."""

    reader: CsvReader
    directory: Path
    skip_invalid: bool
    progress: bool
    ahead: Ahead | None
    on_written: Callable[[bool], Awaitable[None]] | None
    on_columnar: Callable[[], None] | None
    report: FileReport
    fingerprint: str
    rejects: Rejects | None
    columnar_target: Path | None  # where a worker leaves its rows, read column by column


async def _import(engine: AsyncEngine, connection: AsyncConnection, file: _File) -> None:
    """The file's transaction: its rows read (or taken from its reading ahead) and written,
    then what they invalidate; rolled back when the file is not to be kept."""
    spec, report = file.reader.spec, file.report
    async with connection.begin() as transaction:
        start = await _start(connection, spec, file.fingerprint)
        # What came before changed nothing the reading ahead relied on.
        assert file.ahead is None or file.ahead.start == start, (spec.name, file.ahead, start)
        if start.known is not None:
            report.rows, report.written, report.unchanged = start.known, True, True
            return
        if file.ahead is None:
            file.columnar_target = _columnar_target(connection.dialect.name, file.reader, start)
        await side.attach(connection, file.columnar_target)
        if file.columnar_target is not None and file.on_columnar is not None:
            file.on_columnar()
        await bulk.tune(connection)
        with FileProgress(spec.name, file.reader.size, file.progress) as bar:
            async with aclosing(_source(engine, connection, file, start)) as source:
                report.written = await _write(
                    connection, source, spec, start, report, file.rejects, bar, file.on_written
                )
        if report.written:
            whole = file.fingerprint if not report.rejected else None
            await unchanged.remember(connection, spec.name, whole, report.rows)
        else:
            await transaction.rollback()


def _source(
    engine: AsyncEngine, connection: AsyncConnection, file: _File, start: Start
) -> AsyncGenerator[Produced, None]:
    """The file's batches: those of its reading ahead, or of a reading started now."""
    if file.ahead is not None and file.ahead.reading is not None:
        return file.ahead.reading.batches()
    parts = _workers(connection.dialect.name, empty=start.empty)
    return _batches(
        engine,
        file.reader,
        file.directory,
        file.skip_invalid,
        parts,
        columnar_target=file.columnar_target,
    )


async def _start(connection: AsyncConnection, spec: CsvFile, print_: str) -> Start:
    known = await unchanged.imported_rows(connection, spec.name, print_)
    return Start(known, await bulk.is_empty(connection, spec.table))


async def _write(
    connection: AsyncConnection,
    source: AsyncIterator[Produced],
    spec: CsvFile,
    start: Start,
    report: FileReport,
    rejects: Rejects | None,
    bar: FileProgress,
    on_written: Callable[[bool], Awaitable[None]] | None,
) -> bool:
    """Write the batches, then what they invalidate; False when the file is not to be kept
    (an invalid row without --skip-invalid, which is when there are no `rejects`)."""
    writer = await open_writer(connection, spec.table, empty=start.empty)
    cascade = Cascade(timezones=await account_timezones(connection), writer=writer)

    async def write(rows: list[Record]) -> None:
        changes = await writer.write(connection, rows)
        report.changed += len(changes)
        cascade.note(spec.entity, changes)

    # Rows to write are gathered into chunks of WRITE_CHUNK: a re-import's batches hold a few
    # changed rows each, and each write costs its statements whatever its size (1% of the peer
    # data's messages: 326 writes of 50 rows took 3.8 s on PostgreSQL).
    pending: list[Record] = []
    async for produced in source:
        if isinstance(produced, Loaded):  # the whole file, read column by column
            await writer.write_loaded(connection, produced)
            report.rows += produced.rows
            report.changed += produced.rows
            cascade.note_loaded(spec.entity, produced)
            bar.advance(produced.bytes_read, report.rows)
            continue
        batch = unpickled(produced)
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
    if on_written is not None:
        # The next file is read while this one finishes (SQLite, peer data: the import took
        # 72.1 s and 72.9 s, against 75.9 s and 76.3 s reading after the index builds).
        await on_written(bool(writer.locks_on_finish))
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


def read_by_workers(reader: CsvReader) -> bool:
    """Whether the file is large enough to be read by worker processes."""
    return reader.size >= WORKER_BYTES


def _workers(dialect: str, *, empty: bool) -> int:
    """How many worker processes read a large file, whose table is `empty` or not. Each reads
    and claims the whole file, so more than one pays only where validating and deriving the
    rows is most of the work and the cores have nothing else to do: a first load into
    PostgreSQL, whose server does the writing (peer data: 85.0 s and 86.1 s with two, against
    90.5 s and 90.4 s with one). On SQLite this process's writing keeps a core busy, and a
    second worker only competes for the cores (67.9 s and 71.0 s with one, 73.2 s and 76.9 s
    with two). A re-import skips most rows as unchanged and spends its time reading: one worker,
    and the next file read on the other core (`spare_core`; peer data read in full again on
    PostgreSQL: 16.9 s and 17.0 s with two, 12.2 s and 12.8 s with one)."""
    return WORKERS if dialect != "sqlite" and empty else OTHER_WORKERS


def spare_core() -> bool:
    """Whether the workers of a large file re-imported leave a core unused."""
    return (os.cpu_count() or 1) > OTHER_WORKERS


def _columnar_target(dialect: str, reader: CsvReader, start: Start) -> Path | None:
    """Where a worker is to leave the file's rows, if it is to read it column by column."""
    if not read_by_workers(reader) or not columnar.applies(reader.spec, empty=start.empty):
        return None
    return side.new_target(dialect)


async def _batches(
    engine: AsyncEngine,
    reader: CsvReader,
    directory: Path,
    skip_invalid: bool,
    parts: int,
    on_preloaded: Callable[[], None] | None = None,
    columnar_target: Path | None = None,
    *,
    yielding: bool = False,
) -> AsyncGenerator[Produced, None]:
    """Batches read on a connection of their own, which sees what earlier files committed.
    With a `columnar_target` (a large file), its worker reads it column by column if it can.
    `yielding`: the file is read ahead, its workers yield the cores to the others."""
    if read_by_workers(reader):
        source = batches_from_workers(
            engine,
            directory / reader.spec.name,
            reader.spec.name,
            skip_invalid=skip_invalid,
            parts=parts,
            on_preloaded=on_preloaded,
            columnar_target=columnar_target,
            yielding=yielding,
        )
        async with aclosing(source):
            async for pickled in source:
                yield pickled
        return
    async with reading(engine) as connection:
        local = batches(connection, reader, skip_invalid=skip_invalid, on_preloaded=on_preloaded)
        async with aclosing(local):
            async for batch in local:
                yield batch
