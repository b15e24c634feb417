"""The review transitions. Each is one function with the same shape:

1. lock the case (or the policy) row;
2. check the state and the actor's right against `review.workflow`,
   raising a translated ReviewError;
3. change the fields and save them, and move the deadline clocks;
4. append a history entry;
5. schedule side effects to run after commit.

Views, the API, tasks and commands call these functions, and nothing else
changes `ReviewCase.state`.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import notifications
from accounts.models import Organization, Role, User
from policies import events
from policies.elements import missing_elements
from policies.models import REQUIRED_MATERIALS, ElementDefinition, Policy
from workdays import clock as clocks
from workdays.store import get_calendar

from .models import (
    ArchiveRecord,
    CaseKind,
    DepartmentRecord,
    Dispute,
    Finding,
    Notice,
    Opinion,
    OpinionSeries,
    Response,
    ReviewCase,
    Stage,
    State,
    Submission,
)
from .workflow import TRANSITIONS, actor_may, allowed_actions, is_lead_drafter

logger = logging.getLogger(__name__)


class ReviewError(Exception):
    """A transition was refused; the message is for the user, already translated."""

    def __init__(self, message, gaps=None):
        super().__init__(message)
        self.message = message
        self.gaps = gaps or []


# -- helpers -------------------------------------------------------------


def _already_handled(case):
    actor = User.objects.filter(pk=case.state_changed_by_id).first() if case.state_changed_by_id else None
    who = str(actor) if actor is not None else _("someone else")
    when = date_format(timezone.localtime(case.state_changed_at), "DATETIME_FORMAT")
    return ReviewError(
        _("This case was already handled by %(who)s at %(when)s and is now “%(state)s”. Reload the page.")
        % {"who": who, "when": when, "state": case.get_state_display()}
    )


def already_handled_message(case):
    """Return the message that names who moved `case` on, and when."""
    return _already_handled(case).message


def _begin(case, name, user):
    """Lock the case row and check that `user` may start transition `name` now."""
    transition = TRANSITIONS[name]
    # Lock the case row alone: a row joined into a locking query is read
    # from the snapshot taken before the wait, so it could be stale.
    locked = ReviewCase.objects.select_for_update().get(pk=case.pk)
    # Only a finished case can have been archived.
    record = ArchiveRecord.objects.filter(case_id=locked.pk).first() if locked.state in State.terminal() else None
    if record is not None:
        raise ReviewError(
            _("This review was archived on %(date)s and can no longer be changed.")
            % {"date": date_format(timezone.localtime(record.archived_at), "DATE_FORMAT")}
        )
    locked = ReviewCase.objects.select_related("policy", "reviewing_bureau").get(pk=locked.pk)
    may_act = actor_may(user, locked, transition)
    if locked.state not in transition.sources:
        # Someone on the same side may have acted first. Anyone else gets
        # the message naming who may act, not who did.
        same_side = user.is_reviewer if transition.actor == "reviewer" else is_lead_drafter(user, locked)
        if may_act or same_side:
            raise _already_handled(locked)
    if not may_act:
        if transition.actor == "reviewer":
            raise ReviewError(
                _("Only a reviewer of %(bureau)s can do this.") % {"bureau": locked.reviewing_bureau.name}
            )
        raise ReviewError(_("Only the drafters of the lead department can do this."))
    if name not in allowed_actions(user, locked):
        raise ReviewError(_("This action is not available for this case now."))
    return locked


def _move(case, user, state, **fields):
    previous = case.state
    now = timezone.now()
    case.state = state
    case.state_changed_at = now
    case.state_changed_by = user
    if state in State.terminal():
        case.closed_at = now
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    return previous


# History codes whose entry is also sent to the people who must act next:
# the drafters of the lead department, or the reviewers of the bureau now
# holding the case.
NOTIFY_DRAFTERS = {"review.materials_requested", "review.correction_requested", "review.opinion_issued"}
NOTIFY_REVIEWERS = {
    "review.submitted",
    "review.adjustment_submitted",
    "review.offline_requested",
    "review.resubmitted",
    "review.corrected",
    "review.preliminary_passed",
    "review.responded",
}


def _notify_next(case, code, user, data):
    if code in NOTIFY_DRAFTERS:
        people = User.objects.filter(organization_id=case.policy.lead_department_id, role__in=[Role.DRAFTER])
    elif code in NOTIFY_REVIEWERS:
        people = User.objects.filter(
            organization_id=case.reviewing_bureau_id, role__in=[Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER]
        )
    else:
        return
    url = reverse("review:policy_detail", args=[case.policy_id])
    payload = {
        **{key: value for key, value in data.items() if isinstance(value, (str, int))},
        "title": case.policy.title[:120],
        "event": code,
        "actor": str(user) if user is not None else "",
        "round": case.round,
    }
    # In the notification centre only: the deadline reminders are what is
    # e-mailed.
    for person in people.filter(is_active=True).exclude(pk=getattr(user, "pk", None)).order_by("id"):
        notifications.notify(person, "review.case_moved", url=url, email=False, **payload)


def _record(case, code, user, previous, **data):
    events.record(
        case.policy, code, user, case=case.pk, round=case.round, from_state=previous, to_state=case.state, **data
    )
    _notify_next(case, code, user, data)
    user_id = getattr(user, "pk", None)
    transaction.on_commit(lambda: logger.info("%s case=%s policy=%s user=%s", code, case.pk, case.policy_id, user_id))


def _set_policy(policy_id, **fields):
    Policy.objects.filter(pk=policy_id).update(updated_at=timezone.now(), **fields)


def _list_separator():
    """Return the separator of an inline list in the active language: the enumeration comma in Chinese."""
    return "、" if (get_language() or "").startswith("zh") else ", "


def region_data_bureau(region):
    bureau = region.children.filter(kind=Organization.Kind.DATA_BUREAU).first()
    if bureau is None:
        raise ReviewError(
            _("%(region)s has no data bureau to review this policy. Ask the system administrator to add it.")
            % {"region": region.name}
        )
    return bureau


def _workdays_label(days):
    return _("%(days)s working days") % {"days": days}


def _start_drafter_clock(case, kind, days, user, label):
    if case.drafter_clock_id:
        _stop_if_open(case.drafter_clock, user)
    case.drafter_clock = clocks.start_clock(kind, days, clocks.today(), actor=user, label=label)


def _stop_if_open(clock, user, reason=""):
    if clock is not None and clock.state != clock.State.STOPPED:
        clocks.stop_clock(clock, max(clocks.today(), clock.started_on), actor=user, reason=reason)


def _record_if_late(case, kind, clock, detail=""):
    """Record against the drafting department a deadline it missed; once per clock and kind."""
    if clock is None or clock.due_date is None or clocks.today() <= clock.due_date:
        return None
    record, _created = DepartmentRecord.objects.get_or_create(
        case=case,
        kind=kind,
        clock=clock,
        defaults={"organization_id": case.policy.lead_department_id, "due_on": clock.due_date, "detail": detail},
    )
    return record


# -- submission ----------------------------------------------------------


def submission_gaps(policy, kind=CaseKind.INITIAL, since=None):
    """Return every reason the policy cannot be submitted yet, as sentences.

    `since` limits the materials to those uploaded after that moment; an
    adjustment or offline request needs a new application letter.
    """
    gaps = []
    materials = policy.materials.filter(removed_at__isnull=True)
    if since is not None:
        materials = materials.filter(uploaded_at__gt=since)
    present = set(materials.values_list("kind", flat=True))
    for material_kind in REQUIRED_MATERIALS[kind]:
        if material_kind.value not in present:
            gaps.append(_("Material missing: %(kind)s.") % {"kind": material_kind.label})
    if kind == CaseKind.OFFLINE:
        return gaps

    items = list(policy.items.prefetch_related("values__element"))
    if not items:
        gaps.append(_("The policy has no service item. Add at least one."))
    definitions = list(ElementDefinition.objects.filter(active=True))
    for item in items:
        values = {v.element.code: v.value for v in item.values.all()}
        values["item_name"] = {"text": item.name}
        missing = missing_elements(definitions, values)
        if missing:
            gaps.append(
                _("Service item “%(item)s” lacks required elements: %(elements)s.")
                % {"item": item.name, "elements": _list_separator().join(d.label for d in missing)}
            )
    return gaps


def build_snapshot(policy):
    items = []
    for item in policy.items.prefetch_related("values__element"):
        items.append(
            {"id": item.pk, "name": item.name, "values": {v.element.code: v.value for v in item.values.all()}}
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


def _same_content(old, new):
    """Compare two snapshots, ignoring the order of materials."""
    def key(snapshot):
        return (snapshot["policy"], snapshot["items"], sorted(m["sha256"] + m["kind"] for m in snapshot["materials"]))

    return key(old) == key(new)


def _last_closed_at(policy):
    last = policy.review_cases.filter(closed_at__isnull=False).order_by("-closed_at").first()
    return last.closed_at if last else None


def submit(user, policy, *, kind=CaseKind.INITIAL, effective_on=None, explanation=""):
    """Send the policy to its data bureau: a first review, an adjustment re-review or an offline request.

    An adjustment or offline request (第十三条) must arrive at least 5 working
    days before the change takes effect. A later one is accepted, but it is
    flagged and recorded against the department.
    """
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if not (user.is_drafter and user.organization_id == policy.lead_department_id):
            raise ReviewError(_("Only the drafters of the lead department can submit this policy."))

        open_case = ReviewCase.objects.select_for_update().filter(policy=policy, closed_at__isnull=True).first()
        if open_case is not None:
            raise _already_handled(open_case)

        since = None
        if kind == CaseKind.INITIAL:
            if policy.is_live:
                raise ReviewError(_("The policy is live. Apply for an adjustment or for taking it offline instead."))
        else:
            if not policy.is_live:
                raise ReviewError(_("Only a live policy can be adjusted or taken offline."))
            if effective_on is None:
                raise ReviewError(_("Enter the date on which the change takes effect."))
            if not explanation.strip():
                raise ReviewError(_("Explain the adjustment or the reason for the repeal."))
            since = _last_closed_at(policy)

        gaps = submission_gaps(policy, kind, since)
        if gaps:
            raise ReviewError(_("The policy cannot be submitted yet. Complete the following:"), gaps=gaps)

        bureau = region_data_bureau(policy.region)
        first_stage = Stage.CITY if policy.level == Policy.Level.CITY or kind == CaseKind.OFFLINE else Stage.DISTRICT
        case = ReviewCase(
            policy=policy,
            kind=kind,
            state=State.SUBMITTED,
            stage=first_stage,
            reviewing_bureau=bureau,
            state_changed_by=user,
            change_explanation=explanation.strip(),
        )
        if kind != CaseKind.INITIAL:
            result = get_calendar().latest_before(effective_on, settings.CHANGE_LEAD_DAYS)
            case.effective_on = effective_on
            case.apply_by = result.date
            case.is_late = clocks.today() > result.date
        case.save()
        if case.is_late:
            DepartmentRecord.objects.create(
                organization=policy.lead_department,
                case=case,
                kind=DepartmentRecord.Kind.LATE_CHANGE_APPLICATION,
                due_on=case.apply_by,
                detail=_("Takes effect on %(effective)s; the application was due by %(due)s.")
                % {"effective": effective_on.isoformat(), "due": case.apply_by.isoformat()},
            )

        Submission.objects.create(case=case, number=1, snapshot=build_snapshot(policy), submitted_by=user)
        policy.is_locked = True
        if policy.submitted_at is None:
            policy.submitted_at = timezone.now()
        policy.save(update_fields=["is_locked", "submitted_at", "updated_at"])
        code = {
            CaseKind.INITIAL: "review.submitted",
            CaseKind.ADJUSTMENT: "review.adjustment_submitted",
            CaseKind.OFFLINE: "review.offline_requested",
        }[kind]
        _record(case, code, user, "", bureau=bureau.name, kind=kind, late=case.is_late)
    return case


def _new_round(case, user):
    """Store the policy as the next round; refuse when nothing changed since the last one."""
    policy = case.policy
    snapshot = build_snapshot(policy)
    last = case.submissions.order_by("-number").first()
    if last is not None and _same_content(last.snapshot, snapshot):
        raise ReviewError(
            _("Nothing has changed since round %(round)s. Make the requested changes, then resubmit.")
            % {"round": last.number}
        )
    case.round += 1
    Submission.objects.create(case=case, number=case.round, snapshot=snapshot, submitted_by=user)


def _content_changed(case):
    last = case.submissions.order_by("-number").first()
    return last is None or not _same_content(last.snapshot, build_snapshot(case.policy))


def resubmit_materials(user, case):
    """Resubmit after a materials notice; the case again awaits acceptance."""
    with transaction.atomic():
        case = _begin(case, "resubmit_materials", user)
        gaps = submission_gaps(case.policy, case.kind, _last_closed_at(case.policy) if case.kind != CaseKind.INITIAL else None)
        if gaps:
            raise ReviewError(_("The policy cannot be submitted yet. Complete the following:"), gaps=gaps)
        _new_round(case, user)
        _record_if_late(case, DepartmentRecord.Kind.MATERIALS_OVERDUE, case.drafter_clock)
        _stop_if_open(case.drafter_clock, user)
        case.notices.filter(answered_at__isnull=True).update(answered_at=timezone.now())
        previous = _move(case, user, State.SUBMITTED)
        _set_policy(case.policy_id, is_locked=True)
        _record(case, "review.resubmitted", user, previous)
    return case


def submit_or_resubmit(user, policy):
    """Submit a draft, or resubmit the open case that waits for the drafter."""
    case = ReviewCase.objects.filter(policy=policy, closed_at__isnull=True).first()
    if case is None:
        return submit(user, policy)
    if case.state == State.MATERIALS_REQUESTED:
        return resubmit_materials(user, case)
    if case.state == State.CORRECTION_REQUESTED:
        return resubmit_correction(user, case)
    raise _already_handled(case)


# -- acceptance and notices ------------------------------------------------


def accept(user, case):
    """Accept (受理) the submission at the current level; the review time limit starts."""
    with transaction.atomic():
        case = _begin(case, "accept", user)
        now = timezone.now()
        if case.stage == Stage.DISTRICT:
            days, kind, state = settings.REVIEW_DAYS_DISTRICT, "review.district", State.DISTRICT_REVIEW
            fields = {"district_accepted_at": now}
        else:
            days, kind, state = settings.REVIEW_DAYS_CITY, "review.city", State.CITY_REVIEW
            fields = {"city_accepted_at": now}
        case.review_clock = clocks.start_clock(
            kind, days, clocks.today(), actor=user, label=_("Review of “%(title)s”") % {"title": case.policy.title[:80]}
        )
        previous = _move(case, user, state, **fields)
        _record(case, "review.accepted", user, previous, bureau=case.reviewing_bureau.name, days=days)
    return case


def request_materials(user, case, *, entries, days=None, note=""):
    """Return the submission with one notice listing everything missing (一次性告知)."""
    entries = [e.strip() for e in entries if e and e.strip()]
    days = days or settings.MATERIALS_DEADLINE_DAYS
    with transaction.atomic():
        case = _begin(case, "request_materials", user)
        if not entries:
            raise ReviewError(_("List everything the drafter must supply, one entry per line."))
        if days < 1:
            raise ReviewError(_("Give the drafter at least 1 working day."))
        _start_drafter_clock(
            case, "materials", days, user, _("Materials for “%(title)s”") % {"title": case.policy.title[:80]}
        )
        Notice.objects.create(
            case=case,
            kind=Notice.Kind.MATERIALS,
            round=case.round,
            stage=case.stage,
            entries=entries,
            note=note,
            due_on=case.drafter_clock.due_date,
            sent_by=user,
        )
        previous = _move(case, user, State.MATERIALS_REQUESTED)
        _set_policy(case.policy_id, is_locked=False)
        _record(
            case,
            "review.materials_requested",
            user,
            previous,
            count=len(entries),
            due_on=case.drafter_clock.due_date.isoformat(),
        )
    return case


# -- findings and correction -----------------------------------------------


def record_findings(user, case, findings):
    """Store the reviewer's findings for the current round.

    `findings` is a list of dicts with `item` (ServiceItem), `element`
    (ElementDefinition), `status`, `reason` and `comment`; an element left
    without a status is skipped. A finding already recorded this round is
    replaced until a correction notice has included it.
    """
    errors = []
    for finding in findings:
        if finding["status"] and finding["status"] != Finding.Status.CONFORMS and not finding.get("reason"):
            errors.append(
                _("%(item)s · %(element)s: choose the reason for the finding.")
                % {"item": finding["item"].name, "element": finding["element"].label}
            )
    if errors:
        raise ReviewError(_("Some findings are incomplete:"), gaps=errors)

    with transaction.atomic():
        case = _begin(case, "record_findings", user)
        item_ids = set(case.policy.items.values_list("pk", flat=True))
        saved = 0
        for finding in findings:
            if not finding["status"]:
                continue
            item = finding["item"]
            if item.pk not in item_ids:
                raise ReviewError(_("The service item “%(item)s” is not part of this policy.") % {"item": item.name})
            existing = Finding.objects.filter(case=case, round=case.round, item=item, element=finding["element"]).first()
            if existing is not None and existing.notice_id is not None:
                continue
            values = {
                "stage": case.stage,
                "item_name": item.name,
                "status": finding["status"],
                "reason": "" if finding["status"] == Finding.Status.CONFORMS else finding["reason"],
                "comment": (finding.get("comment") or "").strip(),
                "recorded_by": user,
                "recorded_at": timezone.now(),
            }
            if existing is None:
                Finding.objects.create(case=case, round=case.round, item=item, element=finding["element"], **values)
            else:
                for name, value in values.items():
                    setattr(existing, name, value)
                existing.save()
            saved += 1
        if saved:
            events.record(case.policy, "review.findings_recorded", user, case=case.pk, round=case.round, count=saved)
    return saved


def open_findings(case):
    """Return the non-conforming findings of the current round that no notice has carried yet."""
    return (
        Finding.objects.filter(case=case, round=case.round, notice__isnull=True)
        .exclude(status=Finding.Status.CONFORMS)
        .select_related("element")
        .order_by("item_id", "element__position")
    )


def request_correction(user, case, *, days=None, note="", repeat_reason=""):
    """Send one correction notice compiled from every open finding (一次性书面告知); the review clock pauses.

    A further correction notice at the same review level is allowed only
    with a written reason, and is counted, because the measures require all
    corrections to be listed in one notice.
    """
    days = days or settings.CORRECTION_DEADLINE_DAYS
    repeat_reason = (repeat_reason or "").strip()
    with transaction.atomic():
        case = _begin(case, "request_correction", user)
        findings = list(open_findings(case))
        if not findings:
            raise ReviewError(
                _("There are no open findings in this round. Record the findings first; the notice is compiled from them.")
            )
        is_repeat = Notice.objects.filter(case=case, kind=Notice.Kind.CORRECTION, stage=case.stage).exists()
        if is_repeat and not repeat_reason:
            raise ReviewError(
                _(
                    "A correction notice was already sent at this review level. The measures require one notice "
                    "listing everything; give the reason for a further notice."
                )
            )
        if days < 1:
            raise ReviewError(_("Give the drafter at least 1 working day."))

        entries = [
            {
                "item": f.item_name,
                "element": f.element.label_zh,
                "status": f.status,
                "reason": f.reason,
                "comment": f.comment,
            }
            for f in findings
        ]
        _start_drafter_clock(
            case, "correction", days, user, _("Corrections to “%(title)s”") % {"title": case.policy.title[:80]}
        )
        notice = Notice.objects.create(
            case=case,
            kind=Notice.Kind.CORRECTION,
            round=case.round,
            stage=case.stage,
            entries=entries,
            note=note,
            due_on=case.drafter_clock.due_date,
            is_repeat=is_repeat,
            repeat_reason=repeat_reason if is_repeat else "",
            sent_by=user,
        )
        Finding.objects.filter(pk__in=[f.pk for f in findings]).update(notice=notice)
        clocks.pause_clock(case.review_clock, clocks.today(), _("Correction notice sent"), actor=user)
        previous = _move(case, user, State.CORRECTION_REQUESTED)
        _set_policy(case.policy_id, is_locked=False)
        _record(
            case,
            "review.correction_requested",
            user,
            previous,
            count=len(entries),
            due_on=notice.due_on.isoformat(),
            repeat=is_repeat,
        )
    return notice


def resubmit_correction(user, case):
    """Resubmit the corrected policy as a new round; the review clock resumes."""
    with transaction.atomic():
        case = _begin(case, "resubmit_correction", user)
        gaps = submission_gaps(case.policy, case.kind, _last_closed_at(case.policy) if case.kind != CaseKind.INITIAL else None)
        if gaps:
            raise ReviewError(_("The policy cannot be submitted yet. Complete the following:"), gaps=gaps)
        _new_round(case, user)
        _record_if_late(case, DepartmentRecord.Kind.CORRECTION_OVERDUE, case.drafter_clock)
        _stop_if_open(case.drafter_clock, user)
        clocks.resume_clock(case.review_clock, clocks.today(), actor=user)
        case.notices.filter(answered_at__isnull=True).update(answered_at=timezone.now())
        state = State.DISTRICT_REVIEW if case.stage == Stage.DISTRICT else State.CITY_REVIEW
        previous = _move(case, user, state)
        _set_policy(case.policy_id, is_locked=True)
        _record(case, "review.corrected", user, previous)
    return case


# -- preliminary review and opinion ------------------------------------------


def pass_preliminary(user, case, *, comments=""):
    """Finish the district preliminary review (初审) and forward the case to the city."""
    with transaction.atomic():
        case = _begin(case, "pass_preliminary", user)
        if open_findings(case).exists():
            raise ReviewError(
                _("Open findings have not been sent to the drafter. Send the correction notice or mark them as conforming.")
            )
        city = case.policy.region.city
        bureau = region_data_bureau(city)
        _stop_if_open(case.review_clock, user)
        previous = _move(case, user, State.FORWARDED, stage=Stage.CITY, reviewing_bureau=bureau)
        _record(case, "review.preliminary_passed", user, previous, comments=comments, bureau=bureau.name)
    return case


def _next_opinion_number(bureau, year):
    """Return the next number of `bureau`'s series for `year`; the caller holds the bureau row lock."""
    last = Opinion.objects.filter(issuing_bureau=bureau, year=year).order_by("-sequence").first()
    sequence = (last.sequence if last else 0) + 1
    series = OpinionSeries.objects.filter(bureau=bureau).first()
    if series is None:
        # A bureau without a configured series numbers as its city's data
        # bureau usually does: the city's first character and 政数审.
        city = bureau.city or bureau.region
        series = OpinionSeries(bureau=bureau, prefix="%s政数审" % city.name[:1])
    return series.number(year, sequence), sequence


