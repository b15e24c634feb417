from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "region", "city"]
    list_filter = ["kind", "city"]
    search_fields = ["name", "short_name", "code"]
    readonly_fields = ["region", "city"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization__city"]
    search_fields = ["username", "display_name"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role"), {"fields": ("display_name", "organization", "role", "phone")}),)
