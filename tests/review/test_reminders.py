"""Deadline reminders and escalations, on dated cases, and the notification centre."""

import datetime
import smtplib
import threading
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Notification, Organization, Role, User
from accounts.notifications import describe, notify
from policyhub.celery import app as celery_app
from review import reminders, tasks
from review.models import Reminder
from tests.factories import World, org, user
from tests.review.builders import city_case_accepted, correction_requested, materials_requested, on

day = datetime.date.fromisoformat


def reminder_notes():
    """Return the reminder notifications, leaving out the ones review steps send."""
    return Notification.objects.filter(code__startswith="review.reminder.")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def with_addresses(*people):
    for person in people:
        person.email = "%s@example.gov.cn" % person.username
        person.save(update_fields=["email"])


def sweep(on_day, hour=10):
    """Run the reminder sweep at `hour` o'clock of `on_day`; return the new reminders."""
    with on(on_day, hour):
        return reminders.send_due_reminders()


def sweep_days(first, last):
    """Run the sweep once on every calendar day from `first` to `last`; return {sweep day: [(kind, reminder day)]}."""
    sent = {}
    current = day(first)
    while current <= day(last):
        new = sweep(current.isoformat())
        if new:
            sent[current.isoformat()] = [(r.kind, r.on_day.isoformat()) for r in new]
        current += datetime.timedelta(days=1)
    return sent


# -- reminder points on the calendar -------------------------------------------


def test_review_clock_over_national_day(world):
    # Accepted Mon 2026-09-28: 10 working days skip National Day
    # (10-01…10-07) and count the make-up Saturday 10-10, so due Fri 10-16.
    case = city_case_accepted(world, "2026-09-28")
    assert case.review_clock.due_date == day("2026-10-16")

    sent = sweep_days("2026-09-28", "2026-10-20")

    assert sent == {
        "2026-10-14": [("due_soon", "2026-10-14")],
        "2026-10-16": [("due_today", "2026-10-16")],
        "2026-10-19": [("overdue", "2026-10-19"), ("escalation", "2026-10-19")],
        "2026-10-20": [("overdue", "2026-10-20"), ("escalation", "2026-10-20")],
    }


def test_drafter_deadline_due_on_makeup_saturday(world):
    # A correction notice of 5 working days sent Mon 2026-09-28 is due on the
    # make-up workday Sat 10-10; 2 working days before it is Thu 10-08, the
    # first working day after the holiday.
    case = correction_requested(world, "2026-09-28", days=5)
    assert case.drafter_clock.due_date == day("2026-10-10")

    sent = sweep_days("2026-09-28", "2026-10-12")

    assert sent == {
        "2026-10-08": [("due_soon", "2026-10-08")],
        "2026-10-10": [("due_today", "2026-10-10")],
        "2026-10-12": [("overdue", "2026-10-12"), ("escalation", "2026-10-12")],
    }


def test_day_before_reminder_lands_before_the_holiday(world):
    # 3 working days from Mon 2026-09-28 end on Thu 10-08; 2 working days
    # before it is Tue 09-29, a week before the due date in calendar days.
    case = materials_requested(world, "2026-09-28", days=3)
    assert case.drafter_clock.due_date == day("2026-10-08")

    sent = sweep_days("2026-09-28", "2026-10-08")

    assert sent == {
        "2026-09-29": [("due_soon", "2026-09-29")],
        "2026-10-08": [("due_today", "2026-10-08")],
    }


def test_missed_point_is_sent_on_next_sweep(world):
    case = city_case_accepted(world, "2026-09-28")

    late = sweep("2026-10-15")

    assert [(r.kind, r.on_day) for r in late] == [("due_soon", day("2026-10-14"))]
    assert late[0].workdays_left == 1
    assert sweep("2026-10-15", hour=16) == []
    assert case.reminders.count() == 1


def test_due_today_replaces_missed_due_soon(world):
    city_case_accepted(world, "2026-09-28")

    sent = sweep("2026-10-16")

    assert [r.kind for r in sent] == ["due_today"]


def test_no_reminder_on_a_holiday(world):
    materials_requested(world, "2026-09-28", days=3)

    assert sweep("2026-10-03") == []
    assert not Reminder.objects.exists()


def test_no_point_before_the_clock_started(world):
    # A 1-day notice is due the next working day: its 2-days-before point
    # falls before the notice, which informed the drafter already.
    materials_requested(world, "2026-09-29", days=1)

    assert sweep("2026-09-29") == []
    assert [r.kind for r in sweep("2026-09-30")] == ["due_today"]


