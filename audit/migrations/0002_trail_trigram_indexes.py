"""Trigram indexes for the trail's word search (PostgreSQL only; SQLite searches unindexed).

The trail's text filter is ``icontains``, which Django writes on PostgreSQL as
``UPPER(col::text) LIKE UPPER('%word%')``: a GIN index of ``UPPER(col::text)`` with
``gin_trgm_ops`` answers it. The indexes need the ``pg_trgm`` extension, created here with
``CREATE EXTENSION IF NOT EXISTS``: the database user must be allowed to (pg_trgm is a trusted
extension, so the database's owner may), or an operator runs it once beforehand as a superuser:
``psql -d DB -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"``.

Only the columns the trail searches in tables that grow with the years are indexed: the audit
rows' summary, the transition log's note, and the text columns of the larger history tables
(audit.trail._text_fields names them).
"""

from django.db import migrations

COLUMNS = {
    "bangkit_auditevent": ["summary"],
    "proposals_transitionlog": ["note"],
    "proposals_historicalmusrenbangentry": [
        "source_id",
        "title",
        "problem",
        "work_type_text",
        "location_text",
        "unit",
        "proposer",
    ],
    "proposals_historicalproposal": ["code", "title", "location_description", "contribution_materials"],
    "proposals_historicalrabline": ["material", "unit"],
    "procurement_historicalpurchaseorder": [
        "number",
        "supplier_reason",
        "note",
        "delivery_address",
        "cancel_reason",
    ],
    "procurement_historicalpurchaseorderline": ["description", "unit", "justification"],
    "procurement_historicaldelivery": ["received_by_name", "note", "photo", "photo_content_type"],
    "procurement_historicalpayment": ["invoice_number", "reference"],
}


def _name(table: str, column: str) -> str:
    return f"trgm_{table}_{column}"[:63]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in COLUMNS.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )
    # An audit row is also found by its record's id (object_id = the text): by this index.
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "auditevent_object_id" ON "bangkit_auditevent" ("object_id")'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')
    schema_editor.execute('DROP INDEX IF EXISTS "auditevent_object_id"')


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("bangkit", "0014_audit_event_kecamatan"),
        ("proposals", "0009_resident_usulan"),
        ("procurement", "0007_list_order_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
