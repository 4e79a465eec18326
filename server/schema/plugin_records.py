"""The root fields of the plugins' record lists (server/plugin_records.py), composed into Query.

Each is a `Connection` read like the core's lists: the Scope condition of the plugin's table,
keyset pagination over the declared order, one statement per page (another for totalCount).
"""

from typing import Any

import strawberry
from sqlalchemy import BigInteger, ColumnElement, Row, type_coerce
from strawberry.types import get_object_definition

from server.db.types import Timestamp
from server.metrics.declarations import python_name
from server.plugin_records import RecordList, RecordListError
from server.plugins import Registry
from server.schema.context import Context
from server.schema.loaders import root_connection
from server.schema.pagination import DEFAULT_FIRST, Connection, ListQuery, Ordering

Info = strawberry.Info[Context, None]


def plugin_record_query(registry: Registry, core_fields: set[str]) -> type | None:
    """A strawberry type holding one root field per record list, or None when there are none."""
    if not registry.record_lists:
        return None
    for plugin, declared in registry.record_lists:
        if declared.field in core_fields:
            raise RecordListError(
                f"plugin {plugin!r}: record list {declared.field}: Query.{declared.field} is "
                "one of Rapport's own fields"
            )
    namespace: dict[str, Any] = {
        python_name(declared.field): strawberry.field(
            resolver=_resolver(declared), name=declared.field, description=declared.description
        )
        for _, declared in registry.record_lists
    }
    return strawberry.type(type("PluginRecordQuery", (), namespace))


def _resolver(declared: RecordList) -> Any:
    table = declared.table
    keys = tuple(_key(table.c[name]) for name in declared.order_by)
    ordering = Ordering(f"{declared.field}:{','.join(declared.order_by)}", keys)
    attributes = [f.python_name for f in get_object_definition(declared.node, strict=True).fields]

    def node(row: Row[*tuple[Any, ...]]) -> Any:
        return declared.node(**{name: row._mapping[name] for name in attributes})

    async def resolve(info: Info, first: int | None = DEFAULT_FIRST, after: str | None = None):
        context = info.context
        query = ListQuery(
            columns=list(table.c),
            source=table,
            where=[context.scope.where(table)],
            ordering=ordering,
        )
        return await root_connection(context, query, first=first, after=after, node=node)

    # Annotations as objects: strawberry reads them to type the field's arguments and result.
    resolve.__annotations__ = {
        "info": Info,
        "first": int | None,
        "after": str | None,
        "return": Connection[declared.node],  # type: ignore[name-defined]
    }
    return resolve


def _key(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """Timestamps sort and page as their stored microseconds (a cursor holds plain values)."""
    return type_coerce(column, BigInteger) if isinstance(column.type, Timestamp) else column
