"""The reading side of an import: rows read, validated and derived, in chunks ready to write.

It reads the database only for what earlier files committed (references, derivations), so it can
run on a connection of its own: in this process, or in a worker process (server.ingest.worker)
while this one writes. That connection holds no transaction (`reading`): each statement takes
and releases its own locks, so a reader never keeps the writer of another file waiting.
"""

from __future__ import annotations

import pickle
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ingest.columnar import Loaded
from server.ingest.database_checks import DatabaseChecks
from server.ingest.derive import derive
from server.ingest.files import Record
from server.ingest.lookups import Lookups
from server.ingest.read import CsvReader
from server.ingest.row_hashes import RowHashes
from server.ingest.validate import Checked, Line, Row, Validator

# Rows validated and derived together: one round of batched queries per chunk.
CHUNK_ROWS = 5000

T = TypeVar("T")
Rejected = tuple[int, list[str], list[tuple[str, str]]]  # (line, cells, [(column, message)])


@dataclass(slots=True)
class Batch:
    bytes_read: int
    valid: int  # valid rows read, those skipped as unchanged included
    rows: list[Record]  # those rows with their derived columns, when they are to be written
    rejected: list[Rejected]


@dataclass(frozen=True, slots=True)
class PickledBatch:
    """A batch as a worker process sent it (server.ingest.worker), unpickled only when it is
    written: read ahead, it takes a quarter of the memory of its records (peer data's ratings:
    269 bytes a row pickled), so a whole large file can be read while the one before it
    finishes."""

    data: bytes


# What a file's reading gives: batches, or a first load read column by column, whole.
Produced = Batch | PickledBatch | Loaded


def unpickled(produced: Batch | PickledBatch) -> Batch:
    if isinstance(produced, PickledBatch):
        batch: Batch = pickle.loads(produced.data)
        return batch
    return produced


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection to read a file's batches on, each statement in a transaction of its own.
    A transaction left open would keep the locks of what it read until the file is read
    whole, and a reading paused for its writer (server.ingest.prefetch) would then wait on a
    file whose first load needs those tables exclusively (PostgreSQL's drops of foreign keys:
    server.ingest.fresh_postgres), which waits on it."""
    async with engine.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


async def batches(
    connection: AsyncConnection,
    reader: CsvReader,
    *,
    skip_invalid: bool,
    part: int = 0,
    parts: int = 1,
    on_preloaded: Callable[[], None] | None = None,
) -> AsyncGenerator[Batch, None]:
    """The batches of chunks number `part`, `part + parts`, … of the file (all by default).

    With `on_preloaded`, the rows of every table the file refers to are loaded first (those
    that fit in the lookups' cache), then it is called: from then on the reading looks up no
    other table, but for what did not fit (server.ingest.prefetch says why that matters).

    Every row of the file is read, for line numbers and framing errors, and every row's key and
    unique values are claimed, so each part reports duplicates exactly as a whole reader would.
    A part does not learn of another's invalid rows: it goes on deriving its own, which are then
    not written.
    """
    spec = reader.spec
    validator = Validator(spec, reader.header)
    checks = DatabaseChecks(spec)
    lookups = Lookups(whole_accounts=True)
    hashes = RowHashes.of(spec, reader.header)
    if on_preloaded is not None:
        await lookups.preload(connection, spec.references)
        on_preloaded()
    failed = False
    for index, chunk in enumerate(_chunks(reader.rows(), CHUNK_ROWS)):
        nul_rows = reader.take_nul_rows()
        if index % parts != part:
            validator.claim_chunk(chunk)
            continue
        if hashes is None:
            checked = validator.check_chunk(chunk)
        else:
            checked = await hashes.validate(connection, validator, chunk)
        valid, rejected = await _checked(
            connection, lookups, validator, checks, chunk, checked, nul_rows
        )
        failed = failed or bool(rejected)
        # Without skip_invalid one bad row dooms the file: the rest is only validated.
        writing = skip_invalid or not failed
        if writing:
            await derive(connection, lookups, spec.entity, valid)
        lookups.trim()
        valid_rows = len(valid) + checked.skipped
        yield Batch(reader.bytes_read, valid_rows, valid if writing else [], rejected)


async def _checked(
    connection: AsyncConnection,
    lookups: Lookups,
    validator: Validator,
    checks: DatabaseChecks,
    chunk: list[Line],
    checked: Checked,
    nul_rows: list[int],
) -> tuple[list[Record], list[Rejected]]:
    """The chunk's valid records and its rejected rows, once the database has checked them.
    Valid records stay bare unless a row holds a NUL or the database disagrees."""
    records = checked.records
    if records is not None and not nul_rows and await checks.agree(connection, lookups, records):
        return records, []
    rows = checked.as_rows(chunk)
    _refuse_nul(validator, rows, nul_rows)
    await checks.check(connection, lookups, rows)
    valid = [row.record for row in rows if not row.problems]
    return valid, [(row.line, row.cells, row.problems) for row in rows if row.problems]


def _refuse_nul(validator: Validator, rows: list[Row], lines: list[int]) -> None:
    if lines:  # rare: only then look for the rows
        wanted = set(lines)
        for row in rows:
            if row.line in wanted:
                validator.refuse_nul(row)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
