"""Laws of the working-day arithmetic, checked with hypothesis against a day-by-day reference."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workdays.notices import calendar_from_notices, load_notice_file

ONE_DAY = timedelta(days=1)

CALENDAR = calendar_from_notices(load_notice_file())
CONFIRMED_YEARS = {2024, 2025, 2026}

# Spans the confirmed years and reaches into 2023 and 2027 on both sides.
days = st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 30))
counts = st.integers(min_value=1, max_value=60)


@st.composite
def pause_lists(draw, start):
    """Draw 0 to 3 closed pauses in date order after `start`, each 0 to 20 days long."""
    pauses = []
    cursor = start
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        first = cursor + timedelta(days=draw(st.integers(min_value=0, max_value=25)))
        last = first + timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        pauses.append((first, last))
        cursor = last
    return pauses


def reference_due_date(start, count, pauses):
    """Walk day by day: skip the days after each notice day up to and including the resubmission day."""
    skipped = set()
    for first, last in pauses:
        day = first + ONE_DAY
        while day <= last:
            skipped.add(day)
            day += ONE_DAY

    consulted = []
    day = start
    remaining = count
    while remaining:
        day += ONE_DAY
        if day in skipped:
            continue
        consulted.append(day)
        if CALENDAR.is_workday(day):
            remaining -= 1
    provisional = any(d.year not in CONFIRMED_YEARS for d in consulted)
    return day, provisional


@settings(max_examples=300, deadline=None)
@given(start=days, count=counts, data=st.data())
def test_due_date_matches_day_by_day_walk(start, count, data):
    pauses = data.draw(pause_lists(start))

    result = CALENDAR.due_date(start, count, pauses)
    expected_date, expected_provisional = reference_due_date(start, count, pauses)

    assert result.date == expected_date
    assert result.provisional == expected_provisional


@given(start=days, count=counts)
def test_due_date_is_workday(start, count):
    assert CALENDAR.is_workday(CALENDAR.add_workdays(start, count).date)


@given(start=days, first=st.integers(min_value=0, max_value=40), second=st.integers(min_value=0, max_value=40))
def test_add_workdays_composes(start, first, second):
    middle = CALENDAR.add_workdays(start, first).date

    assert CALENDAR.add_workdays(middle, second).date == CALENDAR.add_workdays(start, first + second).date


@given(start=days, count=counts)
def test_count_inverts_add(start, count):
    due = CALENDAR.add_workdays(start, count).date

    assert CALENDAR.count_workdays(start, due).count == count


@given(start=days, count=st.integers(min_value=0, max_value=59))
def test_one_more_day_is_later(start, count):
    assert CALENDAR.add_workdays(start, count + 1).date > CALENDAR.add_workdays(start, count).date


@settings(max_examples=200)
@given(start=days, count=counts, data=st.data())
def test_pause_never_makes_deadline_earlier(start, count, data):
    pauses = data.draw(pause_lists(start))

    assert CALENDAR.due_date(start, count, pauses).date >= CALENDAR.due_date(start, count).date


@settings(max_examples=200)
@given(start=days, count=counts, data=st.data())
def test_used_days_reach_budget_on_due_date(start, count, data):
    pauses = data.draw(pause_lists(start))
    due = CALENDAR.due_date(start, count, pauses).date

    assert CALENDAR.workdays_used(start, due, pauses).count == count
    assert CALENDAR.workdays_used(start, due - ONE_DAY, pauses).count == count - 1


@given(effective=days, count=counts)
def test_latest_before_leaves_exactly_n_days(effective, count):
    latest = CALENDAR.latest_before(effective, count).date

    assert latest < effective
    assert CALENDAR.is_workday(latest)
    # Working days in [latest, effective): exactly `count`.
    assert CALENDAR.count_workdays(latest - ONE_DAY, effective - ONE_DAY).count == count
    # Any later start would leave fewer: the next working day after `latest` is too late.
    later = CALENDAR.add_workdays(latest, 1).date
    assert CALENDAR.count_workdays(later - ONE_DAY, effective - ONE_DAY).count == count - 1


@given(effective=days, count=counts)
def test_latest_before_then_add_reaches_effective(effective, count):
    latest = CALENDAR.latest_before(effective, count).date

    assert CALENDAR.add_workdays(latest, count).date >= effective
    assert CALENDAR.add_workdays(latest, count - 1).date < effective


@given(first=days, second=days)
def test_count_matches_day_by_day(first, second):
    low, high = sorted((first, second))
    expected = sum(CALENDAR.is_workday(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))

    assert CALENDAR.count_workdays(low, high).count == expected
    assert CALENDAR.count_workdays(high, low).count == -expected
