"""ACLED importer against the real HDX country files in ../shared/data (never copied into the
repository: ACLED's terms restrict redistribution). Skipped where the files are absent."""

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from peaceops.core.errors import ValidationFailed
from peaceops.incidents.importers.acled import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    acled_record,
    acled_records,
    actor_external_id,
    actor_kind,
    read_acled,
)
from peaceops.incidents.importers.engine import run_import
from peaceops.incidents.importers.files import file_sha256
from peaceops.incidents.importers.records import RowRejection, SourceRecord
from peaceops.incidents.models import Actor, ImportRun, Incident, VerificationStatus
from peaceops.incidents.validation import clean_incident

ACLED_DIR = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "acled_hdx_country_extracts"
)
# Rows and fatalities per file, from ACLED_DIR/SOURCE.md.
FILES = {
    "ago": (3379, 143_810),
    "bfa": (2730, 4784),
    "eth": (5606, 45_479),
    "mli": (3990, 9660),
    "moz": (1848, 2982),
    "ner": (1349, 4419),
    "tza": (846, 1149),
    "uga": (6082, 14_773),
    "zmb": (1276, 279),
}
OUR_TYPE = {
    "Battles": "armed_clash",
    "Explosions/Remote violence": "explosive",
    "Violence against civilians": "violence_against_civilians",
    "Protests": "protest",
    "Riots": "protest",
    "Strategic developments": "strategic_development",
}

pytestmark = pytest.mark.skipif(
    not (ACLED_DIR / "conflict_data_tza.csv").is_file(), reason="ACLED files not present"
)


def _path(country: str) -> Path:
    return ACLED_DIR / f"conflict_data_{country}.csv"


def _file_rows(country: str) -> list[dict[str, str]]:
    """The file read independently of the importer: every data row after the HXL line."""
    with _path(country).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["event_id_cnty"].startswith("#")  # the HXL line
    return rows[1:]


def _import(mission, country: str) -> ImportRun:
    path = _path(country)
    return run_import(
        mission=mission,
        source="acled",
        records=acled_records(path),
        file_name=path.name,
        file_sha256=file_sha256(path),
        verification_status=VerificationStatus.VERIFIED,
    )


def test_the_files_resolve_to_the_shared_data_folder():
    assert ACLED_DIR.parent.name == "data"
    assert sorted(p.name for p in ACLED_DIR.glob("*.csv")) == [
        f"conflict_data_{c}.csv" for c in sorted(FILES)
    ]


def test_mapping_covers_every_row_of_all_nine_files_and_every_row_validates():
    pairs: Counter[tuple[str, str]] = Counter()
    kinds: dict[str, set[str]] = {}
    for country, (rows, fatalities) in FILES.items():
        count = total = 0
        for line, row, raw in read_acled(_path(country)):
            pairs[(row["event_type"], row["sub_event_type"])] += 1
            for name, inter in ((row["actor1"], row["inter1"]), (row["actor2"], row["inter2"])):
                if name:
                    kinds.setdefault(name, set()).add(actor_kind(name, inter))
            record = acled_record(line, row, raw)
            assert isinstance(record, SourceRecord), (country, line, record)
            assert record.warnings == ()
            try:
                cleaned = clean_incident(record.values)
            except ValidationFailed as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{country} line {line}: {exc.fields}")
            count += 1
            total += cleaned["fatalities"]
        assert (count, total) == (rows, fatalities), country
    # 24 of ACLED's 25 sub-event types occur (no chemical weapons in these countries); the
    # table knows every one, so none falls back to its event type.
    assert len(pairs) == 24
    assert set(pairs) <= set(SUB_EVENT_TYPES)
    assert len(SUB_EVENT_TYPES) == 25
    assert {event_type for event_type, _sub in SUB_EVENT_TYPES} == set(EVENT_TYPES)
    # An actor has one kind whatever the event (11 state forces are coded 8 when abroad).
    assert {name: k for name, k in kinds.items() if len(k) > 1} == {}
    assert kinds["Military Forces of Angola (1975-)"] == {Actor.Kind.STATE_FORCES}
    assert kinds["Military Forces of France (2017-)"] == {Actor.Kind.STATE_FORCES}
    assert kinds[
        "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)"
    ] == {Actor.Kind.PEACEKEEPERS}
    assert kinds["Private Security Forces (Uganda)"] == {Actor.Kind.EXTERNAL_FORCES}
    assert kinds["Protesters (Ethiopia)"] == {Actor.Kind.CIVILIANS}
    # Long names keep distinct ids within 64 characters.
    ids = {actor_external_id(name) for name in kinds}
    assert len(ids) == len(kinds)
    assert max(len(i) for i in ids) == 64


