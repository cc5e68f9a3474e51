"""The raw record as PostgreSQL's `json` (its text, kept as written) instead of `jsonb`
(ADR 0021). SQLite stores JSON as text either way: nothing to do there, and no table rebuild."""

from django.db import migrations

import peaceops.core.fields


def _alter(to_type: str):
    def alter(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f'ALTER TABLE "incidents_incident" ALTER COLUMN "raw" TYPE {to_type} '
            f'USING "raw"::{to_type}'
        )

    return alter


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_deferred_definition")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_alter("json"), _alter("jsonb"))],
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="raw",
                    field=peaceops.core.fields.VerbatimJSONField(blank=True, null=True),
                )
            ],
        )
    ]
