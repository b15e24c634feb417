"""Read the calendar from the database, with an in-process cache.

Web and Celery processes each keep one WorkCalendar. Every `get_calendar()`
call runs one aggregate query for a version stamp and rebuilds the calendar
when the stamp differs, so an edit in one process is seen by the others on
their next call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Max

from workdays.counting import WorkCalendar
from workdays.models import CalendarYear, SpecialDay
from workdays.notices import HolidayRange, MakeupDay, YearNotice

logger = logging.getLogger(__name__)

_cache_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def calendar_stamp() -> tuple:
    """Return a value that changes whenever a year or special day is added, removed or saved through a year.

    NOTE: an in-place edit of a SpecialDay that does not also save its
    CalendarYear leaves the stamp unchanged. `workdays.updates` always saves
    the year.
    """
    stamp = CalendarYear.objects.aggregate(
        years=Count("id", distinct=True),
        changed=Max("updated_at"),
        days=Count("special_days", distinct=True),
    )
    return (stamp["years"], stamp["changed"], stamp["days"])


def build_calendar(replacing: Iterable[YearNotice] = ()) -> WorkCalendar:
    """Build a WorkCalendar from the confirmed years in the database, without the cache.

    Each notice in `replacing` takes the place of the stored year it names,
    which is how the calendar pages preview an edit before saving it.
    """
    replacing = list(replacing)
    replaced_years = {notice.year for notice in replacing}

    holidays: dict[date, str] = {}
    makeup_days: dict[date, str] = {}
    rows = (
        SpecialDay.objects.filter(calendar_year__status=CalendarYear.Status.CONFIRMED)
        .exclude(calendar_year__year__in=replaced_years)
        .values_list("date", "kind", "name")
    )
    for day, kind, name in rows:
        if kind == SpecialDay.Kind.HOLIDAY:
            holidays[day] = name
        else:
            makeup_days[day] = name
    confirmed_years = set(
        CalendarYear.objects.filter(status=CalendarYear.Status.CONFIRMED)
        .exclude(year__in=replaced_years)
        .values_list("year", flat=True)
    )

    for notice in replacing:
        if notice.confirmed:
            confirmed_years.add(notice.year)
            holidays.update(notice.holiday_days())
            makeup_days.update(notice.makeup_days())
    return WorkCalendar(holidays, makeup_days, confirmed_years)


def get_calendar() -> WorkCalendar:
    """Return the current WorkCalendar, rebuilt only when the stored calendar has changed."""
    global _cached

    stamp = calendar_stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]

    with _cache_lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
        calendar = build_calendar()
        _cached = (stamp, calendar)
        logger.debug("loaded working-day calendar: confirmed years %s", sorted(calendar.confirmed_years))
        return calendar


def clear_calendar_cache() -> None:
    global _cached
    with _cache_lock:
        _cached = None


def next_year_missing(today: date) -> int | None:
    """Return next year if today is on or after 1 November and next year has no confirmed notice, else None.

    The State Council usually publishes the notice between late October and
    early December, so administrators are reminded from 1 November.
    """
    if (today.month, today.day) < (11, 1):
        return None
    next_year = today.year + 1
    confirmed = CalendarYear.objects.filter(year=next_year, status=CalendarYear.Status.CONFIRMED).exists()
    return None if confirmed else next_year


def notice_from_db(calendar_year: CalendarYear) -> YearNotice:
    """Rebuild the YearNotice of a stored year. Holiday ranges come back as runs of consecutive days."""
    holidays: list[HolidayRange] = []
    makeup_days: list[MakeupDay] = []
    for special in calendar_year.special_days.order_by("date"):
        if special.kind == SpecialDay.Kind.MAKEUP_WORKDAY:
            makeup_days.append(MakeupDay(special.date, special.name))
            continue
        previous = holidays[-1] if holidays else None
        if previous and (special.date - previous.last).days == 1 and special.name == previous.name:
            holidays[-1] = HolidayRange(previous.first, special.date, previous.name)
        else:
            holidays.append(HolidayRange(special.date, special.date, special.name))

    return YearNotice(
        year=calendar_year.year,
        confirmed=calendar_year.is_confirmed,
        title=calendar_year.notice_title,
        document_number=calendar_year.document_number,
        issued_on=calendar_year.issued_on,
        source_url=calendar_year.source_url,
        holidays=holidays,
        makeup_workdays=makeup_days,
    )
