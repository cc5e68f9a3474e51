"""The indexes of the columns that name a person (who created, reviewed or is assigned an
incident; who made a revision) leave out the rows where none is set: every imported row.
Imports then write nothing to them and a large first load has nothing of theirs to build
again (ADR 0020's addendum). Done by hand on the database side: Django would rebuild the
SQLite table to drop a foreign key's index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, the index Django made for the foreign key)
OLD = (
    ("incidents_incident", "assigned_to_id", "incidents_incident_assigned_to_id_c1ff8fd4"),
    ("incidents_incident", "created_by_id", "incidents_incident_created_by_id_c29d8b73"),
    ("incidents_incident", "reviewed_by_id", "incidents_incident_reviewed_by_id_7e247df6"),
    ("incidents_incidentrevision", "actor_id", "incidents_incidentrevision_actor_id_553d9d6f"),
)


def _forget_deferred(apps, schema_editor) -> None:
    # An import killed while these were dropped recorded them to build again: not any more.
    deferred = apps.get_model("incidents", "DeferredDefinition")
    deferred.objects.filter(name__in=[name for _t, _c, name in OLD]).delete()


def _person(**extra):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_raw_record_lz4"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_forget_deferred, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in OLD
            ],
            state_operations=[
                migrations.AlterField(model_name="incident", name=field, field=_person())
                for field in ("assigned_to", "created_by", "reviewed_by")
            ]
            + [migrations.AlterField(model_name="incidentrevision", name="actor", field=_person())],
        ),
        *(
            migrations.AddIndex(
                model_name="incident",
                index=models.Index(
                    condition=models.Q((f"{field}__isnull", False)),
                    fields=[field],
                    name=f"incident_{field}",
                ),
            )
            for field in ("reviewed_by", "assigned_to", "created_by")
        ),
        migrations.AddIndex(
            model_name="incidentrevision",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="revision_actor",
            ),
        ),
    ]
