"""Notifications: recording them, rendering them for readers, e-mailing them.

A notification stores a code and facts, never a sentence. An app that sends
notifications registers one renderer per code in `RENDERERS` when it loads
(`review.reminders` does so for deadline reminders). A renderer takes the
stored data and returns the sentence in the active language, so the
centre shows each reader their own language and the e-mail copy goes out
in the recipient's.
"""

import logging
import smtplib
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import Notification, User

logger = logging.getLogger(__name__)

# code → callable(data) returning the sentence in the active language.
RENDERERS = {}

SUBJECT_MAX_LENGTH = 120


def notify(user, code, *, url="", email=True, **data):
    """Create a notification for `user` and return it.

    The e-mail copy is marked pending when `email` is true and the user has
    an address. The caller sends it after commit with `email_notification`.
    """
    if not email:
        status = Notification.EmailStatus.IN_APP_ONLY
    elif user.email:
        status = Notification.EmailStatus.PENDING
    else:
        status = Notification.EmailStatus.NO_ADDRESS
    return Notification.objects.create(user=user, code=code, data=data, url=url, email_status=status)


def describe(notification):
    """Return the sentence for `notification` in the active language, or its code when no renderer is registered."""
    renderer = RENDERERS.get(notification.code)
    if renderer is None:
        return notification.code
    return renderer(notification.data)


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _email_text(notification):
    sentence = describe(notification)
    subject = gettext("PolicyHub: %(summary)s") % {"summary": sentence}
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1] + "…"
    lines = [sentence, ""]
    if notification.url:
        lines.append(gettext("Open: %(url)s") % {"url": urljoin(settings.SITE_URL, notification.url)})
    lines.append(
        gettext("All your notifications: %(url)s")
        % {"url": urljoin(settings.SITE_URL, reverse("accounts:notifications"))}
    )
    lines += ["", gettext("This message was sent by PolicyHub. Do not reply to it.")]
    return subject, "\n".join(lines)


def email_notification(notification_id):
    """Send the e-mail copy of a notification in the recipient's language; return whether it was sent by this call.

    The row lock makes a second call for the same notification wait and
    then find it sent, so retries and duplicate tasks send one e-mail. An
    SMTP error rolls back and leaves the copy pending for a retry. A crash
    after the mail server accepted the message and before the commit also
    leaves it pending, and then that one message is sent twice. An address
    the server refuses is marked refused and not tried again.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, email_status=Notification.EmailStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        user = User.objects.get(pk=notification.user_id)
        if not user.email or not user.is_active:
            notification.email_status = Notification.EmailStatus.NO_ADDRESS
            notification.save(update_fields=["email_status"])
            return False

        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = _email_text(notification)
        try:
            send_mail(subject, body, None, [user.email])
        except smtplib.SMTPRecipientsRefused as error:
            # A refused address fails the same way on every attempt.
            logger.warning(
                "notification e-mail rejected by the mail server notification=%s user=%s recipients=%s",
                notification.pk,
                user.pk,
                error.recipients,
            )
            notification.email_status = Notification.EmailStatus.REFUSED
            notification.save(update_fields=["email_status"])
            return False

        notification.email_status = Notification.EmailStatus.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["email_status", "emailed_at"])
    logger.info("notification e-mailed notification=%s user=%s code=%s", notification.pk, user.pk, notification.code)
    return True


def pending_email_ids(created_after, created_before):
    """Return the ids of notifications created in (created_after, created_before] whose e-mail copy is still pending."""
    return list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING,
            created_at__gt=created_after,
            created_at__lte=created_before,
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
