"""The review case and everything recorded during it.

A `ReviewCase` follows one policy through one review: submission,
acceptance at each level, findings, notices, the opinion letter, the
drafter's response, go-live. `review.workflow` contains the transition table
and `review.services` the functions that move a case; nothing else writes
`ReviewCase.state`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization
from policies.models import ElementDefinition, Policy, ServiceItem


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    MATERIALS_REQUESTED = "materials_requested", _("Materials requested")
    DISTRICT_REVIEW = "district_review", _("District preliminary review")
    FORWARDED = "forwarded", _("Forwarded to the city, awaiting acceptance")
    CITY_REVIEW = "city_review", _("City review")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    OPINION_ISSUED = "opinion_issued", _("Opinion issued, awaiting response")
    DISPUTED = "disputed", _("Opinion disputed, in coordination")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting government approval")
    GOLIVE_CONFIRMED = "golive_confirmed", _("Go-live confirmed")
    LIVE = "live", _("Live")
    OFFLINE = "offline", _("Offline")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")

    @classmethod
    def terminal(cls):
        return [cls.LIVE, cls.OFFLINE, cls.WITHDRAWN, cls.CLOSED]

    @classmethod
    def open_states(cls):
        return [state for state in cls if state not in cls.terminal()]

    @classmethod
    def awaiting_acceptance(cls):
        return [cls.SUBMITTED, cls.FORWARDED]

    @classmethod
    def in_review(cls):
        return [cls.DISTRICT_REVIEW, cls.CITY_REVIEW]

    @classmethod
    def with_reviewer(cls):
        """States in which the case waits for a reviewer."""
        return [cls.SUBMITTED, cls.FORWARDED, cls.DISTRICT_REVIEW, cls.CITY_REVIEW, cls.DISPUTED]

    @classmethod
    def with_drafter(cls):
        """States in which the case waits for the drafting department."""
        return [
            cls.MATERIALS_REQUESTED,
            cls.CORRECTION_REQUESTED,
            cls.OPINION_ISSUED,
            cls.AWAITING_APPROVAL,
            cls.GOLIVE_CONFIRMED,
        ]

    @classmethod
    def editable_by_drafter(cls):
        """States in which the drafters may change the policy content."""
        return [cls.MATERIALS_REQUESTED, cls.CORRECTION_REQUESTED, cls.OPINION_ISSUED]

    @classmethod
    def before_opinion(cls):
        return [
            cls.SUBMITTED,
            cls.MATERIALS_REQUESTED,
            cls.DISTRICT_REVIEW,
            cls.FORWARDED,
            cls.CITY_REVIEW,
            cls.CORRECTION_REQUESTED,
        ]


class Stage(models.TextChoices):
    DISTRICT = "district", _("District preliminary review")
    CITY = "city", _("City review")


class CaseKind(models.TextChoices):
    INITIAL = "initial", _("Review before going live")
    ADJUSTMENT = "adjustment", _("Re-review of an adjustment")
    OFFLINE = "offline", _("Offline request")


class ReviewCaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class ReviewCase(models.Model):
    """One standardization review of a policy, from submission to going live (or offline)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="review_cases")
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.INITIAL)
    state = models.CharField(_("state"), max_length=30, choices=State.choices, default=State.SUBMITTED)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    # The data bureau that acts next: the district one during preliminary
    # review, the city one afterwards.
    reviewing_bureau = models.ForeignKey(
        Organization, verbose_name=_("reviewing bureau"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    district_accepted_at = models.DateTimeField(_("accepted by the district at"), null=True, blank=True)
    city_accepted_at = models.DateTimeField(_("accepted by the city at"), null=True, blank=True)

    # The review time limit of the current stage, and the drafter's current
    # deadline (materials, correction or response). Both are ledgers in
    # `workdays`; the stored due dates sort the queues.
    review_clock = models.ForeignKey(
        "workdays.Clock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drafter_clock = models.ForeignKey(
        "workdays.Clock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Adjustment and offline requests (第十三条): the day the change takes
    # effect, and whether the application came later than the rule allows.
    effective_on = models.DateField(_("change takes effect on"), null=True, blank=True)
    apply_by = models.DateField(_("apply by"), null=True, blank=True)
    is_late = models.BooleanField(_("late application"), default=False)
    change_explanation = models.TextField(_("explanation of the change"), blank=True)

    # Going live (第十条).
    approved_on = models.DateField(_("approved by the government on"), null=True, blank=True)
    golive_on = models.DateField(_("go-live date"), null=True, blank=True)
    live_at = models.DateTimeField(_("live since"), null=True, blank=True)

    objects = ReviewCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-state_changed_at", "-id"]
        verbose_name = _("review case")
        verbose_name_plural = _("review cases")
        constraints = [
            # A policy has at most one review in progress.
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(closed_at__isnull=True),
                name="one_open_review_per_policy",
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="review_state_is_known"),
            # A case is closed exactly when its state is terminal.
            models.CheckConstraint(
                condition=Q(state__in=State.terminal(), closed_at__isnull=False)
                | (~Q(state__in=State.terminal()) & Q(closed_at__isnull=True)),
                name="closed_exactly_when_terminal",
            ),
        ]
        indexes = [models.Index(fields=["reviewing_bureau", "state"], name="review_queue")]

    def __str__(self):
        return str(self.policy)

    @property
    def is_open(self):
        return self.closed_at is None


class Submission(models.Model):
    """One submission round: an unchangeable copy of what the drafter sent."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveIntegerField(_("round"))
    snapshot = models.JSONField(_("snapshot"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_submission_per_round")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A submission round cannot be changed once sent.")
        super().save(*args, **kwargs)


class Finding(models.Model):
    """A reviewer's finding on one element of one service item in one round."""

    class Status(models.TextChoices):
        CONFORMS = "conforms", _("Conforms")
        MISSING = "missing", _("Missing")
        NOT_STANDARD = "not_standard", _("Not standard")

    class Reason(models.TextChoices):
        VAGUE_WORDING = "vague_wording", _("Vague wording (原则上, 视情况, 另行通知 …)")
        OPEN_LIST = "open_list", _("Open-ended list (等, 相关材料)")
        NO_AMOUNT = "no_amount", _("No amount or no cap")
        UNIT_MISSING = "unit_missing", _("Unit missing")
        PERIOD_NOT_WORKDAYS = "period_not_workdays", _("Period not in working days")
        DATE_NOT_DATE = "date_not_date", _("Date not given as a date")
        MATERIALS_NOT_LISTED = "materials_not_listed", _("Materials not listed one by one")
        NOT_STANDARD_TERM = "not_standard_term", _("Not a standard term")
        INCONSISTENT = "inconsistent", _("Inconsistent with the policy text")
        OTHER = "other", pgettext_lazy("finding reason", "Other")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="findings")
    round = models.PositiveIntegerField(_("round"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    item = models.ForeignKey(ServiceItem, null=True, on_delete=models.SET_NULL, related_name="+")
    item_name = models.CharField(_("service item"), max_length=200)
    element = models.ForeignKey(ElementDefinition, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("finding"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    notice = models.ForeignKey("Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings")

    class Meta:
        ordering = ["item_id", "element__position", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round", "item", "element"], name="one_finding_per_element_round"),
            models.CheckConstraint(
                condition=Q(status="conforms") | ~Q(reason=""), name="nonconforming_finding_has_reason"
            ),
        ]

    @property
    def is_open(self):
        return self.status != self.Status.CONFORMS


class Notice(models.Model):
    """A written notice to the drafter listing everything to supply or correct at once (一次性告知)."""

    class Kind(models.TextChoices):
        MATERIALS = "materials", _("Materials notice")
        CORRECTION = "correction", _("Correction notice")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    round = models.PositiveIntegerField(_("round"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    entries = models.JSONField(_("entries"), help_text=_("Everything the drafter must supply or correct, one entry each."))
    note = models.TextField(_("note"), blank=True)
    due_on = models.DateField(_("supply by"))
    # The measures allow one correction notice per review level; a further
    # one needs a reason and is counted against the reviewing bureau.
    is_repeat = models.BooleanField(_("further notice at the same review level"), default=False)
    repeat_reason = models.TextField(_("reason for a further notice"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(is_repeat=False) | ~Q(repeat_reason=""), name="repeat_notice_has_reason")
        ]


class OpinionSeries(models.Model):
    """The numbering series of a bureau's opinion letters, such as 长政数审〔2026〕12号."""

    bureau = models.OneToOneField(
        Organization, verbose_name=_("issuing bureau"), on_delete=models.PROTECT, related_name="opinion_series"
    )
    prefix = models.CharField(
        _("prefix"), max_length=20, help_text=_("The characters before the year, such as 长政数审.")
    )

    class Meta:
        verbose_name = _("opinion letter series")
        verbose_name_plural = _("opinion letter series")

    def __str__(self):
        return self.prefix

    def number(self, year, sequence):
        return "%s〔%d〕%d号" % (self.prefix, year, sequence)


class Opinion(models.Model):
    """The standardization review opinion letter (标准化审查意见书)."""

    class Conclusion(models.TextChoices):
        PASS = "pass", _("Passed")
        PASS_AFTER_REVISION = "pass_after_revision", _("Passed after revision")
        FAIL = "fail", _("Not passed")

    case = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="opinion")
    number = models.CharField(_("number"), max_length=60, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    issuing_bureau = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    conclusion = models.CharField(_("conclusion"), max_length=30, choices=Conclusion.choices)
    reasons = models.TextField(_("reasons and requirements"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # Receipt by the drafting department starts its 5 working days to respond.
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuing_bureau", "year", "sequence"], name="one_opinion_number")
        ]

    @property
    def passed(self):
        return self.conclusion in (self.Conclusion.PASS, self.Conclusion.PASS_AFTER_REVISION)


class Response(models.Model):
    """The drafting department's response to the opinion letter (第九条)."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("Revised and accepted the opinion")
        DISPUTED = "disputed", _("Does not fully accept the opinion")
        CLOSED = "closed", _("Accepted the failure and closed the review")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(_("response"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("explanation"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    responded_at = models.DateTimeField(_("responded at"), default=timezone.now)
    is_late = models.BooleanField(_("after the deadline"), default=False)

    class Meta:
        ordering = ["responded_at", "id"]


class Dispute(models.Model):
    """Coordination when the drafter does not fully accept the opinion: both positions and the resolution."""

    class Outcome(models.TextChoices):
        OPINION_UPHELD = "upheld", _("Opinion upheld: the drafter revises")
        DRAFTER_ACCEPTED = "accepted", _("Drafter's position accepted")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="disputes")
    drafter_position = models.TextField(_("drafting department's position"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    reviewer_position = models.TextField(_("reviewer's position"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]


class DepartmentRecord(models.Model):
    """A failure recorded against a drafting department for supervision (第十六条)."""

    class Kind(models.TextChoices):
        MATERIALS_OVERDUE = "materials_overdue", _("Materials not supplied by the deadline")
        CORRECTION_OVERDUE = "correction_overdue", _("Corrections not resubmitted by the deadline")
        RESPONSE_OVERDUE = "response_overdue", _("No response to the opinion within the deadline")
        LATE_CHANGE_APPLICATION = "late_change_application", _("Adjustment or repeal applied for too late")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="records")
    case = models.ForeignKey(ReviewCase, on_delete=models.PROTECT, related_name="department_records")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Which deadline was missed: one record per clock and kind.
    clock = models.ForeignKey("workdays.Clock", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "clock"], name="one_record_per_missed_deadline"),
        ]


class Reminder(models.Model):
    """A deadline reminder or escalation, sent once per clock, kind and day.

    The unique constraint makes sending idempotent: `review.reminders`
    inserts the row before it notifies anyone, and only the call that
    inserted it sends.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Overdue, escalated")

    case = models.ForeignKey(ReviewCase, verbose_name=_("review case"), on_delete=models.PROTECT, related_name="reminders")
    clock = models.ForeignKey("workdays.Clock", verbose_name=_("clock"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The working day the reminder belongs to. A sweep that runs later on
    # (after an outage) still uses this day, so the reminder is sent once.
    on_day = models.DateField(_("reminder day"))
    due_on = models.DateField(_("due on"))
    workdays_left = models.SmallIntegerField(_("working days left"), help_text=_("Negative when overdue."))
    is_provisional = models.BooleanField(_("provisional"), default=False)
    recipient_ids = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-on_day", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind", "on_day"], name="one_reminder_per_clock_kind_day"),
        ]


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete a ledger entry."""


class ArchiveRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The review ledger is append-only, so its entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The review ledger is append-only, so its entries cannot be deleted.")


class ArchiveRecord(models.Model):
    """The review ledger entry (标准化审查工作台帐) of one finished review: its archive file and checksum.

    Written once by `review.archive`. `save()` of a stored entry and
    `delete()` raise AppendOnlyError, as do the queryset's `update()` and
    `delete()`. Raw SQL is not blocked.
    """

    case = models.OneToOneField(ReviewCase, verbose_name=_("review case"), on_delete=models.PROTECT, related_name="archive")
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)
    file = models.FileField(_("archive file"), max_length=200, help_text=_("A zip file under MEDIA_ROOT/archives/."))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    file_count = models.PositiveIntegerField(_("files"), help_text=_("Files in the archive, manifest.json not counted."))
    manifest = models.JSONField(_("manifest"))

    objects = ArchiveRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-archived_at", "-id"]
        verbose_name = _("archive record")
        verbose_name_plural = _("review ledger")

    def __str__(self):
        return "%s · %s" % (self.case, self.archived_at.date().isoformat())

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Archive record %s is part of the review ledger and cannot be changed." % self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Archive record %s is part of the review ledger and cannot be deleted." % self.pk)
