from django.contrib import admin

from .models import OpinionSeries


@admin.register(OpinionSeries)
class OpinionSeriesAdmin(admin.ModelAdmin):
    list_display = ["bureau", "prefix"]
