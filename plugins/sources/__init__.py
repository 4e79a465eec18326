"""Sources: the channel a conversation or rating came through (email, chat, phone, external…)."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension

CHANNEL = Dimension(
    name="CHANNEL",
    description="The channel slug: the rating's own, else its conversation's.",
    columns={
        "conversations": "channel",
        "messages": "channel",
        "ratings": "channel",
        "transactions": "channel",
        "stage_intervals": "channel",
    },
    filter="channels",
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [CHANNEL]
