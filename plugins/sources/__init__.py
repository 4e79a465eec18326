"""Sources: the channel a conversation or rating came through (email, chat, phone, external…)."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, on_every_fact

CHANNEL = Dimension(
    name="CHANNEL",
    description="The channel slug: the rating's own, else its conversation's.",
    columns=on_every_fact("channel"),
    filter="channels",
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [CHANNEL]