def issue_opinion(user, case, *, conclusion, reasons=""):
    """Issue the opinion letter (标准化审查意见书); the review time limit stops."""
    reasons = (reasons or "").strip()
    with transaction.atomic():
        case = _begin(case, "issue_opinion", user)
        if conclusion not in Opinion.Conclusion.values:
            raise ReviewError(_("Choose the conclusion of the opinion."))
        if conclusion != Opinion.Conclusion.PASS and not reasons:
            raise ReviewError(_("Give the reasons and the required revisions."))

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
        _stop_if_open(case.review_clock, user)
        previous = _move(case, user, State.OPINION_ISSUED)
        # A policy that passed as it is stays exactly as reviewed. After any
        # other conclusion the drafter revises, and the response captures
        # the revised content as a new round.
        if conclusion != Opinion.Conclusion.PASS:
            _set_policy(case.policy_id, is_locked=False)
        _record(case, "review.opinion_issued", user, previous, number=number, conclusion=conclusion)
    return opinion


def confirm_receipt(user, case):
    """Record that the drafting department received the opinion letter; its 5 working days start."""
    with transaction.atomic():
        case = _begin(case, "confirm_receipt", user)
        opinion = Opinion.objects.select_for_update().get(case=case)
        if opinion.received_at is not None:
            return opinion
        opinion.received_at = timezone.now()
        opinion.received_by = user
        opinion.save(update_fields=["received_at", "received_by"])
        _start_drafter_clock(
            case,
            "response",
            settings.RESPONSE_DAYS,
            user,
            _("Response to opinion %(number)s") % {"number": opinion.number},
        )
        case.save(update_fields=["drafter_clock"])
        _record(case, "review.opinion_received", user, case.state, number=opinion.number)
    return opinion


