"""Labels of breakdown groups: names from an entity table or a plugin's mapping, else the key.

One statement per dimension with a label table, per request, whatever the number of groups.
"""

from __future__ import annotations

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from server.metrics.declarations import LabelTable
from server.schema.context import Context
from server.schema.report.filter import DIMENSIONS

NONE_LABEL = "(none)"


def label_loader(context: Context) -> DataLoader[tuple[str, str | None], str]:
    """Labels of group keys, one statement per dimension with a label table per request."""

    async def load(keys: list[tuple[str, str | None]]) -> list[str]:
        found: dict[tuple[str, str], str] = {}
        by_dimension: dict[str, set[str]] = {}
        for dimension_name, key in keys:
            if key is not None:
                by_dimension.setdefault(dimension_name, set()).add(key)
        for dimension_name, wanted in by_dimension.items():
            labels = DIMENSIONS[dimension_name].labels
            if isinstance(labels, LabelTable):
                found.update(await _table_labels(context, dimension_name, labels, wanted))
            elif labels is not None:
                found.update({(dimension_name, k): labels[k] for k in wanted if k in labels})
        return [NONE_LABEL if key is None else found.get((d, key), key) for d, key in keys]

    return context.cache.setdefault("report-labels", DataLoader(load_fn=load))


async def _table_labels(
    context: Context, dimension: str, labels: LabelTable, keys: set[str]
) -> dict[tuple[str, str], str]:
    table = labels.table
    query = select(table.c[labels.key], table.c[labels.name]).where(
        context.scope.where(table), table.c[labels.key].in_(sorted(keys))
    )
    async with context.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    # a row without a name (customer names are optional) keeps its key as label
    return {(dimension, str(key)): name for key, name in rows if name is not None}
