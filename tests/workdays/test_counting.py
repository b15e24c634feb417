from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
import time_machine
from django.utils import translation

from workdays.clock import today
from workdays.counting import HOLIDAY, MAKEUP_WORKDAY, WEEKEND, WORKDAY, Pause, WorkCalendar

ONE_DAY = timedelta(days=1)


# Worked examples of the 2026 calendar


def test_due_date_plain_ten_days(calendar):
    result = calendar.due_date(date(2026, 1, 5), 10)

    assert result.date == date(2026, 1, 19)
    assert result.provisional is False
    assert result.paused is False


def test_due_date_with_correction_pause(calendar):
    result = calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 9), date(2026, 1, 14))])

    assert result.date == date(2026, 1, 22)
    assert result.provisional is False


def test_due_date_across_national_day(calendar):
    result = calendar.due_date(date(2026, 9, 30), 10)

    assert result.date == date(2026, 10, 20)
    assert result.provisional is False


def test_latest_before_repeal(calendar):
    result = calendar.latest_before(date(2026, 1, 19), 5)

    assert result.date == date(2026, 1, 12)
    assert result.provisional is False


def test_add_workdays_matches_due_date_without_pauses(calendar):
    assert calendar.add_workdays(date(2026, 9, 30), 10) == calendar.due_date(date(2026, 9, 30), 10)


# The notices day by day


def test_every_makeup_workday_is_workday(calendar, notices):
    count = 0
    for notice in notices:
        for makeup in notice.makeup_workdays:
            count += 1
            assert makeup.date.weekday() >= 5, makeup.date
            assert calendar.is_workday(makeup.date), makeup.date
            assert calendar.day_info(makeup.date).kind == MAKEUP_WORKDAY, makeup.date
    assert count == 19


def test_every_holiday_day_is_not_workday(calendar, notices):
    count = 0
    for notice in notices:
        for holiday in notice.holidays:
            for day in holiday.days():
                count += 1
                assert not calendar.is_workday(day), day
                assert calendar.day_info(day).kind == HOLIDAY, day
                assert calendar.day_info(day).name == holiday.name, day
    assert count == 28 + 28 + 33


def test_holiday_range_neighbours(calendar, notices):
    makeup_days = {makeup.date for notice in notices for makeup in notice.makeup_workdays}
    holiday_days = {day for notice in notices for holiday in notice.holidays for day in holiday.days()}
    for notice in notices:
        for holiday in notice.holidays:
            for neighbour in (holiday.first - ONE_DAY, holiday.last + ONE_DAY):
                if neighbour in makeup_days:
                    expected = True
                elif neighbour in holiday_days:
                    expected = False
                else:
                    expected = neighbour.weekday() < 5
                assert calendar.is_workday(neighbour) is expected, neighbour


def test_known_boundary_days_2026(calendar):
    assert calendar.is_workday(date(2025, 12, 31)) is True
    assert calendar.is_workday(date(2026, 1, 1)) is False
    assert calendar.is_workday(date(2026, 1, 3)) is False
    assert calendar.is_workday(date(2026, 1, 4)) is True  # Sunday, make-up workday
    assert calendar.is_workday(date(2026, 2, 14)) is True  # Saturday, make-up workday
    assert calendar.is_workday(date(2026, 2, 23)) is False  # Monday, last day of Spring Festival
    assert calendar.is_workday(date(2026, 2, 24)) is True
    assert calendar.is_workday(date(2026, 10, 7)) is False
    assert calendar.is_workday(date(2026, 10, 8)) is True
    assert calendar.is_workday(date(2026, 10, 10)) is True  # Saturday, make-up workday


def test_is_workday_agrees_with_chinese_calendar(calendar):
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_workday(day) is chinese_calendar.is_workday(day), day
        day += ONE_DAY


def test_makeup_workday_names(notices):
    names = {day: name for notice in notices for day, name in notice.makeup_days().items()}

    assert names == {
        date(2024, 2, 4): "春节",
        date(2024, 2, 18): "春节",
        date(2024, 4, 7): "清明节",
        date(2024, 4, 28): "劳动节",
        date(2024, 5, 11): "劳动节",
        date(2024, 9, 14): "中秋节",
        date(2024, 9, 29): "国庆节",
        date(2024, 10, 12): "国庆节",
        date(2025, 1, 26): "春节",
        date(2025, 2, 8): "春节",
        date(2025, 4, 27): "劳动节",
        date(2025, 9, 28): "国庆节、中秋节",
        date(2025, 10, 11): "国庆节、中秋节",
        date(2026, 1, 4): "元旦",
        date(2026, 2, 14): "春节",
        date(2026, 2, 28): "春节",
        date(2026, 5, 9): "劳动节",
        date(2026, 9, 20): "国庆节",
        date(2026, 10, 10): "国庆节",
    }