def respond(user, case, *, kind, text=""):
    """Record the response to the opinion letter (第九条): accept with revisions, dispute, or close after a failure."""
    text = (text or "").strip()
    with transaction.atomic():
        case = _begin(case, "respond", user)
        opinion = case.opinion
        if kind not in Response.Kind.values:
            raise ReviewError(_("Choose how you respond to the opinion."))
        if kind == Response.Kind.DISPUTED and not text:
            raise ReviewError(_("State your position: which parts of the opinion you do not accept, and why."))
        if kind == Response.Kind.ACCEPTED and not opinion.passed:
            raise ReviewError(
                _("The policy did not pass. Dispute the opinion, or close this review and submit the revised policy again.")
            )
        if kind == Response.Kind.CLOSED and opinion.passed:
            raise ReviewError(_("The policy passed; accept the opinion instead of closing the review."))
        if kind == Response.Kind.ACCEPTED and opinion.conclusion == Opinion.Conclusion.PASS_AFTER_REVISION:
            gaps = submission_gaps(case.policy, case.kind)
            if gaps:
                raise ReviewError(_("The revised policy is incomplete:"), gaps=gaps)
            _new_round(case, user)
        elif kind == Response.Kind.DISPUTED and _content_changed(case):
            # Revisions made before disputing are part of what the reviewer weighs.
            _new_round(case, user)

        late = case.drafter_clock is not None and case.drafter_clock.due_date is not None and clocks.today() > case.drafter_clock.due_date
        Response.objects.create(case=case, kind=kind, text=text, responded_by=user, is_late=late)
        _record_if_late(case, DepartmentRecord.Kind.RESPONSE_OVERDUE, case.drafter_clock)
        _stop_if_open(case.drafter_clock, user)

        if kind == Response.Kind.DISPUTED:
            Dispute.objects.create(case=case, drafter_position=text, raised_by=user)
            previous = _move(case, user, State.DISPUTED)
            _set_policy(case.policy_id, is_locked=True)
        elif kind == Response.Kind.ACCEPTED:
            previous = _move(case, user, State.AWAITING_APPROVAL)
            _set_policy(case.policy_id, is_locked=True, passed_opinion=opinion.number)
        else:
            previous = _move(case, user, State.CLOSED)
            _set_policy(case.policy_id, is_locked=False)
        _record(case, "review.responded", user, previous, response=kind, late=late)
    return case


