from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workdays.clock import pause_clock, preview_moves, start_clock, stop_clock
from workdays.models import CalendarYear, ClockEvent, SpecialDay
from workdays.notices import BUNDLED_NOTICES, HolidayRange, MakeupDay, YearNotice
from workdays.store import build_calendar, get_calendar, next_year_missing
from workdays.updates import CREATED, SKIPPED, UNCHANGED, UPDATED, save_notices

pytestmark = pytest.mark.django_db


def notice_2027(**changes):
    values = {
        "year": 2027,
        "confirmed": True,
        "title": "国务院办公厅关于2027年部分节假日安排的通知",
        "holidays": [HolidayRange(date(2027, 1, 1), date(2027, 1, 3), "元旦")],
        "makeup_workdays": [],
    }
    values.update(changes)
    return YearNotice(**values)


def test_migration_seeds_bundled_years():
    years = dict(CalendarYear.objects.values_list("year", "status"))

    assert years == {2024: "confirmed", 2025: "confirmed", 2026: "confirmed", 2027: "provisional"}
    assert SpecialDay.objects.filter(kind=SpecialDay.Kind.HOLIDAY).count() == 28 + 28 + 33
    assert SpecialDay.objects.filter(kind=SpecialDay.Kind.MAKEUP_WORKDAY).count() == 19
    assert SpecialDay.objects.get(date=date(2026, 9, 20)).name == "国庆节"


def test_database_calendar_matches_bundled_file(calendar):
    stored = get_calendar()

    assert stored.confirmed_years == {2024, 2025, 2026}
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert stored.day_info(day) == calendar.day_info(day), day
        day = day.fromordinal(day.toordinal() + 1)


def test_get_calendar_checks_stamp_with_one_query():
    first = get_calendar()

    with CaptureQueriesContext(connection) as queries:
        second = get_calendar()

    assert second is first
    assert len(queries) == 1


def test_get_calendar_sees_saved_notice():
    before = get_calendar()

    save_notices([notice_2027()])
    after = get_calendar()

    assert after is not before
    assert after.is_confirmed_year(2027)
    assert after.is_workday(date(2027, 1, 1)) is False


def test_save_notice_confirms_year_with_actor(django_user_model):
    admin = django_user_model.objects.create_user(username="calendar-admin")

    result = save_notices([notice_2027()], actor=admin)

    calendar_year = CalendarYear.objects.get(year=2027)
    assert [y.outcome for y in result.years] == [UPDATED]
    assert calendar_year.status == CalendarYear.Status.CONFIRMED
    assert calendar_year.confirmed_by == admin
    assert calendar_year.confirmed_at is not None
    assert calendar_year.special_days.count() == 3


def test_save_same_notice_twice_is_unchanged():
    save_notices([notice_2027()])

    result = save_notices([notice_2027()])

    assert [y.outcome for y in result.years] == [UNCHANGED]
    assert result.changed is False


def test_unpublished_notice_never_replaces_confirmed():
    save_notices([notice_2027()])

    result = save_notices([YearNotice(2027, False)])

    assert [y.outcome for y in result.years] == [SKIPPED]
    assert CalendarYear.objects.get(year=2027).is_confirmed


def test_save_rejects_day_of_another_year():
    new_year_2028 = HolidayRange(date(2027, 12, 31), date(2028, 1, 1), "元旦")
    save_notices([YearNotice(2028, True, "2028 notice", holidays=[new_year_2028])])
    clash = notice_2027(holidays=[HolidayRange(date(2027, 12, 30), date(2027, 12, 31), "元旦")])

    with pytest.raises(ValueError, match="2027-12-31 is already listed in the 2028 notice"):
        save_notices([clash])
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL


