import datetime as dt
import json

import pytest
from django.test import Client

from peaceops.core.errors import ValidationFailed
from peaceops.core.roles import Role
from peaceops.missions.models import Area, Mandate, Mission
from peaceops.missions.services import SEED_FILE, area_create, mandate_add, missions_seed
from peaceops.testing.clients import client_for
from peaceops.testing.factories import UserFactory, member

BANGUI_SITE = {
    "type": "Polygon",
    "coordinates": [[[18.5, 4.3], [18.6, 4.3], [18.6, 4.4], [18.5, 4.4], [18.5, 4.3]]],
}


def test_seed_loads_every_record_and_is_idempotent(db):
    records = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    assert missions_seed() == {"created": len(records), "updated": 0}
    assert missions_seed() == {"created": 0, "updated": len(records)}
    assert Mission.objects.count() == len(records) == 30
    assert Mandate.objects.count() == sum(len(r["mandates"]) for r in records)
    minusca = Mission.objects.get(acronym="MINUSCA")
    assert minusca.short_name_zh == "中非稳定团"
    assert minusca.kind == "peacekeeping_operation"
    assert minusca.host_countries == ["CAF"]
    assert minusca.start_date == dt.date(2014, 4, 10)
    assert minusca.mandates.filter(symbol="S/RES/2149 (2014)").exists()
    closed = set(Mission.objects.filter(status="closed").values_list("acronym", flat=True))
    assert closed == {"MINUSMA", "UNITAMS", "UNSOM"}
    assert Mission.objects.get(acronym="UNSOS").kind == "support_office"


def test_seed_leaves_unconfirmed_facts_empty(db):
    missions_seed()
    records = {r["acronym"]: r for r in json.loads(SEED_FILE.read_text(encoding="utf-8"))}
    for mission in Mission.objects.all():
        record = records[mission.acronym]
        assert (mission.start_date is None) == (record["start_date"] is None)
        assert mission.hq_name == (record["hq_name"] or "")


def test_mission_registry_is_readable_by_every_signed_in_user(db):
    missions_seed()
    outsider = UserFactory()
    response = client_for(outsider).get("/api/v1/missions")
    assert response.status_code == 200
    acronyms = [m["acronym"] for m in response.json()]
    assert len(acronyms) == 30
    assert acronyms == sorted(acronyms)
    one = client_for(outsider).get("/api/v1/missions/minusca").json()
    assert one["name_zh"] == "联合国中非共和国多层面综合稳定团"
    assert Client().get("/api/v1/missions").status_code == 401


