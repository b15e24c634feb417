from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """A node of the organization tree: city → districts, counties, zones → departments.

    A city, district, county or development zone is a *region*: it has its
    own data bureau (政数局) that reviews the policies of its departments.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        DEVELOPMENT_ZONE = "development_zone", _("Development zone")
        DATA_BUREAU = "data_bureau", _("Data bureau")
        GENERAL_OFFICE = "general_office", _("General office")
        FINANCE_BUREAU = "finance_bureau", _("Finance bureau")
        LEGAL_BUREAU = "legal_bureau", _("Legal bureau")
        MARKET_SUPERVISION = "market_supervision", _("Market supervision bureau")
        AUDIT_BUREAU = "audit_bureau", _("Audit bureau")
        DRAFTING = "drafting", _("Drafting department")

    REGION_KINDS = frozenset({Kind.CITY, Kind.DISTRICT, Kind.COUNTY, Kind.DEVELOPMENT_ZONE})

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Denormalised so that scoping queries need no recursive joins; kept
    # up to date by save().
    region = models.ForeignKey(
        "self", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    city = models.ForeignKey(
        "self", verbose_name=_("city"), null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.short_name or self.name

    @property
    def is_region(self):
        return self.kind in self.REGION_KINDS

    @property
    def is_city(self):
        return self.kind == self.Kind.CITY

    def clean(self):
        if self.is_region:
            if self.kind == self.Kind.CITY and self.parent_id:
                raise ValidationError({"parent": _("A city is a root of the tree and has no parent.")})
            if self.kind != self.Kind.CITY and (self.parent is None or self.parent.kind != self.Kind.CITY):
                raise ValidationError({"parent": _("A district, county or development zone must belong to a city.")})
        elif self.parent is None or not self.parent.is_region:
            raise ValidationError({"parent": _("A department must belong to a city, district, county or development zone.")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.is_region:
            region, city = self, (self.parent or self)
        else:
            region, city = self.parent, self.parent.city
        if (self.region_id, self.city_id) != (region.pk, city.pk):
            self.region, self.city = region, city
            type(self).objects.filter(pk=self.pk).update(region=region, city=city)

    def data_bureau(self):
        """Return the data bureau of this organization's region, or None."""
        region = self if self.is_region else self.region
        return region.children.filter(kind=self.Kind.DATA_BUREAU).first()


class Role(models.TextChoices):
    DRAFTER = "drafter", _("Drafter")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    CONSULTED = "consulted", _("Consulted department")
    DISTRICT_REVIEWER = "district_reviewer", _("District reviewer")
    CITY_REVIEWER = "city_reviewer", _("City reviewer")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
DEPARTMENT_ROLES = frozenset({Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.CONSULTED})


class User(AbstractUser):
    """A person with exactly one role in exactly one organization.

    One role per user keeps the three administrators separate, as level-3
    protection requires: no account can hold two of them.
    """

    display_name = models.CharField(_("name"), max_length=60, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.DRAFTER)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("The language of the e-mails sent to this user."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        org = self.organization
        if self.role in ADMIN_ROLES:
            return
        if org is None:
            raise ValidationError({"organization": _("This role needs an organization.")})
        if self.role in (Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER) and org.kind != Organization.Kind.DATA_BUREAU:
            raise ValidationError({"organization": _("Reviewers belong to a data bureau.")})
        if self.role == Role.CITY_REVIEWER and not org.region.is_city:
            raise ValidationError({"organization": _("A city reviewer belongs to the city data bureau.")})
        if self.role == Role.DISTRICT_REVIEWER and org.region.is_city:
            raise ValidationError({"organization": _("A district reviewer belongs to a district, county or zone data bureau.")})
        if self.role in DEPARTMENT_ROLES and org.is_region:
            raise ValidationError({"organization": _("This role belongs to a department, not to a region.")})

    @property
    def is_drafter(self):
        return self.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD)

    @property
    def is_reviewer(self):
        return self.role in (Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER)

    @property
    def is_district_reviewer(self):
        return self.role == Role.DISTRICT_REVIEWER

    @property
    def is_city_reviewer(self):
        return self.role == Role.CITY_REVIEWER

    @property
    def is_supervisor(self):
        return self.role == Role.SUPERVISOR

    @property
    def is_calendar_admin(self):
        return self.role == Role.SYSTEM_ADMIN

    @property
    def region(self):
        return self.organization.region if self.organization_id else None

    @property
    def city(self):
        return self.organization.city if self.organization_id else None


class Notification(models.Model):
    """A message to one user in the notification centre, with an e-mail copy.

    Like the policy history, a notification stores a language-neutral code
    and its facts as JSON. `accounts.notifications` renders the sentence in
    the reader's language when it is shown or e-mailed.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        NO_ADDRESS = "no_address", _("not sent: the user has no e-mail address")
        REFUSED = "refused", _("not sent: the mail server refused the address")
        IN_APP_ONLY = "in_app_only", _("not e-mailed: shown in the notification centre only")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications")
    code = models.CharField(_("code"), max_length=60)
    data = models.JSONField(_("data"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_list"),
            # The unread count in every page header.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["created_at"], condition=Q(email_status="pending"), name="notification_email_pending"),
        ]

    def __str__(self):
        return "%s → %s" % (self.code, self.user)

    @property
    def is_read(self):
        return self.read_at is not None
