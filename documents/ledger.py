"""The review ledger (标准化审查工作台帐): one row per review case.

`ledger_cases` returns the cases a user may see with every related row the
ledger needs loaded up front, so a page or an export of any size runs a fixed
number of queries per page or chunk. `build_row` turns one case into a
LedgerRow without touching the database.
"""

import functools
from dataclasses import astuple, dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, Role
from policies.models import Policy, PolicyEvent
from review import models as review_models
from review.models import Notice, ReviewCase, Stage, Submission
from workdays.clock import DEADLINE_TIME_ZONE, read_ledger, today
from workdays.counting import Pause
from workdays.models import ClockEvent
from workdays.store import get_calendar

DISTRICT_CLOCK_KIND = "review.district"
# The conclusion filter's value for cases without an opinion letter yet.
NO_OPINION = "none"
FORWARDED_EVENT = "review.preliminary_passed"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str  # "text", "int", "date" or "datetime"
    width: int = 14  # spreadsheet column width in characters


COLUMNS = [
    Column("case_id", gettext_lazy("Case"), "int", 8),
    Column("title", gettext_lazy("Policy title"), "text", 40),
    Column("doc_number", gettext_lazy("Document number"), "text", 22),
    Column("kind", gettext_lazy("Review kind"), "text", 14),
    Column("region", gettext_lazy("Region"), "text", 12),
    Column("lead_department", gettext_lazy("Lead department"), "text", 24),
    Column("co_departments", gettext_lazy("Co-drafting departments"), "text", 30),
    Column("state", gettext_lazy("State"), "text", 16),
    Column("submitted_on", gettext_lazy("Submitted on"), "date", 12),
    Column("district_accepted_on", gettext_lazy("Accepted by the district on"), "date", 12),
    Column("city_accepted_on", gettext_lazy("Accepted by the city on"), "date", 12),
    Column("notices", gettext_lazy("Notices"), "text", 48),
    Column("resubmissions", gettext_lazy("Resubmitted on"), "text", 24),
    Column("opinion_number", gettext_lazy("Opinion number"), "text", 22),
    Column("conclusion", gettext_lazy("Conclusion"), "text", 14),
    Column("opinion_issued_on", gettext_lazy("Opinion issued on"), "date", 12),
    Column("opinion_received_on", gettext_lazy("Opinion received on"), "date", 12),
    Column("district_days_used", gettext_lazy("District review: working days used"), "int", 10),
    Column("city_days_used", gettext_lazy("City review: working days used"), "int", 10),
    Column("days_paused", gettext_lazy("Working days paused for corrections"), "int", 10),
    Column("golive_on", gettext_lazy("Go-live date"), "date", 12),
    Column("archived_at", gettext_lazy("Archived at"), "datetime", 17),
    Column("archive_sha256", gettext_lazy("Archive SHA-256"), "text", 66),
]


@dataclass(frozen=True)
class LedgerRow:
    """The values of one ledger row, in the order of COLUMNS."""

    case_id: int
    title: str
    doc_number: str
    kind: str
    region: str
    lead_department: str
    co_departments: str
    state: str
    submitted_on: date | None
    district_accepted_on: date | None
    city_accepted_on: date | None
    notices: str
    resubmissions: str
    opinion_number: str
    conclusion: str
    opinion_issued_on: date | None
    opinion_received_on: date | None
    district_days_used: int | None
    city_days_used: int | None
    days_paused: int | None
    golive_on: date | None
    archived_at: datetime | None
    archive_sha256: str

    def values(self):
        return astuple(self)


# -- which cases a user may read -----------------------------------------------


def may_read_ledger(user):
    return user.is_authenticated and user.organization_id is not None and (user.is_reviewer or user.is_supervisor)


def ledger_scope(user):
    """Return the Q of the cases `user` may see in the ledger; raise PermissionDenied for anyone else.

    A reviewer may read the cases of their bureau: those of the bureau's
    region and those the bureau is reviewing or has reviewed at city level.
    A supervisor may read every case of their city.
    """
    if not may_read_ledger(user):
        raise PermissionDenied(_("The review ledger is for reviewers and supervisors."))
    organization = user.organization
    if user.is_reviewer:
        return Q(reviewing_bureau_id=organization.pk) | Q(policy__region_id=organization.region_id)
    return Q(policy__region__city_id=organization.city_id)


