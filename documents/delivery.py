"""Receipt of the notices and opinion letters sent to a drafting department.

A document counts as received when someone of the lead drafting department
opens or downloads it for the first time. For the opinion letter that moment
also starts the department's working days to respond (第九条), through
`review.services.confirm_receipt`.
"""

import logging

from django.db import transaction

from review import services as review_services
from review.models import Opinion, State
from review.workflow import is_lead_drafter

from .models import DocumentDelivery, DocumentKind

logger = logging.getLogger(__name__)


def record_opening(user, *, notice=None, opinion=None, file_format=""):
    """Record that `user` opened a notice or opinion letter; return the delivery, or None if `user` is not a recipient.

    Only the first opening is stored. Opening the opinion letter confirms its
    receipt while the case waits for it, which starts the response clock once.
    """
    document = notice if notice is not None else opinion
    case = document.case
    if not is_lead_drafter(user, case):
        return None

    if notice is not None:
        lookup = {"notice": notice}
        kind = DocumentKind.for_notice(notice)
    else:
        lookup = {"opinion": opinion}
        kind = DocumentKind.OPINION_LETTER
    with transaction.atomic():
        delivery, created = DocumentDelivery.objects.get_or_create(
            **lookup, defaults={"kind": kind, "first_opened_by": user, "first_format": file_format}
        )
    if created:
        logger.info("document %s %s first opened by user %s", kind, document.pk, user.pk)

    if opinion is not None:
        _confirm_opinion_receipt(user, opinion)
    return delivery


def _confirm_opinion_receipt(user, opinion):
    # confirm_receipt accepts a call only while the case waits for receipt,
    # so read the current values rather than those of the caller's objects.
    current = Opinion.objects.select_related("case").get(pk=opinion.pk)
    if current.received_at is not None or current.case.state != State.OPINION_ISSUED:
        return
    try:
        review_services.confirm_receipt(user, current.case)
    except review_services.ReviewError as error:
        # Another request confirmed the receipt between the check and the lock.
        logger.info("receipt of opinion %s not confirmed again: %s", opinion.pk, error.message)