def test_only_system_admin_registers_missions(db, system_admin):
    body = {
        "acronym": "UNXYZ",
        "name_en": "Test",
        "kind": "peacekeeping_operation",
        "host_countries": ["CAF"],
    }
    analyst = UserFactory()
    denied = client_for(analyst).post("/api/v1/missions", body, content_type="application/json")
    assert denied.status_code == 403
    created = client_for(system_admin).post(
        "/api/v1/missions", body, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["acronym"] == "UNXYZ"
    bad = client_for(system_admin).post(
        "/api/v1/missions",
        {**body, "acronym": "UNABC", "host_countries": ["ZZZ"], "kind": "navy"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "kind": ["Unknown mission type."],
        "host_countries": ["Unknown country code: ZZZ"],
    }
    duplicate = client_for(system_admin).post(
        "/api/v1/missions", body, content_type="application/json"
    )
    assert duplicate.status_code == 409


def test_mandate_symbol_is_parsed_and_validated(mission):
    admin = member(mission, Role.MISSION_ADMIN)
    mandate = mandate_add(
        actor=admin,
        mission=mission,
        symbol="安全理事会第2709(2023)号决议",
        adopted_on=dt.date(2023, 11, 14),
        task_categories=[20, 4, 4],
    )
    assert (mandate.symbol, mandate.organ, mandate.number, mandate.year) == (
        "S/RES/2709 (2023)",
        "S",
        2709,
        2023,
    )
    assert mandate.task_categories == [4, 20]
    with pytest.raises(ValidationFailed) as caught:
        mandate_add(actor=admin, mission=mission, symbol="resolution two", task_categories=[22])
    assert caught.value.fields == {
        "symbol": ["Not a resolution symbol such as S/RES/2709 (2023)."],
        "task_categories": ["Unknown task category: 22"],
    }
    with pytest.raises(ValidationFailed) as caught:
        mandate_add(
            actor=admin, mission=mission, symbol="S/RES/2709 (2023)", adopted_on=dt.date(2024, 1, 1)
        )
    assert caught.value.fields == {
        "adopted_on": ["The adoption date is not in the resolution's year."]
    }


def test_areas_are_validated_scoped_and_versioned(mission, other_mission):
    admin = member(mission, Role.MISSION_ADMIN)
    client = client_for(admin)
    created = client.post(
        "/api/v1/missions/MINUSCA/areas",
        {
            "name": "PoC site Bangui",
            "kind": "protected_site",
            "classification": "confidential",
            "geometry": BANGUI_SITE,
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    feature = created.json()
    assert feature["properties"]["bbox"] == [18.5, 4.3, 18.6, 4.4]
    area_id = feature["id"]

    internal_reader = member(mission, Role.ANALYST, "internal")
    assert client_for(internal_reader).get("/api/v1/missions/MINUSCA/areas").json() == []
    assert client_for(internal_reader).get(f"/api/v1/areas/{area_id}").status_code == 404
    outsider = member(other_mission, Role.MISSION_ADMIN)
    assert client_for(outsider).get(f"/api/v1/areas/{area_id}").status_code == 404

    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    invalid = client.patch(
        f"/api/v1/areas/{area_id}",
        {"version": 1, "geometry": bow_tie},
        content_type="application/json",
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"] == {
        "geometry": ["The polygon is not valid: Self-intersection[1 1]"]
    }
    renamed = client.patch(
        f"/api/v1/areas/{area_id}",
        {"version": 1, "name": "PoC site"},
        content_type="application/json",
    )
    assert renamed.json()["properties"]["version"] == 2
    stale = client.patch(
        f"/api/v1/areas/{area_id}", {"version": 1, "name": "Old"}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert Area.objects.get(pk=area_id).name == "PoC site"

    analyst = member(mission, Role.ANALYST, "strictly_confidential")
    denied = client_for(analyst).delete(f"/api/v1/areas/{area_id}")
    assert denied.status_code == 403
    assert client.delete(f"/api/v1/areas/{area_id}").status_code == 204
    assert not Area.objects.filter(pk=area_id).exists()


def test_area_names_are_unique_per_mission(mission):
    admin = member(mission, Role.MISSION_ADMIN)
    area_create(actor=admin, mission=mission, name="Base A", kind="base", geometry=BANGUI_SITE)
    from peaceops.core.errors import ConflictError

    with pytest.raises(ConflictError):
        area_create(actor=admin, mission=mission, name="Base A", kind="base", geometry=BANGUI_SITE)


def test_area_above_own_clearance_is_refused_and_not_saved(mission):
    admin = member(mission, Role.MISSION_ADMIN, "internal")
    response = client_for(admin).post(
        "/api/v1/missions/MINUSCA/areas",
        {
            "name": "Secret site",
            "kind": "base",
            "classification": "confidential",
            "geometry": BANGUI_SITE,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "classification": ["Above your clearance for this mission."]
    }
    assert not Area.objects.exists()


def test_renaming_an_area_onto_another_name_is_a_conflict(mission):
    admin = member(mission, Role.MISSION_ADMIN)
    area_create(actor=admin, mission=mission, name="Base A", kind="base", geometry=BANGUI_SITE)
    second = area_create(
        actor=admin, mission=mission, name="Base B", kind="base", geometry=BANGUI_SITE
    )
    stamp = second.updated_at
    response = client_for(admin).patch(
        f"/api/v1/areas/{second.pk}",
        {"version": 1, "name": "Base A"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    client_for(admin).patch(
        f"/api/v1/areas/{second.pk}",
        {"version": 1, "name": "Base C"},
        content_type="application/json",
    )
    second.refresh_from_db()
    assert second.name == "Base C"
    assert second.updated_at > stamp
