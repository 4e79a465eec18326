"""Reading a file while the one before it finishes (server.ingest.prefetch).

An import reads ratings while the messages' transaction still derives reply statistics, and so
on: this must store exactly what importing the files one at a time stores, after every kind of
change (test_ingest_derived's data). The soundness argument, that what a file's transaction
changes in other tables after its rows are written is read by no reader of the files it
overlaps, is checked on the declarations.
"""

from __future__ import annotations

import asyncio
import pickle
import random
import re
import shutil
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ingest import (
    _FilesAhead,
    bulk,
    fresh_postgres,
    import_directory,
    load,
    prefetch,
    replies,
    unchanged,
)
from server.ingest.cascade import DEPENDENTS
from server.ingest.database_checks import DatabaseChecks
from server.ingest.files import BY_ENTITY, FILES
from server.ingest.lookups import CONVERSATION_COLUMNS, Lookups
from server.ingest.prefetch import ReadAhead, can_read_during
from server.ingest.produce import Batch, PickledBatch, Produced, unpickled
from tests.test_ingest_derived import changed_data, first_data
from tests.test_ingest_paths import dump, empty


def _one_file_at_a_time(source: Path, target: Path) -> list[Path]:
    """A folder per file of `source`, in import order: imported one by one, nothing is read
    ahead."""
    folders = []
    for spec in FILES:
        if (source / spec.name).is_file():
            folder = target / spec.name.removesuffix(".csv")
            folder.mkdir(parents=True)
            shutil.copy(source / spec.name, folder / spec.name)
            folders.append(folder)
    return folders


