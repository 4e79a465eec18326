"""The worker's side of a first load read column by column (server.ingest.columnar)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.columnar import Loaded
from server.ingest.columnar.cells import read_cells
from server.ingest.columnar.check import checked_records
from server.ingest.columnar.derive import derived
from server.ingest.columnar.output import write_rows
from server.ingest.columnar.replies import reply_stats, with_response_seconds
from server.ingest.columnar.rollups import all_rollups
from server.ingest.columnar.side import REPLY_STATS, STAGE_INTERVALS
from server.ingest.columnar.stages import intervals
from server.ingest.columnar.stored import closed_conversations, stored_frames
from server.ingest.files import CsvFile
from server.ingest.read import CsvReader
from server.ingest.rollup_changes import account_timezones
from server.ingest.row_hashes import CELL_SEPARATOR, COLUMN, HALF, RowHashes
from server.ingest.write_common import defaulted, scalar_default


async def load(
    connection: AsyncConnection,
    reader: CsvReader,
    path: Path,
    target: Path,
    *,
    on_preloaded: Callable[[], None],
) -> Loaded | None:
    """Read, check and derive the file at `path` and leave its rows at `target`; None when a
    row is not valid, or might not be (nothing was written: read it row by row). The stored rows
    it refers to are loaded first, with all else it reads of the database (a reading that
    preloads reads nothing after: server.ingest.prefetch), then `on_preloaded` is called."""
    spec = reader.spec
    stored = await stored_frames(connection, spec.references)
    timezones = await account_timezones(connection) if spec.entity == "ratings" else {}
    closed = await closed_conversations(connection) if spec.entity == "stage_changes" else None
    on_preloaded()
    cells = read_cells(path, reader.header)
    if cells is None:
        return None
    digests = _digests(spec, reader.header, cells)
    keys = {entity: frame.select(_key(entity)) for entity, frame in stored.items()}
    records = checked_records(spec, cells, keys)
    # The whole file is in memory at once: each frame is let go as soon as the next is made
    # (peer data's messages: a peak of 1.19 GB, when the cells and records were kept to the end).
    del cells
    if records is None:
        return None
    rows = derived(spec.entity, records, stored)
    del records
    if digests is not None:
        rows = rows.with_columns(digests)
    # Every column given, so that the rows can be copied as they are.
    table = spec.table
    rows = rows.with_columns(
        pl.lit(scalar_default(table, name)).alias(name)
        for name in defaulted(table, tuple(rows.columns))
    )
    others = {}
    if spec.entity == "messages":
        rows = with_response_seconds(rows)
        others[REPLY_STATS] = reply_stats(rows)
    elif spec.entity == "ratings":
        others.update(all_rollups(rows, timezones))
    elif closed is not None:
        others[STAGE_INTERVALS] = intervals(rows, closed)
    write_rows(rows, target, connection.dialect.name, others)
    conversations: frozenset[tuple[str, str]] = frozenset()
    if closed is not None:  # stage changes: their intervals, if some are stored after all
        pairs = rows.select("account_id", "conversation_id").drop_nulls().unique()
        conversations = frozenset(pairs.iter_rows())
    return Loaded(
        target,
        rows.height,
        tuple(rows.columns),
        frozenset(rows["account_id"].unique().to_list()),
        conversations,
        path.stat().st_size,
    )


def _digests(spec: CsvFile, header: list[str], cells: pl.DataFrame) -> pl.Series | None:
    """The rows' digests (server.ingest.row_hashes), as the column to store them in; None when
    the table keeps none."""
    hashes = RowHashes.of(spec, header)
    if hashes is None:
        return None
    joined = cells.select(pl.concat_str(pl.all(), separator=CELL_SEPARATOR)).to_series()
    unsigned = pl.Series(hashes.unsigned_digests(joined.cast(pl.Binary)), dtype=pl.UInt64)
    # minus 2**63 (row_hashes.HALF), in 64 bits: the top bit flipped
    return (unsigned ^ HALF).reinterpret(signed=True).alias(COLUMN)


def _key(entity: str) -> list[str]:
    return ["id"] if entity == "accounts" else ["account_id", "id"]
