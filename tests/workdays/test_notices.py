import json
from datetime import date

import pytest
from django.utils import translation

from workdays.notices import (
    BUNDLED_NOTICES,
    HolidayRange,
    MakeupDay,
    NoticeFormatError,
    YearNotice,
    check_notice,
    holiday_lines,
    parse_holiday_lines,
    parse_makeup_lines,
    parse_notice_document,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def bundled_document():
    return json.loads(BUNDLED_NOTICES.read_text(encoding="utf-8"))


def test_bundled_document_years(notices):
    assert [(n.year, n.confirmed) for n in notices] == [(2024, True), (2025, True), (2026, True), (2027, False)]
    assert notices[0].document_number == "国办发明电〔2023〕7号"
    assert notices[2].issued_on == date(2025, 11, 4)
    assert notices[2].document_number == ""
    assert notices[3].holidays == []


def test_bundled_document_day_counts(notices):
    counts = {n.year: (len(n.holiday_days()), len(n.makeup_days())) for n in notices}

    assert counts == {2024: (28, 8), 2025: (28, 5), 2026: (33, 6), 2027: (0, 0)}


def test_document_with_bad_date_names_year_and_entry():
    document = bundled_document()
    document["2026"]["holidays"][2] = ["2026-04-04", "2026-04-31", "清明节"]

    with pytest.raises(NoticeFormatError, match=r"^2026: holiday entry 3 has a date that is not YYYY-MM-DD"):
        parse_notice_document(document)


def test_document_with_weekday_makeup_names_entry():
    document = bundled_document()
    document["2025"]["workdays"].append("2025-03-03")

    with pytest.raises(NoticeFormatError, match=r"^2025: make-up workday entry 6: 2025-03-03 is a weekday"):
        parse_notice_document(document)


def test_document_unpublished_year_must_be_empty():
    document = {"2027": {"found": False, "holidays": [["2027-01-01", "2027-01-01", "元旦"]], "workdays": []}}

    with pytest.raises(NoticeFormatError, match="found"):
        parse_notice_document(document)


def test_document_day_in_two_years_raises():
    document = {
        "2026": {"notice_title": "a", "holidays": [["2025-12-31", "2026-01-01", "元旦"]], "workdays": []},
        "2025": {"notice_title": "b", "holidays": [["2025-12-31", "2025-12-31", "元旦"]], "workdays": []},
    }

    with pytest.raises(NoticeFormatError, match="2025-12-31 is listed by both the 2025 and the 2026 notice"):
        parse_notice_document(document)


def test_document_accepts_named_makeup_days():
    document = {
        "2027": {
            "notice_title": "国务院办公厅关于2027年部分节假日安排的通知",
            "holidays": [["2027-02-06", "2027-02-12", "春节"]],
            "workdays": [["2027-02-13", "春节"]],
        }
    }

    notice = parse_notice_document(document)[0]

    assert notice.makeup_days() == {date(2027, 2, 13): "春节"}


def test_document_rejects_non_year_keys():
    with pytest.raises(NoticeFormatError, match="“next” is not a year"):
        parse_notice_document({"next": {}})


def test_holiday_lines_parse_ranges_and_single_days():
    text = "2027-01-01 2027-01-03 元旦\n\n# comment\n2027-06-09 端午节\n2027-02-06至2027-02-12 春节"

    holidays, problems = parse_holiday_lines(text, 2027)

    assert problems == []
    assert holidays == [
        HolidayRange(date(2027, 1, 1), date(2027, 1, 3), "元旦", 1),
        HolidayRange(date(2027, 6, 9), date(2027, 6, 9), "端午节", 4),
        HolidayRange(date(2027, 2, 6), date(2027, 2, 12), "春节", 5),
    ]


def test_holiday_lines_report_line_numbers():
    text = "2027-01-01 2027-01-03 元旦\n2027-02-30 2027-03-01 春节\n2027-05-01 2027-05-05"

    holidays, problems = parse_holiday_lines(text, 2027)

    assert len(holidays) == 1
    assert [(p.field, p.line) for p in problems] == [("holidays", 2), ("holidays", 3)]
    assert str(problems[0]).startswith("Line 2: “2027-02-30” is not a date. Write dates as YYYY-MM-DD")
    assert "has no holiday name" in str(problems[1])


def test_makeup_lines_report_line_numbers():
    makeup_days, problems = parse_makeup_lines("2027-02-13\n13/02/2027", 2027)

    assert makeup_days == [MakeupDay(date(2027, 2, 13), "", 1)]
    assert [(p.field, p.line) for p in problems] == [("makeup_workdays", 2)]


@pytest.mark.parametrize(
    ("holidays", "makeup_days", "expected"),
    [
        ([HolidayRange(date(2027, 1, 3), date(2027, 1, 1), "元旦", 1)], [], "Swap the two dates"),
        ([HolidayRange(date(2027, 1, 1), date(2027, 1, 30), "元旦", 1)], [], "at most 14 days"),
        ([HolidayRange(date(2026, 6, 1), date(2026, 6, 1), "端午节", 1)], [], "outside the 2027 notice"),
        ([], [MakeupDay(date(2027, 2, 8), "", 1)], "is a weekday"),
        (
            [HolidayRange(date(2027, 2, 6), date(2027, 2, 12), "春节", 1)],
            [MakeupDay(date(2027, 2, 6), "", 1)],
            "also inside a holiday range",
        ),
        (
            [
                HolidayRange(date(2027, 2, 6), date(2027, 2, 12), "春节", 1),
                HolidayRange(date(2027, 2, 12), date(2027, 2, 13), "春节", 2),
            ],
            [],
            "already listed in another range",
        ),
    ],
)
def test_check_notice_problems(holidays, makeup_days, expected):
    notice = YearNotice(2027, True, "通知", holidays=holidays, makeup_workdays=makeup_days)

    problems = check_notice(notice)

    assert any(expected in problem.message for problem in problems), problems


def test_check_notice_accepts_december_before():
    notice = YearNotice(
        2019,
        True,
        "国务院办公厅关于2019年部分节假日安排的通知",
        holidays=[HolidayRange(date(2018, 12, 30), date(2019, 1, 1), "元旦", 1)],
        makeup_workdays=[MakeupDay(date(2018, 12, 29), "", 1)],
    )

    assert check_notice(notice) == []


def test_check_notice_requires_title():
    notice = YearNotice(2027, True, " ", holidays=[HolidayRange(date(2027, 1, 1), date(2027, 1, 1), "元旦", 1)])

    assert [p.field for p in check_notice(notice)] == [""]


def test_holiday_lines_round_trip(notices):
    notice_2026 = notices[2]

    text = holiday_lines(notice_2026.holiday_days())
    holidays, problems = parse_holiday_lines(text, 2026)

    assert problems == []
    assert {d: h.name for h in holidays for d in h.days()} == notice_2026.holiday_days()
    assert text.splitlines()[0] == "2026-01-01 2026-01-03 元旦"


def test_digest_changes_with_content(notices):
    notice = notices[2]
    edited = YearNotice(
        notice.year,
        notice.confirmed,
        notice.title,
        notice.document_number,
        notice.issued_on,
        notice.source_url,
        notice.holidays[:-1],
        notice.makeup_workdays,
    )

    assert notice.digest() == notices[2].digest()
    assert edited.digest() != notice.digest()
