"""The programme's standard work types; cities add more in the admin."""

from django.db import migrations

WORK_TYPES = [
    ("rabat-beton", "Jalan setapak / rabat beton", "m", True, ["jalan setapak", "rabat beton", "jalan lingkungan", "semenisasi"]),
    ("drainase", "Drainase / parit", "m", False, ["drainase", "parit", "saluran", "got"]),
    ("gorong-gorong", "Gorong-gorong", "unit", False, ["gorong gorong", "box culvert", "plat duiker"]),
    ("talud", "Talud / turap", "m", False, ["talud", "turap", "dinding penahan tanah"]),
    ("mck", "MCK", "unit", False, ["mck", "jamban", "wc umum", "sanitasi"]),
    ("jembatan-kecil", "Jembatan kecil", "m", True, ["jembatan", "titian"]),
    ("pos-ronda", "Pos ronda", "unit", False, ["pos ronda", "poskamling", "pos kamling"]),
    ("sumur-bor", "Sumur bor / air bersih", "unit", False, ["sumur bor", "air bersih", "sumur"]),
]


def forwards(apps, schema_editor):
    WorkType = apps.get_model("bangkit", "WorkType")
    for code, name, unit, has_width, aliases in WORK_TYPES:
        WorkType.objects.update_or_create(
            code=code, defaults={"name": name, "unit": unit, "has_width": has_width, "aliases": aliases}
        )


class Migration(migrations.Migration):
    dependencies = [("bangkit", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
