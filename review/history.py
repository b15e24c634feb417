"""Sentences for the review entries of the policy history."""

from django.utils.translation import gettext_lazy as _

from accounts import notifications
from policies.events import FORMATTERS, MESSAGES

from .models import Dispute

MESSAGES.update(
    {
        "review.submitted": _("submitted the policy for standardization review to %(bureau)s"),
        "review.adjustment_submitted": _("applied to %(bureau)s for the re-review of an adjustment"),
        "review.offline_requested": _("applied to %(bureau)s to take the policy offline"),
        "review.went_offline": _("the policy went offline on %(since)s"),
        "review.resubmitted": _("resubmitted the policy with the requested materials (round %(round)s)"),
        "review.accepted": _("accepted the submission; %(days)s working days to review"),
        "review.materials_requested": _(
            "returned the submission with a notice listing %(count)s missing materials, due %(due_on)s"
        ),
        "review.findings_recorded": _("recorded %(count)s element findings in round %(round)s"),
        "review.correction_requested": _("sent a correction notice listing %(count)s corrections, due %(due_on)s"),
        "review.corrected": _("resubmitted the corrected policy (round %(round)s); the review period resumes"),
        "review.preliminary_passed": _("passed the preliminary review and forwarded it to %(bureau)s"),
        "review.opinion_issued": _("issued opinion letter %(number)s"),
        "review.opinion_received": _("received opinion letter %(number)s; 5 working days to respond"),
        "review.responded": _("responded to the opinion letter"),
        "review.dispute_resolved": _("resolved the dispute over the opinion: %(outcome_label)s"),
        "review.golive_confirmed": _("confirmed the final content; approved on %(approved_on)s, goes live on %(golive_on)s"),
        "review.live": _("marked the policy live from %(since)s"),
        "review.withdrawn": _("withdrew the submission: %(reason)s"),
        "review.offline": _("approved taking the policy offline from %(since)s"),
        "review.adjustment_prepared": _("opened the live policy to prepare an adjustment"),
        "review.deadline_missed": _("a deadline of the drafting department passed without an answer (due %(due_on)s)"),
    }
)


def _outcome_label(data):
    try:
        return {"outcome_label": Dispute.Outcome(data.get("outcome")).label}
    except ValueError:
        return {"outcome_label": data.get("outcome", "")}


FORMATTERS["review.dispute_resolved"] = _outcome_label


def _render_case_moved(data):
    """Return the notification sentence for a review step that needs the reader's action."""
    template = MESSAGES.get(data.get("event"))
    try:
        step = str(template) % data if template is not None else data.get("event", "")
        return _("“%(title)s”: %(actor)s %(step)s") % {
            "title": data.get("title", ""),
            "actor": data.get("actor", ""),
            "step": step,
        }
    except (KeyError, TypeError, ValueError):
        return data.get("title", "")


notifications.RENDERERS["review.case_moved"] = _render_case_moved
