"""Agents: the user (rated user, message author, assignee) and the conversation's team."""

from __future__ import annotations

from server.db.tables import teams, users
from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension, LabelTable

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
    columns={
        "conversations": "team_id",
        "messages": "team_id",
        "ratings": "team_id",
        "transactions": "team_id",
        "stage_intervals": "team_id",
    },
    filter="teams",
    filter_is_id=True,
    labels=LabelTable(teams),
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [USER, TEAM]
