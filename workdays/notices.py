"""Holiday notices as data: parsing, validation and conversion to a WorkCalendar.

A notice is the State Council's yearly holiday arrangement (国务院办公厅关于某年部分节假日安排的通知).
It comes in two input forms that share the same checks:

- the JSON document of `workdays/data/cn-holidays.json`: one object per year
  with `found`, `notice_title`, `doc_no`, `issued`, `source`, `holidays` as
  [first, last, name] ranges and `workdays` as make-up days (a date string or
  [date, name]);
- the administrator's form: one holiday range per line (`2027-01-01 2027-01-03 元旦`)
  and one make-up workday per line (`2027-02-06` or `2027-02-06 春节`).

This module does no database access, so the data migration and the benchmark
can use it too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.utils.translation import gettext

from workdays.counting import WorkCalendar

BUNDLED_NOTICES = Path(__file__).resolve().parent / "data" / "cn-holidays.json"

# Guards against typing errors such as 2027-01-01 2027-10-03. The longest
# range in the 2024-2026 notices is 9 days (Spring Festival 2026).
MAX_HOLIDAY_DAYS = 14


@dataclass(frozen=True)
class HolidayRange:
    """Consecutive days off named after one holiday, as the notice lists them."""

    first: date
    last: date
    name: str
    line: int | None = None  # input line or JSON entry number, for error messages

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class MakeupDay:
    """A Saturday or Sunday that the notice turns into a working day (调休上班日)."""

    date: date
    name: str = ""
    line: int | None = None


@dataclass
class YearNotice:
    """The holiday arrangement of one year, with the notice it comes from.

    `confirmed` is False for a year whose notice is not yet published. Such a
    year has no special days and is counted on weekends alone.
    """

    year: int
    confirmed: bool
    title: str = ""
    document_number: str = ""
    issued_on: date | None = None
    source_url: str = ""
    holidays: list[HolidayRange] = field(default_factory=list)
    makeup_workdays: list[MakeupDay] = field(default_factory=list)

    def holiday_days(self) -> dict[date, str]:
        return {day: holiday.name for holiday in self.holidays for day in holiday.days()}

    def makeup_days(self) -> dict[date, str]:
        """Map each make-up workday to its name, or to the name `makeup_holiday_name` infers if none was given."""
        result = {}
        for makeup in self.makeup_workdays:
            result[makeup.date] = makeup.name or makeup_holiday_name(makeup.date, self.holidays)
        return result

    def digest(self) -> str:
        """Return a SHA-256 hex digest of the notice's content, to tell a previewed notice from an edited one."""
        content = {
            "year": self.year,
            "confirmed": self.confirmed,
            "title": self.title,
            "document_number": self.document_number,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "source_url": self.source_url,
            "holidays": sorted((d.isoformat(), n) for d, n in self.holiday_days().items()),
            "makeup_workdays": sorted((d.isoformat(), n) for d, n in self.makeup_days().items()),
        }
        return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class NoticeProblem:
    """One invalid entry of a notice, with the place it was found and how to fix it."""

    field: str  # "holidays", "makeup_workdays" or "" for the notice as a whole
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return gettext("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class NoticeFormatError(ValueError):
    """Raised for a JSON notice document that cannot be imported. The message names the year and entry."""


def makeup_holiday_name(day: date, holidays: list[HolidayRange]) -> str:
    """Return the name of the holiday that the make-up workday `day` most likely compensates.

    A make-up workday moves one more weekday off into a holiday range, next to
    the festival's own statutory day, so only ranges with at least two
    weekdays off can have one. The nearest such range is chosen. This matches
    every make-up workday of the 2024-2026 notices, including 2026-09-20,
    which belongs to National Day although the Mid-Autumn range is closer.
    NOTE: this is an inference for display. Type the name after the date
    when the notice names a different holiday.
    """
    candidates = [h for h in holidays if sum(d.weekday() < 5 for d in h.days()) >= 2] or holidays
    best_name = ""
    best_distance = None
    for holiday in candidates:
        distance = min(abs((day - holiday.first).days), abs((day - holiday.last).days))
        if best_distance is None or distance < best_distance:
            best_name, best_distance = holiday.name, distance
    return best_name


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _window(year: int) -> tuple[date, date]:
    """Return the first and last day a notice for `year` may list.

    A New Year holiday can begin in late December, as in the 2019 notice
    (2018-12-30 to 2019-01-01, with Saturday 2018-12-29 as a make-up workday).
    """
    return date(year - 1, 12, 1), date(year, 12, 31)


# Checks shared by both input forms


def check_notice(notice: YearNotice) -> list[NoticeProblem]:
    """Return the problems of a parsed notice: ranges, year window, weekdays, overlaps, duplicates."""
    problems = []
    window_first, window_last = _window(notice.year)

    seen_holidays: dict[date, HolidayRange] = {}
    for holiday in notice.holidays:
        problems.extend(_check_holiday(holiday, notice.year, window_first, window_last))
        for day in holiday.days():
            if day in seen_holidays:
                problems.append(
                    NoticeProblem(
                        "holidays",
                        holiday.line,
                        gettext(
                            "%(date)s is already listed in another range (line %(other)s). Remove it from one of them."
                        )
                        % {"date": day.isoformat(), "other": seen_holidays[day].line},
                    )
                )
                break
        for day in holiday.days():
            seen_holidays.setdefault(day, holiday)

    seen_makeup: dict[date, MakeupDay] = {}
    for makeup in notice.makeup_workdays:
        problems.extend(_check_makeup(makeup, notice.year, window_first, window_last))
        if makeup.date in seen_makeup:
            problems.append(
                NoticeProblem(
                    "makeup_workdays",
                    makeup.line,
                    gettext("%(date)s is already listed on line %(other)s. Remove one of the two lines.")
                    % {"date": makeup.date.isoformat(), "other": seen_makeup[makeup.date].line},
                )
            )
        seen_makeup.setdefault(makeup.date, makeup)
        if makeup.date in seen_holidays:
            problems.append(
                NoticeProblem(
                    "makeup_workdays",
                    makeup.line,
                    gettext(
                        "%(date)s is also inside a holiday range (line %(other)s of the holidays). "
                        "A day is either a holiday or a make-up workday; correct one of the two lines."
                    )
                    % {"date": makeup.date.isoformat(), "other": seen_holidays[makeup.date].line},
                )
            )

    if notice.confirmed and not notice.title.strip():
        problems.append(
            NoticeProblem(
                "",
                None,
                gettext("The notice title is missing. Copy it from the notice, for example “%(example)s”.")
                % {"example": f"国务院办公厅关于{notice.year}年部分节假日安排的通知"},
            )
        )
    return problems


def _check_holiday(holiday: HolidayRange, year: int, window_first: date, window_last: date) -> list[NoticeProblem]:
    problems = []
    if holiday.last < holiday.first:
        problems.append(
            NoticeProblem(
                "holidays",
                holiday.line,
                gettext("the range ends on %(last)s, before it starts on %(first)s. Swap the two dates.")
                % {"first": holiday.first.isoformat(), "last": holiday.last.isoformat()},
            )
        )
        return problems

    length = (holiday.last - holiday.first).days + 1
    if length > MAX_HOLIDAY_DAYS:
        problems.append(
            NoticeProblem(
                "holidays",
                holiday.line,
                gettext(
                    "the range %(first)s to %(last)s spans %(days)s days, but a holiday lasts at most "
                    "%(max)s days. Check the dates."
                )
                % {
                    "first": holiday.first.isoformat(),
                    "last": holiday.last.isoformat(),
                    "days": length,
                    "max": MAX_HOLIDAY_DAYS,
                },
            )
        )
    for day in (holiday.first, holiday.last):
        if not window_first <= day <= window_last:
            problems.append(_outside_window(day, year, "holidays", holiday.line))
            break
    if not holiday.name.strip():
        problems.append(
            NoticeProblem(
                "holidays",
                holiday.line,
                gettext("the holiday has no name. Add the name after the dates, for example “%(example)s”.")
                % {"example": f"{holiday.first.isoformat()} {holiday.last.isoformat()} 春节"},
            )
        )
    return problems


def _check_makeup(makeup: MakeupDay, year: int, window_first: date, window_last: date) -> list[NoticeProblem]:
    problems = []
    if not window_first <= makeup.date <= window_last:
        problems.append(_outside_window(makeup.date, year, "makeup_workdays", makeup.line))
    if makeup.date.weekday() < 5:
        problems.append(
            NoticeProblem(
                "makeup_workdays",
                makeup.line,
                gettext(
                    "%(date)s is a weekday, so it is a working day anyway. Make-up workdays fall on a "
                    "Saturday or Sunday; check the date."
                )
                % {"date": makeup.date.isoformat()},
            )
        )
    return problems


def _outside_window(day: date, year: int, field_name: str, line: int | None) -> NoticeProblem:
    return NoticeProblem(
        field_name,
        line,
        gettext(
            "%(date)s is outside the %(year)s notice, which covers %(first)s to %(last)s. Check the year of the date."
        )
        % {
            "date": day.isoformat(),
            "year": year,
            "first": _window(year)[0].isoformat(),
            "last": _window(year)[1].isoformat(),
        },
    )


# The administrator's form: one entry per line


def _split_line(line: str) -> list[str]:
    for separator in ("至", "～", "~", "，", ","):
        line = line.replace(separator, " ")
    return line.split()


def parse_holiday_lines(text: str, year: int) -> tuple[list[HolidayRange], list[NoticeProblem]]:
    """Parse one holiday range per line: `FIRST LAST NAME`, or `DAY NAME` for a single day.

    Blank lines and lines starting with # are skipped. "至" or "~" may stand
    between the two dates.
    """
    holidays = []
    problems = []
    example = f"{year}-01-01 {year}-01-03 元旦"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        words = _split_line(line)
        first = _parse_date(words[0])
        if first is None:
            problems.append(_not_a_date(words[0], "holidays", number, example))
            continue
        last = _parse_date(words[1]) if len(words) > 1 else None
        if last is None and len(words) > 1 and words[1][:1].isdigit():
            problems.append(_not_a_date(words[1], "holidays", number, example))
            continue
        name_words = words[2:] if last is not None else words[1:]
        if last is None:
            last = first
        if not name_words:
            problems.append(
                NoticeProblem(
                    "holidays",
                    number,
                    gettext(
                        "“%(text)s” has no holiday name. Write the first day, the last day and the name, "
                        "for example “%(example)s”."
                    )
                    % {"text": line, "example": example},
                )
            )
            continue
        holidays.append(HolidayRange(first, last, " ".join(name_words), number))
    return holidays, problems


def parse_makeup_lines(text: str, year: int) -> tuple[list[MakeupDay], list[NoticeProblem]]:
    """Parse one make-up workday per line: `DATE` or `DATE NAME`. Blank lines and # lines are skipped."""
    makeup_days = []
    problems = []
    example = f"{year}-02-06 春节"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        words = _split_line(line)
        day = _parse_date(words[0])
        if day is None:
            problems.append(_not_a_date(words[0], "makeup_workdays", number, example))
            continue
        makeup_days.append(MakeupDay(day, " ".join(words[1:]), number))
    return makeup_days, problems


def _not_a_date(text: str, field_name: str, line: int, example: str) -> NoticeProblem:
    return NoticeProblem(
        field_name,
        line,
        gettext("“%(text)s” is not a date. Write dates as YYYY-MM-DD, for example “%(example)s”.")
        % {"text": text, "example": example},
    )


def holiday_lines(holidays: dict[date, str]) -> str:
    """Write holidays as form lines, joining consecutive days of the same name into one range."""
    lines = []
    run: list[date] = []
    for day in sorted(holidays):
        if run and (day - run[-1]).days == 1 and holidays[day] == holidays[run[-1]]:
            run.append(day)
            continue
        if run:
            lines.append(_range_line(run, holidays[run[0]]))
        run = [day]
    if run:
        lines.append(_range_line(run, holidays[run[0]]))
    return "\n".join(lines)


def _range_line(run: list[date], name: str) -> str:
    if len(run) == 1:
        return f"{run[0].isoformat()} {name}"
    return f"{run[0].isoformat()} {run[-1].isoformat()} {name}"


def makeup_lines(makeup_days: dict[date, str]) -> str:
    return "\n".join(f"{day.isoformat()} {name}".strip() for day, name in sorted(makeup_days.items()))


# The JSON document


def parse_notice_document(data: dict) -> list[YearNotice]:
    """Parse a document in the format of cn-holidays.json into notices, in year order.

    Keys starting with "_" are metadata and skipped. A year with `found`
    false becomes an unconfirmed notice without special days. Raises
    NoticeFormatError naming the year and entry on the first invalid entry.
    """
    if not isinstance(data, dict):
        raise NoticeFormatError(gettext("The document must be a JSON object with one key per year, such as “2027”."))

    notices = []
    for key, entry in data.items():
        if key.startswith("_"):
            continue
        if not (key.isdigit() and len(key) == 4):
            raise NoticeFormatError(
                gettext("“%(key)s” is not a year. Use four-digit years as keys, such as “2027”.") % {"key": key}
            )
        if not isinstance(entry, dict):
            raise NoticeFormatError(gettext("%(year)s: the entry must be a JSON object.") % {"year": key})
        notices.append(_parse_year_entry(int(key), entry))

    notices.sort(key=lambda notice: notice.year)

    listed_by: dict[date, int] = {}
    for notice in notices:
        for day in (*notice.holiday_days(), *notice.makeup_days()):
            if day in listed_by:
                raise NoticeFormatError(
                    gettext("%(date)s is listed by both the %(first)s and the %(second)s notice. Remove it from one.")
                    % {"date": day.isoformat(), "first": listed_by[day], "second": notice.year}
                )
            listed_by[day] = notice.year
    return notices


def document_digest(notices: list[YearNotice]) -> str:
    """Return a SHA-256 hex digest over the digests of all notices, in year order."""
    combined = "".join(notice.digest() for notice in sorted(notices, key=lambda notice: notice.year))
    return hashlib.sha256(combined.encode()).hexdigest()


def _parse_year_entry(year: int, entry: dict) -> YearNotice:
    def fail(message: str) -> NoticeFormatError:
        return NoticeFormatError(gettext("%(year)s: %(message)s") % {"year": year, "message": message})

    confirmed = bool(entry.get("found", True))
    issued_text = entry.get("issued")
    issued_on = _parse_date(issued_text) if issued_text else None
    if issued_text and issued_on is None:
        raise fail(gettext("“issued” is “%(text)s”, which is not a YYYY-MM-DD date.") % {"text": issued_text})

    holidays = []
    for number, item in enumerate(entry.get("holidays") or [], start=1):
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(part, str) for part in item)):
            raise fail(
                gettext("holiday entry %(number)s must be [first day, last day, name], not %(item)s.")
                % {"number": number, "item": json.dumps(item, ensure_ascii=False)}
            )
        first, last = _parse_date(item[0]), _parse_date(item[1])
        if first is None or last is None:
            raise fail(
                gettext("holiday entry %(number)s has a date that is not YYYY-MM-DD: %(item)s.")
                % {"number": number, "item": json.dumps(item, ensure_ascii=False)}
            )
        holidays.append(HolidayRange(first, last, item[2], number))

    makeup_days = []
    for number, item in enumerate(entry.get("workdays") or [], start=1):
        day = None
        name = ""
        if isinstance(item, str):
            day = _parse_date(item)
        elif isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item):
            day = _parse_date(item[0])
            name = item[1]
        if day is None:
            raise fail(
                gettext("make-up workday entry %(number)s must be a YYYY-MM-DD date or [date, name], not %(item)s.")
                % {"number": number, "item": json.dumps(item, ensure_ascii=False)}
            )
        makeup_days.append(MakeupDay(day, name, number))

    if not confirmed and (holidays or makeup_days):
        raise fail(gettext("“found” is false, so the year must not list holidays or make-up workdays."))

    notice = YearNotice(
        year=year,
        confirmed=confirmed,
        title=entry.get("notice_title") or "",
        document_number=entry.get("doc_no") or "",
        issued_on=issued_on,
        source_url=entry.get("source") or "",
        holidays=holidays,
        makeup_workdays=makeup_days,
    )
    problems = check_notice(notice)
    if problems:
        problem = problems[0]
        where = {"holidays": gettext("holiday entry"), "makeup_workdays": gettext("make-up workday entry")}
        if problem.line is not None:
            raise fail(
                gettext("%(where)s %(number)s: %(message)s")
                % {"where": where[problem.field], "number": problem.line, "message": problem.message}
            )
        raise fail(problem.message)
    return notice


def load_notice_file(path: Path | str = BUNDLED_NOTICES) -> list[YearNotice]:
    """Read and parse a notice document. Raises OSError, json.JSONDecodeError or NoticeFormatError."""
    with open(path, encoding="utf-8") as handle:
        return parse_notice_document(json.load(handle))


def calendar_from_notices(notices: list[YearNotice]) -> WorkCalendar:
    """Build a WorkCalendar from confirmed notices. Unconfirmed notices only leave their year provisional."""
    holidays: dict[date, str] = {}
    makeup_days: dict[date, str] = {}
    confirmed_years = []
    for notice in notices:
        if not notice.confirmed:
            continue
        confirmed_years.append(notice.year)
        holidays.update(notice.holiday_days())
        makeup_days.update(notice.makeup_days())
    return WorkCalendar(holidays, makeup_days, confirmed_years)