def test_day_info_kinds(calendar):
    assert calendar.day_info(date(2026, 3, 2)).kind == WORKDAY
    assert calendar.day_info(date(2026, 3, 1)).kind == WEEKEND
    assert calendar.day_info(date(2026, 10, 1)).name == "国庆节"


# Years without a confirmed notice


def test_due_date_into_2027_is_provisional(calendar):
    result = calendar.due_date(date(2026, 12, 20), 10)

    assert result.date == date(2027, 1, 1)  # weekends only: 1 January 2027 is a Friday
    assert result.provisional is True


def test_2027_days_follow_weekend_rule(calendar):
    assert calendar.is_workday(date(2027, 1, 1)) is True
    assert calendar.is_workday(date(2027, 1, 2)) is False
    assert calendar.day_info(date(2027, 1, 1)).provisional is True
    assert calendar.day_info(date(2026, 12, 31)).provisional is False


def test_provisional_marks_each_query(calendar):
    assert calendar.latest_before(date(2027, 1, 1), 1) == (date(2026, 12, 31), False, False)
    assert calendar.latest_before(date(2027, 1, 4), 1) == (date(2027, 1, 1), True, False)
    assert calendar.count_workdays(date(2026, 12, 1), date(2026, 12, 31)).provisional is False
    assert calendar.count_workdays(date(2026, 12, 1), date(2027, 1, 1)).provisional is True
    assert calendar.count_workdays(date(2027, 1, 1), date(2026, 12, 1)).provisional is True
    assert calendar.workdays_used(date(2026, 12, 28), date(2027, 1, 8)).provisional is True
    assert calendar.add_workdays(date(2023, 12, 20), 3).provisional is True
    assert calendar.add_workdays(date(2023, 12, 31), 3).provisional is False


def test_start_day_in_unconfirmed_year_is_not_consulted(calendar):
    # 2023-12-31 itself is not counted, so only 2024 days are consulted.
    assert calendar.add_workdays(date(2023, 12, 31), 1) == (date(2024, 1, 2), False, False)


def test_far_years_do_not_raise(calendar):
    assert calendar.add_workdays(date(1990, 3, 2), 1).date == date(1990, 3, 5)
    assert calendar.add_workdays(date(2150, 6, 5), 1).date == date(2150, 6, 8)
    assert calendar.add_workdays(date(2150, 6, 5), 1).provisional is True
    assert calendar.latest_before(date(1990, 3, 5), 1).date == date(1990, 3, 2)


def test_calendar_without_notices_counts_weekdays():
    empty = WorkCalendar({}, {}, [])

    assert empty.add_workdays(date(2026, 1, 2), 1).date == date(2026, 1, 5)
    assert empty.due_date(date(2026, 1, 5), 10).date == date(2026, 1, 19)
    assert empty.count_workdays(date(2026, 1, 4), date(2026, 1, 11)).count == 5
    assert empty.add_workdays(date(2026, 1, 2), 1).provisional is True


def test_special_day_in_two_roles_raises():
    with pytest.raises(ValueError, match="2026-01-04"):
        WorkCalendar({date(2026, 1, 4): "元旦"}, {date(2026, 1, 4): "元旦"}, [2026])


# Pauses


def test_open_pause_has_no_due_date(calendar):
    result = calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 9), None)])

    assert result.date is None
    assert result.paused is True


def test_pause_after_deadline_changes_nothing(calendar):
    plain = calendar.due_date(date(2026, 1, 5), 10)

    assert calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 20), date(2026, 1, 30))]) == plain
    assert calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 19), None)]).date == plain.date


def test_pause_notice_on_weekend_uses_no_day(calendar):
    # Saturday 01-10 notice, Monday 01-12 resubmission: 01-12 is not counted.
    result = calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 10), date(2026, 1, 12))])

    assert result.date == date(2026, 1, 20)


def test_pause_on_start_day(calendar):
    result = calendar.due_date(date(2026, 1, 5), 10, [(date(2026, 1, 5), date(2026, 1, 7))])

    assert result.date == date(2026, 1, 21)


def test_touching_pauses_are_accepted(calendar):
    pauses = [(date(2026, 1, 9), date(2026, 1, 14)), (date(2026, 1, 14), date(2026, 1, 15))]

    assert calendar.due_date(date(2026, 1, 5), 10, pauses).date == date(2026, 1, 23)


