"""An account's local days and opening hours, as epoch seconds.

Conversations arrive by local hour and agents answer within local opening hours, so the generator
needs local wall-clock times turned into UTC instants, daylight-saving changes included. Those
conversions are done once per day and hour here; the hot loop only adds seconds.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Replies, closings and ratings of the last conversations spill past the last day.
_SPILL_DAYS = 45


class LocalCalendar:
    """Days numbered from `first_day` (0) in `timezone`, with the hours the team works."""

    def __init__(
        self,
        timezone: str,
        first_day: date,
        last_day: date,
        opening_hours: tuple[tuple[int, int] | None, ...],
    ) -> None:
        zone = ZoneInfo(timezone)
        self.first_day = first_day
        self.days = (last_day - first_day).days + 1
        self.dates = [first_day + timedelta(days=i) for i in range(self.days + _SPILL_DAYS + 1)]
        # hour_starts[day][hour]: the instant the local clock shows hour:00 that day. On the night
        # clocks spring forward the skipped hour maps to the next one, which is what a clock does.
        self.hour_starts = [
            [int(datetime(d.year, d.month, d.day, h, tzinfo=zone).timestamp()) for h in range(24)]
            for d in self.dates
        ]
        self.midnights = [hours[0] for hours in self.hour_starts]
        self.openings: list[tuple[int, int] | None] = []
        for day, local in enumerate(self.dates):
            hours = opening_hours[local.weekday()]
            if hours is None:
                self.openings.append(None)
            else:
                opens, closes = hours
                self.openings.append((self.hour_starts[day][opens], self.hour_starts[day][closes]))
        self.end = self.midnights[self.days]  # the first instant after the last day

    def weekday(self, day: int) -> int:
        return self.dates[day].weekday()

    def is_open_day(self, day: int) -> bool:
        return self.openings[day] is not None

    def is_open_at(self, epoch: int) -> bool:
        opening = self.openings[self.day_of(epoch)]
        return opening is not None and opening[0] <= epoch < opening[1]

    def day_of(self, epoch: int) -> int:
        return min(bisect_right(self.midnights, epoch) - 1, len(self.midnights) - 1)

    def next_open(self, epoch: int) -> int:
        """`epoch` if the team is at work then, else when it next starts working."""
        day = self.day_of(epoch)
        while day < len(self.openings):
            opening = self.openings[day]
            if opening is not None:
                opens, closes = opening
                if epoch < opens:
                    return opens
                if epoch < closes:
                    return epoch
            day += 1
        return epoch  # past the spill window: nobody is counting any more
