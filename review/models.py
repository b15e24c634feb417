from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from policies.models import Policy


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    MATERIALS_REQUESTED = "materials_requested", _("Materials requested")
    DISTRICT_REVIEW = "district_review", _("District preliminary review")
    FORWARDED = "forwarded", _("Forwarded to the city, awaiting acceptance")
    CITY_REVIEW = "city_review", _("City review")
    OPINION_ISSUED = "opinion_issued", _("Opinion issued")

    @classmethod
    def open_states(cls):
        return [cls.SUBMITTED, cls.MATERIALS_REQUESTED, cls.DISTRICT_REVIEW, cls.FORWARDED, cls.CITY_REVIEW]

    @classmethod
    def awaiting_acceptance(cls):
        return [cls.SUBMITTED, cls.FORWARDED]

    @classmethod
    def editable_by_drafter(cls):
        return [cls.MATERIALS_REQUESTED]


class Stage(models.TextChoices):
    DISTRICT = "district", _("District preliminary review")
    CITY = "city", _("City review")


class ReviewCaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=State.open_states())


class ReviewCase(models.Model):
    """One standardization review of a policy, from submission to the opinion letter."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="review_cases")
    state = models.CharField(_("state"), max_length=30, choices=State.choices, default=State.SUBMITTED)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    # The data bureau that must act next: the district one during
    # preliminary review, the city one afterwards.
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
        ]

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


class Notice(models.Model):
    """A written notice to the drafter listing everything to supply at once (一次性告知)."""

    class Kind(models.TextChoices):
        MATERIALS = "materials", _("Materials notice")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    round = models.PositiveIntegerField(_("round"))
    entries = models.JSONField(_("entries"), help_text=_("Everything the drafter must supply, one entry each."))
    note = models.TextField(_("note"), blank=True)
    due_on = models.DateField(_("supply by"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]


class Opinion(models.Model):
    """The standardization review opinion letter (标准化审查意见书)."""

    class Conclusion(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Not passed")

    case = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="opinion")
    number = models.CharField(_("number"), max_length=60, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    issuing_bureau = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    conclusion = models.CharField(_("conclusion"), max_length=10, choices=Conclusion.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuing_bureau", "year", "sequence"], name="one_opinion_number")
        ]