def scope_regions(user):
    """Return the regions whose cases `user` may see, for the region filter."""
    organization = user.organization
    if user.role == Role.DISTRICT_REVIEWER:
        return Organization.objects.filter(pk=organization.region_id)
    return Organization.objects.filter(kind__in=Organization.REGION_KINDS, city_id=organization.city_id)


def scope_departments(user):
    """Return the departments that may draft the policies `user` may read, for the department filter."""
    return (
        Organization.objects.filter(region__in=scope_regions(user))
        .exclude(kind__in=Organization.REGION_KINDS)
        .exclude(kind=Organization.Kind.DATA_BUREAU)
        .order_by("region_id", "position", "id")
    )


# -- the query ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _archive_table_exists(table):
    return table in connection.introspection.table_names()


def archive_accessor():
    """Return the name of ReviewCase's link to review.models.ArchiveRecord, or None while there is no such model.

    The archive model belongs to the review app. The ledger reads it only
    when the model and its table exist, so it works with and without it.
    """
    model = getattr(review_models, "ArchiveRecord", None)
    if model is None:
        return None
    try:
        field = model._meta.get_field("case")
    except FieldDoesNotExist:
        return None
    if not _archive_table_exists(model._meta.db_table):
        return None
    return field.remote_field.get_accessor_name()


def filter_cases(cases, data):
    """Apply the cleaned data of a LedgerFilterForm to a case queryset."""
    if data.get("region"):
        cases = cases.filter(policy__region=data["region"])
    if data.get("state"):
        cases = cases.filter(state=data["state"])
    if data.get("submitted_from"):
        cases = cases.filter(opened_at__date__gte=data["submitted_from"])
    if data.get("submitted_to"):
        cases = cases.filter(opened_at__date__lte=data["submitted_to"])
    if data.get("department"):
        co_drafted = Policy.co_departments.through.objects.filter(
            policy_id=OuterRef("policy_id"), organization=data["department"]
        )
        cases = cases.filter(Q(policy__lead_department=data["department"]) | Q(Exists(co_drafted)))
    conclusion = data.get("conclusion")
    if conclusion == NO_OPINION:
        cases = cases.filter(opinion__isnull=True)
    elif conclusion:
        cases = cases.filter(opinion__conclusion=conclusion)
    return cases


def ledger_cases(user, data=None):
    """Return the cases of `user`'s ledger that match the filter `data`, newest first, ready for build_row."""
    cases = ReviewCase.objects.filter(ledger_scope(user))
    cases = filter_cases(cases, data or {})
    related = ["policy", "policy__lead_department", "policy__region", "opinion", "review_clock"]
    accessor = archive_accessor()
    if accessor:
        related.append(accessor)
    return (
        cases.select_related(*related)
        .prefetch_related(
            "policy__co_departments",
            Prefetch("submissions", queryset=Submission.objects.defer("snapshot").order_by("number")),
            Prefetch("notices", queryset=Notice.objects.defer("entries", "note").order_by("sent_at", "id")),
            Prefetch("review_clock__events", queryset=ClockEvent.objects.order_by("id")),
            Prefetch(
                "policy__events",
                queryset=PolicyEvent.objects.filter(code=FORWARDED_EVENT).order_by("at", "id"),
                to_attr="forward_events",
            ),
        )
        .order_by("-opened_at", "-id")
    )


# -- one row -----------------------------------------------------------------------


def _local_date(moment):
    return timezone.localtime(moment, DEADLINE_TIME_ZONE).date() if moment else None


def _paused_days(calendar, pauses, until):
    """Return the working days stopped by `pauses`: those after each notice day up to the resubmission day."""
    total = 0
    for pause in pauses:
        end = pause.end if pause.end is not None else until
        if end > pause.start:
            total += calendar.count_workdays(pause.start, end).count
    return total


def _clock_figures(clock, calendar, on_day):
    """Return (working days used, working days paused) of a review clock as of `on_day`.

    This is what `workdays.clock.clock_status` counts, but from the events
    loaded with the case, so the ledger makes no query per row.
    """
    ledger = read_ledger(clock, events=list(clock.events.all()))
    until = on_day if ledger.stopped_on is None else min(on_day, ledger.stopped_on)
    if until < ledger.started_on:
        return 0, 0
    used = calendar.workdays_used(ledger.started_on, until, ledger.pauses).count
    return used, _paused_days(calendar, ledger.pauses, until)


