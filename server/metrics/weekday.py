"""The `Weekday` enum: the local weekdays reports name (`WEEKDAY` keys, `volume.busiestDay`)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A local weekday, Monday first.")
class Weekday(Enum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


WEEKDAYS: list[Weekday] = list(Weekday)
"""Index 0 is Monday, as `date.weekday()` and the engine's local weekday number."""
