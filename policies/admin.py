from django.contrib import admin

from .models import ElementDefinition


@admin.register(ElementDefinition)
class ElementDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "label_zh", "group", "value_type", "required", "active", "position"]
    list_filter = ["group", "value_type", "required", "active"]
    list_editable = ["required", "active", "position"]
