"""Sentences for the review entries of the policy history."""

from django.utils.translation import gettext_lazy as _

from policies.events import MESSAGES

MESSAGES.update(
    {
        "review.submitted": _("submitted the policy for standardization review to %(bureau)s"),
        "review.accepted": _("accepted the submission for review"),
        "review.materials_requested": _("returned the submission with a notice listing %(count)s missing materials, due %(due_on)s"),
        "review.preliminary_passed": _("passed the preliminary review and forwarded it to %(bureau)s"),
        "review.opinion_issued": _("issued opinion letter %(number)s"),
    }
)
