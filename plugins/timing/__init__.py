"""Timing: the local weekday and hour of each row's time, in the report's time zone."""

from __future__ import annotations

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension
from server.metrics.weekday import WEEKDAYS

WEEKDAY = Dimension(
    name="WEEKDAY",
    description="The local weekday (MONDAY … SUNDAY) of the metric's time.",
    local_time="weekday",
    key_format=lambda number: WEEKDAYS[number].value,
    labels={day.value: day.value.capitalize() for day in WEEKDAYS},
)

HOUR = Dimension(
    name="HOUR",
    description="The local hour (0 … 23) of the metric's time.",
    local_time="hour",
    key_format=str,
)


@hookimpl
def rapport_dimensions() -> list[Dimension]:
    return [WEEKDAY, HOUR]