@pytest.mark.parametrize("country", ["tza", "ago", "mli"])
def test_real_file_imports_completely_and_idempotently(mission, country):
    rows = _file_rows(country)
    assert len(rows) == FILES[country][0]
    run = _import(mission, country)
    assert (run.rows_read, run.created, run.rejected) == (len(rows), len(rows), 0)
    imported = Incident.objects.filter(mission=mission, external_source="acled")
    assert imported.count() == len(rows)
    assert imported.aggregate(total=Sum("fatalities"))["total"] == sum(
        int(r["fatalities"]) for r in rows
    )
    assert imported.aggregate(total=Sum("fatalities"))["total"] == FILES[country][1]
    assert set(imported.values_list("external_id", flat=True)) == {r["event_id_cnty"] for r in rows}
    assert set(imported.values_list("classification", "verification_status")) == {
        ("public", "verified")
    }
    # Types: each ACLED event type lands on one of ours.
    expected = Counter(OUR_TYPE[r["event_type"]] for r in rows)
    assert dict(imported.values_list("incident_type").annotate(n=Count("pk"))) == dict(expected)
    # Sub-event types with a subtype of their own.
    sub = Counter(r["sub_event_type"] for r in rows)
    assert imported.filter(subtype="sexual_violence").count() == sub["Sexual violence"]
    assert imported.filter(subtype="abduction").count() == sub["Abduction/forced disappearance"]
    assert imported.filter(incident_type="protest", subtype="violent").count() == (
        sub["Violent demonstration"] + sub["Mob violence"]
    )
    assert imported.filter(subtype="ied").count() == (
        sub["Remote explosive/landmine/IED"] + sub["Grenade"]
    )
    # Precisions.
    precision = Counter(r["time_precision"] for r in rows)
    assert imported.filter(date_precision="month").count() == precision["3"]
    assert imported.filter(date_precision="week").count() == precision["2"]
    geo = Counter(r["geo_precision"] for r in rows)
    assert imported.filter(location_precision="admin2").count() == geo["3"]
    # Second run: nothing changes.
    again = _import(mission, country)
    assert (again.rows_read, again.created, again.updated, again.unchanged, again.rejected) == (
        len(rows),
        0,
        0,
        len(rows),
        0,
    )
    assert imported.count() == len(rows)


def test_one_event_in_detail(mission):
    _import(mission, "ago")
    incident = Incident.objects.get(mission=mission, external_id="ANG3408")
    assert (incident.incident_type, incident.subtype) == ("protest", "violent")
    assert incident.title == (
        "Violent demonstration: Rioters (Angola) - Police Forces of Angola (1975-), Huambo"
    )
    assert incident.narrative.startswith("On 28 October 2020, supporters of the PRS")
    assert incident.started_at.date().isoformat() == "2020-10-28"
    assert (incident.date_precision, incident.location_precision) == ("day", "exact")
    assert (incident.latitude, incident.longitude) == (-12.7761, 15.7391)
    assert (incident.country_code, incident.admin1, incident.admin2) == ("AGO", "Huambo", "Huambo")
    assert incident.location_name == "Huambo"
    assert incident.fatalities == 0
    assert not incident.casualties.exists()
    assert [(s.name, s.reliability, s.credibility) for s in incident.sources.all()] == [
        ("ACLED", "B", 2),
        ("VOA", "F", 6),
        ("Club K", "F", 6),
    ]
    assert incident.sources.first().reference == "ACLED event ANG3408"
    links = [(link.side, link.actor.name, link.actor.kind) for link in incident.actor_links.all()]
    assert links == [
        ("a", "Rioters (Angola)", "civilians"),
        ("b", "Police Forces of Angola (1975-)", "state_forces"),
    ]
    assert incident.raw["assoc_actor_1"].startswith("UNITA")
    # Fatalities: one "unknown" casualty row, since ACLED does not say who died.
    deadly = Incident.objects.filter(mission=mission, fatalities__gt=0).first()
    assert [(c.category, c.outcome, c.best) for c in deadly.casualties.all()] == [
        ("unknown", "killed", deadly.fatalities)
    ]
    # Actors are shared across events by name.
    assert Actor.objects.filter(external_source="acled", name="Rioters (Angola)").count() == 1


