"""When scheduled messages may go out: quiet hours in local time, across daylight-saving
changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily window [start, end) in local time that may wrap past midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def next_allowed(moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """`moment` itself if it is outside the quiet hours (in `zone`), else the end of the quiet
    period it falls in — the local end time, whatever the UTC offset is that day."""
    if quiet is None:
        return moment
    local = moment.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return moment
    end_day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_day += timedelta(days=1)
    end = datetime.combine(end_day, quiet.end, tzinfo=zone)
    return end.astimezone(moment.tzinfo)
