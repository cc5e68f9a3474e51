"""A real kill: the import process gets SIGKILL part-way; the database must hold whole
batches only, and running the same import again must complete it."""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from peaceops.testing.ged_sample import write_sample

ROWS = 30_000
BATCH = 1_000


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], object]]:
    """An empty database of the kind the suite runs on, outside the test transaction:
    (environment for the subprocesses, a function that runs one SQL query)."""
    env = {**os.environ, "PEACEOPS_VAR_DIR": str(tmp_path / "var")}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"peaceops_kill_{uuid.uuid4().hex[:8]}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{name}"

        def query(sql: str) -> list[tuple]:
            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchall()

        try:
            yield env, query
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env.pop("DATABASE_URL", None)

        def query(sql: str) -> list[tuple]:
            with sqlite3.connect(tmp_path / "var" / "peaceops.sqlite3") as conn:
                return conn.execute(sql).fetchall()

        yield env, query


def peaceops(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "peaceops", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def processes_reading(path: Path) -> list[int]:
    """Ids of the live processes whose command line names `path`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # ended meanwhile
        if str(path).encode() in command and state != "Z":
            found.append(int(entry.name))
    return found


def schema_names(env: dict[str, str], query) -> set[str]:
    """The named indexes of the incidents app's tables, and on PostgreSQL their foreign keys."""
    if "DATABASE_URL" in env:
        rows = query(
            "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'incidents_%' UNION "
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text LIKE 'incidents_%'"
        )
    else:
        rows = query(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name LIKE 'incidents_%' AND sql IS NOT NULL"
        )
    return {name for (name,) in rows}


# The import's plain indexes (importers/deferred_schema.py): the ones a large first load
# drops and builds at the end.
DEFERRED = {
    "incident_country_time",
    "incident_map_cover",
    "incident_mission_status",
    "incident_mission_time",
    "incident_point",
    "incident_priogrid",
    "incidents_incident_import_run_id_aefebbc7",
    "incidents_incidentactor_actor_id_edbe8c23",
    "incidents_source_incident_id_e5b90b9b",
}
# On PostgreSQL also the foreign keys of those tables, but those on columns it leaves NULL.
FOREIGN_KEYS = {
    "incidents_incident_import_run_id_aefebbc7_fk_incidents",
    "incidents_incident_mission_id_d0711b89_fk_missions_mission_id",
    "incidents_casualty_incident_id_11e5a715_fk_incidents",
    "incidents_incidentac_incident_id_5da207e4_fk_incidents",
    "incidents_incidentactor_actor_id_edbe8c23_fk_incidents_actor_id",
    "incidents_incidentre_incident_id_4fee49a7_fk_incidents",
    "incidents_source_incident_id_e5b90b9b_fk_incidents_incident_id",
}


@pytest.mark.parametrize(
    "defer_at",
    [pytest.param("0", id="indexes-kept"), pytest.param("10000", id="indexes-deferred")],
)
def test_killed_import_leaves_whole_batches_and_rerun_completes(tmp_path, defer_at):
    sample = write_sample(tmp_path / "ged.csv", ROWS)
    with scratch_database(tmp_path) as (env, query):
        env["PEACEOPS_IMPORT_DEFER_INDEXES_ROWS"] = defer_at
        for args in (
            ("migrate", "--no-input", "-v0"),
            (
                "shell",
                "-c",
                "from peaceops.missions.services import missions_seed; missions_seed()",
            ),
        ):
            done = peaceops(env, *args)
            assert done.wait(timeout=120) == 0, done.stdout.read()

        migrated = schema_names(env, query)
        deferred = DEFERRED | (FOREIGN_KEYS if "DATABASE_URL" in env else set())
        assert migrated.issuperset(deferred)
        command = ("import", "ucdp", str(sample), "--mission", "UNOWAS", "--no-progress")
        victim = peaceops(env, *command, "--batch-size", str(BATCH))
        deadline = time.monotonic() + 120
        loaded = 0
        while time.monotonic() < deadline and victim.poll() is None:
            rows = query("SELECT created FROM incidents_importrun")
            loaded = rows[0][0] if rows else 0
            if loaded >= 3 * BATCH:
                break
            time.sleep(0.05)
        assert victim.poll() is None, "the import finished before it could be killed"
        victim.kill()  # SIGKILL: no clean-up code runs
        victim.wait(timeout=30)
        # Its reading process (a fork) notices and ends by itself: it would otherwise hold the
        # killed process's database connection, and on PostgreSQL its open transaction.
        deadline = time.monotonic() + 15
        while processes_reading(sample) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_reading(sample) == []

        ((status, created),) = query("SELECT status, created FROM incidents_importrun")
        ((incidents,),) = query("SELECT COUNT(*) FROM incidents_incident")
        ((revisions,),) = query("SELECT COUNT(*) FROM incidents_incidentrevision WHERE version = 1")
        ((with_source,),) = query("SELECT COUNT(DISTINCT incident_id) FROM incidents_source")
        ((orphans,),) = query(
            "SELECT COUNT(*) FROM incidents_casualty c "
            "LEFT JOIN incidents_incident i ON i.id = c.incident_id WHERE i.id IS NULL"
        )
        ((summarised,),) = query("SELECT SUM(incidents) FROM incidents_incidentdaycount")
        assert status == "running"  # nobody could mark it: it was killed
        assert created >= 3 * BATCH
        assert created % BATCH == 0  # whole batches only
        assert incidents == revisions == with_source == summarised == created
        assert orphans == 0
        recorded = {name for (name,) in query("SELECT name FROM incidents_deferreddefinition")}
        if defer_at == "0":
            assert (schema_names(env, query), recorded) == (migrated, set())
        else:  # dropped and recorded, until the next import builds them
            assert (schema_names(env, query), recorded) == (migrated - deferred, deferred)

        rerun = peaceops(env, *command)
        assert rerun.wait(timeout=300) == 0, rerun.stdout.read()
        summary = rerun.stdout.read()
        assert (
            f"{ROWS - created:,} created, 0 updated, {created:,} unchanged, 0 rejected" in summary
        ), summary
        ((total,),) = query("SELECT COUNT(*) FROM incidents_incident")
        ((summarised,),) = query("SELECT SUM(incidents) FROM incidents_incidentdaycount")
        assert total == summarised == ROWS
        ((done_status,),) = query("SELECT status FROM incidents_importrun ORDER BY id DESC LIMIT 1")
        assert done_status == "completed"
        assert schema_names(env, query) == migrated
        assert query("SELECT COUNT(*) FROM incidents_deferreddefinition") == [(0,)]
