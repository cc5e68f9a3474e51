"""A mission's own spreadsheet (CSV, XLSX, HXL-tagged CSV) imported through a mapping file."""

import csv
import datetime as dt
import gzip
import io
import json

import openpyxl
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from peaceops.incidents.importers.engine import run_import
from peaceops.incidents.importers.records import RowRejection, SourceRecord
from peaceops.incidents.importers.tabular import (
    describe,
    external_source,
    load_mapping,
    tabular_records,
    validate_mapping,
)
from peaceops.incidents.models import ImportRowProblem, ImportRun, Incident, VerificationStatus

HEADER = [
    "Report ID",
    "Title",
    "Date",
    "Lat",
    "Lon",
    "Category",
    "Sub",
    "Description",
    "Province",
    "Civilians killed",
    "PK injured",
    "Perpetrator",
    "Source",
]
ROWS = [
    [
        "R-1",
        "Clash near Bambari",
        "03/02/2024",
        "5.7600",
        "20.6700",
        "Clash",
        "",
        "Exchange of fire between two armed groups.",
        "Ouaka",
        "2",
        "",
        "UPC",
        "Patrol report; Radio Ndeke Luka",
    ],
    [
        "R-2",
        "Demonstration in Bangui",
        "04/02/2024",
        "4.3600",
        "18.5600",
        "Protest",
        "peaceful",
        "Peaceful march to the town hall.",
        "Bangui",
        "",
        "",
        "",
        "",
    ],
    [
        "R-3",
        "",
        "05/02/2024",
        "6.4900",
        "21.9800",
        "IED",
        "",
        "Vehicle struck a device; two peacekeepers injured.",
        "Haute-Kotto",
        "0",
        "2",
        "",
        "JOC",
    ],
]
MAPPING = {
    "id": "Report ID",
    "fields": {
        "title": "Title",
        "started_at": "Date",
        "latitude": "Lat",
        "longitude": "Lon",
        "incident_type": {
            "column": "Category",
            "values": {"Clash": "armed_clash", "Protest": "protest", "IED": "explosive/ied"},
        },
        "subtype": {"column": "Sub", "default": "unknown"},
        "narrative": "Description",
        "admin1": "Province",
    },
    "casualties": [
        {"category": "civilians", "outcome": "killed", "column": "Civilians killed"},
        {"category": "peacekeepers", "outcome": "injured", "column": "PK injured"},
    ],
    "actors": [{"side": "a", "column": "Perpetrator", "kind": "armed_group"}],
    "sources": [{"column": "Source", "reliability": "C", "credibility": 3}],
    "defaults": {"classification": "internal", "date_precision": "day"},
    "date_format": "%d/%m/%Y",
}