def resolve_dispute(user, case, *, outcome, reviewer_position, resolution):
    """Record the reviewer's position and the outcome of the coordination."""
    reviewer_position = (reviewer_position or "").strip()
    resolution = (resolution or "").strip()
    with transaction.atomic():
        case = _begin(case, "resolve_dispute", user)
        if outcome not in Dispute.Outcome.values:
            raise ReviewError(_("Choose the outcome of the coordination."))
        if not reviewer_position or not resolution:
            raise ReviewError(_("Record the reviewer's position and the agreed resolution."))
        dispute = case.disputes.filter(resolved_at__isnull=True).order_by("-raised_at").first()
        dispute.reviewer_position = reviewer_position
        dispute.outcome = outcome
        dispute.resolution = resolution
        dispute.resolved_by = user
        dispute.resolved_at = timezone.now()
        dispute.save()

        if outcome == Dispute.Outcome.DRAFTER_ACCEPTED:
            previous = _move(case, user, State.AWAITING_APPROVAL)
            _set_policy(case.policy_id, is_locked=True, passed_opinion=case.opinion.number)
        else:
            # The opinion is upheld, so the drafter gets a new period to revise and respond.
            _start_drafter_clock(
                case,
                "response",
                settings.RESPONSE_DAYS,
                user,
                _("Response to opinion %(number)s") % {"number": case.opinion.number},
            )
            previous = _move(case, user, State.OPINION_ISSUED)
            _set_policy(case.policy_id, is_locked=False)
        _record(case, "review.dispute_resolved", user, previous, outcome=outcome)
    return dispute


