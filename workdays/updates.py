"""Write holiday notices to the database and recompute the open clocks.

Both the administrator's form and the `seed_calendar` command go through
`save_notices`, so every calendar change moves the affected deadlines in
the same transaction and records why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from workdays.clock import ClockMove, recompute_clocks
from workdays.models import CalendarYear, SpecialDay
from workdays.notices import NoticeProblem, YearNotice
from workdays.store import build_calendar, notice_from_db

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"

OUTCOME_LABELS = {
    CREATED: gettext_lazy("new year"),
    UPDATED: gettext_lazy("changed"),
    UNCHANGED: gettext_lazy("unchanged"),
    SKIPPED: gettext_lazy("skipped"),
}


@dataclass(frozen=True)
class YearOutcome:
    """The outcome of saving one notice: created, updated, unchanged or skipped."""

    year: int
    outcome: str  # CREATED, UPDATED, UNCHANGED or SKIPPED
    note: str = ""

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class SaveResult:
    years: list[YearOutcome] = field(default_factory=list)
    moves: list[ClockMove] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(year.outcome in (CREATED, UPDATED) for year in self.years)


def find_conflicts(notice: YearNotice) -> list[NoticeProblem]:
    """Return the days of `notice` that another year's stored notice already lists."""
    holiday_lines = {day: holiday.line for holiday in notice.holidays for day in holiday.days()}
    makeup_lines = {makeup.date: makeup.line for makeup in notice.makeup_workdays}
    days = {**holiday_lines, **makeup_lines}
    taken = (
        SpecialDay.objects.filter(date__in=list(days))
        .exclude(calendar_year__year=notice.year)
        .select_related("calendar_year")
        .order_by("date")
    )
    problems = []
    for special in taken:
        field_name = "makeup_workdays" if special.date in makeup_lines else "holidays"
        problems.append(
            NoticeProblem(
                field_name,
                days[special.date],
                gettext("%(date)s is already listed in the %(year)s notice. Correct that year first.")
                % {"date": special.date.isoformat(), "year": special.calendar_year.year},
            )
        )
    return problems


def _same_as_stored(calendar_year: CalendarYear, notice: YearNotice) -> bool:
    stored = notice_from_db(calendar_year)
    return (
        stored.confirmed == notice.confirmed
        and stored.title == notice.title
        and stored.document_number == notice.document_number
        and stored.issued_on == notice.issued_on
        and stored.source_url == notice.source_url
        and stored.holiday_days() == notice.holiday_days()
        and stored.makeup_days() == notice.makeup_days()
    )


def plan_notice(notice: YearNotice, calendar_year: CalendarYear | None = None) -> YearOutcome:
    """Return what saving `notice` would do, without writing anything."""
    if calendar_year is None:
        calendar_year = CalendarYear.objects.filter(year=notice.year).first()
    if calendar_year is None:
        return YearOutcome(notice.year, CREATED)
    if not notice.confirmed:
        if calendar_year.is_confirmed:
            return YearOutcome(notice.year, SKIPPED, gettext("kept the confirmed notice already stored"))
        return YearOutcome(notice.year, UNCHANGED)
    if _same_as_stored(calendar_year, notice):
        return YearOutcome(notice.year, UNCHANGED)
    return YearOutcome(notice.year, UPDATED)


def _write_notice(notice: YearNotice, actor) -> YearOutcome:
    calendar_year = CalendarYear.objects.select_for_update().filter(year=notice.year).first()
    planned = plan_notice(notice, calendar_year)
    if planned.outcome in (UNCHANGED, SKIPPED):
        return planned

    if calendar_year is None:
        calendar_year = CalendarYear(year=notice.year)
    calendar_year.notice_title = notice.title
    calendar_year.document_number = notice.document_number
    calendar_year.issued_on = notice.issued_on
    calendar_year.source_url = notice.source_url
    if notice.confirmed:
        calendar_year.status = CalendarYear.Status.CONFIRMED
        calendar_year.confirmed_by = actor
        calendar_year.confirmed_at = timezone.now()
    else:
        calendar_year.status = CalendarYear.Status.PROVISIONAL
    calendar_year.save()

    calendar_year.special_days.all().delete()
    rows = [
        SpecialDay(date=day, kind=SpecialDay.Kind.HOLIDAY, name=name, calendar_year=calendar_year)
        for day, name in notice.holiday_days().items()
    ]
    rows += [
        SpecialDay(date=day, kind=SpecialDay.Kind.MAKEUP_WORKDAY, name=name, calendar_year=calendar_year)
        for day, name in notice.makeup_days().items()
    ]
    SpecialDay.objects.bulk_create(rows)
    logger.info(
        "%s calendar year %s: %s special days, status %s", planned.outcome, notice.year, len(rows), calendar_year.status
    )
    return planned


def save_notices(notices: list[YearNotice], actor=None) -> SaveResult:
    """Store the notices, replacing the special days of each changed year, and recompute open clocks.

    A notice equal to the stored one changes nothing, so importing the same
    document twice is harmless. An unconfirmed notice never replaces a
    confirmed one. Raises ValueError naming the day when a notice lists a
    day that another stored year already lists; nothing is saved then.
    """
    result = SaveResult()
    with transaction.atomic():
        for notice in notices:
            conflicts = find_conflicts(notice)
            if conflicts:
                raise ValueError(f"{notice.year}: {conflicts[0].message}")
            result.years.append(_write_notice(notice, actor))

        if result.changed:
            changed_years = ", ".join(str(y.year) for y in result.years if y.outcome in (CREATED, UPDATED))
            reason = gettext("holiday calendar changed: %(years)s") % {"years": changed_years}
            result.moves = recompute_clocks(build_calendar(), reason)
    return result
