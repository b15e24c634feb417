import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import ADMIN_ROLES, Organization, Role


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the policies `user` may read.

        Departments see the policies they draft or co-draft; a district
        reviewer sees the submitted policies of the district; city reviewers
        and supervisors see every submitted policy of the city. A grant on a
        single policy (django-guardian, never a model-wide permission) adds
        that policy.
        """
        if not user.is_authenticated or user.role in ADMIN_ROLES:
            return self.none()

        scope = Q(pk__in=[])
        org = user.organization
        if org is not None:
            if user.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD):
                scope = Q(lead_department=org) | Q(co_departments=org)
            elif user.role == Role.DISTRICT_REVIEWER:
                scope = Q(region=org.region, submitted_at__isnull=False)
            elif user.role in (Role.CITY_REVIEWER, Role.SUPERVISOR):
                scope = Q(region__city=org.city, submitted_at__isnull=False)

        granted = PolicyUserObjectPermission.objects.filter(
            user=user, permission__codename="view_policy"
        ).values("content_object_id")
        return self.filter(scope | Q(pk__in=granted)).distinct()


class Policy(models.Model):
    """A benefit policy document (惠企惠民政策文件) under standardization review."""

    class Level(models.TextChoices):
        CITY = "city", _("City level")
        DISTRICT = "district", _("District level")

    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(
        _("document number"), max_length=100, blank=True, help_text=_("For example 长府办函〔2021〕20号; empty until issued.")
    )
    lead_department = models.ForeignKey(
        Organization,
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        related_name="led_policies",
        help_text=_("The first-listed drafting department leads the policy."),
    )
    co_departments = models.ManyToManyField(
        Organization, verbose_name=_("co-drafting departments"), blank=True, related_name="co_drafted_policies"
    )
    # Both derived from the lead department by save().
    region = models.ForeignKey(
        Organization, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, editable=False)
    summary = models.TextField(_("summary"), blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    source_note = models.TextField(_("source"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set by the review services: the first submission, and whether the
    # drafters may edit the content now.
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True, editable=False)
    is_locked = models.BooleanField(_("locked for review"), default=False, editable=False)
    # Going live and offline, also written only by the review services. The
    # check constraint below keeps a policy that has not passed review from
    # being live, whatever code path writes the row.
    passed_opinion = models.CharField(_("passing opinion letter"), max_length=60, blank=True, editable=False)
    is_live = models.BooleanField(_("live"), default=False, editable=False)
    live_since = models.DateField(_("live since"), null=True, blank=True, editable=False)
    offline_since = models.DateField(_("offline since"), null=True, blank=True, editable=False)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.CheckConstraint(condition=Q(is_live=False) | ~Q(passed_opinion=""), name="live_policy_passed_review"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        region = self.lead_department.region
        self.region = region
        self.level = self.Level.CITY if region.is_city else self.Level.DISTRICT
        super().save(*args, **kwargs)


class PolicyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Policy, on_delete=models.CASCADE)


class PolicyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Policy, on_delete=models.CASCADE)


class ElementDefinition(models.Model):
    """One standard element (要素) of a service item, as the city's catalog defines it."""

    class Group(models.TextChoices):
        TEXT = "text", _("Text information")
        APPLICATION = "application", _("Application")
        FULFILMENT = "fulfilment", _("Fulfilment")
        SUPERVISION = "supervision", _("Supervision and consultation")

    class ValueType(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Standard term")
        DATE_RANGE = "date_range", _("Date range")
        WORKDAY_PERIOD = "workday_period", _("Working days")
        AMOUNT = "amount", _("Amount")
        LIST = "list", _("List")
        YES_NO = "yes_no", _("Yes or no")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    label_zh = models.CharField(_("Chinese label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=80)
    value_type = models.CharField(_("value type"), max_length=20, choices=ValueType.choices)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(_("standard terms"), default=list, blank=True)
    help_zh = models.CharField(_("Chinese help text"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("element definition")
        verbose_name_plural = _("element catalog")

    def __str__(self):
        return self.label

    @property
    def label(self):
        if (get_language() or "zh-hans").startswith("zh"):
            return self.label_zh
        return self.label_en


class ServiceItem(models.Model):
    """A policy service item (政策服务事项): one thing an applicant can apply for."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("service item name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self):
        return self.name


class ElementValue(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="values")
    element = models.ForeignKey(ElementDefinition, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "element"], name="one_value_per_item_element")]


def material_upload_to(instance, filename):
    # The stored name is generated; the uploaded name is kept only as data,
    # so no user-supplied path component ever reaches the file system.
    suffix = PurePath(filename).suffix.lower()
    return f"materials/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Material(models.Model):
    """A submitted document (送审材料). Files are never overwritten; a new upload adds a row."""

    class Kind(models.TextChoices):
        APPLICATION_LETTER = "application_letter", _("Application letter for standardization review")
        DRAFT_TEXT = "draft_text", _("Draft policy text and explanation")
        CONSULTATION_RECORD = "consultation_record", _("Consultation or assessment record")
        FAIR_COMPETITION_FISCAL = "fair_competition_fiscal", _("Fair-competition review and fiscal opinion")
        CHANGE_EXPLANATION = "change_explanation", _("Adjusted policy text and explanation of the adjustment")
        REPEAL_DECISION = "repeal_decision", _("Repeal decision and explanation")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    # Set by the review archive when an archived review lists this
    # material. From then on it cannot be removed from the policy.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self):
        return self.original_name


# The materials each kind of application must carry (第五条, 第十三条).
REQUIRED_MATERIALS = {
    "initial": [
        Material.Kind.APPLICATION_LETTER,
        Material.Kind.DRAFT_TEXT,
        Material.Kind.CONSULTATION_RECORD,
        Material.Kind.FAIR_COMPETITION_FISCAL,
    ],
    "adjustment": [Material.Kind.APPLICATION_LETTER, Material.Kind.CHANGE_EXPLANATION],
    "offline": [Material.Kind.APPLICATION_LETTER, Material.Kind.REPEAL_DECISION],
}


class PolicyEvent(models.Model):
    """One entry of a policy's history.

    The entry stores a language-neutral code (``policy.created``,
    ``review.accepted``) and the facts as JSON; `policies.events` turns it
    into a sentence in the reader's language when it is displayed.
    Entries are only ever added.
    """

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=60, blank=True)
    actor_organization = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["policy", "at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Policy history entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Policy history entries cannot be deleted.")
