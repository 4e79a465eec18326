"""Themes: the topic of a conversation (iAdvize's performance by theme)."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension

THEME = Dimension(
    name="THEME",
    description="The conversation's theme.",
    columns={
        "conversations": "theme",
        "messages": "theme",
        "ratings": "theme",
        "transactions": "theme",
        "stage_intervals": "theme",
    },
    filter="themes",
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [THEME]
