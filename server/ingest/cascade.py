"""Keeping derived values true when the rows they come from change.

While a file is written, `note` reduces each chunk's changes to the keys they invalidate; before
the file's transaction commits, `settle` re-derives the stored rows that depend on them, parents
before children, then recomputes the conversation-wide values and the rating rollups. Rows are
re-derived by the same code as imported rows (server.ingest.derive), reading their given columns
back in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from server.ingest.columnar import Loaded
from server.ingest.columnar.side import REPLY_STATS, REPLY_STATS_COLUMNS, derived_table
from server.ingest.derive import derive
from server.ingest.files import BY_ENTITY, Record
from server.ingest.lookups import Lookups
from server.ingest.query import IN_CHUNK, chunks, select_by_keys
from server.ingest.replies import refresh_replies, store_reply_stats
from server.ingest.rollup_changes import RollupChanges
from server.ingest.row_hashes import COLUMN as SOURCE_HASH
from server.ingest.stages import refresh_stage_intervals, store_intervals
from server.ingest.write import Change, Writer, write_changes

Key = tuple[str, str]


@dataclass(frozen=True)
class Dependent:
    child: str  # the table whose rows derive values from the parent
    via: str  # the child's column holding the parent's id
    inputs: frozenset[str] | None = None  # the parent columns it derives from; None: any


# Parents in the order they must settle: a re-derived conversation is itself a parent.
DEPENDENTS: dict[str, tuple[Dependent, ...]] = {
    "users": (Dependent("messages", "author_id", frozenset({"is_bot"})),),
    "customers": (
        Dependent("conversations", "customer_id", frozenset({"country"})),
        Dependent("ratings", "given_customer_id", frozenset({"country"})),
        Dependent("transactions", "given_customer_id", frozenset({"country"})),
    ),
    "conversations": (
        Dependent("messages", "conversation_id"),
        Dependent("ratings", "conversation_id"),
        Dependent("transactions", "conversation_id"),
        Dependent("stage_changes", "conversation_id"),
    ),
}
# The columns whose change alters a conversation's reply stats or stage intervals.
_REPLY_INPUTS = frozenset(
    {"conversation_id", "author_type", "created_at", "is_human_reply", "is_bot_reply"}
)
_STAGE_INPUTS = frozenset({"conversation_id", "pipeline", "stage", "entered_at"})


class Cascade:
    """What the changes written in one transaction invalidate, until settled."""

    def __init__(self, *, timezones: Mapping[str, str], writer: Writer) -> None:
        """`timezones`: each account's time zone (server.ingest.rollup_changes); `writer`: the
        file's, which says what it computed and what its finish locks."""
        self._responses_known = "response_seconds" in writer.computed
        self._writer = writer
        self._pending: dict[tuple[str, Dependent], set[Key]] = defaultdict(set)
        self._replies: set[Key] = set()
        self._stages: set[Key] = set()
        self._loaded: tuple[str, Loaded] | None = None  # see note_loaded
        self._rollups = RollupChanges(timezones)

    def note(self, entity: str, changes: list[Change]) -> None:
        # A row whose only change is its digest (server.ingest.row_hashes: the importer changed)
        # feeds nothing new.
        changes = [(old, new) for old, new in changes if old is None or _differs(old, new, None)]
        self._rollups.note(entity, changes)
        for dependent in DEPENDENTS.get(entity, ()):
            # A new parent has no dependents yet: they would have failed validation.
            self._pending[(entity, dependent)].update(
                _key(new["account_id"], new["id"])
                for old, new in changes
                if old is not None and _differs(old, new, dependent.inputs)
            )
        if entity == "messages":
            self._replies.update(_conversations(changes, _REPLY_INPUTS))
        elif entity == "stage_changes":
            self._stages.update(_conversations(changes, _STAGE_INPUTS))
        elif entity == "conversations":
            self._stages.update(
                _key(new["account_id"], new["id"]) for old, new in changes if old is not None
            )

    def note_loaded(self, entity: str, loaded: Loaded) -> None:
        """`note`, for a first load read column by column: every row new, none a parent of
        stored rows yet, and what they feed computed as they were read."""
        if entity == "ratings":
            self._rollups.note_counted(loaded.accounts, loaded.path)
        elif entity in ("messages", "stage_changes"):
            self._loaded = (entity, loaded)

    async def settle(self, connection: AsyncConnection) -> None:
        for parent, dependents in DEPENDENTS.items():
            for dependent in dependents:
                keys = self._pending.pop((parent, dependent), set())
                if keys:
                    await self._rederive(connection, dependent, keys)
        locked = "conversations" in self._writer.locks_on_finish
        await self._store_loaded(connection, locked=locked)
        await refresh_replies(
            connection,
            self._replies,
            responses=not self._responses_known,
            locked=locked,
            every_message=self._writer.fresh_table == "messages",
        )
        await refresh_stage_intervals(
            connection,
            self._stages,
            every_stage_change=self._writer.fresh_table == "stage_changes",
        )
        self._replies.clear()
        self._stages.clear()
        await self._rollups.settle(connection)  # ratings re-derived above included

    async def _store_loaded(self, connection: AsyncConnection, *, locked: bool) -> None:
        """The reply stats or the stage intervals a first load computed as it was read."""
        if self._loaded is None:
            return
        (entity, loaded), self._loaded = self._loaded, None
        if entity == "messages":
            stats = await derived_table(
                connection, loaded.path, REPLY_STATS, "conversations", REPLY_STATS_COLUMNS
            )
            await store_reply_stats(connection, stats, locked=locked)
            return
        if not await store_intervals(connection, loaded.path):  # some stored: refreshed instead
            self._stages.update(loaded.conversations)

    async def _rederive(
        self, connection: AsyncConnection, dependent: Dependent, parents: set[Key]
    ) -> None:
        spec = BY_ENTITY[dependent.child]
        table = spec.table
        given = [table.c[f.target] for f in spec.fields]
        for chunk in chunks(sorted(parents), IN_CHUNK):
            stored = await select_by_keys(
                connection, given, [table.c.account_id, table.c[dependent.via]], chunk
            )
            records: list[Record] = [dict(row._mapping) for row in stored]
            # Fresh lookups: the parents were written since any earlier lookup was loaded.
            await derive(connection, Lookups(), dependent.child, records)
            self.note(dependent.child, await write_changes(connection, table, records))


def _differs(old: Record, new: Record, columns: Iterable[str] | None) -> bool:
    """Whether any of the columns differs (None: any column but the row's digest)."""
    if columns is None:
        return old != new and any(old[c] != new[c] for c in new if c != SOURCE_HASH)
    return any(old[c] != new[c] for c in columns)


def _conversations(changes: list[Change], inputs: frozenset[str]) -> set[Key]:
    """The conversations a changed row leaves or joins, when what it feeds them changed."""
    touched: set[Key] = set()
    for old, new in changes:
        if old is None or _differs(old, new, inputs):
            touched.add(_key(new["account_id"], new["conversation_id"]))
            if old is not None:
                touched.add(_key(old["account_id"], old["conversation_id"]))
    return touched


def _key(account_id: object, id_: object) -> Key:
    """A parent's key from a written row: required text cells (validated, stored NOT NULL)."""
    assert isinstance(account_id, str) and isinstance(id_, str)
    return account_id, id_
