"""The review transitions. Each is one function with the same shape:

1. lock the case (or the policy) row;
2. check the state and the actor's right, raising a translated ReviewError;
3. change the fields and save them;
4. append a history entry;
5. schedule side effects to run after commit.

Views, the API, tasks and commands call these functions and nothing else
changes `ReviewCase.state`.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Organization
from policies import events
from policies.elements import missing_elements
from policies.models import ElementDefinition, Material, Policy

from .models import Notice, Opinion, ReviewCase, Stage, State, Submission

logger = logging.getLogger(__name__)


class ReviewError(Exception):
    """A transition was refused; the message is for the user, already translated."""

    def __init__(self, message, gaps=None):
        super().__init__(message)
        self.message = message
        self.gaps = gaps or []


def _already_handled(case):
    who = str(case.state_changed_by) if case.state_changed_by_id else _("someone else")
    when = date_format(timezone.localtime(case.state_changed_at), "DATETIME_FORMAT")
    return ReviewError(
        _("This case was already handled by %(who)s at %(when)s and is now “%(state)s”. Reload the page.")
        % {"who": who, "when": when, "state": case.get_state_display()}
    )


def _lock_case(case_id, allowed_states):
    # Lock the case row alone: a row joined into a locking query is read
    # from the snapshot taken before the wait, so it could be stale.
    case = ReviewCase.objects.select_for_update().get(pk=case_id)
    if case.state not in allowed_states:
        raise _already_handled(case)
    return case


def _check_reviewer(user, case):
    if not (user.is_reviewer and user.organization_id == case.reviewing_bureau_id):
        raise ReviewError(_("Only a reviewer of %(bureau)s can do this.") % {"bureau": case.reviewing_bureau.name})


def _move(case, user, state, **fields):
    previous = case.state
    case.state = state
    case.state_changed_at = timezone.now()
    case.state_changed_by = user
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    return previous


def _record(case, code, user, previous, **data):
    events.record(case.policy, code, user, case=case.pk, round=case.round, from_state=previous, to_state=case.state, **data)
    transaction.on_commit(
        lambda: logger.info("%s case=%s policy=%s user=%s", code, case.pk, case.policy_id, user.pk)
    )


def region_data_bureau(region):
    bureau = region.children.filter(kind=Organization.Kind.DATA_BUREAU).first()
    if bureau is None:
        raise ReviewError(
            _("%(region)s has no data bureau to review this policy. Ask the system administrator to add it.")
            % {"region": region.name}
        )
    return bureau


def submission_gaps(policy):
    """Return every reason the policy cannot be submitted yet, as sentences."""
    gaps = []
    present = set(policy.materials.filter(removed_at__isnull=True).values_list("kind", flat=True))
    for kind in Material.Kind:
        if kind.value not in present:
            gaps.append(_("Material missing: %(kind)s.") % {"kind": kind.label})

    items = list(policy.items.prefetch_related("values__element"))
    if not items:
        gaps.append(_("The policy has no service item. Add at least one."))
    definitions = list(ElementDefinition.objects.filter(active=True))
    for item in items:
        values = {v.element.code: v.value for v in item.values.all()}
        missing = missing_elements(definitions, values)
        if missing:
            gaps.append(
                _("Service item “%(item)s” lacks required elements: %(elements)s.")
                % {"item": item.name, "elements": "、".join(d.label for d in missing)}
            )
    return gaps


def build_snapshot(policy):
    items = []
    for item in policy.items.prefetch_related("values__element"):
        items.append(
            {
                "id": item.pk,
                "name": item.name,
                "values": {v.element.code: v.value for v in item.values.all()},
            }
        )
    return {
        "policy": {
            "title": policy.title,
            "doc_number": policy.doc_number,
            "level": policy.level,
            "lead_department": policy.lead_department.name,
            "co_departments": [d.name for d in policy.co_departments.all()],
            "summary": policy.summary,
        },
        "items": items,
        "materials": [
            {"id": m.pk, "kind": m.kind, "name": m.original_name, "sha256": m.sha256, "size": m.size}
            for m in policy.materials.filter(removed_at__isnull=True)
        ],
    }


def submit(user, policy):
    """Send the policy to its data bureau: first submission or resubmission after a materials notice."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update(of=("self",)).select_related("lead_department", "region").get(pk=policy.pk)
        if not (user.is_drafter and user.organization_id == policy.lead_department_id):
            raise ReviewError(_("Only the drafters of the lead department can submit this policy."))

        case = ReviewCase.objects.select_for_update().filter(policy=policy, closed_at__isnull=True).first()
        if case is not None and case.state not in State.editable_by_drafter():
            raise _already_handled(case)

        gaps = submission_gaps(policy)
        if gaps:
            raise ReviewError(_("The policy cannot be submitted yet. Complete the following:"), gaps=gaps)

        now = timezone.now()
        if case is None:
            bureau = region_data_bureau(policy.region)
            case = ReviewCase.objects.create(
                policy=policy,
                state=State.SUBMITTED,
                stage=Stage.CITY if policy.level == Policy.Level.CITY else Stage.DISTRICT,
                reviewing_bureau=bureau,
                state_changed_by=user,
            )
            previous = ""
        else:
            case.round += 1
            previous = _move(case, user, State.SUBMITTED)
            case.notices.filter(answered_at__isnull=True).update(answered_at=now)

        Submission.objects.create(case=case, number=case.round, snapshot=build_snapshot(policy), submitted_by=user)
        policy.is_locked = True
        if policy.submitted_at is None:
            policy.submitted_at = now
        policy.save(update_fields=["is_locked", "submitted_at", "updated_at"])
        _record(case, "review.submitted", user, previous, bureau=case.reviewing_bureau.name)
    return case