def test_armed_clash_subtype_follows_the_actors(mission):
    _import(mission, "mli")
    clashes = Incident.objects.filter(mission=mission, incident_type="armed_clash")
    by_sub = dict(clashes.values_list("subtype").annotate(n=Count("pk")))
    rows = [r for r in _file_rows("mli") if r["event_type"] == "Battles"]
    assert sum(by_sub.values()) == len(rows)
    assert set(by_sub) == {"state_based", "non_state", "unknown"}
    # MINUSMA (peacekeepers) against an armed group is neither state-based nor non-state.
    minusma = clashes.filter(
        subtype="unknown", actor_links__actor__kind=Actor.Kind.PEACEKEEPERS
    ).distinct()
    assert minusma.exists()
    # Government regains territory is always state-based.
    regains = {r["event_id_cnty"] for r in rows if r["sub_event_type"].startswith("Government")}
    assert set(clashes.filter(external_id__in=regains).values_list("subtype", flat=True)) == {
        "state_based"
    }
    # Country from the point: one Malian event lies more than 5 km inside Niger.
    countries = dict(
        Incident.objects.filter(mission=mission).values_list("country_code").annotate(n=Count("pk"))
    )
    assert countries == {"MLI": 3989, "NER": 1}


def _write(tmp_path, rows: list[dict[str, str]], name="acled.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bad_rows_are_rejected_naming_the_acled_column(tmp_path):
    good = _file_rows("tza")[0]
    rows = [
        good,
        {**good, "event_id_cnty": "X1", "event_date": "yesterday"},
        {**good, "event_id_cnty": "X2", "fatalities": "-3"},
        {**good, "event_id_cnty": "X3", "event_type": "Earthquake"},
        {
            **good,
            "event_id_cnty": "X4",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Chemical weapon",
        },
        {
            **good,
            "event_id_cnty": "X5",
            "event_date": "3 March 2021",
            "inter1": "State forces",
            "sub_event_type": "Drone swarm",
            "event_type": "Explosions/Remote violence",
        },
    ]
    records = list(acled_records(_write(tmp_path, rows)))
    assert isinstance(records[0], SourceRecord)
    assert [r.line for r in records] == [2, 3, 4, 5, 6, 7]  # no HXL line in this file
    assert isinstance(records[1], RowRejection)
    assert list(records[1].fields) == ["event_date"]
    assert records[2].fields == {"fatalities": ["Fatalities cannot be negative."]}
    assert "Unknown ACLED event type 'Earthquake'" in records[3].fields["event_type"][0]
    assert (records[4].values["incident_type"], records[4].values["subtype"]) == ("other", "other")
    later = records[5]
    assert later.values["started_at"].isoformat() == "2021-03-03"
    assert later.values["actors"][0]["kind"] == "state_forces"  # 2023+ schema: inter1 in words
    assert (later.values["incident_type"], later.values["subtype"]) == ("other", "other")
    assert later.warnings[0][0] == "sub_event_type"


def test_gzipped_file_reads_the_same(tmp_path):
    import gzip

    source = _path("tza")
    packed = tmp_path / "conflict_data_tza.csv.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    plain = [(r.line, r.external_id) for r in acled_records(source)]
    assert [(r.line, r.external_id) for r in acled_records(packed)] == plain
    assert len(plain) == FILES["tza"][0]
    assert plain[0][0] == 3  # line 2 is the HXL row


def test_a_file_that_is_not_acled_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,date\n1,2020-01-01\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Not an ACLED file"):
        list(acled_records(path))


def test_import_command_knows_acled(mission):
    out = io.StringIO()
    call_command(
        "import", "acled", str(_path("tza")), "--mission", "MINUSCA", "--no-progress", stdout=out
    )
    assert "Loaded 846 rows from conflict_data_tza.csv into MINUSCA: 846 created" in out.getvalue()
    run = ImportRun.objects.get()
    assert (run.source, run.rejected) == ("acled", 0)
    assert set(Incident.objects.values_list("verification_status", flat=True)) == {"verified"}


def test_non_utf8_acled_file_is_refused_before_any_row(mission, tmp_path):
    lines = (ACLED_DIR / "conflict_data_tza.csv").read_text(encoding="utf-8").splitlines(True)
    text = "".join(lines[:40]) + lines[40].replace("Tanzania", "Tanzanie é", 1)
    path = tmp_path / "tza_latin.csv"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"line 41 is not UTF-8 \(byte 0xe9\)"):
        call_command("import", "acled", str(path), "--mission", "MINUSCA", "--no-progress")
    assert Incident.objects.count() == 0
    assert ImportRun.objects.count() == 0