def _district_figures_after_forwarding(case, calendar):
    """Return (used, paused) of a district review that ended when the case went to the city.

    The case keeps only the clock of its current stage, so the district
    figures are counted again from the acceptance, the district correction
    notices and the day of forwarding, by the rules the clock applied.
    """
    accepted = _local_date(case.district_accepted_at)
    forwarded = [
        event
        for event in case.policy.forward_events
        if event.data.get("case") == case.pk and event.at >= case.opened_at
    ]
    if accepted is None or not forwarded:
        return None, None
    until = _local_date(forwarded[-1].at)
    pauses = [
        Pause(_local_date(notice.sent_at), _local_date(notice.answered_at))
        for notice in case.notices.all()
        if notice.kind == Notice.Kind.CORRECTION and notice.stage == Stage.DISTRICT
    ]
    used = calendar.workdays_used(accepted, until, pauses).count
    return used, _paused_days(calendar, pauses, until)


def _notice_summary(notice):
    due = notice.due_on.isoformat()
    sent = _local_date(notice.sent_at).isoformat()
    if notice.answered_at:
        return _("%(kind)s sent %(sent)s, due %(due)s, answered %(answered)s") % {
            "kind": notice.get_kind_display(),
            "sent": sent,
            "due": due,
            "answered": _local_date(notice.answered_at).isoformat(),
        }
    return _("%(kind)s sent %(sent)s, due %(due)s, not answered") % {
        "kind": notice.get_kind_display(),
        "sent": sent,
        "due": due,
    }


def build_row(case, calendar, on_day):
    """Return the LedgerRow of a case loaded by `ledger_cases`."""
    policy = case.policy
    submissions = list(case.submissions.all())
    notices = list(case.notices.all())
    opinion = getattr(case, "opinion", None)

    district_used = city_used = None
    paused = None
    clock = case.review_clock
    if clock is not None:
        used, clock_paused = _clock_figures(clock, calendar, on_day)
        paused = clock_paused
        if clock.kind == DISTRICT_CLOCK_KIND:
            district_used = used
        else:
            city_used = used
            if case.district_accepted_at is not None:
                district_used, district_paused = _district_figures_after_forwarding(case, calendar)
                if district_paused is not None:
                    paused += district_paused

    archive = None
    accessor = archive_accessor()
    if accessor:
        archive = getattr(case, accessor, None)
    archived_at = getattr(archive, "archived_at", None)

    return LedgerRow(
        case_id=case.pk,
        title=policy.title,
        doc_number=policy.doc_number,
        kind=case.get_kind_display(),
        region=policy.region.name,
        lead_department=policy.lead_department.name,
        co_departments="、".join(department.name for department in policy.co_departments.all()),
        state=case.get_state_display(),
        submitted_on=_local_date(submissions[0].submitted_at) if submissions else _local_date(case.opened_at),
        district_accepted_on=_local_date(case.district_accepted_at),
        city_accepted_on=_local_date(case.city_accepted_at),
        notices="; ".join(_notice_summary(notice) for notice in notices),
        resubmissions="、".join(_local_date(s.submitted_at).isoformat() for s in submissions[1:]),
        opinion_number=opinion.number if opinion else "",
        conclusion=opinion.get_conclusion_display() if opinion else "",
        opinion_issued_on=_local_date(opinion.issued_at) if opinion else None,
        opinion_received_on=_local_date(opinion.received_at) if opinion else None,
        district_days_used=district_used,
        city_days_used=city_used,
        days_paused=paused,
        golive_on=case.golive_on,
        archived_at=timezone.localtime(archived_at, DEADLINE_TIME_ZONE) if archived_at else None,
        archive_sha256=getattr(archive, "sha256", "") or "",
    )


def iter_rows(cases, chunk_size=500):
    """Yield the LedgerRow of every case, reading the cases in chunks of `chunk_size`."""
    calendar = get_calendar()
    on_day = today()
    for case in cases.iterator(chunk_size=chunk_size):
        yield build_row(case, calendar, on_day)
