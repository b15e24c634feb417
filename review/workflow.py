"""The transition table of a review case.

Each transition names the states it may start from and who may start it.
`review.services` checks every call against this table, and the pages
offer exactly the actions it allows, so the two cannot disagree.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import State

LEAD_DRAFTER = "lead_drafter"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    actor: str
    label: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("resubmit_materials", (State.MATERIALS_REQUESTED,), LEAD_DRAFTER, _("Resubmit with the materials")),
        Transition("accept", (State.SUBMITTED, State.FORWARDED), REVIEWER, _("Accept for review")),
        Transition("request_materials", (State.SUBMITTED,), REVIEWER, _("Return: request missing materials")),
        Transition("record_findings", tuple(State.in_review()), REVIEWER, _("Review the elements")),
        Transition("request_correction", tuple(State.in_review()), REVIEWER, _("Send the correction notice")),
        Transition("resubmit_correction", (State.CORRECTION_REQUESTED,), LEAD_DRAFTER, _("Resubmit the corrections")),
        Transition("pass_preliminary", (State.DISTRICT_REVIEW,), REVIEWER, _("Pass preliminary review and forward to the city")),
        Transition("issue_opinion", (State.CITY_REVIEW,), REVIEWER, _("Issue the opinion letter")),
        Transition("approve_offline", tuple(State.in_review()), REVIEWER, _("Approve taking the policy offline")),
        Transition("confirm_receipt", (State.OPINION_ISSUED,), LEAD_DRAFTER, _("Confirm receipt of the opinion letter")),
        Transition("respond", (State.OPINION_ISSUED,), LEAD_DRAFTER, _("Respond to the opinion")),
        Transition("resolve_dispute", (State.DISPUTED,), REVIEWER, _("Resolve the dispute")),
        Transition("confirm_golive", (State.AWAITING_APPROVAL,), LEAD_DRAFTER, _("Confirm the final content and go-live date")),
        Transition("mark_live", (State.GOLIVE_CONFIRMED,), LEAD_DRAFTER, _("Mark the policy live")),
        Transition("withdraw", tuple(State.before_opinion()), LEAD_DRAFTER, _("Withdraw the submission")),
    ]
}


def is_lead_drafter(user, case):
    return user.is_authenticated and user.is_drafter and user.organization_id == case.policy.lead_department_id


def is_case_reviewer(user, case):
    return user.is_authenticated and user.is_reviewer and user.organization_id == case.reviewing_bureau_id


def actor_may(user, case, transition):
    if transition.actor == LEAD_DRAFTER:
        return is_lead_drafter(user, case)
    return is_case_reviewer(user, case)


def allowed_actions(user, case):
    """Return the names of the transitions `user` may start on `case` now, in table order."""
    if case is None or not case.is_open:
        return []
    names = []
    for transition in TRANSITIONS.values():
        if case.state not in transition.sources or not actor_may(user, case, transition):
            continue
        if not _fits_case(case, transition.name):
            continue
        names.append(transition.name)
    return names


def _fits_case(case, name):
    from .models import CaseKind, Stage

    offline = case.kind == CaseKind.OFFLINE
    if name == "approve_offline":
        return offline
    if name in ("record_findings", "request_correction", "pass_preliminary", "issue_opinion") and offline:
        return False
    if name == "pass_preliminary":
        return case.stage == Stage.DISTRICT
    if name == "confirm_receipt":
        opinion = getattr(case, "opinion", None)
        return opinion is not None and opinion.received_at is None
    if name == "respond":
        opinion = getattr(case, "opinion", None)
        return opinion is not None and opinion.received_at is not None
    return True
