"""Deadline clocks kept as a ledger of events.

A clock starts with a budget of working days. Pauses (a correction notice
until the resubmission arrives), extensions and a final stop are recorded as
`ClockEvent` rows, and the due date is always recomputed from all events with
`WorkCalendar.due_date`. Each service function locks the clock row, checks
that the event is allowed in the current state, appends the event and stores
the derived `state`, `due_date` and `is_provisional` on the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from workdays.counting import Explanation, Pause, WorkCalendar
from workdays.models import Clock, ClockEvent
from workdays.store import get_calendar

logger = logging.getLogger(__name__)

# Deadlines end at the end of their last working day in China Standard Time,
# whatever TIME_ZONE the deployment uses.
DEADLINE_TIME_ZONE = ZoneInfo("Asia/Shanghai")

OPEN_STATES = (Clock.State.RUNNING, Clock.State.PAUSED)


def today() -> date:
    """Return the current date in Asia/Shanghai. Needs USE_TZ = True."""
    return timezone.localdate(timezone=DEADLINE_TIME_ZONE)


class ClockError(Exception):
    """Raised when an event is not allowed in the clock's current state or has invalid values.

    The message is translated and can be shown to the user as it is.
    """


@dataclass
class Ledger:
    """The facts a clock's events establish, in the form `WorkCalendar` needs."""

    started_on: date
    budget: int
    pauses: list[Pause] = field(default_factory=list)
    extensions: list[tuple[int, str]] = field(default_factory=list)
    stopped_on: date | None = None
    last_event_on: date | None = None

    @property
    def total_days(self) -> int:
        return self.budget + sum(days for days, _reason in self.extensions)

    @property
    def state(self) -> str:
        if self.stopped_on is not None:
            return Clock.State.STOPPED
        if self.pauses and self.pauses[-1].end is None:
            return Clock.State.PAUSED
        return Clock.State.RUNNING


class ClockStatus(NamedTuple):
    """A clock as of one day.

    `left` is the budget with extensions minus `used`, so it is negative once
    the clock has run past its due date. `due` is None while paused.
    """

    due: date | None
    used: int
    left: int
    overdue: bool
    provisional: bool


@dataclass(frozen=True)
class ClockMove:
    """A clock whose stored due date changed because the calendar changed."""

    clock: Clock
    old_due: date | None
    new_due: date | None

    @property
    def shift_days(self) -> int | None:
        """Calendar days between the old and the new due date, positive when the deadline moved later."""
        if self.old_due is None or self.new_due is None:
            return None
        return (self.new_due - self.old_due).days


def read_ledger(clock: Clock, events=None) -> Ledger:
    """Replay the clock's events in order. `events` defaults to the stored ones."""
    if events is None:
        events = list(clock.events.order_by("id"))

    ledger = Ledger(started_on=clock.started_on, budget=clock.budget, last_event_on=clock.started_on)
    for event in events:
        if event.kind == ClockEvent.Kind.PAUSED:
            ledger.pauses.append(Pause(event.on_date, None, event.reason))
        elif event.kind == ClockEvent.Kind.RESUMED:
            open_pause = ledger.pauses[-1]
            ledger.pauses[-1] = Pause(open_pause.start, event.on_date, open_pause.reason)
        elif event.kind == ClockEvent.Kind.STOPPED:
            ledger.stopped_on = event.on_date
        elif event.kind == ClockEvent.Kind.EXTENDED:
            ledger.extensions.append((event.days, event.reason))
        if event.on_date is not None and event.kind != ClockEvent.Kind.RECOMPUTED:
            ledger.last_event_on = max(ledger.last_event_on, event.on_date)
    return ledger


def _store_derived(clock: Clock, ledger: Ledger, calendar: WorkCalendar) -> None:
    result = calendar.due_date(ledger.started_on, ledger.total_days, ledger.pauses)
    clock.state = ledger.state
    clock.due_date = result.date
    clock.is_provisional = result.provisional
    clock.save(update_fields=["state", "due_date", "is_provisional", "updated_at"])


def _lock(clock: Clock) -> Clock:
    return Clock.objects.select_for_update().get(pk=clock.pk)