# -- going live, withdrawal, offline ---------------------------------------


def confirm_golive(user, case, *, approved_on, golive_on):
    """Confirm the final content and the go-live date after the government approved the policy (第十条)."""
    with transaction.atomic():
        case = _begin(case, "confirm_golive", user)
        if approved_on is None or golive_on is None:
            raise ReviewError(_("Enter the approval date and the go-live date."))
        if golive_on < approved_on:
            raise ReviewError(_("The go-live date cannot be before the approval date."))
        if approved_on > clocks.today():
            raise ReviewError(_("The approval date cannot be in the future."))
        previous = _move(case, user, State.GOLIVE_CONFIRMED, approved_on=approved_on, golive_on=golive_on)
        _record(
            case, "review.golive_confirmed", user, previous, approved_on=approved_on.isoformat(), golive_on=golive_on.isoformat()
        )
    return case


def mark_live(user, case):
    """Put the policy live on its go-live date. Refused for a policy that has not passed review (第十六条)."""
    with transaction.atomic():
        case = _begin(case, "mark_live", user)
        policy = Policy.objects.select_for_update().get(pk=case.policy_id)
        opinion = getattr(case, "opinion", None)
        if opinion is None or not policy.passed_opinion:
            raise ReviewError(_("The policy has not passed standardization review and cannot go live."))
        if _content_changed(case):
            raise ReviewError(
                _("The policy was changed after its last review round and cannot go live as it is. Submit it for review again.")
            )
        if case.golive_on and clocks.today() < case.golive_on:
            raise ReviewError(
                _("The confirmed go-live date is %(date)s; the policy can be marked live from that day.")
                % {"date": case.golive_on.isoformat()}
            )
        previous = _move(case, user, State.LIVE, live_at=timezone.now())
        policy.is_live = True
        policy.live_since = case.golive_on or clocks.today()
        policy.offline_since = None
        policy.save(update_fields=["is_live", "live_since", "offline_since", "updated_at"])
        _record(case, "review.live", user, previous, since=policy.live_since.isoformat())
    return case


