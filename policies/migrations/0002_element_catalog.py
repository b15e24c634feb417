from django.db import migrations


def load_catalog(apps, schema_editor):
    from policies.catalog import ELEMENTS

    ElementDefinition = apps.get_model("policies", "ElementDefinition")
    for position, (code, group, label_zh, label_en, value_type, required, choices) in enumerate(ELEMENTS, start=1):
        ElementDefinition.objects.update_or_create(
            code=code,
            defaults={
                "group": group,
                "label_zh": label_zh,
                "label_en": label_en,
                "value_type": value_type,
                "required": required,
                "choices": list(choices),
                "position": position * 10,
                "active": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]