def _refresh(clock: Clock, locked: Clock) -> Clock:
    for name in ("state", "due_date", "is_provisional", "updated_at"):
        setattr(clock, name, getattr(locked, name))
    return clock


def _check_not_before_last_event(ledger: Ledger, on_date: date) -> None:
    if on_date < ledger.last_event_on:
        raise ClockError(
            gettext("%(date)s is before the clock's last recorded date, %(last)s. Events must be in date order.")
            % {"date": on_date.isoformat(), "last": ledger.last_event_on.isoformat()}
        )


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise ClockError(gettext("A reason is required, such as the reference of the correction notice."))


def start_clock(kind: str, budget: int, start_date: date, actor=None, label: str = "") -> Clock:
    """Create a running clock of `budget` working days counted from the day after `start_date`."""
    if budget < 1:
        raise ClockError(gettext("The time limit must be at least 1 working day, not %(days)s.") % {"days": budget})

    calendar = get_calendar()
    with transaction.atomic():
        clock = Clock.objects.create(kind=kind, budget=budget, started_on=start_date, label=label)
        ClockEvent.objects.create(clock=clock, kind=ClockEvent.Kind.STARTED, on_date=start_date, actor=actor)
        _store_derived(clock, read_ledger(clock, events=[]), calendar)
    logger.info("started clock %s (%s): %s working days from %s", clock.pk, kind, budget, start_date)
    return clock


def pause_clock(clock: Clock, on_date: date, reason: str, actor=None) -> Clock:
    """Pause a running clock on the day the correction or supplement notice is sent."""
    _check_reason(reason)
    calendar = get_calendar()
    with transaction.atomic():
        locked = _lock(clock)
        ledger = read_ledger(locked)
        if ledger.state == Clock.State.PAUSED:
            raise ClockError(
                gettext("The clock is already paused since %(date)s. Resume it before pausing it again.")
                % {"date": ledger.pauses[-1].start.isoformat()}
            )
        if ledger.state == Clock.State.STOPPED:
            raise ClockError(gettext("The clock was stopped on %(date)s.") % {"date": ledger.stopped_on.isoformat()})
        _check_not_before_last_event(ledger, on_date)

        ClockEvent.objects.create(
            clock=locked, kind=ClockEvent.Kind.PAUSED, on_date=on_date, reason=reason, actor=actor
        )
        ledger.pauses.append(Pause(on_date, None, reason))
        _store_derived(locked, ledger, calendar)
    logger.info("paused clock %s on %s", clock.pk, on_date)
    return _refresh(clock, locked)


def resume_clock(clock: Clock, on_date: date, actor=None) -> Clock:
    """Resume a paused clock on the day the corrected submission arrives. Counting restarts the next day."""
    calendar = get_calendar()
    with transaction.atomic():
        locked = _lock(clock)
        ledger = read_ledger(locked)
        if ledger.state != Clock.State.PAUSED:
            raise ClockError(gettext("The clock is not paused, so it cannot be resumed."))
        _check_not_before_last_event(ledger, on_date)

        ClockEvent.objects.create(clock=locked, kind=ClockEvent.Kind.RESUMED, on_date=on_date, actor=actor)
        open_pause = ledger.pauses[-1]
        ledger.pauses[-1] = Pause(open_pause.start, on_date, open_pause.reason)
        _store_derived(locked, ledger, calendar)
    logger.info("resumed clock %s on %s", clock.pk, on_date)
    return _refresh(clock, locked)


def stop_clock(clock: Clock, on_date: date, actor=None, reason: str = "") -> Clock:
    """Stop a running or paused clock, for example when the opinion letter is issued.

    A clock stopped while paused keeps no due date.
    """
    calendar = get_calendar()
    with transaction.atomic():
        locked = _lock(clock)
        ledger = read_ledger(locked)
        if ledger.state == Clock.State.STOPPED:
            raise ClockError(
                gettext("The clock was already stopped on %(date)s.") % {"date": ledger.stopped_on.isoformat()}
            )
        _check_not_before_last_event(ledger, on_date)

        ClockEvent.objects.create(
            clock=locked, kind=ClockEvent.Kind.STOPPED, on_date=on_date, reason=reason, actor=actor
        )
        ledger.stopped_on = on_date
        _store_derived(locked, ledger, calendar)
    logger.info("stopped clock %s on %s", clock.pk, on_date)
    return _refresh(clock, locked)


