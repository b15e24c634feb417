"""Deliveries of generated documents and records of ledger exports."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from review.models import Notice, Opinion


class DocumentKind(models.TextChoices):
    MATERIALS_NOTICE = "materials_notice", _("Materials notice")
    CORRECTION_NOTICE = "correction_notice", _("Correction notice")
    OPINION_LETTER = "opinion_letter", _("Opinion letter")
    ELEMENT_TABLE = "element_table", _("Element table")

    @classmethod
    def for_notice(cls, notice):
        return cls.MATERIALS_NOTICE if notice.kind == Notice.Kind.MATERIALS else cls.CORRECTION_NOTICE


class DocumentDelivery(models.Model):
    """The first time someone of the drafting department opened a notice or opinion letter sent to it.

    That moment counts as receipt. For the opinion letter it also starts the
    department's working days to respond (第九条).
    """

    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    notice = models.OneToOneField(
        Notice, verbose_name=_("notice"), null=True, blank=True, on_delete=models.CASCADE, related_name="delivery"
    )
    opinion = models.OneToOneField(
        Opinion,
        verbose_name=_("opinion letter"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delivery",
    )
    first_opened_at = models.DateTimeField(_("first opened at"), default=timezone.now)
    first_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("first opened by"), on_delete=models.PROTECT, related_name="+"
    )
    first_format = models.CharField(_("format"), max_length=10)

    class Meta:
        verbose_name = _("document delivery")
        verbose_name_plural = _("document deliveries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[DocumentKind.MATERIALS_NOTICE, DocumentKind.CORRECTION_NOTICE],
                        notice__isnull=False,
                        opinion__isnull=True,
                    )
                    | Q(kind=DocumentKind.OPINION_LETTER, notice__isnull=True, opinion__isnull=False)
                ),
                name="delivery_names_one_sent_document",
            ),
        ]

    def __str__(self):
        return "%s %s" % (self.get_kind_display(), self.first_opened_at)


def export_upload_to(instance, filename):
    return "exports/%s/%s.%s" % (timezone.now().strftime("%Y/%m"), uuid.uuid4().hex, instance.format)


class ExportRecord(models.Model):
    """One export of the review ledger: who asked, with which filter, and the file produced."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    # The requester's language at the time; column headers and labels use it.
    language = models.CharField(_("language"), max_length=20, blank=True)
    is_background = models.BooleanField(_("run in the background"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows expected"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    row_count = models.PositiveIntegerField(_("row count"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_upload_to, max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")

    def __str__(self):
        return "%s %s" % (self.get_format_display(), self.requested_at)

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.rows_written * 100 // self.total_rows)
