"""Writing millions of UTC timestamps quickly.

The generator keeps every time as integer seconds since the Unix epoch. Formatting one with
`datetime.isoformat` costs a few microseconds, which adds up to many seconds for the large data
set; splitting it into a day (cached date prefix) and a second of the day (a table of 86,400
ready-made clock strings) costs two look-ups and one concatenation.
"""

from __future__ import annotations

from datetime import date
from functools import cache

SECONDS_PER_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@cache
def _clock_strings() -> tuple[str, ...]:
    return tuple(
        f"{hour:02d}:{minute:02d}:{second:02d}Z"
        for hour in range(24)
        for minute in range(60)
        for second in range(60)
    )


class UtcFormatter:
    """`formatter(epoch_seconds)` -> `2026-03-01T09:15:00Z`."""

    def __init__(self) -> None:
        self._clock = _clock_strings()
        self._day_prefixes: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        day, second = divmod(epoch, SECONDS_PER_DAY)
        prefix = self._day_prefixes.get(day)
        if prefix is None:
            prefix = date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
            self._day_prefixes[day] = prefix
        return prefix + self._clock[second]
