"""First loads read column by column: a large file for an empty table, read, checked and derived
with polars in a worker process (server.ingest.columnar.load), its rows left in a file
(server.ingest.columnar.output) that the importing process copies into the table in one
statement (server.ingest.columnar.side).

A first load of the peer data's ratings through the row reader cost some 75 µs of CPU a row,
validated, derived, pickled and bound one by one; column by column, a few. The row reader stays
the reference: any file this path has the least doubt about (a row it cannot prove valid, a cell
polars might read differently) is read row by row instead, which reports each problem on its
line. Re-imports, whose rows are compared with the stored ones, always take the row reader.

This module is what the importing process needs; it imports no polars.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from server.ingest.files import CsvFile

# The files read this way on a first load: the large ones (the others take a second or less).
ENTITIES = frozenset({"conversations", "messages", "ratings", "stage_changes"})
# Set to 0, every file takes the row reader (to compare both, or to rule this path out).
SWITCH = "RAPPORT_IMPORT_COLUMNAR"


@dataclass(frozen=True)
class Loaded:
    """A file's rows, all valid, left at `path` by a worker: what the importer needs to copy
    them and to settle what they feed."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    accounts: frozenset[str]
    # Stage changes: (account, id) of the conversations they belong to (others: none).
    conversations: frozenset[tuple[str, str]]
    bytes_read: int


def applies(spec: CsvFile, *, empty: bool) -> bool:
    """Whether a file for `spec`'s table is read column by column: its table is `empty`."""
    return empty and spec.entity in ENTITIES and os.environ.get(SWITCH, "1") != "0"