def withdraw(user, case, *, reason=""):
    reason = (reason or "").strip()
    with transaction.atomic():
        case = _begin(case, "withdraw", user)
        if not reason:
            raise ReviewError(_("Give the reason for withdrawing the submission."))
        _stop_if_open(case.review_clock, user, reason)
        _stop_if_open(case.drafter_clock, user, reason)
        previous = _move(case, user, State.WITHDRAWN)
        _set_policy(case.policy_id, is_locked=False)
        _record(case, "review.withdrawn", user, previous, reason=reason)
    return case


def approve_offline(user, case, *, comments=""):
    """Approve an offline request. The policy stays live until the repeal takes effect.

    `take_offline_due` takes it offline on that day; an effective date
    already reached takes it offline at once.
    """
    with transaction.atomic():
        case = _begin(case, "approve_offline", user)
        _stop_if_open(case.review_clock, user)
        previous = _move(case, user, State.OFFLINE)
        policy = Policy.objects.select_for_update().get(pk=case.policy_id)
        policy.offline_since = case.effective_on
        policy.is_live = case.effective_on > clocks.today()
        policy.is_locked = True
        policy.save(update_fields=["is_live", "offline_since", "is_locked", "updated_at"])
        _record(case, "review.offline", user, previous, since=case.effective_on.isoformat(), comments=comments)
    return case


