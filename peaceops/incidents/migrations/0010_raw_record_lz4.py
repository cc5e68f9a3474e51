"""PostgreSQL compresses the raw record with lz4 instead of its default pglz, where the server
was built with lz4 (ADR 0021). A quarter of UCDP GED rows are long enough to be compressed;
pglz took about 15 µs of the server's time a row on average, lz4 a fraction. The setting
applies to values written from now on; nothing is rewritten. SQLite: nothing to do."""

from django.db import migrations


def _server_has_lz4(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _compression(method: str):
    def alter(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql" or not _server_has_lz4(schema_editor):
            return
        schema_editor.execute(
            f'ALTER TABLE "incidents_incident" ALTER COLUMN "raw" SET COMPRESSION {method}'
        )

    return alter


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_raw_record_as_json")]

    operations = [migrations.RunPython(_compression("lz4"), _compression("default"))]