def test_calendar_edit_recomputes_open_clocks():
    moved = start_clock("response", 10, date(2026, 12, 20))
    paused = start_clock("materials", 5, date(2026, 12, 21))
    pause_clock(paused, date(2026, 12, 22), "补充材料")
    unaffected = start_clock("review.district", 10, date(2026, 1, 5))
    stopped = start_clock("review.city", 10, date(2026, 12, 21))
    stop_clock(stopped, date(2026, 12, 22))

    result = save_notices([notice_2027()])

    assert [(m.clock.pk, m.old_due, m.new_due, m.shift_days) for m in result.moves] == [
        (moved.pk, date(2027, 1, 1), date(2027, 1, 4), 3)
    ]
    moved.refresh_from_db()
    assert moved.due_date == date(2027, 1, 4)
    assert moved.is_provisional is False
    event = moved.events.get(kind=ClockEvent.Kind.RECOMPUTED)
    assert (event.old_due_date, event.new_due_date) == (date(2027, 1, 1), date(2027, 1, 4))
    assert "2027" in event.reason
    assert not paused.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()
    assert not unaffected.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()
    assert not stopped.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()


def test_confirming_year_clears_provisional_without_move():
    clock = start_clock("response", 3, date(2026, 12, 30))
    assert clock.due_date == date(2027, 1, 4)
    assert clock.is_provisional is True

    save_notices([notice_2027(holidays=[HolidayRange(date(2027, 2, 6), date(2027, 2, 12), "春节")])])

    clock.refresh_from_db()
    assert clock.due_date == date(2027, 1, 4)
    assert clock.is_provisional is False
    assert not clock.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()


def test_preview_moves_does_not_write():
    clock = start_clock("response", 10, date(2026, 12, 20))

    moves = preview_moves(build_calendar(replacing=[notice_2027()]))

    assert [(m.old_due, m.new_due) for m in moves] == [(date(2027, 1, 1), date(2027, 1, 4))]
    clock.refresh_from_db()
    assert clock.due_date == date(2027, 1, 1)
    assert not clock.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()


def test_build_calendar_replacing_year():
    notice = notice_2027(makeup_workdays=[MakeupDay(date(2027, 1, 9), "元旦")])

    preview = build_calendar(replacing=[notice])

    assert preview.is_workday(date(2027, 1, 1)) is False
    assert preview.is_workday(date(2027, 1, 9)) is True
    assert get_calendar().is_workday(date(2027, 1, 1)) is True


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 31), None),
        (date(2026, 11, 1), 2027),
        (date(2026, 12, 31), 2027),
        (date(2025, 11, 15), None),
    ],
)
def test_next_year_missing(today, expected):
    assert next_year_missing(today) == expected


def test_next_year_missing_after_entry():
    save_notices([notice_2027()])

    assert next_year_missing(date(2026, 11, 1)) is None


def test_seed_calendar_is_idempotent(capsys):
    call_command("seed_calendar", str(BUNDLED_NOTICES))
    first = capsys.readouterr().out
    stamp_before = list(CalendarYear.objects.values_list("year", "updated_at"))

    call_command("seed_calendar")
    second = capsys.readouterr().out

    assert first.splitlines() == ["2024: unchanged", "2025: unchanged", "2026: unchanged", "2027: unchanged"]
    assert second == first
    assert list(CalendarYear.objects.values_list("year", "updated_at")) == stamp_before


def test_seed_calendar_reports_moved_clocks(tmp_path, capsys):
    clock = start_clock("response", 10, date(2026, 12, 20), label="答复期限")
    document = tmp_path / "notices.json"
    document.write_text(
        '{"2027": {"notice_title": "国务院办公厅关于2027年部分节假日安排的通知",'
        ' "holidays": [["2027-01-01", "2027-01-03", "元旦"]], "workdays": []}}',
        encoding="utf-8",
    )

    call_command("seed_calendar", str(document))

    output = capsys.readouterr().out.splitlines()
    assert output == [
        "2027: updated",
        f"clock {clock.pk} 答复期限: due 2027-01-01 -> 2027-01-04 (+3 days)",
        "open clocks moved: 1",
    ]


def test_seed_calendar_rejects_invalid_file(tmp_path):
    document = tmp_path / "notices.json"
    document.write_text('{"2027": {"holidays": [["2027-01-01", "2027-13-01", "元旦"]]}}', encoding="utf-8")

    with pytest.raises(CommandError, match="2027: holiday entry 1"):
        call_command("seed_calendar", str(document))


def test_created_outcome_for_new_year():
    result = save_notices([YearNotice(2028, False)])

    assert [y.outcome for y in result.years] == [CREATED]
    assert CalendarYear.objects.get(year=2028).status == CalendarYear.Status.PROVISIONAL
