"""Download views: permissions, file names, and receipt by the drafting department."""

import datetime
from urllib.parse import quote

import pytest
from django.urls import reverse

from documents import content, fonts
from documents.models import DocumentDelivery, DocumentKind
from documents.pdf import render_pdf
from review.models import Notice, State
from tests.documents.conftest import materials_case, on, opinion_case
from workdays.models import Clock


def opinion_url(opinion, file_format="pdf"):
    return reverse("documents:opinion", args=[opinion.pk]) + "?format=" + file_format


def notice_url(notice, file_format="pdf"):
    return reverse("documents:notice", args=[notice.pk]) + "?format=" + file_format


def test_first_opening_starts_response_clock_once(client, world):
    case = opinion_case(world)
    opinion = case.opinion
    client.force_login(world.city_drafter)

    with on("2026-01-21"):
        first = client.get(opinion_url(opinion, "docx"))
    assert first.status_code == 200
    opinion.refresh_from_db()
    case.refresh_from_db()
    assert opinion.received_by == world.city_drafter
    assert opinion.received_at is not None
    clock = case.drafter_clock
    assert clock.kind == "response"
    assert clock.started_on == datetime.date(2026, 1, 21)
    assert clock.due_date == datetime.date(2026, 1, 28)

    with on("2026-01-22"):
        second = client.get(opinion_url(opinion, "pdf"))
    assert second.status_code == 200
    case.refresh_from_db()
    assert case.drafter_clock_id == clock.pk
    assert Clock.objects.filter(kind="response").count() == 1
    assert case.policy.events.filter(code="review.opinion_received").count() == 1
    delivery = DocumentDelivery.objects.get()
    assert delivery.kind == DocumentKind.OPINION_LETTER
    assert delivery.opinion == opinion
    assert delivery.first_opened_by == world.city_drafter
    assert delivery.first_format == "docx"


def test_reviewer_opening_is_not_receipt(client, world):
    case = opinion_case(world)
    client.force_login(world.city_reviewer)
    assert client.get(opinion_url(case.opinion)).status_code == 200
    case.opinion.refresh_from_db()
    assert case.opinion.received_at is None
    assert not DocumentDelivery.objects.exists()


def test_opening_after_receipt_on_policy_page(client, world):
    case = opinion_case(world)
    client.force_login(world.city_drafter)
    with on("2026-01-21"):
        page = client.get(reverse("review:policy_detail", args=[case.policy_id]))
    assert page.status_code == 200
    case.refresh_from_db()
    clock_id = case.drafter_clock_id
    assert case.opinion.received_at is not None

    with on("2026-01-22"):
        response = client.get(opinion_url(case.opinion))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.drafter_clock_id == clock_id
    assert case.state == State.OPINION_ISSUED
    assert DocumentDelivery.objects.filter(opinion=case.opinion).exists()


def test_notice_opening_is_recorded_once(client, world):
    case = materials_case(world)
    notice = case.notices.get()
    client.force_login(world.drafter)
    with on("2026-01-06"):
        assert client.get(notice_url(notice)).status_code == 200
    with on("2026-01-07"):
        assert client.get(notice_url(notice, "docx")).status_code == 200
    delivery = DocumentDelivery.objects.get()
    assert delivery.kind == DocumentKind.MATERIALS_NOTICE
    assert delivery.notice == notice
    assert delivery.first_opened_at.date() == datetime.date(2026, 1, 6)


@pytest.mark.parametrize("person", ["other_drafter", "zone_reviewer", "other_city_reviewer", "consulted"])
def test_unrelated_people_get_404(client, world, person):
    case = opinion_case(world)
    materials = materials_case(world)
    client.force_login(getattr(world, person))
    assert client.get(opinion_url(case.opinion)).status_code == 404
    assert client.get(notice_url(materials.notices.get())).status_code == 404
    assert client.get(reverse("documents:element_table", args=[case.policy_id])).status_code == 404
    assert not DocumentDelivery.objects.exists()


def test_anonymous_is_sent_to_login(client, world):
    case = opinion_case(world)
    response = client.get(opinion_url(case.opinion))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_supervisor_and_district_reviewer_may_download(client, world):
    materials = materials_case(world)
    notice = materials.notices.get()
    for person in (world.supervisor, world.district_reviewer):
        client.force_login(person)
        assert client.get(notice_url(notice)).status_code == 200


def test_unknown_format_is_rejected(client, world):
    case = opinion_case(world)
    client.force_login(world.city_drafter)
    response = client.get(opinion_url(case.opinion, "odt"))
    assert response.status_code == 400
    assert not DocumentDelivery.objects.exists()


def test_download_carries_chinese_file_name(client, world):
    case = opinion_case(world)
    client.force_login(world.city_reviewer)
    response = client.get(opinion_url(case.opinion, "docx"))
    expected = quote("标准化审查意见书-长政数审〔2026〕1号.docx")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%s" % expected
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    inline = client.get(opinion_url(case.opinion, "pdf") + "&inline=1")
    assert inline["Content-Disposition"].startswith("inline; filename*=utf-8''")
    assert inline.content[:5] == b"%PDF-"


def test_element_table_round_must_exist(client, world):
    case = opinion_case(world)
    client.force_login(world.city_reviewer)
    url = reverse("documents:element_table", args=[case.policy_id])
    assert client.get(url + "?format=docx&round=1").status_code == 200
    assert client.get(url + "?format=docx&round=9").status_code == 404
    assert client.get(url + "?format=docx&round=x").status_code == 404


def test_policy_page_links_every_document(client, world):
    case = opinion_case(world)
    client.force_login(world.city_reviewer)
    page = client.get(reverse("review:policy_detail", args=[case.policy_id])).content.decode()
    notice = case.notices.get(kind=Notice.Kind.CORRECTION)
    assert reverse("documents:opinion", args=[case.opinion.pk]) + "?format=pdf" in page
    assert reverse("documents:opinion", args=[case.opinion.pk]) + "?format=docx" in page
    assert reverse("documents:notice", args=[notice.pk]) + "?format=pdf" in page
    assert reverse("documents:element_table", args=[case.policy_id]) + "?format=docx" in page


def test_missing_chinese_font_is_an_error(client, world, settings):
    case = opinion_case(world)
    settings.DOCUMENTS_FONTS = {"body": "仿宋_GB2312"}
    settings.DOCUMENTS_FALLBACK_FONTS = {"body": ["No Such Font SC", 400]}
    if fonts.installed_families() is None:
        pytest.skip("fc-list is not installed, so availability cannot be checked")
    with pytest.raises(fonts.FontError):
        render_pdf(content.opinion_document(case.opinion))

    client.force_login(world.city_reviewer)
    url = reverse("documents:opinion", args=[case.opinion.pk])
    assert client.get(url + "?format=pdf").status_code == 503
    assert client.get(url + "?format=docx").status_code == 200