def accept(user, case):
    """Accept (受理) the submission at the current level; the review period starts."""
    with transaction.atomic():
        case = _lock_case(case.pk, State.awaiting_acceptance())
        _check_reviewer(user, case)
        now = timezone.now()
        if case.stage == Stage.DISTRICT:
            previous = _move(case, user, State.DISTRICT_REVIEW, district_accepted_at=now)
        else:
            previous = _move(case, user, State.CITY_REVIEW, city_accepted_at=now)
        _record(case, "review.accepted", user, previous, bureau=case.reviewing_bureau.name)
    return case


def request_materials(user, case, *, entries, due_on, note=""):
    """Return the submission with one notice listing everything missing (一次性告知)."""
    entries = [e.strip() for e in entries if e and e.strip()]
    with transaction.atomic():
        case = _lock_case(case.pk, [State.SUBMITTED])
        _check_reviewer(user, case)
        if not entries:
            raise ReviewError(_("List everything the drafter must supply, one entry per line."))
        if due_on <= timezone.localdate():
            raise ReviewError(_("The deadline to supply the materials must be after today."))
        Notice.objects.create(
            case=case, kind=Notice.Kind.MATERIALS, round=case.round, entries=entries, note=note, due_on=due_on, sent_by=user
        )
        previous = _move(case, user, State.MATERIALS_REQUESTED)
        Policy.objects.filter(pk=case.policy_id).update(is_locked=False)
        _record(case, "review.materials_requested", user, previous, count=len(entries), due_on=due_on.isoformat())
    return case


def pass_preliminary(user, case, *, comments=""):
    """Finish the district preliminary review (初审) and forward the case to the city."""
    with transaction.atomic():
        case = _lock_case(case.pk, [State.DISTRICT_REVIEW])
        _check_reviewer(user, case)
        city = case.policy.region.city
        bureau = region_data_bureau(city)
        previous = _move(case, user, State.FORWARDED, stage=Stage.CITY, reviewing_bureau=bureau)
        _record(case, "review.preliminary_passed", user, previous, comments=comments, bureau=bureau.name)
    return case


def _next_opinion_number(bureau, year):
    last = Opinion.objects.filter(issuing_bureau=bureau, year=year).order_by("-sequence").first()
    sequence = (last.sequence if last else 0) + 1
    city = bureau.city or bureau.region
    prefix = "%s政数审" % city.name[:1]
    return "%s〔%d〕%d号" % (prefix, year, sequence), sequence


def issue_opinion(user, case, *, conclusion, reasons=""):
    """Issue the opinion letter (标准化审查意见书) that ends the review."""
    reasons = (reasons or "").strip()
    with transaction.atomic():
        case = _lock_case(case.pk, [State.CITY_REVIEW])
        _check_reviewer(user, case)
        if conclusion not in Opinion.Conclusion.values:
            raise ReviewError(_("Choose whether the policy passed."))
        if conclusion == Opinion.Conclusion.FAIL and not reasons:
            raise ReviewError(_("Give the reasons why the policy did not pass."))

        # The bureau row lock serialises numbering within a bureau.
        bureau = Organization.objects.select_for_update().get(pk=case.reviewing_bureau_id)
        year = timezone.localdate().year
        number, sequence = _next_opinion_number(bureau, year)
        opinion = Opinion.objects.create(
            case=case,
            number=number,
            year=year,
            sequence=sequence,
            issuing_bureau=bureau,
            conclusion=conclusion,
            reasons=reasons,
            issued_by=user,
        )
        previous = _move(case, user, State.OPINION_ISSUED, closed_at=timezone.now())
        if conclusion == Opinion.Conclusion.FAIL:
            Policy.objects.filter(pk=case.policy_id).update(is_locked=False)
        _record(case, "review.opinion_issued", user, previous, number=number, conclusion=conclusion)
    return opinion


def actions_for(user, case):
    """Return the names of the transitions `user` may start on `case` now."""
    if case is None or not user.is_authenticated:
        return []
    actions = []
    if user.is_reviewer and user.organization_id == case.reviewing_bureau_id:
        if case.state in State.awaiting_acceptance():
            actions.append("accept")
        if case.state == State.SUBMITTED:
            actions.append("request_materials")
        if case.state == State.DISTRICT_REVIEW:
            actions.append("pass_preliminary")
        if case.state == State.CITY_REVIEW:
            actions.append("issue_opinion")
    return actions


def reviewer_queue(user):
    """Return the open cases waiting for `user`'s bureau."""
    if not user.is_reviewer:
        return ReviewCase.objects.none()
    return (
        ReviewCase.objects.open()
        .filter(reviewing_bureau_id=user.organization_id)
        .exclude(state=State.MATERIALS_REQUESTED)
        .select_related("policy", "policy__lead_department", "reviewing_bureau")
        .order_by("state_changed_at", "id")
    )