def test_paused_review_clock_sends_nothing(world):
    case = correction_requested(world, "2026-09-28", days=5)
    assert case.review_clock.state == "paused"

    sweep_days("2026-09-28", "2026-10-12")

    assert not Reminder.objects.filter(clock=case.review_clock).exists()
    assert Reminder.objects.filter(clock=case.drafter_clock).exists()


@pytest.mark.parametrize(
    "points, expected",
    [([3, 1], ["2026-10-13", "2026-10-15"]), ([1], ["2026-10-15"]), ([], [])],
)
def test_points_follow_the_setting(world, settings, points, expected):
    settings.REMINDER_DAYS_BEFORE_DUE = points
    city_case_accepted(world, "2026-09-28")

    sent = sweep_days("2026-10-12", "2026-10-15")

    assert sorted(sent) == expected


def test_escalation_every_five_working_days(world, settings):
    settings.REMINDER_ESCALATION_EVERY = 5
    case = city_case_accepted(world, "2026-09-28")

    sweep_days("2026-10-19", "2026-10-27")

    escalations = list(case.reminders.filter(kind="escalation").order_by("on_day").values_list("on_day", flat=True))
    overdue = case.reminders.filter(kind="overdue").count()
    assert escalations == [day("2026-10-19"), day("2026-10-26")]
    assert overdue == 7


def test_overdue_reminders_can_be_turned_off(world, settings):
    settings.REMINDER_OVERDUE_EVERY = 0
    settings.REMINDER_ESCALATION_EVERY = 0
    city_case_accepted(world, "2026-09-28")

    assert sweep("2026-10-19") == []


# -- idempotence ---------------------------------------------------------------


def test_sweeping_twice_sends_once(world, django_capture_on_commit_callbacks):
    with_addresses(world.city_reviewer)
    city_case_accepted(world, "2026-09-28")

    with django_capture_on_commit_callbacks(execute=True):
        first = sweep("2026-10-14", hour=8)
    with django_capture_on_commit_callbacks(execute=True):
        second = sweep("2026-10-14", hour=9)

    assert len(first) == 1
    assert second == []
    assert Reminder.objects.count() == 1
    assert reminder_notes().filter(user=world.city_reviewer).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["city_reviewer@example.gov.cn"]


# serialized_rollback restores the rows that data migrations load (the
# element catalog, the holiday calendar, content types) before the test and
# keeps the flush after it from recreating them for the next such test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not getattr(settings, "USING_POSTGRES", False), reason="row locks need PostgreSQL")
def test_concurrent_sweeps_send_once():
    world = World()
    city_head = user("city_head", Role.DEPARTMENT_HEAD, world.city_dept, "市工信局长")
    with_addresses(world.city_drafter, city_head, world.supervisor)
    materials_requested(world, "2026-09-28", days=3)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            # Threads share time_machine's frozen clock, so each passes the day.
            results.append(reminders.send_due_reminders(day("2026-10-09")))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    # Each reminder is claimed by one of the two sweeps, whichever came first.
    assert sum(len(sent) for sent in results) == 2
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == ["escalation", "overdue"]
    assert reminder_notes().filter(user=world.city_drafter).count() == 1
    assert reminder_notes().filter(user=city_head).count() == 1
    assert reminder_notes().filter(user=world.supervisor).count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == [
        "city_drafter@example.gov.cn",
        "city_head@example.gov.cn",
        "supervisor@example.gov.cn",
    ]


# -- recipients ----------------------------------------------------------------


@pytest.fixture
def bystanders(world):
    """People who must never receive the reminders of the world's city policies."""
    other_audit = org("th-sjs", "通化市审计局", Organization.Kind.AUDIT_BUREAU, world.other_city)
    return [
        world.drafter,
        world.head,
        world.other_drafter,
        world.district_reviewer,
        world.other_city_reviewer,
        user("th_supervisor", Role.SUPERVISOR, other_audit, "通化督查"),
    ]


def recipients(reminder):
    return set(User.objects.filter(pk__in=reminder.recipient_ids).values_list("username", flat=True))


