"""The review ledger: which cases each user may read, filters, figures, query counts and exports."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import export, ledger
from documents.forms import LedgerFilterForm
from documents.models import ExportRecord
from policies import services as policy_services
from review import services
from review.models import Opinion, State
from tests.documents.conftest import forwarded_district_case, materials_case, on, opinion_case
from tests.factories import make_policy
from workdays.clock import clock_status
from workdays.models import Clock
from workdays.store import get_calendar


def case_ids(user, **filters):
    form = LedgerFilterForm(filters or None, user=user)
    assert form.is_valid() or not filters, form.errors
    return {case.pk for case in ledger.ledger_cases(user, form.cleaned_data if filters else {})}


@pytest.fixture
def cases(world):
    """A city case with an opinion, a district case under city review and a district case with a materials notice."""
    return {
        "city": opinion_case(world),
        "forwarded": forwarded_district_case(world, title="九台区稳岗就业补贴办法"),
        "materials": materials_case(world, title="九台区科技创新券管理办法"),
    }


# -- which cases each user may read ------------------------------------------------


def test_reviewers_see_their_bureaus_cases(world, cases):
    city, forwarded, materials = cases["city"].pk, cases["forwarded"].pk, cases["materials"].pk
    assert case_ids(world.district_reviewer) == {forwarded, materials}
    assert case_ids(world.city_reviewer) == {city, forwarded}
    assert case_ids(world.zone_reviewer) == set()
    assert case_ids(world.other_city_reviewer) == set()


def test_supervisor_reads_the_whole_city(world, cases):
    assert case_ids(world.supervisor) == {case.pk for case in cases.values()}


@pytest.mark.parametrize("person", ["drafter", "head", "consulted", "sysadmin"])
def test_others_may_not_open_the_ledger(client, world, cases, person):
    client.force_login(getattr(world, person))
    assert client.get(reverse("documents:ledger")).status_code == 403
    assert client.post(reverse("documents:ledger_export"), {"format": "csv"}).status_code == 403
    assert not ExportRecord.objects.exists()


# -- filters -------------------------------------------------------------------------


def test_filter_by_state_and_conclusion(world, cases):
    supervisor = world.supervisor
    assert case_ids(supervisor, state=State.MATERIALS_REQUESTED) == {cases["materials"].pk}
    assert case_ids(supervisor, conclusion=Opinion.Conclusion.PASS_AFTER_REVISION) == {cases["city"].pk}
    assert case_ids(supervisor, conclusion=Opinion.Conclusion.FAIL) == set()
    assert case_ids(supervisor, conclusion="none") == {cases["forwarded"].pk, cases["materials"].pk}


def test_filter_by_region_and_department(world, cases):
    supervisor = world.supervisor
    assert case_ids(supervisor, region=world.district.pk) == {cases["forwarded"].pk, cases["materials"].pk}
    assert case_ids(supervisor, region=world.city.pk) == {cases["city"].pk}
    assert case_ids(supervisor, department=world.city_dept.pk) == {cases["city"].pk}
    assert case_ids(supervisor, department=world.other_dept.pk) == set()


def test_filter_by_co_drafting_department(world, cases):
    policy = cases["materials"].policy
    policy_services.update_policy(
        world.drafter,
        policy,
        title=policy.title,
        co_departments=[world.other_dept],
        doc_number="",
        summary="",
        issued_on=None,
    )
    assert case_ids(world.supervisor, department=world.other_dept.pk) == {cases["materials"].pk}


def test_filter_by_submission_dates(world, cases):
    with on("2026-02-02"):
        late = services.submit(world.drafter, make_policy(world.drafter, title="九台区二月送审政策"))
    supervisor = world.supervisor
    assert case_ids(supervisor, submitted_from="2026-02-01") == {late.pk}
    assert case_ids(supervisor, submitted_to="2026-01-31") == {case.pk for case in cases.values()}
    form = LedgerFilterForm({"submitted_from": "2026-02-01", "submitted_to": "2026-01-01"}, user=supervisor)
    assert not form.is_valid()


def test_filter_choices_stay_in_scope(world, cases):
    form = LedgerFilterForm(user=world.district_reviewer)
    assert list(form.fields["region"].queryset) == [world.district]
    assert world.city_dept not in form.fields["department"].queryset
    assert not LedgerFilterForm({"region": world.city.pk}, user=world.district_reviewer).is_valid()


# -- figures ---------------------------------------------------------------------------


def test_row_of_forwarded_case(world, cases):
    case = ledger.ledger_cases(world.supervisor).get(pk=cases["forwarded"].pk)
    row = ledger.build_row(case, get_calendar(), datetime.date(2026, 1, 21))
    assert row.title == "九台区稳岗就业补贴办法"
    assert row.lead_department == "九台区工业和信息化局"
    assert row.region == "九台区"
    assert row.submitted_on == datetime.date(2026, 1, 5)
    assert row.district_accepted_on == datetime.date(2026, 1, 5)
    assert row.city_accepted_on == datetime.date(2026, 1, 19)
    assert row.resubmissions == "2026-01-14"
    assert "2026-01-09" in row.notices
    assert "2026-01-14" in row.notices
    # District: 01-06…01-09 and 01-15, 01-16 used; 01-12…01-14 paused.
    assert row.district_days_used == 6
    # City: 01-20 and 01-21.
    assert row.city_days_used == 2
    assert row.days_paused == 3
    assert row.opinion_number == ""


def test_district_days_match_the_district_clock(world, cases):
    district_clock = Clock.objects.get(kind="review.district")
    case = ledger.ledger_cases(world.supervisor).get(pk=cases["forwarded"].pk)
    row = ledger.build_row(case, get_calendar(), datetime.date(2026, 1, 21))
    assert row.district_days_used == clock_status(district_clock, datetime.date(2026, 1, 21)).used


def test_row_of_case_with_opinion(world, cases):
    case = ledger.ledger_cases(world.supervisor).get(pk=cases["city"].pk)
    row = ledger.build_row(case, get_calendar(), datetime.date(2026, 3, 2))
    assert row.opinion_number == "长政数审〔2026〕1号"
    assert row.conclusion == "Passed after revision"
    assert row.opinion_issued_on == datetime.date(2026, 1, 20)
    assert row.opinion_received_on is None
    assert row.district_days_used is None
    # 01-06…01-09 and 01-15…01-20 until the opinion stopped the clock.
    assert row.city_days_used == 8
    assert row.city_days_used == clock_status(case.review_clock, datetime.date(2026, 3, 2)).used
    assert row.days_paused == 3


def test_archive_columns(world, cases):
    case = cases["city"]
    accessor = ledger.archive_accessor()
    if accessor is None:
        row = ledger.build_row(
            ledger.ledger_cases(world.supervisor).get(pk=case.pk), get_calendar(), datetime.date(2026, 3, 2)
        )
        assert row.archived_at is None
        assert row.archive_sha256 == ""
        return
    from review.models import ArchiveRecord

    fields = {field.name for field in ArchiveRecord._meta.concrete_fields}
    values = {"case": case, "sha256": "ab" * 32}
    optional = {"file": "archives/x.zip", "size": 1, "file_count": 1, "manifest": {}}
    values.update({name: value for name, value in optional.items() if name in fields})
    ArchiveRecord.objects.create(**values)
    row = ledger.build_row(
        ledger.ledger_cases(world.supervisor).get(pk=case.pk), get_calendar(), datetime.date(2026, 3, 2)
    )
    assert row.archive_sha256 == "ab" * 32
    assert row.archived_at is not None


# -- the page ---------------------------------------------------------------------------


def count_page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_page_query_count_does_not_grow_with_rows(client, world, cases):
    client.force_login(world.supervisor)
    url = reverse("documents:ledger")
    client.get(url)  # loads the calendar into the process cache
    few = count_page_queries(client, url)
    for number in range(6):
        with on("2026-01-07"):
            policy = make_policy(world.drafter, title="九台区第%d项政策" % number)
            case = services.submit(world.drafter, policy)
            services.accept(world.district_reviewer, case)
    many = count_page_queries(client, url)
    assert many == few
    # Session, user, organization, count, calendar stamp, cases, five
    # prefetches, the form's choices and the recent exports, plus whatever
    # the base template's context processors ask.
    assert few <= 20


def test_page_shows_rows_and_filters(client, world, cases):
    client.force_login(world.district_reviewer)
    page = client.get(reverse("documents:ledger"), {"state": State.MATERIALS_REQUESTED}).content.decode()
    assert "九台区科技创新券管理办法" in page
    assert "九台区稳岗就业补贴办法" not in page
    assert 'name="format" value="xlsx"' in page


def test_page_is_paginated(client, world, cases):
    client.force_login(world.supervisor)
    response = client.get(reverse("documents:ledger"), {"page": "2"})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert response.context["page"].paginator.per_page == 25


# -- exports ----------------------------------------------------------------------------


@pytest.fixture
def client(client, settings):
    """A client whose requests ask for English, so exported headers are the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rename(case, title):
    policy = case.policy
    policy_services.update_policy(
        policy.lead_department.users.filter(role="drafter").first(),
        policy,
        title=title,
        co_departments=[],
        doc_number="",
        summary="",
        issued_on=None,
    )


