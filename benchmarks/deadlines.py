"""Compare WorkCalendar.due_date with a day-by-day loop over chinese-calendar.

Run from the repository root:

    .venv/bin/python benchmarks/deadlines.py [--cases 100000] [--baseline-cases 10000] [--seed 20260105]

The script draws random review deadlines: a start day, 1 to 30 working days
and 0 to 2 correction pauses. It computes each due date with the WorkCalendar
built from workdays/data/cn-holidays.json. It then checks each result against
the loop most projects write, which steps one day at a time, skips the paused
days and counts the days for which `chinese_calendar.is_workday` is true.

Every case is checked. chinese_calendar.is_workday validates the year range
on each call, which took about 20 microseconds per call (timeit, 2-core
development VM), so the plain loop over all cases would take about a minute.
The plain loop is therefore timed on the first --baseline-cases cases, and
agreement on all cases is checked with the same loop over a memoised
is_workday. On any disagreement the script prints the first differing case
and exits with status 1. The last line is the throughput ratio against the
plain loop.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workdays.notices import calendar_from_notices, load_notice_file  # noqa: E402

ONE_DAY = timedelta(days=1)

# chinese-calendar 1.11.0 covers 2004-2026 and raises NotImplementedError for
# 2027. With at most 30 working days and 2 pauses of at most 10 days, starts
# up to 15 October keep every consulted day inside 2026.
FIRST_START = date(2024, 1, 1)
LAST_START = date(2026, 10, 15)


def draw_cases(count: int, seed: int) -> list[tuple[date, int, list[tuple[date, date]]]]:
    """Draw `count` cases of (start day, working days, pauses) from a seeded generator."""
    rng = random.Random(seed)
    span = (LAST_START - FIRST_START).days
    cases = []
    for _ in range(count):
        start = FIRST_START + timedelta(days=rng.randint(0, span))
        days = rng.randint(1, 30)
        pauses = []
        cursor = start
        for _ in range(rng.randint(0, 2)):
            notice = cursor + timedelta(days=rng.randint(0, 30 if not pauses else 20))
            resubmitted = notice + timedelta(days=rng.randint(0, 10))
            pauses.append((notice, resubmitted))
            cursor = resubmitted
        cases.append((start, days, pauses))
    return cases


def day_by_day_due_date(is_workday, start: date, days: int, pauses: list[tuple[date, date]]) -> date:
    """Step one day at a time from `start`, skip the days after each notice up to the resubmission, count workdays."""
    day = start
    remaining = days
    while remaining:
        day += ONE_DAY
        if any(notice < day <= resubmitted for notice, resubmitted in pauses):
            continue
        if is_workday(day):
            remaining -= 1
    return day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="number of random cases to check (default 100000)")
    parser.add_argument(
        "--baseline-cases",
        type=int,
        default=10_000,
        help="number of cases on which the plain chinese-calendar loop is timed (default 10000)",
    )
    parser.add_argument("--seed", type=int, default=20260105, help="seed of the random generator")
    options = parser.parse_args()

    calendar = calendar_from_notices(load_notice_file())
    cases = draw_cases(options.cases, options.seed)
    print(
        f"cases: {len(cases)} (seed {options.seed}, starts {FIRST_START} to {LAST_START}, "
        "1-30 working days, 0-2 pauses)"
    )

    started = time.perf_counter()
    ours = [calendar.due_date(start, days, pauses) for start, days, pauses in cases]
    ours_seconds = time.perf_counter() - started

    provisional = sum(result.provisional for result in ours)
    if provisional:
        print(f"error: {provisional} results are provisional; the cases must stay inside 2024-2026", file=sys.stderr)
        return 1

    memoised = functools.lru_cache(maxsize=None)(chinese_calendar.is_workday)
    started = time.perf_counter()
    for index, ((start, days, pauses), result) in enumerate(zip(cases, ours, strict=True)):
        expected = day_by_day_due_date(memoised, start, days, pauses)
        if result.date != expected:
            print(
                f"disagreement on case {index}: start {start}, {days} working days, pauses {pauses}: "
                f"WorkCalendar {result.date}, chinese-calendar loop {expected}",
                file=sys.stderr,
            )
            return 1
    memoised_seconds = time.perf_counter() - started
    print(f"agreement: all {len(cases)} due dates equal the day-by-day chinese-calendar loop")

    timed = cases[: options.baseline_cases]
    started = time.perf_counter()
    baseline = [day_by_day_due_date(chinese_calendar.is_workday, start, days, pauses) for start, days, pauses in timed]
    baseline_seconds = time.perf_counter() - started
    for index, expected in enumerate(baseline):
        if ours[index].date != expected:
            print(f"disagreement on timed case {index}: {ours[index].date} != {expected}", file=sys.stderr)
            return 1

    ours_rate = len(cases) / ours_seconds
    baseline_rate = len(timed) / baseline_seconds
    print(f"WorkCalendar.due_date: {ours_rate:,.0f} cases/s ({len(cases)} cases in {ours_seconds:.2f} s)")
    print(
        f"day-by-day chinese_calendar.is_workday: {baseline_rate:,.0f} cases/s "
        f"(timed on the first {len(timed)} cases, {baseline_seconds:.2f} s)"
    )
    print(
        f"day-by-day loop over a memoised is_workday: {len(cases) / memoised_seconds:,.0f} cases/s "
        f"({len(cases)} cases in {memoised_seconds:.2f} s, for comparison)"
    )
    print(f"speedup: {ours_rate / baseline_rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
