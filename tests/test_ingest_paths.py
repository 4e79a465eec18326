"""The bulk path of an import (a table empty when its file starts: loaded in one INSERT on
PostgreSQL, its indexes built afterwards on SQLite, response times computed as messages are
inserted) and the upsert path (rows compared with stored ones, changes cascaded) store the same
thing: importing changed data into a fresh database gives, table for table and column for column,
what importing the original data and then the changed data gives.

The data is test_ingest_derived's: every kind of change a re-import can make.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables
from server.ingest import fresh_postgres, import_directory
from tests.test_ingest_derived import changed_data, first_data

# Every table an import writes, rollups and derived tables included.
IMPORTED = [
    table
    for table in tables.metadata.sorted_tables
    if table.name not in {"api_tokens", "alembic_version"}
]


async def dump(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    async with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(row) for row in await connection.execute(select(table))), key=repr
            )
            for table in IMPORTED
        }


async def schema(engine: AsyncEngine) -> dict[str, tuple[object, ...]]:
    """Each table's indexes and foreign keys, as the database reports them."""

    def read(connection: Connection) -> dict[str, tuple[object, ...]]:
        inspector = inspect(connection)
        return {
            table.name: (
                sorted(repr(sorted(index.items())) for index in inspector.get_indexes(table.name)),
                sorted(repr(sorted(key.items())) for key in inspector.get_foreign_keys(table.name)),
            )
            for table in IMPORTED
        }

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def empty(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(IMPORTED):
            await connection.execute(delete(table))


@pytest.mark.parametrize("rebuild_rows", [0, 10_000])
async def test_bulk_and_upsert_paths_store_the_same_tables(
    engine: AsyncEngine, tmp_path: Path, rebuild_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With 0, even these few rows are written with the indexes and keys set aside.
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", rebuild_rows)
    random_ = random.Random(3)
    first = first_data(random_)
    first.write(tmp_path / "first")
    changed = changed_data(random_, first)
    changed.write(tmp_path / "changed")

    declared = await schema(engine)  # as migrated
    assert await import_directory(engine, tmp_path / "first", progress=False)
    assert await import_directory(engine, tmp_path / "changed", progress=False)
    upserted = await dump(engine)

    await empty(engine)
    assert all(not rows for rows in (await dump(engine)).values())
    dropped: list[str] = []
    keyed: list[str] = []  # tables made of the conversations to refresh

    def note_drops(_c: object, _cursor: object, sql: str, *_: object) -> None:
        if sql.startswith('DROP INDEX "ix_conversations_'):
            dropped.append(sql)
        if sql.startswith(
            ("CREATE TEMPORARY TABLE ingest_reply_keys", "CREATE TEMPORARY TABLE ingest_stage_keys")
        ):
            keyed.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", note_drops)
    assert await import_directory(engine, tmp_path / "changed", progress=False)
    event.remove(engine.sync_engine, "before_cursor_execute", note_drops)
    bulk = await dump(engine)
    # The conversations' 4 secondary indexes are set aside by their own first load (on
    # PostgreSQL from REBUILD_ROWS rows on), and on PostgreSQL the one over the reply counts
    # again while the messages' first load writes them: it holds the conversations already
    # (the drop of its foreign key), which were loaded with room for them (updated in place).
    postgresql = engine.dialect.name == "postgresql"
    by_own_load = 4 if not postgresql or rebuild_rows == 0 else 0
    by_replies = 1 if postgresql and rebuild_rows == 0 else 0
    assert len(dropped) == by_own_load + by_replies
    if by_replies:
        assert dropped[-1] == 'DROP INDEX "ix_conversations_first_response"'

    # A first load of stage changes derives from them all, without a table of keys; SQLite
    # walks every message of a first load of messages so too.
    assert [sql.split()[3] for sql in keyed] == (["ingest_reply_keys"] if postgresql else [])

    derived = ("messages", "conversations", "stage_intervals", "rating_days", "rating_user_years")
    assert all(bulk[name] for name in derived)
    for table in IMPORTED:
        assert bulk[table.name] == upserted[table.name], table.name
    assert await schema(engine) == declared  # indexes and keys built again, after both imports


def copy_folder(source: Path, target: Path, *, leaving_out: set[str]) -> None:
    target.mkdir()
    for path in source.iterdir():
        if path.name not in leaving_out:
            (target / path.name).write_bytes(path.read_bytes())


async def fillfactor(engine: AsyncEngine, name: str) -> list[str] | None:
    async with engine.connect() as connection:
        query = text("SELECT reloptions FROM pg_class WHERE oid = CAST(:name AS regclass)")
        options: list[str] | None = await connection.scalar(query, {"name": name})
        return options


async def test_conversations_loaded_before_any_message_leave_room_for_their_reply_counts(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a first load of conversations, messages still empty, fills half of each page
    (the messages' first load then updates every conversation in place); that load uses the
    room up, and its reply counts are those the upsert path gives."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", 0)
    first_data(random.Random(3)).write(tmp_path / "all")
    later = {"messages.csv", "ratings.csv", "transactions.csv", "stage_changes.csv"}
    copy_folder(tmp_path / "all", tmp_path / "conversations", leaving_out=later)
    copy_folder(tmp_path / "all", tmp_path / "messages", leaving_out=later - {"messages.csv"})

    assert await import_directory(engine, tmp_path / "conversations", progress=False)
    assert await fillfactor(engine, "conversations") == ["fillfactor=50"]
    assert await import_directory(engine, tmp_path / "messages", progress=False)
    assert await fillfactor(engine, "conversations") is None
    in_place = await dump(engine)

    await empty(engine)
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", 10**9)  # no room, no index set aside
    assert await import_directory(engine, tmp_path / "all", progress=False)
    assert await fillfactor(engine, "conversations") is None
    assert in_place["conversations"] == (await dump(engine))["conversations"]
