"""The demo: seeded missions, areas, one user per role, and real incidents (UCDP GED extracts
for the Central African Republic and South Sudan, CC BY 4.0, shipped in data/demo/)."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from peaceops.accounts.models import Membership, User
from peaceops.core.classification import Classification
from peaceops.core.geo.countries import boundaries_geojson
from peaceops.core.roles import Role
from peaceops.incidents.importers.engine import ProgressCallback, run_import
from peaceops.incidents.importers.records import RowRejection, SourceRecord
from peaceops.incidents.importers.ucdp import EXTERNAL_SOURCE, ged_records
from peaceops.incidents.models import ImportRun, VerificationStatus
from peaceops.missions.models import Area, Mission
from peaceops.missions.services import area_values, missions_seed

VERIFIED, REPORTED = VerificationStatus.VERIFIED, VerificationStatus.REPORTED
DEMO_DIR = Path(__file__).resolve().parent / "data" / "demo"
DEMO_FILES = (
    ("MINUSCA", DEMO_DIR / "ged231_central_african_republic.csv.gz"),
    ("UNMISS", DEMO_DIR / "ged221_south_sudan_hdx.csv.gz"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    mission: str | None
    role: str
    clearance: str


DEMO_USERS = (
    DemoUser("reporter", "MINUSCA", Role.REPORTER, Classification.INTERNAL),
    DemoUser("analyst", "MINUSCA", Role.ANALYST, Classification.CONFIDENTIAL),
    DemoUser("verifier", "MINUSCA", Role.VERIFIER, Classification.CONFIDENTIAL),
    DemoUser("admin-minusca", "MINUSCA", Role.MISSION_ADMIN, Classification.STRICTLY_CONFIDENTIAL),
    DemoUser("reporter-unmiss", "UNMISS", Role.REPORTER, Classification.INTERNAL),
    DemoUser("hq", None, Role.HQ_READER, Classification.INTERNAL),
    DemoUser("sysadmin", None, Role.SYSTEM_ADMIN, Classification.STRICTLY_CONFIDENTIAL),
)

# Host-country boundary as each mission's area of responsibility (illustrative: real areas
# of responsibility are mission-specific and often smaller).
DEMO_AREAS = (("MINUSCA", "CAF"), ("UNMISS", "SSD"))


def _ensure_users(reset_passwords: bool) -> dict[str, str]:
    """Create demo users; returns {username: password} for users whose password was set."""
    passwords: dict[str, str] = {}
    missions = {m.acronym: m for m in Mission.objects.filter(acronym__in=["MINUSCA", "UNMISS"])}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(username=demo.username)
        if created or reset_passwords:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
            passwords[demo.username] = password
        Membership.objects.update_or_create(
            user=user,
            mission=missions[demo.mission] if demo.mission else None,
            role=demo.role,
            defaults={"clearance": demo.clearance},
        )
    return passwords


def _ensure_areas() -> None:
    features = {f["properties"]["code"]: f["geometry"] for f in boundaries_geojson()["features"]}
    for acronym, country in DEMO_AREAS:
        mission = Mission.objects.get(acronym=acronym)
        values = area_values(
            name=f"{country} (area of responsibility, illustrative)",
            kind=Area.Kind.AREA_OF_RESPONSIBILITY,
            classification=Classification.PUBLIC,
            geometry=features[country],
        )
        Area.objects.update_or_create(mission=mission, name=values.pop("name"), defaults=values)


# Field reports made up for the demo, so that classification and review have something to show.
DEMO_REPORTS = (
    {
        "external_id": "demo-1",
        "values": {
            "incident_type": "restriction_of_movement",
            "subtype": "blocked_route",
            "title": "[demo] Patrol stopped at a checkpoint on the road north of Bangui",
            "narrative": "Illustrative report: an armed group checkpoint refused passage to a "
            "night patrol; the patrol returned to base after 40 minutes.",
            "narrative_language": "en",
            "started_at": "2022-12-20T21:10:00Z",
            "latitude": 4.52,
            "longitude": 18.55,
            "location_precision": "near",
            "classification": Classification.INTERNAL,
        },
    },
    {
        "external_id": "demo-2",
        "values": {
            "incident_type": "hostile_act_peacekeepers",
            "subtype": "ied",
            "title": "[demo] IED strike on a logistics convoy",
            "narrative": "Illustrative report: a convoy vehicle was hit by an improvised "
            "explosive device; two peacekeepers injured.",
            "narrative_language": "en",
            "started_at": "2022-12-22T08:30:00Z",
            "latitude": 6.49,
            "longitude": 21.98,
            "location_precision": "exact",
            "classification": Classification.CONFIDENTIAL,
            "casualties": [{"category": "peacekeepers", "outcome": "injured", "best": 2}],
            "sources": [{"name": "Convoy commander", "reliability": "B", "credibility": 2}],
        },
    },
)


def _import(
    acronym: str,
    source: str,
    records: Iterable[SourceRecord | RowRejection],
    name: str,
    status: str,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    return run_import(
        mission=Mission.objects.get(acronym=acronym),
        source=source,
        records=records,
        file_name=name,
        file_sha256="",
        verification_status=status,
        progress=progress,
    )


def load_demo(
    *, reset_passwords: bool = False, progress: ProgressCallback | None = None
) -> dict[str, object]:
    """Idempotent: running it again changes nothing (unless passwords are reset)."""
    seeded = missions_seed()
    with transaction.atomic():
        passwords = _ensure_users(reset_passwords)
        _ensure_areas()
    runs = [
        _import(
            acronym,
            EXTERNAL_SOURCE,
            ged_records(path),
            path.name,
            VerificationStatus.VERIFIED,
            progress,
        )
        for acronym, path in DEMO_FILES
    ]
    reports = [
        SourceRecord(line=n, external_id=r["external_id"], values=r["values"], raw={})
        for n, r in enumerate(DEMO_REPORTS, start=1)
    ]
    runs.append(
        _import("MINUSCA", "peaceops_demo", reports, "demo reports", VerificationStatus.REPORTED)
    )
    incidents = {
        name: sum(getattr(run, name) for run in runs)
        for name in ("created", "updated", "unchanged", "rejected")
    }
    return {"missions": seeded, "passwords": passwords, "incidents": incidents}
