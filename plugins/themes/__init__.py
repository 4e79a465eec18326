"""Themes: the topic of a conversation (iAdvize's performance by theme)."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, on_every_fact

THEME = Dimension(
    name="THEME",
    description="The conversation's theme.",
    columns=on_every_fact("theme"),
    filter="themes",
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [THEME]
