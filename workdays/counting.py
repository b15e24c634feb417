"""Working-day arithmetic over the State Council holiday notices.

A day is a working day if the notice of its year lists it as a make-up workday
(调休上班日), or else if it is Monday to Friday and not a listed holiday. A year
without a confirmed notice is counted on weekends alone, and every result that
consults a day in such a year is marked provisional instead of raising.

Counting rules, from Chinese administrative practice:

- "N working days from S" (自S之日起N个工作日内): S is not counted and the
  deadline is the N-th working day after S.
- A pause (补正, 补充材料) runs from the notice day to the resubmission day. The
  notice day counts as used if it is a working day. The days after it, up to
  and including the resubmission day, are not counted.
- "At least N working days before E" (前N个工作日): the latest allowed day is
  the N-th working day counting back from E, E not counted.

The module does no database access. `WorkCalendar` precomputes the working
days of the years that have special days as sorted ordinals and computes
each result with index lookups and `bisect`. Outside that span it counts Monday to Friday with
closed formulas, so any date that `datetime.date` can represent is accepted.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.utils.translation import gettext, ngettext

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"
WORKDAY = "workday"
WEEKEND = "weekend"


class DateResult(NamedTuple):
    """A computed day and whether it depends on a year without a confirmed notice.

    `date` is None only when `paused` is True: a pause is still open and the
    count stopped before reaching its last day.
    """

    date: date | None
    provisional: bool
    paused: bool = False


class CountResult(NamedTuple):
    """A number of working days and whether it depends on a year without a confirmed notice."""

    count: int
    provisional: bool


class DayInfo(NamedTuple):
    """The classification of one day, for month grids and the command line."""

    date: date
    kind: str  # WORKDAY, WEEKEND, HOLIDAY or MAKEUP_WORKDAY
    name: str  # holiday name from the notice, or "" for ordinary days
    is_workday: bool
    provisional: bool


class Pause(NamedTuple):
    """A stop of the count from the notice day `start` to the resubmission day `end`.

    `end` is None while the resubmission has not arrived.
    """

    start: date
    end: date | None
    reason: str = ""


@dataclass(frozen=True)
class Step:
    """One line of an explanation, in date order.

    `kind` is one of "start", "extended", "holiday", "makeup_workday", "pause",
    "no_notice" and "due". `first` and `last` bound holiday runs and pauses
    (`last` is None for an open pause), `days` is a number of working days,
    `name` is a holiday name and `reason` the reason given for a pause or an
    extension.
    """

    kind: str
    first: date | None = None
    last: date | None = None
    days: int | None = None
    name: str = ""
    reason: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Explanation:
    """The steps behind a due date, the same as one line of text, and the result."""

    steps: list[Step]
    text: str
    result: DateResult


def gettext_noop(message: str) -> str:
    """Mark `message` for makemessages without translating it.

    Django's gettext_noop reads settings.USE_I18N, and this module must import
    without Django settings (the benchmark does).
    """
    return message


# Descriptions of the holidays named in the notices. Each is one whole msgid
# without placeholders, so a translation may leave out the Chinese name that
# the English text repeats. "国庆节、中秋节" is how the 2025 notice names the
# combined National Day and Mid-Autumn holiday.
HOLIDAY_DESCRIPTIONS = {
    "元旦": gettext_noop("New Year's Day holiday (元旦)"),
    "春节": gettext_noop("Spring Festival holiday (春节)"),
    "清明节": gettext_noop("Qingming Festival holiday (清明节)"),
    "劳动节": gettext_noop("Labour Day holiday (劳动节)"),
    "端午节": gettext_noop("Dragon Boat Festival holiday (端午节)"),
    "中秋节": gettext_noop("Mid-Autumn Festival holiday (中秋节)"),
    "国庆节": gettext_noop("National Day holiday (国庆节)"),
    "国庆节、中秋节": gettext_noop("National Day and Mid-Autumn Festival holiday (国庆节、中秋节)"),
}


def _weekdays_through(ordinal: int) -> int:
    """Return the number of Mondays to Fridays with an ordinal in [1, ordinal].

    Ordinal 1 (0001-01-01) is a Monday, so every block of 7 ordinals starting
    there contains 5 weekdays followed by a weekend.
    """
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _nth_weekday(rank: int) -> int:
    """Return the ordinal of the `rank`-th Monday-to-Friday day, counting from ordinal 1."""
    weeks, rest = divmod(rank - 1, 5)
    return 7 * weeks + rest + 1


def _normalize_pauses(start: date, pauses: Iterable[Sequence]) -> list[Pause]:
    """Convert (start, end[, reason]) tuples to `Pause` values and validate their order.

    Raises ValueError when a pause starts before `start`, ends before it
    starts, overlaps the previous pause, or follows a pause that is still open.
    Consecutive pauses may touch: a new notice may go out on the day a
    correction arrives.
    """
    result = []
    previous_end = start
    previous_open = False
    for item in pauses:
        pause = item if isinstance(item, Pause) else Pause(*item)
        if previous_open:
            raise ValueError(
                f"pause from {pause.start} follows a pause that has no end date; only the last pause may be open"
            )
        if pause.start < previous_end:
            if previous_end == start and not result:
                raise ValueError(f"pause from {pause.start} starts before the count starts on {start}")
            raise ValueError(f"pause from {pause.start} starts before the previous pause ends on {previous_end}")
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(f"pause from {pause.start} ends on {pause.end}, before it starts")
        result.append(pause)
        if pause.end is None:
            previous_open = True
        else:
            previous_end = pause.end
    return result


class WorkCalendar:
    """Working days of mainland China as set by the entered holiday notices.

    `holidays` and `makeup_workdays` map each special day to its holiday name
    (春节, 国庆节, ...). They apply wherever they fall. `confirmed_years` are
    the years whose notice has been entered and confirmed. A result is
    provisional when it consults a day of any other year, and such days follow
    the weekend rule unless a special day was given for them.

    Instances are immutable after construction and safe to share between
    threads.
    """

    def __init__(
        self,
        holidays: Mapping[date, str],
        makeup_workdays: Mapping[date, str],
        confirmed_years: Iterable[int],
    ):
        both = set(holidays) & set(makeup_workdays)
        if both:
            first = min(both)
            raise ValueError(f"{first} is listed both as a holiday and as a make-up workday")

        self._holidays = dict(holidays)
        self._makeup_workdays = dict(makeup_workdays)
        self._confirmed_years = frozenset(confirmed_years)
        self._special_ordinals = sorted(d.toordinal() for d in (*self._holidays, *self._makeup_workdays))
        self._build_confirmed_spans()
        self._build_rank_table()

    # Construction

    def _build_confirmed_spans(self) -> None:
        """Merge consecutive confirmed years into ordinal spans [first, last]."""
        starts: list[int] = []
        ends: list[int] = []
        for year in sorted(self._confirmed_years):
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            if ends and ends[-1] + 1 == first:
                ends[-1] = last
            else:
                starts.append(first)
                ends.append(last)
        self._span_starts = starts
        self._span_ends = ends

    def _build_rank_table(self) -> None:
        """Precompute the working days of every year that has a special day.

        `_rank[i]` is the number of working days in [_base, _base + i] and
        `_workday_ordinals` lists those working days in order. Before `_base`
        and after the table no special day exists, so the weekday formulas
        apply there, shifted after the table by `_shift_after`.
        """
        if not self._special_ordinals:
            self._base = 1
            self._rank: list[int] = []
            self._workday_ordinals: list[int] = []
            self._rank_before_base = 0
            self._shift_after = 0
            return

        first_year = date.fromordinal(self._special_ordinals[0]).year
        last_year = date.fromordinal(self._special_ordinals[-1]).year
        base = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal()

        rank = []
        workday_ordinals = []
        running = 0
        for ordinal in range(base, end + 1):
            if self._is_workday_ordinal(ordinal):
                running += 1
                workday_ordinals.append(ordinal)
            rank.append(running)

        self._base = base
        self._rank = rank
        self._workday_ordinals = workday_ordinals
        self._rank_before_base = _weekdays_through(base - 1)
        self._shift_after = self._rank_before_base + running - _weekdays_through(end)

    def _is_workday_ordinal(self, ordinal: int) -> bool:
        day = date.fromordinal(ordinal)
        if day in self._makeup_workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    # Rank arithmetic on ordinals

    def _rank_through(self, ordinal: int) -> int:
        """Return the number of working days with an ordinal in [1, ordinal]."""
        index = ordinal - self._base
        if index < 0:
            return _weekdays_through(ordinal)
        if index < len(self._rank):
            return self._rank_before_base + self._rank[index]
        return _weekdays_through(ordinal) + self._shift_after

    def _ordinal_of_rank(self, rank: int) -> int:
        """Return the ordinal of the working day whose rank is `rank` (1 = first working day)."""
        index = rank - self._rank_before_base - 1
        if index < 0:
            return _nth_weekday(rank)
        if index < len(self._workday_ordinals):
            return self._workday_ordinals[index]
        return _nth_weekday(rank - self._shift_after)

    def _is_confirmed_span(self, first: int, last: int) -> bool:
        """Return whether every day with an ordinal in [first, last] lies in a confirmed year.

        An empty span (first > last) consults no day and is confirmed.
        """
        if first > last:
            return True
        index = bisect.bisect_right(self._span_starts, first) - 1
        return index >= 0 and last <= self._span_ends[index]

    # Public queries

    @property
    def confirmed_years(self) -> frozenset[int]:
        return self._confirmed_years

    def is_confirmed_year(self, year: int) -> bool:
        return year in self._confirmed_years

    def is_workday(self, day: date) -> bool:
        """Return whether `day` is a working day. Use `day_info` to learn whether it is provisional."""
        if day in self._makeup_workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    def day_info(self, day: date) -> DayInfo:
        """Classify `day` as a workday, weekend, holiday or make-up workday."""
        provisional = day.year not in self._confirmed_years
        if day in self._makeup_workdays:
            return DayInfo(day, MAKEUP_WORKDAY, self._makeup_workdays[day], True, provisional)
        if day in self._holidays:
            return DayInfo(day, HOLIDAY, self._holidays[day], False, provisional)
        if day.weekday() < 5:
            return DayInfo(day, WORKDAY, "", True, provisional)
        return DayInfo(day, WEEKEND, "", False, provisional)

    def add_workdays(self, start: date, days: int) -> DateResult:
        """Return the `days`-th working day after `start`, `start` not counted.

        `days` = 0 returns `start` itself. Raises ValueError for a negative
        `days`, and OverflowError or ValueError when the result lies beyond
        year 9999.
        """
        if days < 0:
            raise ValueError(f"number of working days must be 0 or more, not {days}")
        start_ordinal = start.toordinal()
        if days == 0:
            return DateResult(start, False)

        due = self._ordinal_of_rank(self._rank_through(start_ordinal) + days)
        provisional = not self._is_confirmed_span(start_ordinal + 1, due)
        return DateResult(date.fromordinal(due), provisional)

    def due_date(self, start: date, days: int, pauses: Iterable[Sequence] = ()) -> DateResult:
        """Return the deadline of `days` working days from `start`, with the count stopped by `pauses`.

        Each pause is a `Pause` or a (start, end[, reason]) tuple. Pauses must
        be in date order and not overlap, and only the last may be open (end
        None). An open pause that starts before the deadline is reached
        returns DateResult(None, provisional, paused=True). Raises ValueError
        for a negative `days` or pauses out of order.
        """
        if days < 0:
            raise ValueError(f"number of working days must be 0 or more, not {days}")
        if not pauses:
            return self.add_workdays(start, days)

        cursor = start.toordinal()  # last day already accounted for
        remaining = days
        provisional = False
        for pause in _normalize_pauses(start, pauses):
            notice = pause.start.toordinal()
            available = self._rank_through(notice) - self._rank_through(cursor)
            if available >= remaining:
                break
            remaining -= available
            if not self._is_confirmed_span(cursor + 1, notice):
                provisional = True
            if pause.end is None:
                return DateResult(None, provisional, paused=True)
            cursor = pause.end.toordinal()

        if remaining == 0:
            return DateResult(date.fromordinal(cursor), provisional)
        due = self._ordinal_of_rank(self._rank_through(cursor) + remaining)
        if not self._is_confirmed_span(cursor + 1, due):
            provisional = True
        return DateResult(date.fromordinal(due), provisional)

    def latest_before(self, effective: date, days: int) -> DateResult:
        """Return the latest day that is at least `days` working days before `effective`.

        That is the `days`-th working day counting back from `effective`,
        which is not counted. Raises ValueError unless `days` >= 1.
        """
        if days < 1:
            raise ValueError(f"number of working days must be 1 or more, not {days}")
        effective_ordinal = effective.toordinal()
        latest = self._ordinal_of_rank(self._rank_through(effective_ordinal - 1) - days + 1)
        provisional = not self._is_confirmed_span(latest, effective_ordinal - 1)
        return DateResult(date.fromordinal(latest), provisional)

    def count_workdays(self, after: date, through: date) -> CountResult:
        """Return the number of working days in (after, through].

        The count is negative when `through` is before `after`: then it is
        minus the number of working days in (through, after].
        """
        first = after.toordinal()
        last = through.toordinal()
        count = self._rank_through(last) - self._rank_through(first)
        if last >= first:
            provisional = not self._is_confirmed_span(first + 1, last)
        else:
            provisional = not self._is_confirmed_span(last + 1, first)
        return CountResult(count, provisional)

    def workdays_used(self, start: date, until: date, pauses: Iterable[Sequence] = ()) -> CountResult:
        """Return the working days counted in (start, until], leaving out the days stopped by `pauses`.

        Pauses follow the rules of `due_date`. An open pause stops the count at
        its notice day.
        """
        cursor = start.toordinal()
        until_ordinal = until.toordinal()
        used = 0
        provisional = False
        for pause in _normalize_pauses(start, pauses):
            notice = pause.start.toordinal()
            if notice >= until_ordinal:
                break
            used += self._rank_through(notice) - self._rank_through(cursor)
            if not self._is_confirmed_span(cursor + 1, notice):
                provisional = True
            if pause.end is None:
                return CountResult(used, provisional)
            cursor = pause.end.toordinal()
            if cursor >= until_ordinal:
                return CountResult(used, provisional)

        if until_ordinal > cursor:
            used += self._rank_through(until_ordinal) - self._rank_through(cursor)
            if not self._is_confirmed_span(cursor + 1, until_ordinal):
                provisional = True
        return CountResult(used, provisional)

    def special_days_between(self, first: date, last: date) -> list[DayInfo]:
        """Return the holidays and make-up workdays in [first, last], in date order."""
        low = bisect.bisect_left(self._special_ordinals, first.toordinal())
        high = bisect.bisect_right(self._special_ordinals, last.toordinal())
        return [self.day_info(date.fromordinal(o)) for o in self._special_ordinals[low:high]]

    # Explanations

    def explain(
        self,
        start: date,
        days: int,
        pauses: Iterable[Sequence] = (),
        extensions: Iterable[tuple[int, str]] = (),
    ) -> Explanation:
        """Explain the deadline of `days` working days from `start`, extended by `extensions`.

        The steps name the holidays and make-up workdays inside the counted
        stretches, each pause, each year without a confirmed notice, and the
        due date. `extensions` are (working days, reason) pairs added to
        `days`. The text needs Django settings, because it goes through gettext.
        """
        pauses = _normalize_pauses(start, pauses)
        extensions = list(extensions)
        total = days + sum(extra for extra, _reason in extensions)
        result = self.due_date(start, total, pauses)

        steps = [Step("start", first=start, days=days)]
        steps.extend(Step("extended", days=extra, reason=reason) for extra, reason in extensions)

        reported_years: set[int] = set()
        cursor = start
        for pause in pauses:
            if result.date is not None and pause.start >= result.date:
                break
            steps.extend(self._stretch_steps(cursor + timedelta(days=1), pause.start, reported_years))
            steps.append(Step("pause", first=pause.start, last=pause.end, reason=pause.reason))
            if pause.end is None:
                break
            cursor = pause.end
        if result.date is not None:
            steps.extend(self._stretch_steps(cursor + timedelta(days=1), result.date, reported_years))
            steps.append(Step("due", first=result.date))

        return Explanation(steps, render_explanation(steps, result), result)

    def _stretch_steps(self, first: date, last: date, reported_years: set[int]) -> list[Step]:
        """Describe the counted days [first, last]: special days and years without a notice."""
        if first > last:
            return []

        steps = []
        for year in range(first.year, last.year + 1):
            if year not in self._confirmed_years and year not in reported_years:
                reported_years.add(year)
                steps.append(Step("no_notice", first=max(first, date(year, 1, 1)), year=year))

        run: list[DayInfo] = []
        for info in self.special_days_between(first, last):
            if info.kind == MAKEUP_WORKDAY:
                steps.append(Step("makeup_workday", first=info.date, name=info.name))
                continue
            if run and (info.date - run[-1].date).days == 1 and info.name == run[-1].name:
                run.append(info)
                continue
            if run:
                steps.append(Step(HOLIDAY, first=run[0].date, last=run[-1].date, name=run[0].name))
            run = [info]
        if run:
            steps.append(Step(HOLIDAY, first=run[0].date, last=run[-1].date, name=run[0].name))

        steps.sort(key=lambda step: step.first)
        return steps


def holiday_label(name: str) -> str:
    """Return the translated description of a holiday, such as "National Day holiday (国庆节)"."""
    if name in HOLIDAY_DESCRIPTIONS:
        return gettext(HOLIDAY_DESCRIPTIONS[name])
    return gettext("holiday (%(name)s)") % {"name": name}


def render_explanation(steps: Sequence[Step], result: DateResult) -> str:
    """Join the steps into one line separated by " · ".

    Dates in the year of the start day are written as MM-DD, other dates in
    full. The due date is always written in full.
    """
    start_year = steps[0].first.year

    def short(day: date) -> str:
        return day.strftime("%m-%d") if day.year == start_year else day.isoformat()

    parts = []
    for step in steps:
        if step.kind == "start":
            parts.append(
                ngettext(
                    "%(count)s working day from %(date)s",
                    "%(count)s working days from %(date)s",
                    step.days,
                )
                % {"count": step.days, "date": step.first.isoformat()}
            )
        elif step.kind == "extended":
            parts.append(_render_extension(step))
        elif step.kind == HOLIDAY:
            parts.append(_render_holiday(step, short))
        elif step.kind == "makeup_workday":
            parts.append(gettext("%(day)s make-up workday") % {"day": short(step.first)})
        elif step.kind == "pause":
            parts.append(_render_pause(step, short))
        elif step.kind == "no_notice":
            parts.append(
                gettext("%(year)s has no confirmed holiday notice, so it is counted on weekends alone")
                % {"year": step.year}
            )
        elif step.kind == "due":
            if result.provisional:
                parts.append(gettext("due %(date)s (provisional)") % {"date": step.first.isoformat()})
            else:
                parts.append(gettext("due %(date)s") % {"date": step.first.isoformat()})

    if result.paused:
        parts.append(gettext("no due date while paused"))
    return " · ".join(parts)


def _render_extension(step: Step) -> str:
    values = {"count": step.days, "reason": step.reason}
    if step.reason:
        return (
            ngettext(
                "extended by %(count)s working day for %(reason)s",
                "extended by %(count)s working days for %(reason)s",
                step.days,
            )
            % values
        )
    return (
        ngettext(
            "extended by %(count)s working day",
            "extended by %(count)s working days",
            step.days,
        )
        % values
    )


def _render_holiday(step: Step, short) -> str:
    label = holiday_label(step.name)
    if step.first == step.last:
        return gettext("%(day)s %(holiday)s") % {"day": short(step.first), "holiday": label}
    return gettext("%(first)s to %(last)s %(holiday)s") % {
        "first": short(step.first),
        "last": short(step.last),
        "holiday": label,
    }


def _render_pause(step: Step, short) -> str:
    values = {"first": short(step.first), "reason": step.reason}
    if step.last is None:
        if step.reason:
            return gettext("paused since %(first)s for %(reason)s") % values
        return gettext("paused since %(first)s") % values
    values["last"] = short(step.last)
    if step.reason:
        return gettext("paused %(first)s to %(last)s for %(reason)s") % values
    return gettext("paused %(first)s to %(last)s") % values
