"""The CSV files of SPEC section 4: their names, their columns, and writers for them."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts.csv": ("id", "name", "timezone"),
    "inboxes.csv": ("account_id", "id", "name"),
    "users.csv": ("account_id", "id", "name", "email", "is_bot"),
    "teams.csv": ("account_id", "id", "name"),
    "team_members.csv": ("account_id", "team_id", "user_id"),
    "customers.csv": ("account_id", "id", "name", "email", "country"),
    "conversations.csv": (
        "account_id", "id", "number", "inbox_id", "customer_id", "channel", "status", "theme",
        "assignee_id", "team_id", "pipeline", "created_at", "closed_at",
    ),
    "messages.csv": ("account_id", "id", "conversation_id", "author_type", "author_id", "kind",
                     "created_at"),
    "ratings.csv": (
        "account_id", "id", "survey", "score", "comment", "created_at", "conversation_id",
        "user_id", "customer_id", "channel", "inbox_id", "country", "user_agent",
    ),
    "transactions.csv": ("account_id", "id", "amount", "currency", "created_at",
                         "conversation_id", "customer_id"),
    "stage_changes.csv": ("account_id", "id", "conversation_id", "pipeline", "stage",
                          "entered_at"),
}  # fmt: skip

# Written once from the account plans, and row by row by the simulation.
DIRECTORY_FILES = (
    "accounts.csv",
    "inboxes.csv",
    "users.csv",
    "teams.csv",
    "team_members.csv",
    "customers.csv",
)
FACT_FILES = (
    "conversations.csv",
    "messages.csv",
    "ratings.csv",
    "transactions.csv",
    "stage_changes.csv",
)

_BUFFER_BYTES = 1 << 20


class RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class CsvFiles:
    """Writers for some files of a folder. `None` is written as an empty field.

    Without a header the files are parts, to be joined behind a header later (see generate).
    """

    def __init__(self, directory: Path, names: Iterable[str], *, header: bool) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._files = {
            name: open(directory / name, "w", newline="", encoding="utf-8", buffering=_BUFFER_BYTES)  # noqa: SIM115 - closed in __exit__
            for name in names
        }
        self._writers = {
            name: csv.writer(file, lineterminator="\n") for name, file in self._files.items()
        }
        if header:
            for name, writer in self._writers.items():
                writer.writerow(COLUMNS[name])

    def writer(self, name: str) -> RowWriter:
        return self._writers[name]

    def __enter__(self) -> CsvFiles:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for file in self._files.values():
            file.close()
