"""Reading a file while the one before it finishes.

Once a file's rows are all written, what is left of its transaction (derived values, rollups,
statistics, the commit) runs in the database: one core works while the readers of the next file
could use the other. The next file is then read ahead into memory, when nothing it reads can
change before that transaction commits (`can_read_during`), and its writer takes the batches read
ahead first. A file read whole before its turn lets the one after it start the same way.

Reading ahead is sound because a file's transaction, once its rows are written, changes in other
tables only rows that refer to it (the cascade, server.ingest.cascade) and derived values no
reader reads (conversations' reply statistics, stage intervals, rollups; tests check it), and
takes no lock a reader waits on before reading ahead starts.

On PostgreSQL, a first load drops foreign keys, which locks the tables they reference until the
commit (server.ingest.fresh_postgres, `Writer.locks_on_finish`). The next file's reading starts
before those drops and *preloads*: it loads every row of the tables it refers to, and the drops
wait for that. It then reads on while the first load finishes, looking up nothing locked. (Had
it started after the drops, it would have waited for the commit: the peer data's ratings waited
25 s for the messages'.) Readers hold no transaction between statements
(server.ingest.produce.reading), so none keeps a drop waiting while it waits for its writer.
SQLite's index builds lock nothing a reader waits on (readers read the last commit): its reading
ahead starts before them and need not preload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Set
from contextlib import suppress

from server.ingest.columnar import Loaded
from server.ingest.files import CsvFile
from server.ingest.produce import PickledBatch, Produced

# Memory read ahead at most, before the reading waits for the writer: the peer data's ratings
# pickled by their workers (282 MB), or 300,000 records read in this process.
AHEAD_BYTES = 320 * 1024 * 1024
# About what a record read in this process takes (a rating's dictionary and its values).
RECORD_BYTES = 1100
# Seconds a finish that locks waits for the readings of the later files to preload (starting
# four worker processes and loading the peer data's conversations in each took 4.7 s).
PRELOAD_WAIT = 60.0

Source = AsyncGenerator[Produced, None]


def can_read_during(unfinished: Set[str], following: CsvFile) -> bool:
    """Whether `following` may be read while the files of the `unfinished` entities are still
    to be committed: it refers to none of them."""
    return not following.references & unfinished


class ReadAhead:
    """The batches of one file, read by a task into memory until its writer takes them."""

    def __init__(
        self,
        source: Source,
        on_read_whole: Callable[[], None],
        preloaded: asyncio.Event | None = None,
    ) -> None:
        """`on_read_whole` is called if the whole file is read before its writer takes it.
        `preloaded` is set by the source once it preloaded, when it does."""
        self._source = source
        self._on_read_whole = on_read_whole
        self._preloaded = preloaded
        self._read: list[Produced] = []
        self._bytes = 0
        self._taken = False
        self._ended = False
        self._task = asyncio.create_task(self._fill())

    async def _fill(self) -> None:
        while not self._taken and self._bytes < AHEAD_BYTES:
            batch = await anext(self._source, None)
            if batch is None:
                self._ended = True
                self._on_read_whole()
                return
            self._read.append(batch)
            self._bytes += _size(batch)

    async def preloaded(self) -> None:
        """Return once the reading has preloaded (when it does), has stopped, or has taken
        PRELOAD_WAIT seconds: a reading held up (by a lock of the very transaction that waits
        for it, say) must not hold the import up; it then reads once that commits."""
        if self._preloaded is None:
            return
        waiting = asyncio.ensure_future(self._preloaded.wait())
        try:
            await asyncio.wait(
                {waiting, self._task}, timeout=PRELOAD_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiting.cancel()

    async def batches(self) -> Source:
        """The batches read ahead, then the rest of the file; a failure of the reading is
        raised after the batches read before it, as reading without a head start would."""
        self._taken = True
        failure: Exception | None = None
        try:
            await self._task
        except Exception as error:  # re-raised in order, below
            failure = error
        read, self._read = self._read, []
        for batch in read:
            yield batch
        if failure is not None:
            raise failure
        if not self._ended:
            async for batch in self._source:
                yield batch

    async def close(self) -> None:
        """Stop reading, if it has not ended (its worker processes are stopped), and drop what
        was read: called once the file is done with, imported or not."""
        self._task.cancel()
        # Whatever the reading raised, nobody is to read its result any more.
        with suppress(asyncio.CancelledError, Exception):
            await self._task
        await self._source.aclose()
        self._read = []


def _size(batch: Produced) -> int:
    """About the memory a batch read ahead takes."""
    if isinstance(batch, PickledBatch):
        return len(batch.data)
    if isinstance(batch, Loaded):
        return 0  # its rows wait in a file
    return len(batch.rows) * RECORD_BYTES
