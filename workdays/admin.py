"""Read-only Django admin pages for the calendar and the clocks.

Calendar edits go through the calendar pages (workdays:year_list), which
preview the year and recompute the open clocks. Clock changes go through the
service functions in workdays.clock, which keep the ledger consistent. The
admin therefore only shows the data.
"""

from django.contrib import admin

from workdays.models import CalendarYear, Clock, ClockEvent, SpecialDay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    fields = ["date", "kind", "name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "status", "notice_title", "document_number", "issued_on", "updated_at"]
    list_filter = ["status"]
    inlines = [SpecialDayInline]


@admin.register(SpecialDay)
class SpecialDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year"]
    date_hierarchy = "date"


class ClockEventInline(admin.TabularInline):
    model = ClockEvent
    fields = ["kind", "on_date", "days", "reason", "old_due_date", "new_due_date", "actor", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "label", "budget", "started_on", "state", "due_date", "is_provisional"]
    list_filter = ["state", "kind", "is_provisional"]
    search_fields = ["label", "kind"]
    inlines = [ClockEventInline]
