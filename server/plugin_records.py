"""Plugin record lists: a plugin's table exposed as a paginated root field (SPEC 8's extra query
fields), served and scoped by the core; no plugin code runs per request.

A plugin declares `RecordList(field, table, node, order_by)`: `Query.<field>(first, after)` is a
`Connection` of `node`, a strawberry type whose attributes are columns of the table. The core
reads the rows through the token's `Scope`, in `order_by` order (keyset pagination, as for the
core's lists), and builds each node from its row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table
from strawberry.types import get_object_definition

from server.errors import UserError

FIELD_NAME = re.compile(r"[a-z][A-Za-z0-9]*")


@dataclass(frozen=True)
class RecordList:
    """`Query.<field>`: the rows of one of the plugin's tables, `first` at a time.

    `order_by` names non-null columns sorted ascending, the last one unique per account (`id`),
    so that every row has one position for the cursors. `node`'s attribute names are columns.
    """

    field: str
    table: Table
    node: type
    order_by: tuple[str, ...]
    description: str


class RecordListError(UserError):
    """A record list the core cannot serve."""


def check_record_list(
    plugin: str, declared: object, own_tables: Iterable[Table], taken: dict[str, str]
) -> RecordList:
    if not isinstance(declared, RecordList):
        raise RecordListError(
            f"plugin {plugin!r}: rapport_record_lists returned {declared!r}, not a RecordList"
        )
    where = f"plugin {plugin!r}: record list {declared.field}"
    if not FIELD_NAME.fullmatch(declared.field):
        raise RecordListError(f"{where}: a field name is lower camel case (slaReviews)")
    if declared.field in taken:
        raise RecordListError(
            f"plugins {taken[declared.field]!r} and {plugin!r} both declare the record list "
            f"{declared.field!r}"
        )
    table = declared.table
    if table not in set(own_tables):
        raise RecordListError(f"{where} reads {table.name}, which is not one of its own tables")
    definition = get_object_definition(declared.node)
    if definition is None:
        raise RecordListError(f"{where}: node {declared.node!r} is not a strawberry type")
    unknown = [f.python_name for f in definition.fields if f.python_name not in table.c]
    if unknown:
        raise RecordListError(f"{where}: node fields {unknown} are not columns of {table.name}")
    if not declared.order_by or any(
        name not in table.c or table.c[name].nullable for name in declared.order_by
    ):
        raise RecordListError(
            f"{where}: order_by must name non-null columns of {table.name}, the last one unique"
        )
    taken[declared.field] = plugin
    return declared
