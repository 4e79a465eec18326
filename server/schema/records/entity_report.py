"""`report(filter)` on a User, Team or Inbox: the root report with that entity added."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from server.schema.context import Context
from server.schema.report.filter import ReportFilter

if TYPE_CHECKING:
    from server.schema.report.types import Report

# Report types (report/types.py) import the record types: `Report` is named lazily.

Info = strawberry.Info[Context, None]


def entity_report_field(dimension: str, entity: str) -> Any:
    """`report(filter)` of a User, Team or Inbox: the root report with the entity added."""

    async def report(
        root: Any, info: Info, filter: ReportFilter
    ) -> Annotated[Report, strawberry.lazy("server.schema.report.types")]:
        from server.schema.report.entities import resolve_entity_report

        return await resolve_entity_report(info, dimension, root.id, filter)

    return strawberry.field(
        resolver=report, description=f"The root report with this {entity} added to the filter."
    )