@pytest.mark.parametrize(
    ("pauses", "message"),
    [
        ([(date(2026, 1, 4), date(2026, 1, 6))], "before the count starts"),
        ([(date(2026, 1, 9), date(2026, 1, 8))], "before it starts"),
        ([(date(2026, 1, 9), date(2026, 1, 14)), (date(2026, 1, 13), date(2026, 1, 15))], "previous pause"),
        ([(date(2026, 1, 9), None), (date(2026, 1, 13), date(2026, 1, 15))], "no end date"),
    ],
)
def test_invalid_pauses_raise(calendar, pauses, message):
    with pytest.raises(ValueError, match=message):
        calendar.due_date(date(2026, 1, 5), 10, pauses)


def test_negative_days_raise(calendar):
    with pytest.raises(ValueError):
        calendar.add_workdays(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        calendar.latest_before(date(2026, 1, 5), 0)


def test_workdays_used_with_pauses(calendar):
    start = date(2026, 1, 5)
    pauses = [(date(2026, 1, 9), date(2026, 1, 14))]

    assert calendar.workdays_used(start, date(2026, 1, 9), pauses).count == 4
    assert calendar.workdays_used(start, date(2026, 1, 13), pauses).count == 4
    assert calendar.workdays_used(start, date(2026, 1, 15), pauses).count == 5
    assert calendar.workdays_used(start, date(2026, 1, 22), pauses).count == 10
    assert calendar.workdays_used(start, date(2026, 1, 30), [(date(2026, 1, 9), None)]).count == 4


def test_count_workdays_is_signed(calendar):
    assert calendar.count_workdays(date(2026, 9, 30), date(2026, 10, 20)).count == 10
    assert calendar.count_workdays(date(2026, 10, 20), date(2026, 9, 30)).count == -10
    assert calendar.count_workdays(date(2026, 10, 20), date(2026, 10, 20)).count == 0


# Explanations


def test_explain_national_day_with_pause(calendar):
    with translation.override("en"):
        explanation = calendar.explain(
            date(2026, 9, 30), 10, [Pause(date(2026, 10, 12), date(2026, 10, 14), "correction")]
        )

    assert explanation.text == (
        "10 working days from 2026-09-30 · 10-01 to 10-07 National Day holiday (国庆节) · "
        "10-10 make-up workday · paused 10-12 to 10-14 for correction · due 2026-10-22"
    )
    assert explanation.result.date == date(2026, 10, 22)
    assert [step.kind for step in explanation.steps] == ["start", "holiday", "makeup_workday", "pause", "due"]


def test_explain_marks_provisional_year(calendar):
    with translation.override("en"):
        explanation = calendar.explain(date(2026, 12, 20), 10)

    assert "2027 has no confirmed holiday notice" in explanation.text
    assert explanation.text.endswith("due 2027-01-01 (provisional)")


def test_explain_open_pause(calendar):
    with translation.override("en"):
        explanation = calendar.explain(date(2026, 1, 5), 10, [(date(2026, 1, 9), None, "correction")])

    assert explanation.result.paused is True
    assert explanation.text == (
        "10 working days from 2026-01-05 · paused since 01-09 for correction · no due date while paused"
    )


def test_explain_combined_holiday_name(calendar):
    with translation.override("en"):
        text = calendar.explain(date(2025, 9, 30), 3).text

    assert "10-01 to 10-08 National Day and Mid-Autumn Festival holiday (国庆节、中秋节)" in text
    assert text.endswith("10-11 make-up workday · due 2025-10-11")


def test_explain_extension(calendar):
    with translation.override("en"):
        explanation = calendar.explain(date(2026, 1, 5), 10, extensions=[(2, "expert consultation")])

    assert explanation.result.date == date(2026, 1, 21)
    assert "extended by 2 working days for expert consultation" in explanation.text


# Local date in Asia/Shanghai


def test_today_just_after_midnight_in_shanghai():
    # 2026-01-05 00:30 in Shanghai is still 2026-01-04 in UTC.
    with time_machine.travel(datetime(2026, 1, 4, 16, 30, tzinfo=UTC), tick=False):
        assert today() == date(2026, 1, 5)


def test_today_just_before_midnight_in_shanghai():
    with time_machine.travel(datetime(2026, 1, 5, 15, 59, tzinfo=UTC), tick=False):
        assert today() == date(2026, 1, 5)
    with time_machine.travel(datetime(2026, 1, 5, 16, 0, tzinfo=UTC), tick=False):
        assert today() == date(2026, 1, 6)


def test_explain_unknown_holiday_name():
    local = WorkCalendar({date(2026, 3, 3): "地方节日"}, {}, [2026])

    with translation.override("en"):
        text = local.explain(date(2026, 3, 2), 2).text

    assert text == "2 working days from 2026-03-02 · 03-03 holiday (地方节日) · due 2026-03-05"
