"""Deadline reminders and escalations, sent by a periodic sweep.

On each working day the sweep looks at every running clock of an open
case. The owners of the clock are reminded on the working days set in
REMINDER_DAYS_BEFORE_DUE, and every REMINDER_OVERDUE_EVERY working days
once it is overdue. An overdue clock also escalates every
REMINDER_ESCALATION_EVERY working days: a review deadline to the
supervisors of the city, a drafter deadline to the head of the lead
department and the supervisors. Days are counted on the working-day
calendar, so no reminder falls on a weekend or holiday, and one that falls
on a make-up workday is sent that day.

Each reminder is a `Reminder` row keyed by (clock, kind, day). A sweep
claims the row and creates the notifications in one transaction, and only
the call that inserted the row sends anything, after commit. Retries,
duplicate deliveries, two beat processes and concurrent sweeps therefore
send each reminder once.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import notifications
from accounts.models import Notification, Role, User
from workdays import clock as clocks
from workdays.counting import WorkCalendar
from workdays.models import Clock
from workdays.store import get_calendar

from .models import Reminder, ReviewCase

logger = logging.getLogger(__name__)

# The subject of the reminder sentence, by kind of clock.
DEADLINE_LABELS = {
    "review.district": _("District preliminary review"),
    "review.city": _("City review"),
    "materials": _("Supplementary materials"),
    "correction": _("Corrections"),
    "response": _("Response to the opinion letter"),
}

# E-mail copies still pending this long after their notification was made
# are queued again by the sweep, for instance when the broker was down at
# commit time. Older ones are left alone, because a reminder that late is
# of no use.
EMAIL_RETRY_AFTER = timedelta(minutes=10)
EMAIL_GIVE_UP_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class ReminderPoint:
    """A reminder that a clock is due for, with its kind and the working day it belongs to."""

    kind: str
    on_day: date


def _latest_multiple(overdue, every):
    """Return the last overdue day count, at or below `overdue`, on which a reminder repeating every `every` days fell.

    The first one falls on the first overdue working day.
    """
    return 1 + (overdue - 1) // every * every


def reminder_points(clock: Clock, on_day: date, calendar: WorkCalendar) -> list[ReminderPoint]:
    """Return the reminders `clock` is due for on the working day `on_day`.

    Before and on the due date, that is the latest configured point that
    has been reached: a point missed because no sweep ran on its day is
    still sent until the next point takes over. A point on or before the
    day the clock started is skipped, because the notice that started the
    clock already informed its owners.
    """
    due = clock.due_date
    if due is None or clock.state != Clock.State.RUNNING:
        return []

    if on_day <= due:
        left = calendar.count_workdays(on_day, due).count
        reached = sorted(days for days in set(settings.REMINDER_DAYS_BEFORE_DUE) if days >= left)
        if not reached:
            return []
        days = reached[0]
        if days == 0:
            return [ReminderPoint(Reminder.Kind.DUE_TODAY, due)]
        point_day = calendar.latest_before(due, days).date
        if point_day <= clock.started_on:
            return []
        return [ReminderPoint(Reminder.Kind.DUE_SOON, point_day)]

    overdue = calendar.count_workdays(due, on_day).count
    points = []
    for kind, every in (
        (Reminder.Kind.OVERDUE, settings.REMINDER_OVERDUE_EVERY),
        (Reminder.Kind.ESCALATION, settings.REMINDER_ESCALATION_EVERY),
    ):
        if every >= 1 and overdue >= 1:
            point_day = calendar.add_workdays(due, _latest_multiple(overdue, every)).date
            points.append(ReminderPoint(kind, point_day))
    return points


def is_review_clock(case, clock):
    return clock.pk == case.review_clock_id


def owners(case, clock):
    """Return the active users bound by `clock`.

    Those are the reviewers of the reviewing bureau for the review clock,
    and the drafters of the lead department for a drafter deadline.
    """
    if is_review_clock(case, clock):
        people = User.objects.filter(
            organization_id=case.reviewing_bureau_id, role__in=[Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER]
        )
    else:
        people = User.objects.filter(organization_id=case.policy.lead_department_id, role=Role.DRAFTER)
    return list(people.filter(is_active=True).order_by("id"))


def escalation_recipients(case, clock):
    """Return the active users an overdue `clock` escalates to.

    Those are the supervisors of the policy's city and, for a drafter
    deadline, the head of the lead department as well.
    """
    scope = Q(role=Role.SUPERVISOR, organization__city_id=case.policy.region.city_id)
    if not is_review_clock(case, clock):
        scope |= Q(role=Role.DEPARTMENT_HEAD, organization_id=case.policy.lead_department_id)
    return list(User.objects.filter(scope, is_active=True).order_by("id"))


def _notification_data(case, clock, left, provisional):
    responsible = case.reviewing_bureau if is_review_clock(case, clock) else case.policy.lead_department
    return {
        "case": case.pk,
        "policy": case.policy_id,
        "title": case.policy.title[:120],
        "deadline": clock.kind,
        "due_on": clock.due_date.isoformat(),
        "left": left,
        "responsible": responsible.name,
        "provisional": provisional,
    }


def _queue_emails(notification_ids):
    from .tasks import email_notifications

    email_notifications.delay(notification_ids)


def _claim_and_notify(case, clock, point, on_day, calendar):
    """Insert the reminder row and notify its recipients; return the row, or None if it existed already."""
    if clock.due_date >= on_day:
        left = calendar.count_workdays(on_day, clock.due_date)
    else:
        counted = calendar.count_workdays(clock.due_date, on_day)
        left = counted._replace(count=-counted.count)
    provisional = clock.is_provisional or left.provisional
    if point.kind == Reminder.Kind.ESCALATION:
        recipients = escalation_recipients(case, clock)
    else:
        recipients = owners(case, clock)

    with transaction.atomic():
        reminder, created = Reminder.objects.get_or_create(
            clock=clock,
            kind=point.kind,
            on_day=point.on_day,
            defaults={
                "case": case,
                "due_on": clock.due_date,
                "workdays_left": left.count,
                "is_provisional": provisional,
                "recipient_ids": [person.pk for person in recipients],
            },
        )
        if not created:
            return None

        data = _notification_data(case, clock, left.count, provisional)
        url = reverse("review:policy_detail", args=[case.policy_id])
        created_notifications = [
            notifications.notify(person, "review.reminder." + point.kind, url=url, **data) for person in recipients
        ]
        pending = [n.pk for n in created_notifications if n.email_status == Notification.EmailStatus.PENDING]
        if pending:
            # robust=True keeps a broker outage from undoing the committed
            # reminder, and the next sweep queues the pending e-mails again.
            transaction.on_commit(lambda: _queue_emails(pending), robust=True)

    if not recipients:
        logger.warning("reminder without recipients reminder=%s case=%s clock=%s", reminder.pk, case.pk, clock.pk)
    logger.info(
        "reminder sent reminder=%s case=%s clock=%s kind=%s day=%s recipients=%s",
        reminder.pk,
        case.pk,
        clock.pk,
        point.kind,
        point.on_day,
        len(recipients),
    )
    return reminder


def running_clocks():
    """Yield (case, clock) for every running clock with a due date of an open case."""
    cases = (
        ReviewCase.objects.open()
        .filter(Q(review_clock__state=Clock.State.RUNNING) | Q(drafter_clock__state=Clock.State.RUNNING))
        .select_related("policy", "policy__region", "review_clock", "drafter_clock")
        .order_by("id")
    )
    for case in cases:
        for clock in (case.review_clock, case.drafter_clock):
            if clock is not None and clock.state == Clock.State.RUNNING and clock.due_date is not None:
                yield case, clock


def send_due_reminders(on_day=None):
    """Send the reminders and escalations due on `on_day` (today in Asia/Shanghai by default); return the new rows.

    Does nothing on a day that is not a working day. Safe to run any number
    of times and concurrently, because each reminder is sent once. An error on one
    clock is logged and the sweep goes on, except a lost database
    connection, which is raised so that the task retries.
    """
    on_day = on_day or clocks.today()
    calendar = get_calendar()
    if not calendar.is_workday(on_day):
        logger.info("no reminders on %s: not a working day", on_day)
        return []

    sent = []
    for case, clock in running_clocks():
        for point in reminder_points(clock, on_day, calendar):
            try:
                reminder = _claim_and_notify(case, clock, point, on_day, calendar)
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                logger.exception("reminder failed case=%s clock=%s kind=%s", case.pk, clock.pk, point.kind)
                continue
            if reminder is not None:
                sent.append(reminder)
    return sent


def queue_pending_emails(now=None):
    """Queue the e-mail copies that are still pending a while after their notification was made; return their ids."""
    now = now or timezone.now()
    ids = notifications.pending_email_ids(now - EMAIL_GIVE_UP_AFTER, now - EMAIL_RETRY_AFTER)
    if ids:
        _queue_emails(ids)
        logger.info("queued %s pending notification e-mails again", len(ids))
    return ids


# -- sentences -----------------------------------------------------------------


def _subject(data):
    label = DEADLINE_LABELS.get(data.get("deadline"))
    return str(label) if label is not None else gettext("Deadline")


def _with_provisional_note(sentence, data):
    if not data.get("provisional"):
        return sentence
    note = gettext("The due date is provisional: the holiday notice for that year has not been entered yet.")
    return "%s %s" % (sentence, note)


def _render_due_soon(data):
    left = data.get("left", 0)
    sentence = ngettext(
        "%(deadline)s for “%(title)s”: due on %(due_on)s, in %(left)s working day.",
        "%(deadline)s for “%(title)s”: due on %(due_on)s, in %(left)s working days.",
        left,
    ) % {"deadline": _subject(data), "title": data.get("title", ""), "due_on": data.get("due_on", ""), "left": left}
    return _with_provisional_note(sentence, data)


def _render_due_today(data):
    sentence = gettext("%(deadline)s for “%(title)s”: due today, %(due_on)s.") % {
        "deadline": _subject(data),
        "title": data.get("title", ""),
        "due_on": data.get("due_on", ""),
    }
    return _with_provisional_note(sentence, data)


def _render_overdue(data):
    overdue = -data.get("left", 0)
    sentence = ngettext(
        "%(deadline)s for “%(title)s”: due on %(due_on)s, %(overdue)s working day overdue.",
        "%(deadline)s for “%(title)s”: due on %(due_on)s, %(overdue)s working days overdue.",
        overdue,
    ) % {
        "deadline": _subject(data),
        "title": data.get("title", ""),
        "due_on": data.get("due_on", ""),
        "overdue": overdue,
    }
    return _with_provisional_note(sentence, data)


def _render_escalation(data):
    overdue = -data.get("left", 0)
    sentence = ngettext(
        "Escalation: %(deadline)s for “%(title)s”, the duty of %(responsible)s: due on %(due_on)s, "
        "%(overdue)s working day overdue.",
        "Escalation: %(deadline)s for “%(title)s”, the duty of %(responsible)s: due on %(due_on)s, "
        "%(overdue)s working days overdue.",
        overdue,
    ) % {
        "deadline": _subject(data),
        "title": data.get("title", ""),
        "responsible": data.get("responsible", ""),
        "due_on": data.get("due_on", ""),
        "overdue": overdue,
    }
    return _with_provisional_note(sentence, data)


notifications.RENDERERS.update(
    {
        "review.reminder." + Reminder.Kind.DUE_SOON: _render_due_soon,
        "review.reminder." + Reminder.Kind.DUE_TODAY: _render_due_today,
        "review.reminder." + Reminder.Kind.OVERDUE: _render_overdue,
        "review.reminder." + Reminder.Kind.ESCALATION: _render_escalation,
    }
)