def test_drafter_deadline_escalates_to_head_and_supervisors(world, bystanders):
    case = materials_requested(world, "2026-09-28", days=3)
    colleague = user("city_drafter_2", Role.DRAFTER, world.city_dept, "钱同事")
    user("city_head", Role.DEPARTMENT_HEAD, world.city_dept, "市工信局长")
    retired = user("retired", Role.DRAFTER, world.city_dept, "退休")
    retired.is_active = False
    retired.save()

    sweep("2026-10-09")

    overdue = case.reminders.get(kind="overdue")
    escalation = case.reminders.get(kind="escalation")
    assert recipients(overdue) == {"city_drafter", colleague.username}
    assert recipients(escalation) == {"city_head", "supervisor"}
    assert overdue.workdays_left == -1
    reached = set(reminder_notes().values_list("user__username", flat=True))
    assert not reached & {person.username for person in bystanders}
    assert "retired" not in reached


def test_review_deadline_escalates_to_supervisors(world, bystanders):
    case = city_case_accepted(world, "2026-09-28")

    sweep("2026-10-19")

    assert recipients(case.reminders.get(kind="overdue")) == {"city_reviewer"}
    assert recipients(case.reminders.get(kind="escalation")) == {"supervisor"}
    reached = set(reminder_notes().values_list("user__username", flat=True))
    assert not reached & {person.username for person in bystanders}


def test_district_review_reminds_the_district_bureau(world):
    from review import services
    from tests.factories import make_policy

    with on("2026-09-28"):
        case = services.submit(world.drafter, make_policy(world.drafter))
        services.accept(world.district_reviewer, case)

    sweep("2026-10-14")

    assert recipients(case.reminders.get(kind="due_soon")) == {"district_reviewer"}


# -- provisional years and sentences ---------------------------------------------


def test_reminder_in_a_provisional_year_is_marked(world):
    # 2027 has no holiday notice yet, so the due date counts weekends only.
    case = city_case_accepted(world, "2026-12-24")
    assert case.review_clock.due_date == day("2027-01-07")
    assert case.review_clock.is_provisional

    sent = sweep("2027-01-05")

    assert [r.kind for r in sent] == ["due_soon"]
    assert sent[0].is_provisional
    notification = reminder_notes().get(user=world.city_reviewer)
    assert notification.data["provisional"] is True
    assert "provisional" in describe(notification)


def test_notification_sentence_names_deadline_and_days(world):
    city_case_accepted(world, "2026-09-28")

    sweep("2026-10-14")
    sweep("2026-10-20")

    texts = [describe(n) for n in reminder_notes().filter(user=world.city_reviewer).order_by("created_at", "id")]
    assert texts[0] == "City review for “长春市工业企业奖励办法”: due on 2026-10-16, in 2 working days."
    assert texts[-1] == "City review for “长春市工业企业奖励办法”: due on 2026-10-16, 2 working days overdue."
    escalation = describe(reminder_notes().filter(user=world.supervisor).latest("created_at"))
    assert escalation.startswith("Escalation: City review for “长春市工业企业奖励办法”, the duty of 长春市政务服务")


def test_notification_link_opens_the_policy(world):
    case = city_case_accepted(world, "2026-09-28")

    sweep("2026-10-14")

    note = reminder_notes().get(user=world.city_reviewer)
    assert note.url == reverse("review:policy_detail", args=[case.policy_id])


# -- e-mail --------------------------------------------------------------------


def test_email_goes_out_in_the_recipient_language(world, django_capture_on_commit_callbacks):
    city_head = user("city_head", Role.DEPARTMENT_HEAD, world.city_dept, "市工信局长")
    city_head.language = "en"
    city_head.save(update_fields=["language"])
    with_addresses(world.city_drafter, city_head)
    assert world.city_drafter.language == "zh-hans"
    materials_requested(world, "2026-09-28", days=3)

    with django_capture_on_commit_callbacks(execute=True):
        sweep("2026-10-09")

    by_address = {message.to[0]: message for message in mail.outbox}
    english_mail = by_address["city_head@example.gov.cn"]
    chinese_mail = by_address["city_drafter@example.gov.cn"]
    head_note = reminder_notes().get(user=city_head)
    drafter_note = reminder_notes().get(user=world.city_drafter)
    with translation.override("zh-hans"):
        chinese_text = describe(drafter_note)
    assert english_mail.subject.startswith("PolicyHub: Escalation: Supplementary materials for “长春市服务业奖励办法”")
    assert describe(head_note) in english_mail.body
    assert chinese_text in chinese_mail.body
    assert chinese_text != describe(drafter_note)
    assert "http://127.0.0.1:8000" + drafter_note.url in chinese_mail.body
    assert head_note.email_status == Notification.EmailStatus.SENT
    assert head_note.emailed_at is not None


