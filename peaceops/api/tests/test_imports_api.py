from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

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
    assert [r["id"] for r in client_for(reporter).get("/api/v1/imports").json()] == [
        accepted.json()["id"]
    ]
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
