"""Celery tasks of the review: reminders, missed deadlines, archiving.

Each task takes ids or nothing, reads the rows again and calls the
function that does the work in `review.reminders`, `review.archive`,
`review.services` or `accounts.notifications`. Every task here is safe
to run twice, so each acknowledges late: a worker killed in the middle
leaves the message to be delivered again (after the broker's visibility
timeout) instead of losing it. Retries happen only on the named transient
errors, a bounded number of times.
"""

import smtplib

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts import notifications

from . import archive, reminders, services

DATABASE_ERRORS = (OperationalError, InterfaceError)
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Errors of the mail server that a later attempt may not meet. A refused
# recipient or message is not among them.
SMTP_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)

RETRY_OPTIONS = {
    "acks_late": True,
    "max_retries": 5,
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
}


@shared_task(autoretry_for=DATABASE_ERRORS + BROKER_ERRORS, soft_time_limit=10 * 60, **RETRY_OPTIONS)
def send_reminders():
    """Send the deadline reminders due today and queue the e-mails left pending; return the number of reminders."""
    sent = reminders.send_due_reminders()
    reminders.queue_pending_emails()
    return len(sent)


@shared_task(autoretry_for=DATABASE_ERRORS + SMTP_ERRORS, soft_time_limit=5 * 60, **RETRY_OPTIONS)
def email_notifications(notification_ids):
    """Send the e-mail copies of the given notifications; those already sent are skipped. Return the number sent."""
    return sum(1 for pk in notification_ids if notifications.email_notification(pk))


@shared_task(autoretry_for=DATABASE_ERRORS, soft_time_limit=10 * 60, **RETRY_OPTIONS)
def record_missed_deadlines():
    """Record against the drafting departments the deadlines they missed; return the number recorded."""
    return len(services.record_missed_deadlines())


@shared_task(autoretry_for=DATABASE_ERRORS, soft_time_limit=10 * 60, **RETRY_OPTIONS)
def take_policies_offline():
    """Take offline the policies whose approved repeal takes effect today."""
    return services.take_offline_due()


@shared_task(autoretry_for=DATABASE_ERRORS + BROKER_ERRORS, soft_time_limit=5 * 60, **RETRY_OPTIONS)
def archive_finished_reviews():
    """Queue one archiving task per finished review that is due; return the number queued."""
    case_ids = archive.cases_due()
    for case_id in case_ids:
        archive_review.delay(case_id)
    return len(case_ids)


@shared_task(autoretry_for=DATABASE_ERRORS, soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY_OPTIONS)
def archive_review(case_id):
    """Archive one finished review into the review ledger; return the entry's id, or None if another worker has it."""
    record = archive.archive_case(case_id)
    return record.pk if record is not None else None
