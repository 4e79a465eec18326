"""Agents: the user (rated user, message author, assignee) and the conversation's team."""

from __future__ import annotations

from server.db.tables import teams, users
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, LabelTable, on_every_fact

USER = Dimension(
    name="USER",
    description="The rated user for ratings, the author for messages, else the assignee.",
    columns={
        "conversations": "assignee_id",
        "messages": "author_id",
        "ratings": "user_id",
        "transactions": "user_id",
        "stage_intervals": "user_id",
    },
    filter="users",
    filter_is_id=True,
    labels=LabelTable(users),
)

TEAM = Dimension(
    name="TEAM",
    description="The conversation's team.",
    columns=on_every_fact("team_id"),
    filter="teams",
    filter_is_id=True,
    labels=LabelTable(teams),
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [USER, TEAM]