async def test_reading_ahead_stores_what_one_file_at_a_time_stores(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    random_ = random.Random(5)
    first = first_data(random_)
    first.write(tmp_path / "first")
    changed_data(random_, first).write(tmp_path / "changed")

    # The messages' transaction does not end before the ratings are looked at: only reading
    # ahead looks at them then (the import would wait forever without it: the test times out).
    ratings_looked_at = asyncio.Event()

    def statement(_c: object, _cursor: object, sql: str, params: object, *_: object) -> None:
        if "imported_files" in sql and "ratings.csv" in repr(params):
            ratings_looked_at.set()

    remember = unchanged.remember

    async def remember_after_ratings(connection: AsyncConnection, name: str, *args: Any) -> None:
        if name == "messages.csv":
            await asyncio.wait_for(ratings_looked_at.wait(), timeout=30)
        await remember(connection, name, *args)

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    monkeypatch.setattr(unchanged, "remember", remember_after_ratings)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    assert ratings_looked_at.is_set()
    assert await import_directory(engine, tmp_path / "changed", progress=False)
    together = await dump(engine)

    monkeypatch.undo()
    await empty(engine)
    for name in ("first", "changed"):
        for folder in _one_file_at_a_time(tmp_path / name, tmp_path / f"{name}-by-file"):
            assert await import_directory(engine, folder, progress=False)
    assert await dump(engine) == together


def _note_starts(
    monkeypatch: pytest.MonkeyPatch,
    events: list[str],
    wanted: Callable[[str, frozenset[str]], bool],
) -> None:
    """Note in `events` each file that starts reading ahead, by its entity and the unfinished
    ones, when `wanted`: "<entity> started", and ", preloading" if it does."""
    start = _FilesAhead.start

    def noting_start(
        ahead: _FilesAhead, position: int, unfinished: frozenset[str], *, preload: bool = False
    ) -> None:
        before = position in ahead._reading
        start(ahead, position, unfinished, preload=preload)
        if not before and position in ahead._reading:
            entity = ahead._readers[position].spec.entity
            if wanted(entity, unfinished):
                events.append(f"{entity} started{', preloading' if preload else ''}")

    monkeypatch.setattr(_FilesAhead, "start", noting_start)


@pytest.mark.parametrize("cores", [1, 2])
async def test_a_large_files_worker_leaves_a_core_to_the_next_file(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    """Every file large, a re-import: with a core to spare beside the messages' one worker,
    the ratings start reading (preloading) before the messages' rows are written; with one
    core, once they are. Either way the tables are those of importing one file at a time."""
    random_ = random.Random(5)
    first = first_data(random_)
    first.write(tmp_path / "first")
    changed_data(random_, first).write(tmp_path / "changed")
    events: list[str] = []
    _note_starts(monkeypatch, events, lambda entity, _: entity == "ratings")
    written = _FilesAhead.written

    async def noting(ahead: _FilesAhead, position: int, unfinished: Any, locking: bool) -> None:
        if "messages" in unfinished:
            events.append("messages written")
        await written(ahead, position, unfinished, locking)

    monkeypatch.setattr(load, "WORKER_BYTES", 0)
    monkeypatch.setattr(load, "OTHER_WORKERS", 1)
    monkeypatch.setattr(load.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(_FilesAhead, "written", noting)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    events.clear()  # a first load starts them early anyway, while it is read column by column
    assert await import_directory(engine, tmp_path / "changed", progress=False)
    if cores == 2:
        assert events == ["ratings started, preloading", "messages written"]
    else:
        assert events[:2] == ["messages written", "ratings started"]
    together = await dump(engine)

    monkeypatch.undo()
    await empty(engine)
    for name in ("first", "changed"):
        for folder in _one_file_at_a_time(tmp_path / name, tmp_path / f"{name}-by-file"):
            assert await import_directory(engine, folder, progress=False)
    assert await dump(engine) == together


async def test_the_next_file_is_read_while_one_finishes_without_waiting_for_its_locks(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ratings are looked at before the messages finish: SQLite builds their indexes again,
    PostgreSQL's first load drops their foreign keys, which lock the tables they reference
    until the commit. The ratings' checks wait until that is done, then the ratings are read
    whole before the messages commit: on PostgreSQL from what their reading preloaded (a query
    of a locked table would wait for the commit, which waits for the reading: the test would
    time out)."""
    first_data(random.Random(5)).write(tmp_path / "first")
    events: list[str] = []
    looked_at = asyncio.Event()  # the ratings
    finished = asyncio.Event()  # the messages' indexes built, or their first key dropped
    read_whole = asyncio.Event()  # the file after the ratings looked at

    def before(_c: object, _cursor: object, sql: str, params: object, *_: object) -> None:
        imported_files = "imported_files" in sql
        if imported_files and "ratings.csv" in repr(params) and not looked_at.is_set():
            events.append("ratings looked at")
            looked_at.set()
        if imported_files and "stage_changes.csv" in repr(params):
            read_whole.set()

    def after(_c: object, _cursor: object, sql: str, *_: object) -> None:
        if sql.startswith('ALTER TABLE "messages" DROP CONSTRAINT') and not finished.is_set():
            events.append("messages' key dropped")
            finished.set()

    rebuild = bulk.DeferredIndexes.rebuild

    async def rebuild_and_note(indexes: bulk.DeferredIndexes, connection: Any) -> None:
        messages = any(" ON messages " in sql for sql in indexes._definitions)
        if messages:  # the reading has started already: this would time out otherwise
            await asyncio.wait_for(looked_at.wait(), timeout=30)
        await rebuild(indexes, connection)
        if messages:
            events.append("messages' indexes built")
            finished.set()

    check = DatabaseChecks.check

    async def check_once_finished(checks: DatabaseChecks, *args: Any) -> None:
        if checks.spec.entity == "ratings":
            await asyncio.wait_for(finished.wait(), timeout=30)
        await check(checks, *args)

    remember = unchanged.remember

    async def remember_once_read(connection: AsyncConnection, name: str, *args: Any) -> None:
        if name == "messages.csv":
            await asyncio.wait_for(read_whole.wait(), timeout=30)
            events.append("messages committing")
        await remember(connection, name, *args)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    monkeypatch.setattr(bulk.DeferredIndexes, "rebuild", rebuild_and_note)
    monkeypatch.setattr(DatabaseChecks, "check", check_once_finished)
    monkeypatch.setattr(unchanged, "remember", remember_once_read)
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", 0)  # keys dropped for a few rows too
    assert await import_directory(engine, tmp_path / "first", progress=False)
    finishing = (
        "messages' indexes built" if engine.dialect.name == "sqlite" else "messages' key dropped"
    )
    assert events == ["ratings looked at", finishing, "messages committing"]


def test_what_a_file_changes_after_its_rows_is_read_by_none_of_the_files_it_overlaps() -> None:
    referenced = {entity for spec in FILES for entity in spec.references}
    pairs = list(zip(FILES, FILES[1:], strict=False))
    overlapping = [(a.entity, b.entity) for a, b in pairs if can_read_during({a.entity}, b)]
    assert overlapping == [
        ("inboxes", "users"),
        ("users", "teams"),
        ("team_members", "customers"),
        ("messages", "ratings"),
        ("ratings", "transactions"),
        ("transactions", "stage_changes"),
    ]
    # Once the transactions are read whole, the stage changes may be read too.
    by_entity = {spec.entity: spec for spec in FILES}
    assert can_read_during({"ratings", "transactions"}, by_entity["stage_changes"])
    # The rows a cascade re-derives refer to the file that changed: never read ahead of it.
    for parent, dependents in DEPENDENTS.items():
        for dependent in dependents:
            child = next(spec for spec in FILES if spec.entity == dependent.child)
            assert parent in child.references
    # Derived tables are read by no file, but for conversations, where the messages' reply
    # statistics are columns the readers' conversation lookups do not read.
    derived = {table for tables in bulk.DERIVED_TABLES.values() for table in tables}
    assert derived & referenced == {"conversations"}
    assert [e for e, tables in bulk.DERIVED_TABLES.items() if "conversations" in tables] == [
        "messages"
    ]
    set_clause = re.search(r"SET (.*?)\nFROM", replies._CONVERSATIONS, re.S)
    assert set_clause is not None
    reply_stats = set(re.findall(r"(\w+) = stats\.", set_clause.group(1)))
    assert reply_stats == {"first_response_at", "human_replies", "bot_replies"}
    assert reply_stats.isdisjoint(CONVERSATION_COLUMNS)
    # SQLite's pass writes the same columns.
    set_clause = re.search(r"SET (.*?)\nWHERE", replies._STORE_STATS, re.S)
    assert set_clause is not None
    assert set(re.findall(r"(\w+) = \?", set_clause.group(1))) == reply_stats


def _batch(rows: int) -> Batch:
    return Batch(bytes_read=0, valid=rows, rows=[{"id": str(n)} for n in range(rows)], rejected=[])


async def _source(
    batches: int, log: list[str], failure: Exception | None = None
) -> AsyncGenerator[Batch, None]:
    try:
        for number in range(batches):
            await asyncio.sleep(0)  # as reading a file does
            log.append(f"read {number}")
            yield _batch(10)
        if failure is not None:
            raise failure
    finally:
        log.append("closed")


async def _drained(reading: ReadAhead) -> list[int]:
    return [len(batch.rows) async for batch in reading.batches()]


async def test_reading_ahead_stops_at_its_limit_and_goes_on_when_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "AHEAD_BYTES", 25 * prefetch.RECORD_BYTES)
    log: list[str] = []
    reading = ReadAhead(_source(6, log), lambda: log.append("read whole"))
    for _ in range(10):  # let it run
        await _yield()
    assert log == ["read 0", "read 1", "read 2"]  # 30 rows: past the limit, it waits
    assert await _drained(reading) == [10] * 6
    assert log[-1] == "closed"
    assert "read whole" not in log  # its writer took it first


async def test_pickled_batches_count_their_bytes_and_stay_pickled_until_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pickled = PickledBatch(pickle.dumps(_batch(10)))
    monkeypatch.setattr(prefetch, "AHEAD_BYTES", 2 * len(pickled.data) + 1)
    log: list[str] = []

    async def source() -> AsyncGenerator[Produced, None]:
        for number in range(5):
            await asyncio.sleep(0)
            log.append(f"read {number}")
            yield pickled

    reading = ReadAhead(source(), lambda: log.append("read whole"))
    for _ in range(10):
        await _yield()
    assert log == ["read 0", "read 1", "read 2"]  # past its bytes, whatever its rows
    taken = [batch async for batch in reading.batches()]
    assert taken == [pickled] * 5
    assert unpickled(taken[0]) == _batch(10)


async def test_a_file_read_whole_before_its_turn_says_so() -> None:
    log: list[str] = []
    reading = ReadAhead(_source(2, log), lambda: log.append("read whole"))
    for _ in range(10):
        await _yield()
    assert log == ["read 0", "read 1", "closed", "read whole"]
    assert await _drained(reading) == [10, 10]


async def test_a_failure_is_raised_after_the_batches_read_before_it() -> None:
    log: list[str] = []
    reading = ReadAhead(_source(2, log, ValueError("line 3: an unclosed quote")), _never)
    taken: list[int] = []
    with pytest.raises(ValueError, match="unclosed quote"):
        async for batch in reading.batches():
            taken.append(len(batch.rows))
    assert taken == [10, 10]


async def test_closing_stops_the_reading() -> None:
    log: list[str] = []
    reading = ReadAhead(_source(1_000, log), _never)
    await _yield()
    await reading.close()
    assert log[-1] == "closed"
    assert len(log) < 1_000


def _never() -> None:
    raise AssertionError("the file was not read whole")


async def _yield() -> None:
    await asyncio.sleep(0)


async def test_a_finish_that_locks_waits_for_a_preload_only_so_long(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reading that does not preload in time (held up by a lock, say) does not hold the
    import up: the finish goes on, and the reading reads once the file commits."""
    first_data(random.Random(5)).write(tmp_path / "first")
    events: list[str] = []
    preload = Lookups.preload

    async def slow_preload(lookups: Lookups, connection: Any, entities: Any) -> None:
        await asyncio.sleep(1)
        if entities == BY_ENTITY["ratings"].references:
            events.append("ratings preloaded")
        await preload(lookups, connection, entities)

    written = _FilesAhead.written

    async def noting(ahead: _FilesAhead, position: int, unfinished: Any, locking: bool) -> None:
        await written(ahead, position, unfinished, locking)
        if "messages" in unfinished:
            events.append(f"messages finishing, {'locking' if locking else 'not locking'}")

    monkeypatch.setattr(prefetch, "PRELOAD_WAIT", 0.05)
    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", 0)
    monkeypatch.setattr(Lookups, "preload", slow_preload)
    monkeypatch.setattr(_FilesAhead, "written", noting)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    if engine.dialect.name == "sqlite":  # nothing to wait for
        assert events == ["messages finishing, not locking"]
    else:
        assert events == ["messages finishing, locking", "ratings preloaded"]


async def test_a_finish_that_locks_first_starts_every_later_file_that_can_be_read(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, whose first load of messages then locks the tables they refer to until
    the commit, the ratings and the stage changes both start reading, and preload, before the
    messages' finish takes its locks: started only once the ratings are read whole, the stage
    changes would wait for the commit to preload. On SQLite only the next file starts, and the
    others once the one before them is read whole."""
    first_data(random.Random(5)).write(tmp_path / "first")
    events: list[str] = []
    _note_starts(monkeypatch, events, lambda _, unfinished: "messages" in unfinished)
    written = _FilesAhead.written

    async def noting(ahead: _FilesAhead, position: int, unfinished: Any, locking: bool) -> None:
        await written(ahead, position, unfinished, locking)
        if "messages" in unfinished:
            events.append("messages finishing")

    monkeypatch.setattr(fresh_postgres, "REBUILD_ROWS", 0)
    monkeypatch.setattr(_FilesAhead, "written", noting)
    assert await import_directory(engine, tmp_path / "first", progress=False)
    if engine.dialect.name == "sqlite":
        assert events[:2] == ["ratings started", "messages finishing"]
    else:
        assert events == [
            "ratings started, preloading",
            "stage_changes started, preloading",
            "messages finishing",
        ]
