"""Load the holiday notices bundled in workdays/data/cn-holidays.json.

Every database gets the 2024-2026 calendar on `migrate`, tests included.
Later notices are entered in the calendar pages or with `seed_calendar`,
not by changing this migration.
"""

from django.db import migrations
from django.utils import timezone

from workdays.notices import BUNDLED_NOTICES, load_notice_file


def load_bundled_notices(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    SpecialDay = apps.get_model("workdays", "SpecialDay")

    for notice in load_notice_file(BUNDLED_NOTICES):
        if CalendarYear.objects.filter(year=notice.year).exists():
            continue
        calendar_year = CalendarYear.objects.create(
            year=notice.year,
            notice_title=notice.title,
            document_number=notice.document_number,
            issued_on=notice.issued_on,
            source_url=notice.source_url,
            status="confirmed" if notice.confirmed else "provisional",
            confirmed_at=timezone.now() if notice.confirmed else None,
        )
        rows = [
            SpecialDay(date=day, kind="holiday", name=name, calendar_year=calendar_year)
            for day, name in notice.holiday_days().items()
        ]
        rows += [
            SpecialDay(date=day, kind="makeup_workday", name=name, calendar_year=calendar_year)
            for day, name in notice.makeup_days().items()
        ]
        SpecialDay.objects.bulk_create(rows)


def remove_bundled_notices(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    years = [notice.year for notice in load_notice_file(BUNDLED_NOTICES)]
    CalendarYear.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_bundled_notices, remove_bundled_notices),
    ]
