"""Surveys: which survey a rating answers (CSAT, NPS, CES, HAPPINESS)."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension

SURVEY = Dimension(
    name="SURVEY",
    description="The survey of a rating; keys are the `Survey` enum names.",
    columns={"ratings": "survey"},
    key_format=str.upper,
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [SURVEY]
