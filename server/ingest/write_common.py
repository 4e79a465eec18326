"""What the writers of both databases share: keys, changes and the defaults of missing columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnDefault, Table

from server.ingest.files import Record

Change = tuple[Record | None, Record]  # (the stored row before, the row written)


@cache
def key_getter(table: Table) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """row -> its primary key tuple."""
    names = key_names(table)
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


def key_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def defaulted(table: Table, names: tuple[str, ...]) -> list[str]:
    """The columns the rows leave out that take a default when a row is new (the others stay
    NULL, or keep their stored value)."""
    return [c.name for c in table.columns if c.name not in names and c.default is not None]


def scalar_default(table: Table, name: str) -> object:
    default = table.c[name].default
    assert isinstance(default, ColumnDefault) and default.is_scalar, (
        f"{table.name}.{name} needs a value"
    )
    return default.arg
