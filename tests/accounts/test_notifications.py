"""The notification centre: listing, marking as read, the header count, the e-mail copy."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts import notifications
from accounts.context_processors import navigation
from accounts.models import Notification
from accounts.notifications import describe, email_notification, notify

CODE = "tests.greeting"
LIST_START = datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def greeting_renderer(monkeypatch):
    # "Log out" is in the zh_Hans catalog, so the sentence shows the active language.
    monkeypatch.setitem(notifications.RENDERERS, CODE, lambda data: "%s: %s" % (gettext("Log out"), data["name"]))


def notes(person, count, created_at=LIST_START):
    """Create `count` notifications for `person`, a minute apart from `created_at` (or now, if None)."""
    created = []
    for number in range(count):
        note = notify(person, CODE, url="/policies/", name="第%d条" % number)
        if created_at is not None:
            Notification.objects.filter(pk=note.pk).update(created_at=created_at + datetime.timedelta(minutes=number))
        created.append(note)
    return created


def test_centre_lists_own_notifications_newest_first(world, client):
    mine = notes(world.city_reviewer, 3)
    notes(world.supervisor, 2)
    client.force_login(world.city_reviewer)

    response = client.get(reverse("accounts:notifications"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    shown = [row["notification"].pk for row in response.context["rows"]]
    assert shown == [note.pk for note in reversed(mine)]
    assert "Log out: 第2条" in response.content.decode()


def test_centre_renders_in_the_reader_language(world, client):
    notes(world.city_reviewer, 1)
    client.force_login(world.city_reviewer)

    page = client.get(reverse("accounts:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "退出登录: 第0条" in page


def test_centre_pages_by_25(world, client):
    notes(world.city_reviewer, 30)
    client.force_login(world.city_reviewer)

    first = client.get(reverse("accounts:notifications"))
    second = client.get(reverse("accounts:notifications"), {"page": 2})

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 5


def test_mark_as_read_is_post_only(world, client):
    (note,) = notes(world.city_reviewer, 1)
    client.force_login(world.city_reviewer)
    url = reverse("accounts:notification_read", args=[note.pk])

    assert client.get(url).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None

    response = client.post(url, {"next": reverse("accounts:notifications") + "?page=1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:notifications") + "?page=1"
    note.refresh_from_db()
    assert note.read_at is not None


def test_other_users_notification_cannot_be_marked(world, client):
    (note,) = notes(world.supervisor, 1)
    client.force_login(world.city_reviewer)

    response = client.post(reverse("accounts:notification_read", args=[note.pk]))

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_as_read_touches_only_own(world, client):
    notes(world.city_reviewer, 3)
    (theirs,) = notes(world.supervisor, 1)
    client.force_login(world.city_reviewer)

    assert client.get(reverse("accounts:notifications_read_all")).status_code == 405
    response = client.post(reverse("accounts:notifications_read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.city_reviewer, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_next_outside_the_site_is_ignored(world, client):
    (note,) = notes(world.city_reviewer, 1)
    client.force_login(world.city_reviewer)

    response = client.post(reverse("accounts:notification_read", args=[note.pk]), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("accounts:notifications")


def test_centre_needs_login(client):
    response = client.get(reverse("accounts:notifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_header_shows_unread_count(world, client):
    read, _unread = notes(world.city_reviewer, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(world.city_reviewer)

    page = client.get(reverse("review:queue")).content.decode()

    assert 'data-testid="unread-count">1<' in page


def test_unread_count_costs_one_query(world, django_assert_num_queries):
    notes(world.city_reviewer, 3)
    request = RequestFactory().get("/")
    request.user = world.city_reviewer

    with django_assert_num_queries(1):
        context = navigation(request)

    assert context["unread_notifications"] == 3


def test_unknown_code_is_shown_as_is(world):
    note = notify(world.city_reviewer, "tests.unregistered")

    assert describe(note) == "tests.unregistered"


# -- the e-mail copy -------------------------------------------------------------


def test_email_copy_is_sent_once(world):
    world.city_reviewer.email = "reviewer@example.gov.cn"
    world.city_reviewer.language = "en"
    world.city_reviewer.save(update_fields=["email", "language"])
    (note,) = notes(world.city_reviewer, 1, created_at=None)

    assert email_notification(note.pk) is True
    assert email_notification(note.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "PolicyHub: Log out: 第0条"
    assert "http://127.0.0.1:8000/policies/" in message.body
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.SENT


def test_email_copy_uses_the_recipient_language(world):
    world.city_reviewer.email = "reviewer@example.gov.cn"
    world.city_reviewer.save(update_fields=["email"])
    assert world.city_reviewer.language == "zh-hans"
    (note,) = notes(world.city_reviewer, 1, created_at=None)

    email_notification(note.pk)

    with translation.override("zh-hans"):
        expected = describe(note)
    assert expected != describe(note)
    assert expected in mail.outbox[0].body


def test_no_address_no_email(world):
    (note,) = notes(world.city_reviewer, 1, created_at=None)

    assert note.email_status == Notification.EmailStatus.NO_ADDRESS
    assert email_notification(note.pk) is False
    assert mail.outbox == []


def test_refused_address_is_marked_and_not_retried(world):
    world.city_reviewer.email = "nobody@example.gov.cn"
    world.city_reviewer.save(update_fields=["email"])
    (note,) = notes(world.city_reviewer, 1, created_at=None)
    refused = smtplib.SMTPRecipientsRefused({"nobody@example.gov.cn": (550, b"No such user")})

    with mock.patch("accounts.notifications.send_mail", side_effect=refused):
        assert email_notification(note.pk) is False

    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.REFUSED
    assert email_notification(note.pk) is False


def test_dropped_connection_leaves_the_copy_pending(world):
    world.city_reviewer.email = "reviewer@example.gov.cn"
    world.city_reviewer.save(update_fields=["email"])
    (note,) = notes(world.city_reviewer, 1, created_at=None)

    with mock.patch("accounts.notifications.send_mail", side_effect=smtplib.SMTPServerDisconnected("closed")):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            email_notification(note.pk)

    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.PENDING
