"""Inboxes: the mailbox or project a conversation (or a rating given on it) belongs to."""

from __future__ import annotations

from server.db.tables import inboxes
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, LabelTable, on_every_fact

INBOX = Dimension(
    name="INBOX",
    description="The inbox: the rating's own, else its conversation's.",
    columns=on_every_fact("inbox_id"),
    filter="inboxes",
    filter_is_id=True,
    labels=LabelTable(inboxes),
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [INBOX]
