"""Deadline figures for pages: days left, colour, provisional mark.

Figures come from the due date stored on each clock and one in-memory
calendar, so a page of any length costs no extra queries.
"""

from dataclasses import dataclass
from datetime import date

from workdays.clock import today
from workdays.store import get_calendar

# At or below this many working days left a deadline is shown as urgent.
URGENT_DAYS = 2


@dataclass(frozen=True)
class Deadline:
    clock_id: int
    due: date | None
    left: int | None
    paused: bool
    stopped: bool
    provisional: bool

    @property
    def overdue(self):
        return self.left is not None and self.left < 0

    @property
    def overdue_days(self):
        return -self.left if self.overdue else 0

    @property
    def colour(self):
        if self.stopped or self.paused:
            return "secondary"
        if self.overdue:
            return "danger"
        if self.left is not None and self.left <= URGENT_DAYS:
            return "warning"
        return "success"


def deadline(clock, calendar=None, on_day=None):
    """Return the deadline figures of `clock` as of `on_day` (today in Asia/Shanghai by default)."""
    if clock is None:
        return None
    calendar = calendar or get_calendar()
    on_day = on_day or today()
    paused = clock.state == clock.State.PAUSED
    stopped = clock.state == clock.State.STOPPED
    left = None
    if clock.due_date is not None and not stopped:
        if clock.due_date >= on_day:
            left = calendar.count_workdays(on_day, clock.due_date).count
        else:
            left = -calendar.count_workdays(clock.due_date, on_day).count
    return Deadline(clock.pk, clock.due_date, left, paused, stopped, clock.is_provisional)
