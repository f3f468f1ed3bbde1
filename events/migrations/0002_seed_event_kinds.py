"""Seed the six event kinds. Staff may edit their defaults afterwards; this never overwrites."""

from django.db import migrations

KINDS = [
    # slug, en, fr, nl, default capacity (None = unlimited), duration (min), has speakers
    ("betacooks", "Betacooks", "Betacooks", "Betacooks", 50, 90, False),
    ("speed-networking", "Speed Networking", "Speed networking", "Speednetwerken", 40, 120, False),
    ("it-day", "IT Day", "Journée IT", "IT-dag", 50, 180, True),
    ("talk", "Talk / Conference", "Conférence", "Lezing / conferentie", None, 90, True),
    ("workshop", "Workshop", "Atelier", "Workshop", 20, 120, False),
    ("other", "Other", "Autre", "Andere", None, 120, False),
]


def seed(apps, schema_editor):
    EventKind = apps.get_model("events", "EventKind")
    for slug, en, fr, nl, capacity, duration, speakers in KINDS:
        EventKind.objects.get_or_create(
            slug=slug,
            defaults={
                "name_en": en,
                "name_fr": fr,
                "name_nl": nl,
                "default_capacity": capacity,
                "default_duration_minutes": duration,
                "reminder_offsets_minutes": [1440, 120],
                "has_speakers": speakers,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