def extend_clock(clock: Clock, days: int, reason: str, actor=None) -> Clock:
    """Add `days` working days to a running or paused clock."""
    if days < 1:
        raise ClockError(gettext("An extension must be at least 1 working day, not %(days)s.") % {"days": days})
    _check_reason(reason)
    calendar = get_calendar()
    with transaction.atomic():
        locked = _lock(clock)
        ledger = read_ledger(locked)
        if ledger.state == Clock.State.STOPPED:
            raise ClockError(gettext("The clock was stopped on %(date)s.") % {"date": ledger.stopped_on.isoformat()})

        ClockEvent.objects.create(clock=locked, kind=ClockEvent.Kind.EXTENDED, days=days, reason=reason, actor=actor)
        ledger.extensions.append((days, reason))
        _store_derived(locked, ledger, calendar)
    logger.info("extended clock %s by %s working days", clock.pk, days)
    return _refresh(clock, locked)


def clock_status(clock: Clock, on_day: date | None = None) -> ClockStatus:
    """Return due date, working days used and left, and whether the clock is overdue, as of `on_day`.

    `on_day` defaults to today in Asia/Shanghai. A stopped clock counts up to
    its stop date. The deadline runs to the end of the due day, so a clock is
    overdue from the day after.
    """
    if on_day is None:
        on_day = today()
    calendar = get_calendar()
    ledger = read_ledger(clock)

    due = calendar.due_date(ledger.started_on, ledger.total_days, ledger.pauses)
    until = on_day if ledger.stopped_on is None else min(on_day, ledger.stopped_on)
    used = calendar.workdays_used(ledger.started_on, until, ledger.pauses)
    left = ledger.total_days - used.count

    if due.date is None:
        overdue = False
    elif ledger.stopped_on is not None:
        overdue = ledger.stopped_on > due.date
    else:
        overdue = on_day > due.date
    return ClockStatus(due.date, used.count, left, overdue, due.provisional or used.provisional)


def explain_clock(clock: Clock) -> Explanation:
    """Explain the clock's due date step by step, with its pauses and extensions."""
    ledger = read_ledger(clock)
    return get_calendar().explain(ledger.started_on, ledger.budget, ledger.pauses, ledger.extensions)


def preview_moves(calendar: WorkCalendar) -> list[ClockMove]:
    """Return the running or paused clocks whose due date would move under `calendar`, without saving."""
    moves = []
    for clock in Clock.objects.filter(state__in=OPEN_STATES).order_by("id"):
        ledger = read_ledger(clock)
        result = calendar.due_date(ledger.started_on, ledger.total_days, ledger.pauses)
        if result.date != clock.due_date:
            moves.append(ClockMove(clock, clock.due_date, result.date))
    return moves


def recompute_clocks(calendar: WorkCalendar, reason: str) -> list[ClockMove]:
    """Recompute the due date of every running or paused clock after a calendar change.

    Each clock whose due date moved gets a `recomputed` event with the old and
    new date. Returns the moved clocks. Call it inside the transaction that
    changed the calendar.
    """
    moves = []
    for clock in Clock.objects.select_for_update().filter(state__in=OPEN_STATES).order_by("id"):
        ledger = read_ledger(clock)
        result = calendar.due_date(ledger.started_on, ledger.total_days, ledger.pauses)
        if result.date == clock.due_date and result.provisional == clock.is_provisional:
            continue

        old_due = clock.due_date
        clock.due_date = result.date
        clock.is_provisional = result.provisional
        clock.save(update_fields=["due_date", "is_provisional", "updated_at"])
        if old_due != result.date:
            ClockEvent.objects.create(
                clock=clock,
                kind=ClockEvent.Kind.RECOMPUTED,
                old_due_date=old_due,
                new_due_date=result.date,
                reason=reason,
            )
            moves.append(ClockMove(clock, old_due, result.date))
            logger.info("clock %s moved from %s to %s: %s", clock.pk, old_due, result.date, reason)
    return moves
