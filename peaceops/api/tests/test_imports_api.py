import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from peaceops.core.roles import Role
from peaceops.incidents.models import ImportRun, Incident
from peaceops.testing.clients import client_for
from peaceops.testing.factories import member

CAR_CSV = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "ucdp_ged_car_v23_1"
    / "GEDEvent_v23_1_CAR.csv"
)


def upload(client: Client, name: str, data: bytes, **fields):
    body = {"mission": "MINUSCA", "format": "ucdp", **fields}
    body["file"] = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post("/api/v1/imports", body)


def test_upload_is_queued_then_the_worker_imports_it(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    response = upload(client_for(analyst), "car.csv", CAR_CSV.read_bytes())
    assert response.status_code == 202
    queued = response.json()
    assert (queued["status"], queued["mission"], queued["format"], queued["created"]) == (
        "queued",
        "MINUSCA",
        "ucdp",
        0,
    )
    assert Incident.objects.count() == 0

    call_command("worker", "--once")

    run = client_for(analyst).get(f"/api/v1/imports/{queued['id']}").json()
    assert (run["status"], run["rows_read"], run["created"], run["rejected"]) == (
        "completed",
        1_848,
        1_848,
        0,
    )
    assert run["problems"] == []
    assert Incident.objects.aggregate(total=Sum("fatalities"))["total"] == 14_948
    assert ImportRun.objects.get().started_by == analyst


def test_unreadable_upload_fails_the_run_with_a_reason(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    response = upload(client_for(analyst), "notes.csv", b"name,remark\nx,y\n")
    call_command("worker", "--once")
    run = client_for(analyst).get(f"/api/v1/imports/{response.json()['id']}").json()
    assert run["status"] == "failed"
    assert run["message"] == (
        "Cannot read notes.csv: not a UCDP GED file: no column id, type_of_violence, "
        "date_start, date_end, latitude, longitude"
    )


def test_rejected_rows_are_listed_by_line(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    lines = CAR_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    header, first = lines[0], lines[1]
    bad = first.replace(",5.399784", ",95.399784")  # the latitude column, last on the line
    response = upload(
        client_for(analyst), "two.csv", (header + first + bad.replace("36210", "1")).encode()
    )
    call_command("worker", "--once")
    run = client_for(analyst).get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (run["created"], run["rejected"]) == (1, 1)
    assert run["problems"] == [
        {
            "line": 3,
            "external_id": "1",
            "field": "latitude",
            "reason": "Latitude must be between -90 and 90 degrees.",
            "severity": "error",
        }
    ]


def test_who_may_upload_and_see_runs(mission, other_mission, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    reporter = member(mission, Role.REPORTER, "internal")
    denied = upload(client_for(reporter), "car.csv", b"id\n")
    assert denied.status_code == 403
    assert ImportRun.objects.count() == 0
    analyst = member(mission, Role.ANALYST, "internal")
    accepted = upload(client_for(analyst), "car.csv", b"id\n")
    assert accepted.status_code == 202
    outsider = member(other_mission, Role.MISSION_ADMIN)
    assert client_for(outsider).get(f"/api/v1/imports/{accepted.json()['id']}").status_code == 404
    assert client_for(outsider).get("/api/v1/imports").json() == []
    assert client_for(reporter).get("/api/v1/imports").json() == []  # may not import: no runs
    runs = client_for(analyst).get("/api/v1/imports").json()
    assert [r["id"] for r in runs] == [accepted.json()["id"]]
    assert Client().get("/api/v1/imports").status_code == 401


def test_upload_validation(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    client = client_for(analyst)
    response = upload(client, "x.csv", b"id\n", format="shapefile")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"format": ["One of: ucdp, acled, tabular"]}
    response = upload(client, "x.csv", b"id\n", format="tabular")
    assert response.json()["error"]["fields"] == {
        "mapping": ["This format needs a column-mapping file."]
    }
    settings.MAX_UPLOAD_BYTES = 10
    response = upload(client, "x.csv", b"id,0123456789\n")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert ImportRun.objects.count() == 0
    assert list(tmp_path.iterdir()) == []


def test_tabular_upload_with_mapping(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    data = b"Ref,Date,What,Lat,Lon\nR1,2024-05-01,Roadblock at the bridge,4.36,18.55\n"
    mapping = (
        b"id: Ref\nfields:\n  title: What\n  started_at: Date\n  latitude: Lat\n  longitude: Lon\n"
        b"defaults: {incident_type: restriction_of_movement, subtype: blocked_route}\n"
    )
    body = {
        "mission": "MINUSCA",
        "format": "tabular",
        "file": SimpleUploadedFile("log.csv", data),
        "mapping": SimpleUploadedFile("mission_log.yaml", mapping),
    }
    response = client_for(analyst).post("/api/v1/imports", body)
    assert response.status_code == 202, response.content
    assert response.json()["source"] == "tabular:mission_log"
    call_command("worker", "--once")
    incident = Incident.objects.get()
    assert (incident.title, incident.external_source, incident.verification_status) == (
        "Roadblock at the bridge",
        "tabular:mission_log",
        "reported",
    )


MAPPING = (
    b"id: Ref\nfields:\n  title: What\n  started_at: Date\n  latitude: Lat\n  longitude: Lon\n"
    b"  classification: Level\n"
    b"defaults: {incident_type: restriction_of_movement, subtype: blocked_route}\n"
)


def _tabular(client: Client, rows: bytes, mapping_name: str = "log map.yaml"):
    body = {
        "mission": "MINUSCA",
        "format": "tabular",
        "file": SimpleUploadedFile("log.csv", b"Ref,Date,What,Lat,Lon,Level\n" + rows),
        "mapping": SimpleUploadedFile(mapping_name, MAPPING),
    }
    return client.post("/api/v1/imports", body)


def test_uploads_never_write_above_the_uploaders_clearance(mission, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    high = member(mission, Role.ANALYST, "strictly_confidential")
    _tabular(client_for(high), b"R1,2024-05-01,Secret site,4.36,18.55,confidential\n")
    call_command("worker", "--once")
    secret = Incident.objects.get(external_id="R1")
    low = member(mission, Role.ANALYST, "internal")
    rows = (
        b"R1,2024-05-01,Overwritten,4.36,18.55,internal\n"  # exists above my clearance
        b"R2,2024-05-02,Too high,4.36,18.55,confidential\n"  # would be above my clearance
        b"R3,2024-05-03,Fine,4.36,18.55,internal\n"
    )
    response = _tabular(client_for(low), rows)
    call_command("worker", "--once")
    run = client_for(low).get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (run["created"], run["updated"], run["rejected"]) == (1, 0, 2)
    assert [(p["line"], p["field"], p["reason"]) for p in run["problems"]] == [
        (2, "id", "A record with this id exists that you may not change."),
        (3, "classification", "Above your clearance for this mission."),
    ]
    secret.refresh_from_db()
    assert (secret.title, secret.classification, secret.version) == (
        "Secret site",
        "confidential",
        1,
    )
    assert not Incident.objects.filter(external_id="R2").exists()


def test_tabular_source_is_the_same_from_cli_and_upload(mission, analyst, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    response = _tabular(client_for(analyst), b"R1,2024-05-01,Roadblock,4.36,18.55,internal\n")
    assert response.json()["source"] == "tabular:log_map"
    call_command("worker", "--once")
    data = tmp_path / "log.csv"
    data.write_bytes(b"Ref,Date,What,Lat,Lon,Level\nR1,2024-05-01,Roadblock,4.36,18.55,internal\n")
    mapping = tmp_path / "log map.yaml"
    mapping.write_bytes(MAPPING)
    call_command(
        "import",
        "tabular",
        str(data),
        "--mapping",
        str(mapping),
        "--mission",
        "MINUSCA",
        "--no-progress",
    )
    assert Incident.objects.count() == 1  # the same row, found unchanged


def test_worker_requeues_a_stale_upload_and_fails_a_stale_cli_run(
    mission, analyst, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    queued = upload(client_for(analyst), "car.csv", CAR_CSV.read_bytes()).json()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    ImportRun.objects.filter(pk=queued["id"]).update(status="running", updated_at=long_ago)
    cli_run = ImportRun.objects.create(
        mission=mission, source="ucdp_ged", file_name="x.csv", file_sha256="", status="running"
    )
    ImportRun.objects.filter(pk=cli_run.pk).update(updated_at=long_ago)

    call_command("worker", "--once")

    assert ImportRun.objects.get(pk=queued["id"]).status == "completed"
    assert Incident.objects.count() == 1_848
    cli_run.refresh_from_db()
    assert cli_run.status == "failed"
    assert (
        cli_run.message
        == "Interrupted: its process stopped. Run the same import again to complete it."
    )
    assert list(tmp_path.iterdir()) == []  # the uploaded file is removed once imported


def test_worker_survives_an_unexpected_error(mission, analyst, settings, tmp_path, monkeypatch):
    settings.UPLOAD_DIR = tmp_path
    first = upload(client_for(analyst), "a.csv", CAR_CSV.read_bytes()).json()
    second = upload(client_for(analyst), "b.csv", CAR_CSV.read_bytes()).json()
    from peaceops.incidents.importers import queue

    real = queue.run_import
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(**kwargs)

    monkeypatch.setattr(queue, "run_import", flaky)
    call_command("worker", "--once")
    statuses = dict(ImportRun.objects.values_list("pk", "status"))
    assert statuses == {first["id"]: "failed", second["id"]: "completed"}
    assert ImportRun.objects.get(pk=first["id"]).message == "RuntimeError: disk on fire"