def test_user_without_address_gets_no_email(world, django_capture_on_commit_callbacks):
    materials_requested(world, "2026-09-28", days=3)

    with django_capture_on_commit_callbacks(execute=True):
        sweep("2026-10-09")

    assert mail.outbox == []
    statuses = set(reminder_notes().values_list("email_status", flat=True))
    assert statuses == {Notification.EmailStatus.NO_ADDRESS}


def test_email_task_retries_a_dropped_connection(world, django_capture_on_commit_callbacks):
    with_addresses(world.city_reviewer)
    city_case_accepted(world, "2026-09-28")
    real_send = mail.send_mail
    calls = []

    def flaky_send(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(*args, **kwargs)

    with django_capture_on_commit_callbacks():
        sweep("2026-10-14")
    pending = list(reminder_notes().values_list("pk", flat=True))
    with mock.patch("accounts.notifications.send_mail", flaky_send):
        # throw=False lets an eager task retry the way a worker does.
        result = tasks.email_notifications.apply(args=[pending], throw=False)

    assert result.get() == 1
    assert len(calls) == 2
    assert len(mail.outbox) == 1
    assert reminder_notes().get().email_status == Notification.EmailStatus.SENT


def test_refused_address_is_not_retried(world, django_capture_on_commit_callbacks):
    with_addresses(world.city_reviewer)
    city_case_accepted(world, "2026-09-28")
    refused = smtplib.SMTPRecipientsRefused({"city_reviewer@example.gov.cn": (550, b"No such user")})

    with mock.patch("accounts.notifications.send_mail", side_effect=refused) as send:
        with django_capture_on_commit_callbacks(execute=True):
            sweep("2026-10-14")

    assert send.call_count == 1
    assert Reminder.objects.count() == 1
    assert reminder_notes().get().email_status == Notification.EmailStatus.REFUSED


def test_sweep_task_queues_stale_pending_emails(world):
    with_addresses(world.city_reviewer)
    data = {"title": "长春市工业企业奖励办法", "deadline": "review.city", "due_on": "2026-10-16"}
    with on("2026-10-14"):
        stale = notify(world.city_reviewer, "review.reminder.due_today", **data)
        fresh = notify(world.city_reviewer, "review.reminder.due_today", **data)
        reminder_notes().filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=30))

        tasks.send_reminders.apply()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.email_status == Notification.EmailStatus.SENT
    assert fresh.email_status == Notification.EmailStatus.PENDING
    assert len(mail.outbox) == 1


def test_sweep_task_dispatches_emails_after_commit(world, django_capture_on_commit_callbacks):
    with_addresses(world.city_reviewer)
    city_case_accepted(world, "2026-09-28")

    with on("2026-10-14"):
        with django_capture_on_commit_callbacks() as callbacks:
            result = tasks.send_reminders.apply()

    assert result.get() == 1
    assert len(callbacks) == 1
    assert mail.outbox == []


# -- the Celery set-up -----------------------------------------------------------


def test_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert {entry["task"] for entry in schedule.values()} <= set(celery_app.tasks)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    sweep_entry = schedule["send-deadline-reminders"]["schedule"]
    assert sweep_entry.minute == {0, 15, 30, 45}
    assert sweep_entry.hour == set(range(8, 18))
    assert schedule["archive-finished-reviews"]["schedule"].hour == {2}


def test_tasks_ack_late_with_bounded_retries():
    for task in (
        tasks.send_reminders,
        tasks.email_notifications,
        tasks.record_missed_deadlines,
        tasks.archive_finished_reviews,
        tasks.archive_review,
    ):
        assert task.acks_late, task.name
        assert task.max_retries == 5, task.name
        assert task.autoretry_for, task.name
        assert Exception not in task.autoretry_for, task.name
    assert settings.CELERY_TASK_ACKS_LATE is False


def test_missed_deadline_task_records_once(world):
    case = materials_requested(world, "2026-09-28", days=3)

    with on("2026-10-09"):
        first = tasks.record_missed_deadlines.apply().get()
        second = tasks.record_missed_deadlines.apply().get()

    assert (first, second) == (1, 0)
    assert case.department_records.count() == 1


# -- the demo --------------------------------------------------------------------


@pytest.mark.slow
def test_demo_shows_reminders_and_escalations(db):
    from review import demo

    with on("2026-12-04"):
        demo.load()
        demo.load()

    kinds = sorted(Reminder.objects.values_list("kind", flat=True))
    assert kinds == ["due_soon", "due_today", "escalation", "escalation", "overdue", "overdue"]
    reached = set(reminder_notes().values_list("user__username", flat=True))
    assert {"drafter", "head", "district_reviewer", "city_reviewer", "supervisor"} <= reached