def _csv(tmp_path, rows, *, header=HEADER, name="log.csv", delimiter=",", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data.encode("utf-8")))
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def _mapping_file(tmp_path, mapping=None, name="mission_log.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(mapping or MAPPING, sort_keys=False), encoding="utf-8")
    return path


def _records(path, mapping=None):
    return list(tabular_records(path, validate_mapping(mapping or MAPPING)))


def _import(mission, path, mapping=None):
    return run_import(
        mission=mission,
        source="tabular:mission_log",
        records=tabular_records(path, validate_mapping(mapping or MAPPING)),
        file_name=path.name,
        file_sha256="0" * 64,
        verification_status=VerificationStatus.REPORTED,
    )


def _summary(records):
    return [
        (
            r.line,
            r.external_id,
            r.values["incident_type"],
            r.values["subtype"],
            r.values["started_at"],
            r.values["latitude"],
        )
        for r in records
    ]


EXPECTED = [
    (2, "R-1", "armed_clash", "unknown", dt.date(2024, 2, 3), 5.76),
    (3, "R-2", "protest", "peaceful", dt.date(2024, 2, 4), 4.36),
    (4, "R-3", "explosive", "ied", dt.date(2024, 2, 5), 6.49),
]


def test_good_csv_loads_with_every_mapped_field(mission, tmp_path):
    path = _csv(tmp_path, ROWS)
    records = _records(path)
    assert all(isinstance(r, SourceRecord) for r in records)
    assert _summary(records) == EXPECTED
    run = _import(mission, path)
    assert (run.rows_read, run.created, run.rejected) == (3, 3, 0)
    clash = Incident.objects.get(mission=mission, external_id="R-1")
    assert clash.external_source == "tabular:mission_log"
    assert clash.verification_status == "reported"
    assert (clash.classification, clash.date_precision) == ("internal", "day")
    assert (clash.title, clash.admin1, clash.country_code) == ("Clash near Bambari", "Ouaka", "CAF")
    assert clash.narrative == "Exchange of fire between two armed groups."
    assert clash.fatalities == 2
    assert [(c.category, c.outcome, c.best) for c in clash.casualties.all()] == [
        ("civilians", "killed", 2)
    ]
    assert [(a.side, a.actor.name, a.actor.kind) for a in clash.actor_links.all()] == [
        ("a", "UPC", "armed_group")
    ]
    assert [(s.name, s.reliability, s.credibility) for s in clash.sources.all()] == [
        ("Patrol report", "C", 3),
        ("Radio Ndeke Luka", "C", 3),
    ]
    ied = Incident.objects.get(mission=mission, external_id="R-3")
    assert ied.title == "Explosion / remote violence, Haute-Kotto"  # generated: no title given
    assert (ied.fatalities, ied.injured) == (0, 2)  # "0" civilians killed adds no row
    assert ied.raw["Report ID"] == "R-3"
    assert ied.raw["Civilians killed"] == "0"
    again = _import(mission, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)


def test_semicolon_tab_bom_and_gzip_files_read_the_same(tmp_path):
    european = [
        [cell.replace(".", ",") if i in (3, 4) else cell for i, cell in enumerate(r)] for r in ROWS
    ]
    for path in (
        _csv(tmp_path, european, name="semicolon.csv", delimiter=";"),
        _csv(tmp_path, ROWS, name="bom.csv", bom=True),
        _csv(tmp_path, european, name="both.csv", delimiter=";", bom=True),
        _csv(tmp_path, ROWS, name="tab.tsv", delimiter="\t"),
        _csv(tmp_path, ROWS, name="packed.csv.gz", bom=True),
    ):
        assert _summary(_records(path)) == EXPECTED, path.name


def test_latin1_file_gives_a_clear_error_before_any_row(tmp_path):
    path = tmp_path / "latin1.csv"
    text = "Report ID,Title,Date,Lat,Lon,Category\nR-1,Ok,03/02/2024,5.7,20.6,Clash\n"
    text += "R-2,Réunion à Bangui,04/02/2024,4.3,18.5,Protest\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError, match="line 3: the file is not UTF-8") as caught:
        tabular_records(path, validate_mapping(MAPPING))  # before any row is read
    assert "0xe9" in str(caught.value)
    assert "Latin-1" in str(caught.value)


def test_columns_are_found_by_name_in_any_order(tmp_path):
    order = list(reversed(range(len(HEADER))))
    shuffled = _csv(
        tmp_path,
        [[row[i] for i in order] for row in ROWS],
        header=[HEADER[i].upper() for i in order],  # and header case does not matter
    )
    assert _summary(_records(shuffled)) == EXPECTED


def test_a_missing_column_fails_before_any_row(mission, tmp_path):
    path = _csv(tmp_path, [r[:5] for r in ROWS], header=HEADER[:5])
    with pytest.raises(ValueError, match="does not have") as caught:
        tabular_records(path, validate_mapping(MAPPING))
    message = str(caught.value)
    for column in ("Category", "Sub", "Description", "Province", "PK injured"):
        assert repr(column) in message
    assert "'Lat'" not in message.split("does not have")[1].split("The file's columns")[0]
    # Through the command: a clear error and no import run at all.
    with pytest.raises(CommandError, match="does not have"):
        call_command(
            "import",
            "tabular",
            str(path),
            "--mapping",
            str(_mapping_file(tmp_path)),
            "--mission",
            "MINUSCA",
            "--no-progress",
        )
    assert not ImportRun.objects.exists()


def test_bad_rows_are_rejected_by_line_and_source_column(mission, tmp_path):
    bad_date, bad_lat, bad_type, bad_count = (list(r) for r in (ROWS[0],) * 4)
    bad_date[:3] = ["B-1", "Bad date", "31/02/2024"]
    bad_lat[:4] = ["B-2", "Bad latitude", "03/02/2024", "123"]
    bad_type[0], bad_type[5] = "B-3", "Earthquake"
    bad_count[0], bad_count[9], bad_count[10] = "B-4", "-2", "1.5"
    path = _csv(tmp_path, [ROWS[0], bad_date, bad_lat, ROWS[1], bad_type, bad_count, ROWS[2]])
    records = _records(path)
    rejected = {r.line: r.fields for r in records if isinstance(r, RowRejection)}
    assert set(rejected) == {3, 4, 6, 7}
    assert list(rejected[3]) == ["Date"]
    assert "'31/02/2024'" in rejected[3]["Date"][0]
    assert "'%d/%m/%Y'" in rejected[3]["Date"][0]
    assert list(rejected[4]) == ["Lat"]
    assert rejected[4]["Lat"] == [
        "latitude: Latitude must be between -90 and 90 degrees. (value '123')"
    ]
    assert list(rejected[6]) == ["Category"]
    assert "Unknown value 'Earthquake' for incident_type" in rejected[6]["Category"][0]
    assert set(rejected[7]) == {"Civilians killed", "PK injured"}
    assert "got '-2'" in rejected[7]["Civilians killed"][0]
    assert "got '1.5'" in rejected[7]["PK injured"][0]

    run = _import(mission, path)
    assert (run.rows_read, run.created, run.rejected) == (7, 3, 4)
    assert set(Incident.objects.values_list("external_id", flat=True)) == {"R-1", "R-2", "R-3"}
    problems = ImportRowProblem.objects.filter(run=run).order_by("line", "field")
    assert [(p.line, p.external_id, p.field) for p in problems] == [
        (3, "B-1", "Date"),
        (4, "B-2", "Lat"),
        (6, "B-3", "Category"),
        (7, "B-4", "Civilians killed"),
        (7, "B-4", "PK injured"),
    ]


def test_a_row_with_several_problems_names_each_column(tmp_path):
    row = list(ROWS[0])
    row[2], row[4] = "not a date", "200"
    (rejection,) = _records(_csv(tmp_path, [row]))
    assert set(rejection.fields) == {"Date", "Lon"}


def test_empty_id_and_duplicate_ids_are_rejected(mission, tmp_path):
    no_id = ["", *ROWS[1][1:]]
    path = _csv(tmp_path, [ROWS[0], no_id, ROWS[0]])
    records = _records(path)
    assert records[1].fields == {"Report ID": ["The id is empty."]}
    run = _import(mission, path)
    assert (run.created, run.rejected) == (1, 2)


def test_xlsx_with_typed_cells_and_a_named_sheet(mission, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Incidents")
    sheet.append(HEADER)
    for row in ROWS:
        typed = list(row)
        typed[2] = dt.datetime.strptime(row[2], "%d/%m/%Y")  # noqa: DTZ007 (a spreadsheet date)
        typed[3], typed[4] = float(row[3]), float(row[4])
        typed[9] = int(row[9]) if row[9] else None
        typed[10] = int(row[10]) if row[10] else None
        sheet.append(typed)
    sheet.append([None] * len(HEADER))  # a trailing empty row is skipped
    path = tmp_path / "log.xlsx"
    book.save(path)
    mapping = {**MAPPING, "sheet": "Incidents"}
    records = _records(path, mapping)
    assert [(r.line, r.external_id, r.values["incident_type"]) for r in records] == [
        (2, "R-1", "armed_clash"),
        (3, "R-2", "protest"),
        (4, "R-3", "explosive"),
    ]
    assert records[0].raw["Date"] == "2024-02-03T00:00:00"
    run = _import(mission, path, mapping)
    assert (run.created, run.rejected) == (3, 0)
    assert Incident.objects.get(external_id="R-1").fatalities == 2
    with pytest.raises(ValueError, match="no sheet 'Missing'"):
        tabular_records(path, validate_mapping({**MAPPING, "sheet": "Missing"}))
    # Without `sheet`, the first sheet is read, which lacks the mapped columns.
    with pytest.raises(ValueError, match="does not have"):
        tabular_records(path, validate_mapping(MAPPING))


def test_hxl_tagged_csv_with_columns_named_by_tag(tmp_path):
    header = ["event id", "when", "y", "x", "kind", "killed"]
    tags = [
        "#event+code",
        "#date+occurred",
        "#geo+lat",
        "#geo+lon",
        "#event+type",
        "#affected+killed",
    ]
    path = tmp_path / "hxl.csv"
    path.write_text(
        ",".join(header) + "\n" + ",".join(tags) + "\nE1,2024-02-03,5.76,20.67,Clash,4\n",
        encoding="utf-8",
    )
    mapping = {
        "id": "#event+code",
        "fields": {
            "started_at": "#date",  # a tag pattern: #date+occurred matches
            "latitude": "#geo+lat",
            "longitude": "#GEO +lon",  # case and spaces do not matter
            "incident_type": {"column": "#event+type", "values": {"Clash": "armed_clash"}},
        },
        "casualties": [{"category": "unknown", "outcome": "killed", "column": "#affected+killed"}],
    }
    (record,) = _records(path, mapping)
    assert record.line == 3
    assert record.external_id == "E1"
    assert record.values["started_at"] == dt.date(2024, 2, 3)
    assert record.values["casualties"] == [{"category": "unknown", "outcome": "killed", "best": 4}]
    assert record.values["title"] == "Armed clash"
    # A tag the file does not have, and a tag on a file with no HXL row.
    with pytest.raises(ValueError, match="no column has this tag"):
        tabular_records(path, validate_mapping({**mapping, "id": "#event+id"}))
    with pytest.raises(ValueError, match="no HXL hashtag row"):
        tabular_records(_csv(tmp_path, ROWS), validate_mapping({**mapping, "id": "#event+code"}))


def test_load_mapping_refuses_unknown_fields_categories_and_codes(tmp_path):
    assert load_mapping(_mapping_file(tmp_path))["id"] == "Report ID"
    as_json = tmp_path / "log.json"
    as_json.write_text(json.dumps(MAPPING), encoding="utf-8")
    assert load_mapping(as_json)["fields"]["latitude"]["column"] == "Lat"
    wrong = {
        **MAPPING,
        "fields": {
            **MAPPING["fields"],
            "lattitude": "Lat",
            "incident_type": {"column": "Category", "values": {"Clash": "battle"}},
        },
        "casualties": [{"category": "soldiers", "outcome": "killed", "column": "X"}],
        "defaults": {"classification": "secret"},
    }
    with pytest.raises(ValueError, match="^Mapping file wrong.yaml:") as caught:
        load_mapping(_mapping_file(tmp_path, wrong, "wrong.yaml"))
    message = str(caught.value)
    assert "unknown incident field 'lattitude'" in message
    assert "unknown incident_type 'battle'" in message
    assert "unknown casualty category 'soldiers'" in message
    assert "unknown classification 'secret'" in message
    with pytest.raises(ValueError, match="id \\(the column holding a stable id\\)"):
        validate_mapping({"fields": {"started_at": "Date", "incident_type": "Type"}})
    with pytest.raises(ValueError, match="fields.started_at: name its column"):
        validate_mapping({"id": "ID", "fields": {"incident_type": "Type"}})
    with pytest.raises(ValueError, match="unknown key\\(s\\) feilds"):
        validate_mapping({"id": "ID", "feilds": {}})
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot be parsed"):
        load_mapping(broken)
    assert external_source(tmp_path / "mission_log.yaml") == "tabular:mission_log"


def test_describe_proposes_a_mapping_from_headers(tmp_path):
    header = [
        "Event ID",
        "Event Date",
        "Event type",
        "Sub event type",
        "Latitude",
        "Longitude",
        "Location",
        "Province",
        "District",
        "Notes",
        "Civilians killed",
        "Peacekeepers injured",
        "Fatalities",
        "Reporter",
    ]
    path = _csv(tmp_path, [["x"] * len(header)], header=header)
    assert describe(path) == {
        "id": "Event ID",
        "fields": {
            "started_at": "Event Date",
            "incident_type": "Event type",
            "subtype": "Sub event type",
            "narrative": "Notes",
            "latitude": "Latitude",
            "longitude": "Longitude",
            "location_name": "Location",
            "admin1": "Province",
            "admin2": "District",
        },
        "casualties": [
            {"category": "civilians", "outcome": "killed", "column": "Civilians killed"},
            {"category": "peacekeepers", "outcome": "injured", "column": "Peacekeepers injured"},
            {"category": "unknown", "outcome": "killed", "column": "Fatalities"},
        ],
        "defaults": {"classification": "internal"},
        "unmatched": ["Reporter"],
    }


def test_describe_uses_hxl_tags_where_names_do_not_match(tmp_path):
    header = ["ref_no", "quand", "y_coord", "x_coord", "prov", "morts"]
    tags = ["#event+id", "#date", "#geo+lat", "#geo+lon", "#adm1+name", "#affected+killed"]
    path = tmp_path / "hxl.csv"
    path.write_text(",".join(header) + "\n" + ",".join(tags) + "\n", encoding="utf-8")
    proposal = describe(path)
    assert proposal["id"] == "#event+id"
    assert proposal["fields"] == {
        "started_at": "#date",
        "latitude": "#geo+lat",
        "longitude": "#geo+lon",
        "admin1": "#adm1+name",
    }
    assert proposal["casualties"] == [
        {"category": "unknown", "outcome": "killed", "column": "morts"}
    ]
    assert proposal["unmatched"] == []


def test_describe_output_is_a_loadable_mapping_once_completed(tmp_path):
    path = _csv(tmp_path, ROWS)
    proposal = describe(path)
    assert proposal["id"] == "Report ID"
    proposal["fields"]["incident_type"] = {
        "column": "Category",
        "values": MAPPING["fields"]["incident_type"]["values"],
    }
    proposal["date_format"] = "%d/%m/%Y"
    mapping = load_mapping(_mapping_file(tmp_path, proposal, "proposed.yaml"))
    assert all(isinstance(r, SourceRecord) for r in tabular_records(path, mapping))


def test_import_command_end_to_end(mission, tmp_path):
    path = _csv(tmp_path, [*ROWS, ["B-1", "Bad", "99/99/2024", *ROWS[0][3:]]])
    mapping_path = _mapping_file(tmp_path)
    out = io.StringIO()
    call_command(
        "import",
        "tabular",
        str(path),
        "--mapping",
        str(mapping_path),
        "--mission",
        "MINUSCA",
        "--no-progress",
        stdout=out,
    )
    text = out.getvalue()
    assert "Loaded 4 rows from log.csv into MINUSCA: 3 created" in text
    assert "1 rejected" in text
    assert "line 5: Date:" in text
    imported = Incident.objects.filter(mission=mission)
    assert set(imported.values_list("external_source", "verification_status")) == {
        ("tabular:mission_log", "reported")
    }
    run = ImportRun.objects.get()
    assert (run.source, run.created, run.rejected) == ("tabular:mission_log", 3, 1)

    described = io.StringIO()
    call_command("import", "tabular", str(path), "--describe", "--mission", "x", stdout=described)
    assert yaml.safe_load(described.getvalue())["fields"]["latitude"] == "Lat"

    with pytest.raises(CommandError, match="needs --mapping"):
        call_command("import", "tabular", str(path), "--mission", "MINUSCA", "--no-progress")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Report ID,Title\nR-9,Réunion\n".encode("latin-1"))
    with pytest.raises(CommandError, match="line 2: the file is not UTF-8"):
        call_command(
            "import",
            "tabular",
            str(latin),
            "--mapping",
            str(mapping_path),
            "--mission",
            "MINUSCA",
            "--no-progress",
        )
    assert ImportRun.objects.count() == 1


def test_subtype_from_cell_pair_default_or_the_types_own_fallback(tmp_path):
    rows = []
    for number, (category, sub) in enumerate(
        [
            ("Clash", ""),  # the default "unknown" fits armed_clash
            ("Clash", "non_state"),  # the cell wins
            ("IED", ""),  # the value map's type/subtype pair
            ("IED", "suicide_bomb"),  # a cell wins over the pair
            ("Protest", ""),  # "unknown" is no protest subtype, and protest has no fallback
            ("Clash", "zzz"),  # a bad cell is reported, not replaced by the default
            ("Protest", "ied"),  # a subtype of another type
        ],
        start=1,
    ):
        row = list(ROWS[0])
        row[0], row[5], row[6] = f"S-{number}", category, sub
        rows.append(row)
    records = _records(_csv(tmp_path, rows))
    loaded = [
        (r.external_id, r.values["incident_type"], r.values["subtype"])
        for r in records
        if isinstance(r, SourceRecord)
    ]
    assert loaded == [
        ("S-1", "armed_clash", "unknown"),
        ("S-2", "armed_clash", "non_state"),
        ("S-3", "explosive", "ied"),
        ("S-4", "explosive", "suicide_bomb"),
    ]
    rejected = {r.external_id: r.fields for r in records if isinstance(r, RowRejection)}
    assert list(rejected["S-5"]) == ["Category"]
    assert rejected["S-5"]["Category"][0].startswith("No subtype given, and protest has no")
    assert list(rejected["S-6"]) == ["Sub"]
    assert "Unknown subtype 'zzz'" in rejected["S-6"]["Sub"][0]
    assert rejected["S-7"] == {"Sub": ["subtype: Unknown subtype ied for protest. (value 'ied')"]}


def test_validate_mapping_is_idempotent():
    once = validate_mapping(MAPPING)
    assert validate_mapping(once) == once
    assert once["date_format"] == ["%d/%m/%Y"]
    assert once["fields"]["title"] == {"column": "Title", "values": {}, "default": None}