def test_csv_export_neutralises_formulas(client, world, cases):
    rename(cases["materials"], '=HYPERLINK("http://example.com","点击")')
    client.force_login(world.supervisor)
    response = client.post(reverse("documents:ledger_export"), {"format": "csv", "state": State.MATERIALS_REQUESTED})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][1] == "Policy title"
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://example.com","点击")'
    assert rows[1][0] == str(cases["materials"].pk)
    assert "utf-8''" in response["Content-Disposition"]

    record = ExportRecord.objects.get()
    assert record.requested_by == world.supervisor
    assert record.format == "csv"
    assert record.filters == {"state": State.MATERIALS_REQUESTED}
    assert record.row_count == 1
    assert record.status == ExportRecord.Status.DONE
    assert not record.is_background
    assert record.file.name.endswith(".csv")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_every_trigger(prefix):
    from documents.writers import neutralise

    assert neutralise(prefix + "1+1") == "'" + prefix + "1+1"
    assert neutralise("1+1") == "1+1"
    assert neutralise("") == ""


def test_xlsx_export_stores_formulas_as_text(client, world, cases):
    rename(cases["city"], "=1+2")
    client.force_login(world.supervisor)
    response = client.post(reverse("documents:ledger_export"), {"format": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Case", "Policy title", "Document number"]
    titles = {}
    for row in sheet.iter_rows(min_row=2):
        titles[row[0].value] = row[1]
    cell = titles[cases["city"].pk]
    assert cell.value == "=1+2"
    assert cell.data_type == "s"
    assert sheet.max_row == 4

    dates = {row[0].value: row[8].value for row in sheet.iter_rows(min_row=2)}
    assert dates[cases["city"].pk] == datetime.datetime(2026, 1, 5)
    record = ExportRecord.objects.get()
    assert record.row_count == 3
    assert record.format == "xlsx"


def test_invalid_filter_is_not_exported(client, world, cases):
    client.force_login(world.supervisor)
    response = client.post(
        reverse("documents:ledger_export"),
        {"format": "csv", "submitted_from": "2026-02-01", "submitted_to": "2026-01-01"},
    )
    assert response.status_code == 302
    assert not ExportRecord.objects.exists()
    assert client.post(reverse("documents:ledger_export"), {"format": "pdf"}).status_code == 400


def test_large_export_runs_in_background(client, world, cases, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENTS_EXPORT_ASYNC_ROWS = 2
    client.force_login(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:ledger_export"), {"format": "xlsx"})
    record = ExportRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:export_status", args=[record.pk])
    assert record.is_background
    assert record.total_rows == 3
    assert record.status == ExportRecord.Status.DONE
    assert record.row_count == 3

    status = client.get(response["Location"]).content.decode()
    assert "js/export-progress.js" in status
    progress = client.get(reverse("documents:export_progress", args=[record.pk])).json()
    assert progress["status"] == "done"
    assert progress["percent"] == 100
    assert progress["download_url"] == reverse("documents:export_download", args=[record.pk])
    download = client.get(progress["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_export_status_is_the_requesters_only(client, world, cases, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENTS_EXPORT_ASYNC_ROWS = 0
    client.force_login(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:ledger_export"), {"format": "csv"})
    record = ExportRecord.objects.get()
    client.force_login(world.city_reviewer)
    for name in ("export_status", "export_progress", "export_download"):
        assert client.get(reverse("documents:" + name, args=[record.pk])).status_code == 404
    client.force_login(world.drafter)
    assert client.get(reverse("documents:export_download", args=[record.pk])).status_code == 403


def test_waiting_export_shows_progress(client, world, cases, settings):
    settings.DOCUMENTS_EXPORT_ASYNC_ROWS = 0
    client.force_login(world.supervisor)
    # Without running the commit callbacks, the task stays queued.
    client.post(reverse("documents:ledger_export"), {"format": "csv"})
    record = ExportRecord.objects.get()
    progress = client.get(reverse("documents:export_progress", args=[record.pk])).json()
    assert progress["status"] == "pending"
    assert progress["download_url"] == ""
    assert client.get(reverse("documents:export_download", args=[record.pk])).status_code == 404


def test_run_export_twice_writes_once(world, cases, django_capture_on_commit_callbacks):
    record = ExportRecord.objects.create(requested_by=world.supervisor, format="csv", total_rows=3)
    first = export.run_export(record.pk)
    name = first.file.name
    second = export.run_export(record.pk)
    assert second.status == ExportRecord.Status.DONE
    assert second.file.name == name


def test_export_with_stale_filter_fails(world, cases):
    record = ExportRecord.objects.create(
        requested_by=world.district_reviewer, format="csv", filters={"region": world.city.pk}
    )
    finished = export.run_export(record.pk)
    assert finished.status == ExportRecord.Status.FAILED
    assert "region" in finished.error