def take_offline_due(on_day=None):
    """Take offline every live policy whose approved repeal takes effect by `on_day`; return how many."""
    on_day = on_day or clocks.today()
    due = list(Policy.objects.filter(is_live=True, offline_since__isnull=False, offline_since__lte=on_day))
    for policy in due:
        with transaction.atomic():
            updated = Policy.objects.filter(pk=policy.pk, is_live=True).update(is_live=False, updated_at=timezone.now())
            if updated:
                events.record(policy, "review.went_offline", None, since=policy.offline_since.isoformat())
    return len(due)


def prepare_adjustment(user, policy):
    """Open a live policy for editing so that the drafter can prepare an adjustment."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if not (user.is_drafter and user.organization_id == policy.lead_department_id):
            raise ReviewError(_("Only the drafters of the lead department can adjust this policy."))
        if not policy.is_live:
            raise ReviewError(_("Only a live policy can be adjusted."))
        if ReviewCase.objects.filter(policy=policy, closed_at__isnull=True).exists():
            raise ReviewError(_("A review of this policy is already in progress."))
        if policy.is_locked:
            policy.is_locked = False
            policy.save(update_fields=["is_locked", "updated_at"])
            events.record(policy, "review.adjustment_prepared", user)
    return policy


# -- deadlines ---------------------------------------------------------------

DRAFTER_CLOCK_RECORDS = {
    State.MATERIALS_REQUESTED: DepartmentRecord.Kind.MATERIALS_OVERDUE,
    State.CORRECTION_REQUESTED: DepartmentRecord.Kind.CORRECTION_OVERDUE,
    State.OPINION_ISSUED: DepartmentRecord.Kind.RESPONSE_OVERDUE,
}


def record_missed_deadlines(on_day=None):
    """Record every drafter deadline that has passed without a response; return the new records.

    Running it again records nothing new, because each missed deadline is recorded once.
    """
    on_day = on_day or clocks.today()
    created = []
    cases = ReviewCase.objects.open().filter(
        state__in=list(DRAFTER_CLOCK_RECORDS), drafter_clock__due_date__lt=on_day, drafter_clock__state="running"
    ).select_related("policy", "drafter_clock")
    for case in cases:
        kind = DRAFTER_CLOCK_RECORDS[case.state]
        record, was_created = DepartmentRecord.objects.get_or_create(
            case=case,
            kind=kind,
            clock=case.drafter_clock,
            defaults={"organization_id": case.policy.lead_department_id, "due_on": case.drafter_clock.due_date},
        )
        if was_created:
            created.append(record)
            events.record(case.policy, "review.deadline_missed", None, case=case.pk, kind=kind,
                          due_on=case.drafter_clock.due_date.isoformat())
    return created


# -- queries -------------------------------------------------------------------


def actions_for(user, case):
    return allowed_actions(user, case)


def reviewer_queue(user):
    """Return the open cases waiting for `user`'s bureau, the most urgent first."""
    if not user.is_reviewer:
        return ReviewCase.objects.none()
    return (
        ReviewCase.objects.open()
        .filter(reviewing_bureau_id=user.organization_id, state__in=State.with_reviewer())
        .select_related("policy", "policy__lead_department", "review_clock")
        .order_by("review_clock__due_date", "state_changed_at", "id")
    )


def drafter_inbox(user):
    """Return the open cases of `user`'s department that wait for the department, the most urgent first."""
    if not user.is_authenticated or not user.is_drafter or user.organization_id is None:
        return ReviewCase.objects.none()
    return (
        ReviewCase.objects.open()
        .filter(policy__lead_department_id=user.organization_id, state__in=State.with_drafter())
        .select_related("policy", "reviewing_bureau", "drafter_clock")
        .order_by("drafter_clock__due_date", "state_changed_at", "id")
    )
