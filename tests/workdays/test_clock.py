from datetime import date

import pytest
from django.utils import translation

from workdays.clock import (
    ClockError,
    clock_status,
    explain_clock,
    extend_clock,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from workdays.models import AppendOnlyError, Clock, ClockEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_clock():
    return start_clock("review.district", 10, date(2026, 1, 5), label="district review")


def event_kinds(clock):
    return list(clock.events.values_list("kind", flat=True))


def test_start_clock_stores_due_date(review_clock):
    review_clock.refresh_from_db()

    assert review_clock.state == Clock.State.RUNNING
    assert review_clock.due_date == date(2026, 1, 19)
    assert review_clock.is_provisional is False
    assert event_kinds(review_clock) == ["started"]


def test_start_clock_rejects_zero_budget():
    with pytest.raises(ClockError):
        start_clock("review.district", 0, date(2026, 1, 5))


def test_pause_and_resume_move_due_date(review_clock):
    pause_clock(review_clock, date(2026, 1, 9), "补正通知", actor=None)

    assert review_clock.state == Clock.State.PAUSED
    assert review_clock.due_date is None

    resume_clock(review_clock, date(2026, 1, 14))

    review_clock.refresh_from_db()
    assert review_clock.state == Clock.State.RUNNING
    assert review_clock.due_date == date(2026, 1, 22)
    assert event_kinds(review_clock) == ["started", "paused", "resumed"]


def test_double_pause_raises(review_clock):
    pause_clock(review_clock, date(2026, 1, 9), "补正通知")

    with translation.override("en"), pytest.raises(ClockError, match="already paused since 2026-01-09"):
        pause_clock(review_clock, date(2026, 1, 12), "second notice")
    assert event_kinds(review_clock) == ["started", "paused"]


def test_resume_running_clock_raises(review_clock):
    with pytest.raises(ClockError):
        resume_clock(review_clock, date(2026, 1, 9))


def test_resume_before_pause_raises(review_clock):
    pause_clock(review_clock, date(2026, 1, 9), "补正通知")

    with translation.override("en"), pytest.raises(ClockError, match="before the clock's last recorded date"):
        resume_clock(review_clock, date(2026, 1, 8))


def test_pause_requires_reason(review_clock):
    with pytest.raises(ClockError):
        pause_clock(review_clock, date(2026, 1, 9), "  ")


def test_stop_clock_freezes_status(review_clock):
    stop_clock(review_clock, date(2026, 1, 16), reason="opinion issued")

    status = clock_status(review_clock, date(2026, 2, 20))
    assert review_clock.state == Clock.State.STOPPED
    assert status.used == 9
    assert status.left == 1
    assert status.overdue is False
    with pytest.raises(ClockError):
        stop_clock(review_clock, date(2026, 1, 17))
    with pytest.raises(ClockError):
        pause_clock(review_clock, date(2026, 1, 17), "late notice")


def test_stop_after_due_date_is_overdue(review_clock):
    stop_clock(review_clock, date(2026, 1, 20))

    assert clock_status(review_clock, date(2026, 3, 1)).overdue is True


def test_extend_clock_adds_working_days(review_clock):
    extend_clock(review_clock, 3, "expert consultation")

    review_clock.refresh_from_db()
    assert review_clock.due_date == date(2026, 1, 22)
    assert event_kinds(review_clock) == ["started", "extended"]


def test_extend_stopped_clock_raises(review_clock):
    stop_clock(review_clock, date(2026, 1, 9))

    with pytest.raises(ClockError):
        extend_clock(review_clock, 3, "too late")


def test_extend_rejects_zero_days(review_clock):
    with pytest.raises(ClockError):
        extend_clock(review_clock, 0, "nothing")


def test_clock_status_counts_used_and_left(review_clock):
    pause_clock(review_clock, date(2026, 1, 9), "补正通知")

    paused = clock_status(review_clock, date(2026, 1, 13))
    assert paused.due is None
    assert paused.used == 4
    assert paused.left == 6
    assert paused.overdue is False

    resume_clock(review_clock, date(2026, 1, 14))
    on_due_day = clock_status(review_clock, date(2026, 1, 22))
    assert on_due_day.due == date(2026, 1, 22)
    assert on_due_day.used == 10
    assert on_due_day.left == 0
    assert on_due_day.overdue is False

    day_after = clock_status(review_clock, date(2026, 1, 23))
    assert day_after.overdue is True
    assert day_after.left == -1


def test_clock_status_provisional_in_2027():
    clock = start_clock("response", 10, date(2026, 12, 20))

    status = clock_status(clock, date(2026, 12, 21))

    assert clock.is_provisional is True
    assert status.provisional is True
    assert status.due == date(2027, 1, 1)


def test_explain_clock_lists_pause_and_extension(review_clock):
    pause_clock(review_clock, date(2026, 1, 9), "correction")
    resume_clock(review_clock, date(2026, 1, 14))
    extend_clock(review_clock, 1, "expert consultation")

    with translation.override("en"):
        text = explain_clock(review_clock).text

    assert text == (
        "10 working days from 2026-01-05 · extended by 1 working day for expert consultation · "
        "paused 01-09 to 01-14 for correction · due 2026-01-23"
    )


def test_clock_events_are_append_only(review_clock):
    event = review_clock.events.get()

    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ClockEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        ClockEvent.objects.filter(pk=event.pk).delete()
    assert ClockEvent.objects.get(pk=event.pk).reason == ""
