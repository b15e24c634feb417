import json
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workdays.clock import start_clock
from workdays.models import CalendarYear, ClockEvent, SpecialDay

pytestmark = pytest.mark.django_db

NOTICE_2027 = {
    "notice_title": "国务院办公厅关于2027年部分节假日安排的通知",
    "document_number": "国办发明电〔2026〕1号",
    "issued_on": "2026-11-10",
    "source_url": "https://www.gov.cn/zhengce/content/2027.htm",
    "holidays": "2027-01-01 2027-01-03 元旦\n2027-02-06 2027-02-12 春节",
    "makeup_workdays": "2027-02-13\n2027-02-20 春节",
}


@pytest.fixture
def calendar_admin(django_user_model):
    user = django_user_model.objects.create_user(username="calendar-admin")
    user.user_permissions.add(Permission.objects.get(codename="change_calendaryear"))
    return user


@pytest.fixture
def admin_client(client, calendar_admin):
    client.force_login(calendar_admin)
    return client


def english(client):
    client.cookies["django_language"] = "en"
    return client


def post_notice(client, action, data=NOTICE_2027, **extra):
    return client.post(reverse("workdays:notice_form", args=[2027]), {**data, "action": action, **extra})


def test_anonymous_is_redirected_to_login(client):
    response = client.get(reverse("workdays:year_list"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_user_without_permission_gets_403(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="drafter"))

    for url in (
        reverse("workdays:year_list"),
        reverse("workdays:year_detail", args=[2026]),
        reverse("workdays:notice_form", args=[2027]),
        reverse("workdays:import"),
    ):
        assert client.get(url).status_code == 403, url
    assert post_notice(client, "save").status_code == 403
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL


def test_system_administrator_may_edit(client, world):
    client.force_login(world.sysadmin)

    assert client.get(reverse("workdays:year_list")).status_code == 200


def test_year_list_shows_years(admin_client):
    response = admin_client.get(reverse("workdays:year_list"))

    assert response.status_code == 200
    assert [y.year for y in response.context["years"]] == [2027, 2026, 2025, 2024]
    assert response.context["next_to_enter"] == 2027


def test_year_detail_shows_month_grids(admin_client):
    response = admin_client.get(reverse("workdays:year_detail", args=[2026]))

    content = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["months"]) == 12
    assert 'data-kind="makeup_workday" data-date="2026-10-10"' in content
    assert 'data-kind="holiday" data-date="2026-10-01" title="国庆节"' in content
    assert 'data-kind="weekend" data-date="2026-10-11"' in content
    assert 'data-kind="workday" data-date="2026-10-09"' in content
    assert response.context["grid_provisional"] is False


def test_year_detail_of_unconfirmed_year_is_provisional(admin_client):
    response = admin_client.get(reverse("workdays:year_detail", args=[2027]))

    assert response.context["grid_provisional"] is True
    assert b'data-testid="grid-provisional"' in response.content
    assert b'data-kind="workday" data-date="2027-01-01"' in response.content


def test_notice_form_prefills_stored_year(admin_client):
    response = admin_client.get(reverse("workdays:notice_form", args=[2026]))

    form = response.context["form"]
    assert form.initial["holidays"].splitlines()[0] == "2026-01-01 2026-01-03 元旦"
    assert "2026-09-20 国庆节" in form.initial["makeup_workdays"]


def test_preview_does_not_save(admin_client):
    clock = start_clock("response", 10, date(2026, 12, 20))

    response = post_notice(admin_client, "preview")

    assert response.status_code == 200
    assert response.context["preview"] is True
    assert b'data-testid="save"' in response.content
    assert b'data-kind="holiday" data-date="2027-01-01"' in response.content
    assert [(m.old_due, m.new_due) for m in response.context["moves"]] == [(date(2027, 1, 1), date(2027, 1, 4))]
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL
    assert not SpecialDay.objects.filter(date__year=2027).exists()
    assert not clock.events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()


