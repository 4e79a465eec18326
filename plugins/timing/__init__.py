"""Timing: the local weekday and hour of each row's time, in the report's time zone."""

from __future__ import annotations

import calendar

from server.hookspecs import hookimpl
from server.metrics.declarations import Dimension

WEEKDAYS = [name.upper() for name in calendar.day_name]  # MONDAY first

WEEKDAY = Dimension(
    name="WEEKDAY",
    description="The local weekday (MONDAY … SUNDAY) of the metric's time.",
    local_time="weekday",
    key_format=WEEKDAYS.__getitem__,
    labels={key: key.capitalize() for key in WEEKDAYS},
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
