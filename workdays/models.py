"""The holiday calendar and deadline clocks.

`CalendarYear` and `SpecialDay` store the State Council notices. Every edit
goes through `workdays.updates`, which also recomputes the open clocks.

`Clock` and `ClockEvent` form a ledger: the events are the record, and the
due date, state and provisional flag on `Clock` are derived from them by the
service functions in `workdays.clock`, stored only for sorting and filtering
work queues.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """One year of the calendar and the holiday notice entered for it."""

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("provisional (weekends only)")
        CONFIRMED = "confirmed", _("confirmed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice_title = models.CharField(_("notice title"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONAL)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class SpecialDay(models.Model):
    """A single holiday or make-up workday. Ranges from the notice are stored day by day so SQL can count them."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        MAKEUP_WORKDAY = "makeup_workday", _("make-up workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("Holiday name from the notice, such as 春节."))
    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("notice year"),
        on_delete=models.CASCADE,
        related_name="special_days",
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Clock(models.Model):
    """A working-day deadline, such as the 10 working days of a district review.

    `state`, `due_date` and `is_provisional` are derived from the events and
    written only by `workdays.clock`.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        PAUSED = "paused", _("paused")
        STOPPED = "stopped", _("stopped")

    kind = models.CharField(
        _("kind"),
        max_length=64,
        db_index=True,
        help_text=_("Code of the time limit, such as review.district, response or materials."),
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    budget = models.PositiveSmallIntegerField(_("working days"), help_text=_("Working days granted at the start."))
    started_on = models.DateField(_("started on"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RUNNING)
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("Empty while paused."))
    is_provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("The due date depends on a year without a confirmed holiday notice."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["state", "due_date"], name="workdays_clock_queue")]
        verbose_name = _("deadline clock")
        verbose_name_plural = _("deadline clocks")

    def __str__(self):
        return self.label or f"{self.kind} #{self.pk}"


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete a ledger entry."""


class ClockEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Clock events are append-only and cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Clock events are append-only and cannot be deleted.")


class ClockEvent(models.Model):
    """One entry of a clock's ledger. Entries are only ever added.

    `save()` rejects changes to a stored entry, and `delete()` as well as the
    queryset's `update()` and `delete()` raise AppendOnlyError. Raw SQL and
    cascades from the database itself are not blocked.
    """

    class Kind(models.TextChoices):
        STARTED = "started", _("started")
        PAUSED = "paused", _("paused")
        RESUMED = "resumed", _("resumed")
        STOPPED = "stopped", _("stopped")
        EXTENDED = "extended", _("extended")
        RECOMPUTED = "recomputed", _("recomputed")

    # PROTECT on both keys keeps a clock's history and its actors from being
    # removed by a cascade, so a user named in a ledger must be deactivated
    # rather than deleted.
    clock = models.ForeignKey(Clock, verbose_name=_("clock"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on_date = models.DateField(_("date"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    old_due_date = models.DateField(_("old due date"), null=True, blank=True)
    new_due_date = models.DateField(_("new due date"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ClockEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")

    def __str__(self):
        return f"{self.get_kind_display()} {self.on_date or ''}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"Clock event {self.pk} is already recorded and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"Clock event {self.pk} is part of the ledger and cannot be deleted.")