def test_save_after_preview_saves(admin_client, calendar_admin):
    clock = start_clock("response", 10, date(2026, 12, 20), label="答复期限")
    digest = post_notice(admin_client, "preview").context["digest"]

    response = post_notice(admin_client, "save", digest=digest)

    assert response.status_code == 200
    calendar_year = CalendarYear.objects.get(year=2027)
    assert calendar_year.status == CalendarYear.Status.CONFIRMED
    assert calendar_year.confirmed_by == calendar_admin
    assert calendar_year.document_number == "国办发明电〔2026〕1号"
    assert calendar_year.special_days.filter(kind=SpecialDay.Kind.HOLIDAY).count() == 10
    assert SpecialDay.objects.get(date=date(2027, 2, 13)).name == "春节"
    moves = response.context["result"].moves
    assert [(m.clock.pk, m.shift_days) for m in moves] == [(clock.pk, 3)]
    assert "答复期限" in response.content.decode()


def test_save_without_matching_preview_shows_preview_again(admin_client):
    digest = post_notice(admin_client, "preview").context["digest"]
    edited = {**NOTICE_2027, "makeup_workdays": "2027-02-13"}

    response = post_notice(admin_client, "save", data=edited, digest=digest)

    assert response.context["changed_since_preview"] is True
    assert response.context["preview"] is True
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL


def test_bad_line_keeps_input_and_names_line(admin_client):
    english(admin_client)
    typed = "2027-01-01 2027-01-03 元旦\n2027-02-06 2027-02-31 春节"

    response = post_notice(admin_client, "preview", data={**NOTICE_2027, "holidays": typed})

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context.get("preview") is None
    assert "Line 2: “2027-02-31” is not a date. Write dates as YYYY-MM-DD" in content
    assert "2027-02-06 2027-02-31 春节</textarea>" in content
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL


def test_weekday_makeup_is_reported_on_its_line(admin_client):
    english(admin_client)

    response = post_notice(admin_client, "preview", data={**NOTICE_2027, "makeup_workdays": "2027-02-13\n2027-02-15"})

    errors = response.context["form"].errors["makeup_workdays"]
    assert errors == [
        "Line 2: 2027-02-15 is a weekday, so it is a working day anyway. "
        "Make-up workdays fall on a Saturday or Sunday; check the date."
    ]


def test_year_outside_range_is_404(admin_client):
    assert admin_client.get(reverse("workdays:year_detail", args=[1999])).status_code == 404


def import_document():
    return json.dumps(
        {
            "_meta": {"description": "test"},
            "2027": {
                "found": True,
                "notice_title": "国务院办公厅关于2027年部分节假日安排的通知",
                "doc_no": None,
                "issued": "2026-11-10",
                "source": "https://www.gov.cn/zhengce/content/2027.htm",
                "holidays": [["2027-01-01", "2027-01-03", "元旦"]],
                "workdays": [],
            },
        },
        ensure_ascii=False,
    )


def test_import_preview_then_save(admin_client):
    upload = SimpleUploadedFile("notices.json", import_document().encode(), content_type="application/json")

    preview = admin_client.post(reverse("workdays:import"), {"upload": upload, "action": "preview"})

    assert preview.context["preview"] is True
    assert [(n.year, p.outcome) for n, p in preview.context["plans"]] == [(2027, "updated")]
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.PROVISIONAL

    saved = admin_client.post(
        reverse("workdays:import"),
        {"document": preview.context["document"], "digest": preview.context["digest"], "action": "save"},
    )

    assert saved.status_code == 200
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.CONFIRMED
    assert SpecialDay.objects.filter(date__year=2027).count() == 3


def test_import_invalid_json_keeps_text(admin_client):
    english(admin_client)

    response = admin_client.post(reverse("workdays:import"), {"document": '{"2027": ', "action": "preview"})

    assert "The document is not valid JSON" in response.content.decode()
    assert response.context["form"]["document"].value() == '{"2027": '


def test_all_bad_lines_are_reported_at_once(admin_client):
    english(admin_client)
    data = {**NOTICE_2027, "holidays": "2027-01-01 2027-01-03 元旦\n2027-02-30 春节", "makeup_workdays": "2027-02-15"}

    response = post_notice(admin_client, "preview", data=data)

    errors = response.context["form"].errors
    assert errors["holidays"] == [
        "Line 2: “2027-02-30” is not a date. Write dates as YYYY-MM-DD, for example “2027-01-01 2027-01-03 元旦”."
    ]
    assert len(errors["makeup_workdays"]) == 1
    assert errors["makeup_workdays"][0].startswith("Line 1: 2027-02-15 is a weekday")
