"""Drop indexes that another index already serves, each written for every imported row
(ADR 0018): the incident's single-column indexes on mission (every composite index that
begins with the mission serves it) and created_at (nothing reads incidents by it alone),
incident_time (the map's covering index begins with the same columns), and the incident
indexes of casualties, actor links and revisions (their unique constraints begin with it).

Django would rebuild the SQLite tables to change `db_index`; the indexes are dropped by name
instead (the same names on both databases), and the models' state is changed alongside.
"""

import django.db.models.deletion
from django.db import migrations, models

# (index, table, column) of the single-column indexes that Django made for these fields.
FIELD_INDEXES = (
    ("incidents_incident_mission_id_d0711b89", "incidents_incident", "mission_id"),
    ("incidents_incident_created_at_cf5e1cd8", "incidents_incident", "created_at"),
    ("incidents_casualty_incident_id_11e5a715", "incidents_casualty", "incident_id"),
    ("incidents_incidentactor_incident_id_5da207e4", "incidents_incidentactor", "incident_id"),
    (
        "incidents_incidentrevision_incident_id_4fee49a7",
        "incidents_incidentrevision",
        "incident_id",
    ),
)


def _incident_fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="incidents.incident",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_map_points_covering_index"),
        ("missions", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="incident", name="incident_time"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[f'DROP INDEX IF EXISTS "{name}"' for name, _t, _c in FIELD_INDEXES],
                    reverse_sql=[
                        f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                        for name, table, column in FIELD_INDEXES
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="casualty", name="incident", field=_incident_fk("casualties")
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="mission",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="missions.mission",
                    ),
                ),
                migrations.AlterField(
                    model_name="incidentactor", name="incident", field=_incident_fk("actor_links")
                ),
                migrations.AlterField(
                    model_name="incidentrevision",
                    name="incident",
                    field=_incident_fk("revisions"),
                ),
            ],
        ),
    ]
