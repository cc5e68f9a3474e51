"""A mission's own spreadsheet (CSV, XLSX, HXL-tagged CSV) -> SourceRecords, by a mapping file.

The mapping file (YAML or JSON) names, for each incident field, the column that holds it;
columns are named by their header text or, where the file has an HXL hashtag row, by HXL tag
("#geo+lat"). docs/importing.md describes the format; `describe()` proposes one from a file's
headers.

    id: "Report ID"                  # column with a stable id (required)
    sheet: "Incidents"               # XLSX only; the first sheet otherwise
    delimiter: ";"                   # CSV only; detected otherwise (comma, semicolon, tab)
    date_format: "%d/%m/%Y"          # or a list of formats; ISO 8601 otherwise
    fields:
      title: "Title"
      started_at: "Date"
      incident_type: {column: "Category", values: {"Clash": armed_clash, "IED": explosive/ied}}
      subtype: {column: "Sub", default: unknown}
    casualties:
      - {category: civilians, outcome: killed, column: "Civilians killed"}   # estimate: best
    actors:
      - {side: a, column: "Perpetrator", kind: armed_group}
    sources:
      - {column: "Source", reliability: C, credibility: 3}                   # split on ";"
    defaults: {classification: internal, date_precision: day}

A field's value is the cell (through `values`, where given), else the field's `default`, else
the entry in `defaults`. Every value that cannot be read rejects its row with the SOURCE
column named, and so does every problem the incident validation finds. A mapping naming a
column the file lacks fails before any row is read, and so does a CSV that is not UTF-8
(naming the first line that is not).

Conveniences: an `incident_type` value map may give "type/subtype"; an empty subtype becomes
the type's `unknown` or `other` subtype where it has one; an empty title becomes
"<type label>, <place>"; decimal commas ("12,5") are read in coordinates; a `country_code`
column may hold English country names; casualty cells that are empty or 0 add no row.
Times without an offset are taken as UTC.
"""

import codecs
import csv
import datetime as dt
import gzip
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from peaceops.core.classification import Classification
from peaceops.core.errors import FieldErrors, ValidationFailed
from peaceops.core.geo.countries import code_for_name, is_country_code
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.taxonomy import (
    SUBTYPES,
    IncidentType,
    InformationCredibility,
    SourceReliability,
)
from peaceops.incidents.importers.records import RowRejection, SourceRecord
from peaceops.incidents.models import Actor, Casualty, IncidentActor
from peaceops.incidents.validation import SCALAR_FIELDS, clean_incident

EXTERNAL_SOURCE_PREFIX = "tabular"
CHOICES: dict[str, frozenset[str]] = {
    "incident_type": frozenset(IncidentType.values),
    "subtype": frozenset(code for codes in SUBTYPES.values() for code in codes),
    "date_precision": frozenset(DatePrecision.values),
    "location_precision": frozenset(LocationPrecision.values),
    "classification": frozenset(Classification.values),
}
DATE_FIELDS = ("started_at", "ended_at")
NUMBER_FIELDS = ("latitude", "longitude")
ESTIMATES = ("low", "best", "high")
TOP_KEYS = frozenset(
    {
        "id",
        "sheet",
        "delimiter",
        "date_format",
        "fields",
        "casualties",
        "actors",
        "sources",
        "defaults",
        "unmatched",  # written by describe(); ignored
    }
)
_SAMPLE = 64 * 1024
_HXL = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*$", re.IGNORECASE)


def external_source(mapping_path: Path) -> str:
    """The source code of rows imported with this mapping file: tabular:<file stem>, with
    anything but letters, digits, '.', '_' and '-' made '_' (the same from the CLI and from an
    upload, whose stored name is cleaned the same way)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(mapping_path).stem) or "mapping"
    return f"{EXTERNAL_SOURCE_PREFIX}:{stem}"[:40]


# --- the mapping file -----------------------------------------------------------------


def _column_ref(value: Any, where: str, problems: list[str]) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.append(f"{where}: give a column name (text), not {value!r}.")
    return None


def _check_code(field: str, value: Any, where: str, problems: list[str]) -> Any:
    """A default or a value-map target for a field with fixed codes must be one of them."""
    if field not in CHOICES or value is None:
        return value
    code = str(value).strip()
    if field == "incident_type" and "/" in code:
        type_code, subtype = code.split("/", 1)
        if type_code not in CHOICES["incident_type"] or subtype not in SUBTYPES[type_code]:
            problems.append(f"{where}: {code!r} is not a known incident type/subtype.")
        return code
    if code not in CHOICES[field]:
        known = ", ".join(sorted(CHOICES[field]))
        problems.append(f"{where}: unknown {field} {code!r} (known: {known}).")
    return code


def validate_mapping(data: Any, name: str = "mapping") -> dict[str, Any]:
    """Check a mapping (as loaded from YAML/JSON) and return it in normal form. Raises
    ValueError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping of keys (id, fields, ...), not {data!r}.")
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        problems.append(
            f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(TOP_KEYS))})."
        )
    known_fields = ", ".join(SCALAR_FIELDS)
    result: dict[str, Any] = {
        "id": _column_ref(data.get("id"), "id (the column holding a stable id)", problems),
        "sheet": data.get("sheet"),
        "delimiter": data.get("delimiter"),
        "fields": {},
        "casualties": [],
        "actors": [],
        "sources": [],
        "defaults": {},
    }
    if result["sheet"] is not None and not isinstance(result["sheet"], str):
        problems.append("sheet: give the sheet name as text.")
    if result["delimiter"] is not None and result["delimiter"] not in (",", ";", "\t", "|"):
        problems.append("delimiter: one of ',', ';', '|' or a tab.")

    formats = data.get("date_format") or []
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list) or not all(isinstance(f, str) and f for f in formats):
        problems.append("date_format: give a strptime format such as '%d/%m/%Y', or a list.")
        formats = []
    result["date_format"] = formats

    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("defaults: expected field: value pairs.")
        defaults = {}
    for field, value in defaults.items():
        if field not in SCALAR_FIELDS:
            problems.append(f"defaults: unknown incident field {field!r} (known: {known_fields}).")
            continue
        result["defaults"][field] = _check_code(field, value, f"defaults.{field}", problems)

    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        problems.append("fields: expected incident field: column pairs.")
        fields = {}
    for field, spec in fields.items():
        where = f"fields.{field}"
        if field not in SCALAR_FIELDS:
            problems.append(f"{where}: unknown incident field {field!r} (known: {known_fields}).")
            continue
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict):
            problems.append(f"{where}: give a column name or {{column, values, default}}.")
            continue
        extra = sorted(str(k) for k in spec if k not in ("column", "values", "default"))
        if extra:
            problems.append(
                f"{where}: unknown key(s) {', '.join(extra)} (column, values, default)."
            )
        if spec.get("column") is None and spec.get("default") is None:
            problems.append(f"{where}: give a column or a default.")
        column = spec.get("column")
        if column is not None:
            column = _column_ref(column, f"{where}.column", problems)
        values = spec.get("values") or {}
        if not isinstance(values, dict):
            problems.append(f"{where}.values: expected value: code pairs.")
            values = {}
        values = {
            _key(k): _check_code(field, v, f"{where}.values[{k!r}]", problems)
            for k, v in values.items()
        }
        default = _check_code(field, spec.get("default"), f"{where}.default", problems)
        result["fields"][field] = {"column": column, "values": values, "default": default}

    for required in ("incident_type", "started_at"):
        if required not in result["fields"] and required not in result["defaults"]:
            problems.append(f"fields.{required}: name its column (or give it in defaults).")

    casualties = data.get("casualties") or []
    if not isinstance(casualties, list):
        problems.append("casualties: expected a list of {category, outcome, column}.")
        casualties = []
    seen: set[tuple[str, str, str]] = set()
    for index, spec in enumerate(casualties):
        where = f"casualties[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: expected {{category, outcome, column}}.")
            continue
        extra = sorted(
            str(k) for k in spec if k not in ("category", "outcome", "column", "estimate")
        )
        if extra:
            problems.append(f"{where}: unknown key(s) {', '.join(extra)}.")
        category, outcome = spec.get("category"), spec.get("outcome")
        estimate = spec.get("estimate", "best")
        if category not in Casualty.Category.values:
            known = ", ".join(Casualty.Category.values)
            problems.append(f"{where}: unknown casualty category {category!r} (known: {known}).")
        if outcome not in Casualty.Outcome.values:
            problems.append(f"{where}: unknown outcome {outcome!r} (killed or injured).")
        if estimate not in ESTIMATES:
            problems.append(f"{where}: estimate is low, best or high, not {estimate!r}.")
        column = _column_ref(spec.get("column"), f"{where}.column", problems)
        if (category, outcome, estimate) in seen:
            problems.append(f"{where}: {category} {outcome} ({estimate}) is mapped twice.")
        seen.add((category, outcome, estimate))
        result["casualties"].append(
            {"category": category, "outcome": outcome, "estimate": estimate, "column": column}
        )
    for category, outcome, estimate in seen:
        if estimate != "best" and (category, outcome, "best") not in seen:
            problems.append(
                f"casualties: {category} {outcome} has a {estimate} estimate but no best one."
            )

    actors = data.get("actors") or []
    for index, spec in enumerate(actors if isinstance(actors, list) else [actors]):
        where = f"actors[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: expected {{side, column, kind}}.")
            continue
        side, kind = spec.get("side"), spec.get("kind", Actor.Kind.UNKNOWN)
        if side not in IncidentActor.Side.values:
            problems.append(f"{where}: side is a or b, not {side!r}.")
        if kind not in Actor.Kind.values:
            known = ", ".join(Actor.Kind.values)
            problems.append(f"{where}: unknown actor kind {kind!r} (known: {known}).")
        column = _column_ref(spec.get("column"), f"{where}.column", problems)
        result["actors"].append({"side": side, "kind": kind, "column": column})

    sources = data.get("sources") or []
    for index, spec in enumerate(sources if isinstance(sources, list) else [sources]):
        where = f"sources[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: expected {{column, reliability, credibility}}.")
            continue
        reliability = spec.get("reliability", SourceReliability.F)
        credibility = spec.get("credibility", InformationCredibility.CANNOT_JUDGE)
        if reliability not in SourceReliability.values:
            problems.append(f"{where}: reliability is a letter from A to F.")
        if credibility not in InformationCredibility.values:
            problems.append(f"{where}: credibility is a number from 1 to 6.")
        column = _column_ref(spec.get("column"), f"{where}.column", problems)
        result["sources"].append(
            {
                "column": column,
                "split": spec.get("split", ";"),
                "reliability": reliability,
                "credibility": credibility,
            }
        )

    if problems:
        raise ValueError(f"{name}: " + " ".join(problems))
    return result


def load_mapping(path: Path) -> dict[str, Any]:
    """Read and check a mapping file (YAML, or JSON by a .json name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"Mapping file {path.name}: not UTF-8 text ({exc.reason}).") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"Mapping file {path.name} cannot be parsed: {exc}") from exc
    return validate_mapping(data, f"Mapping file {path.name}")


def _key(value: Any) -> str:
    """Value-map keys and cells compare as text (YAML reads `1:` as a number)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- reading files --------------------------------------------------------------------


@dataclass
class _Header:
    names: list[str]
    tags: list[str] | None  # HXL tag per column, where the file has an HXL row

    def label(self, index: int) -> str:
        name = self.names[index] if index < len(self.names) else ""
        return name or (
            self.tags[index] if self.tags and self.tags[index] else f"column {index + 1}"
        )

    def resolve(self, ref: str) -> int | str:
        """The index of the column named `ref`, or a reason why there is none."""
        if ref.startswith("#"):
            if not self.tags:
                return "the file has no HXL hashtag row"
            wanted = _parse_tag(ref)
            parsed = [_parse_tag(t) if t else None for t in self.tags]
            exact = [i for i, t in enumerate(parsed) if t == wanted]
            if len(exact) == 1:
                return exact[0]
            matches = [
                i for i, t in enumerate(parsed) if t and t[0] == wanted[0] and wanted[1] <= t[1]
            ]
            if len(matches) == 1:
                return matches[0]
            if matches:
                return f"{len(matches)} columns match; add attributes to choose one"
            return "no column has this tag"
        exact = [i for i, n in enumerate(self.names) if n == ref]
        if not exact:
            folded = " ".join(ref.split()).casefold()
            exact = [
                i for i, n in enumerate(self.names) if " ".join(n.split()).casefold() == folded
            ]
        if len(exact) == 1:
            return exact[0]
        if exact:
            return f"{len(exact)} columns have this name"
        return "no column has this name"


def _parse_tag(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().lower() for p in tag.strip().split("+")]
    return parts[0], frozenset(p for p in parts[1:] if p)


def _is_hxl_row(cells: list[Any]) -> bool:
    texts = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return bool(texts) and all(_HXL.match(t) for t in texts)


def _check_utf8(path: Path) -> None:
    """Refuse a CSV that is not UTF-8 before any row is read, naming the first bad line."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"{path.name}, line {number}: the file is not UTF-8 text (byte "
                    f"0x{line[exc.start]:02x} at byte {exc.start + 1} of the line; probably "
                    "Latin-1 or Windows-1252). Save it as UTF-8 (in Excel: 'CSV UTF-8') and "
                    "import it again."
                ) from None


def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    if len(sample) >= _SAMPLE and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    header = lines[0] if lines else ""
    if delimiter not in header:  # the sniffer can be fooled by text cells; trust the header
        delimiter = max((",", ";", "\t"), key=header.count)
        if not header.count(delimiter):
            delimiter = ","
    return delimiter


@dataclass
class _Table:
    header: _Header
    rows: Iterator[tuple[int, list[Any]]]  # (line or row number, cells)
    close: Any


def _csv_table(path: Path, delimiter: str | None) -> _Table:
    _check_utf8(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    handle: IO[str] = opener(path, "rt", encoding="utf-8-sig", newline="")
    try:
        if not delimiter:
            delimiter = _sniff_delimiter(handle.read(_SAMPLE))
            handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num, cells

        return _table(rows(), handle.close)
    except BaseException:
        handle.close()
        raise


def _xlsx_table(path: Path, sheet: str | None) -> _Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise ValueError(f"{path.name} cannot be opened as an XLSX workbook: {exc}") from exc
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise ValueError(
                f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})."
            )

        # Some writers record a wrong sheet size; read every row there is instead.
        worksheet.reset_dimensions()

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
                values = list(cells)
                if any(c is not None and str(c).strip() for c in values):
                    yield number, values

        return _table(rows(), book.close)
    except BaseException:
        book.close()
        raise


def _table(rows: Iterator[tuple[int, list[Any]]], close: Any) -> _Table:
    """Take the header row and an HXL row (the header itself, or the row right under it)."""
    first = next(rows, None)
    if first is None:
        raise ValueError("The file has no header row.")
    names = [_cell_text(c) for c in first[1]]
    tags: list[str] | None = None
    if _is_hxl_row(first[1]):
        tags = names
    else:
        second = next(rows, None)
        if second is not None:
            if _is_hxl_row(second[1]):
                tags = [_cell_text(c) for c in second[1]]
            else:
                rows = _chain(second, rows)
    if tags is not None:
        width = max(len(names), len(tags))
        names += [""] * (width - len(names))
        tags += [""] * (width - len(tags))
    return _Table(header=_Header(names=names, tags=tags), rows=rows, close=close)


def _chain(first: tuple[int, list[Any]], rest: Iterator[tuple[int, list[Any]]]):
    yield first
    yield from rest


def _open_table(path: Path, mapping: dict[str, Any] | None = None) -> _Table:
    mapping = mapping or {}
    lower = path.name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _xlsx_table(path, mapping.get("sheet"))
    if lower.endswith(".xls"):
        raise ValueError(f"{path.name}: old Excel (.xls) files are not read; save it as .xlsx.")
    return _csv_table(path, mapping.get("delimiter"))


# --- cells -> incident values ---------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _has_time(fmt: str) -> bool:
    return any(d in fmt for d in ("%H", "%I", "%M", "%S", "%X", "%c", "%f", "%z", "%p"))


def _parse_date(value: Any, formats: list[str]) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, int | float):
        raise ValueError(
            "A number, not a date: format the column as dates (or text) in the spreadsheet."
        )
    text = str(value).strip()
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (taken as UTC later)
        except ValueError:
            continue
        return parsed if _has_time(fmt) else parsed.date()
    if not formats:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    expected = " or ".join(repr(f) for f in formats) if formats else "ISO 8601 (YYYY-MM-DD)"
    raise ValueError(f"Cannot read {text[:40]!r} as a date; expected {expected}.")


def _parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("Not a number.")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # decimal comma
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"Cannot read {text[:40]!r} as a number.") from None
    return number


def _parse_count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("Give a whole number of people, 0 or more.")
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except ValueError:
        raise ValueError(
            f"Give a whole number of people, 0 or more (got {_cell_text(value)[:40]!r})."
        ) from None
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        raise ValueError(
            f"Give a whole number of people, 0 or more (got {_cell_text(value)[:40]!r})."
        )
    return int(number)


class _Mapper:
    """Resolves the mapping's columns against one file's header and maps its rows."""

    def __init__(self, mapping: dict[str, Any], header: _Header, file_name: str) -> None:
        self.mapping, self.header = mapping, header
        refs = [mapping["id"]]
        refs += [s["column"] for s in mapping["fields"].values() if s["column"]]
        refs += [s["column"] for s in mapping["casualties"]]
        refs += [s["column"] for s in mapping["actors"]]
        refs += [s["column"] for s in mapping["sources"]]
        self.index: dict[str, int] = {}
        problems = []
        for ref in dict.fromkeys(refs):
            found = header.resolve(ref)
            if isinstance(found, str):
                problems.append(f"{ref!r} ({found})")
            else:
                self.index[ref] = found
        if problems:
            available = ", ".join(repr(header.label(i)) for i in range(len(header.names)))
            raise ValueError(
                f"{file_name}: the mapping names column(s) the file does not have: "
                f"{', '.join(problems)}. The file's columns: {available}."
            )
        self.folded = {  # value maps compared ignoring case
            field: {k.casefold(): v for k, v in spec["values"].items()}
            for field, spec in mapping["fields"].items()
        }
        self.raw_names: list[str] = []
        for i in range(len(header.names)):
            label = header.label(i)
            self.raw_names.append(label if label not in self.raw_names else f"{label} ({i + 1})")

    def cell(self, cells: list[Any], ref: str) -> Any:
        index = self.index[ref]
        value = cells[index] if index < len(cells) else None
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def record(self, line: int, cells: list[Any]) -> SourceRecord | RowRejection:
        mapping = self.mapping
        raw = {
            name: _jsonable(cells[i] if i < len(cells) else None)
            for i, name in enumerate(self.raw_names)
        }
        id_column = mapping["id"]
        external_id = _cell_text(self.cell(cells, id_column))
        if not external_id:
            return RowRejection(line=line, external_id="", fields={id_column: ["The id is empty."]})
        if len(external_id) > 64:
            return RowRejection(
                line=line,
                external_id=external_id[:64],
                fields={id_column: ["The id is longer than 64 characters."]},
            )
        errors = FieldErrors()
        origin: dict[str, tuple[str, Any]] = {}  # incident field -> (column, cell)
        values: dict[str, Any] = {}
        from_cell: set[str] = set()
        failed: set[str] = set()  # fields whose cell could not be read

        for field in SCALAR_FIELDS:
            spec = mapping["fields"].get(field)
            column = spec["column"] if spec else None
            value = self.cell(cells, column) if column else None
            if value is not None:
                origin[field] = (column, value)
                try:
                    values[field] = self._convert(field, spec, value)
                    from_cell.add(field)
                except ValueError as exc:
                    errors.add(column, str(exc))
                    failed.add(field)
                continue
            default = spec["default"] if spec and spec["default"] is not None else None
            if default is None:
                default = mapping["defaults"].get(field)
            if default is not None:
                origin[field] = (f"default {field}", default)
                try:
                    values[field] = self._convert(field, None, default)
                except ValueError as exc:
                    errors.add(f"default {field}", str(exc))
                    failed.add(field)

        incident_type = values.get("incident_type")
        if isinstance(incident_type, str) and "/" in incident_type:
            values["incident_type"], pair_subtype = incident_type.split("/", 1)
            if "subtype" not in from_cell:
                values["subtype"] = pair_subtype
                origin["subtype"] = origin["incident_type"]
        own = SUBTYPES.get(values.get("incident_type"), {})  # type: ignore[arg-type]
        if (
            values.get("subtype") not in own
            and origin.get("subtype", ("",))[0] == "default subtype"
        ):
            values.pop("subtype")  # a default for other types: the fallback below applies
        if not values.get("subtype") and "subtype" not in failed and own:
            fallback = [s for s in ("unknown", "other") if s in SUBTYPES[values["incident_type"]]]
            if fallback:
                values["subtype"] = fallback[0]
            elif "incident_type" not in failed:
                column = origin.get("incident_type", ("subtype", None))[0]
                errors.add(
                    column,
                    f"No subtype given, and {values['incident_type']} has no 'unknown' or "
                    "'other' subtype: map a subtype column, give a subtype default, or map "
                    "this value to type/subtype.",
                )
                failed.add("subtype")
        if not values.get("title") and "title" not in failed:
            place = values.get("location_name") or values.get("admin2") or values.get("admin1")
            incident_type = values.get("incident_type")
            label = (
                str(IncidentType(incident_type).label)
                if incident_type in CHOICES["incident_type"]
                else "Incident"
            )
            values["title"] = f"{label}, {place}" if place else label

        values["casualties"] = self._casualties(cells, errors, origin)
        values["actors"] = self._people(cells, "actors", origin)
        values["sources"] = self._people(cells, "sources", origin)
        problems = _fields(errors)
        try:
            clean_incident(values)
        except ValidationFailed as exc:
            # Also report what the incident validation finds in the other fields; a field
            # whose cell could not be read is reported once, by its column.
            found = {f: r for f, r in exc.fields.items() if f not in failed}
            for column, reasons in self._by_column(found, origin).items():
                problems.setdefault(column, []).extend(reasons)
        if problems:
            return RowRejection(line=line, external_id=external_id, fields=problems)
        return SourceRecord(line=line, external_id=external_id, values=values, raw=raw)

    def _convert(self, field: str, spec: dict[str, Any] | None, value: Any) -> Any:
        if spec and spec["values"]:
            key = _key(value)
            table = spec["values"]
            if key in table:
                return table[key]
            folded = self.folded[field]
            if key.casefold() in folded:
                return folded[key.casefold()]
            if field in CHOICES and _code(key) not in CHOICES[field] and "/" not in key:
                known = ", ".join(repr(k) for k in table)
                raise ValueError(
                    f"Unknown value {key[:60]!r} for {field} (the mapping knows {known})."
                )
        if field in DATE_FIELDS:
            return _parse_date(value, self.mapping["date_format"])
        if field in NUMBER_FIELDS:
            return _parse_number(value)
        if field in CHOICES:
            code = _code(_cell_text(value))
            if field == "incident_type" and "/" in code:
                return code
            if code not in CHOICES[field]:
                raise ValueError(f"Unknown {field} {_cell_text(value)[:60]!r}.")
            return code
        text = _cell_text(value)
        if field == "country_code" and not is_country_code(text.upper()):
            return code_for_name(text) or text
        return text.upper() if field == "country_code" else text

    def _casualties(
        self, cells: list[Any], errors: FieldErrors, origin: dict[str, tuple[str, Any]]
    ) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        columns: dict[tuple[str, str], dict[str, tuple[str, Any]]] = {}
        for spec in self.mapping["casualties"]:
            key = (spec["category"], spec["outcome"])
            value = self.cell(cells, spec["column"])
            if value is None:
                continue
            try:
                number = _parse_count(value)
            except ValueError as exc:
                errors.add(spec["column"], str(exc))
                continue
            groups.setdefault(key, {})[spec["estimate"]] = number
            columns.setdefault(key, {})[spec["estimate"]] = (spec["column"], value)
        rows = []
        for key, numbers in groups.items():
            if numbers.get("best") is None:
                column = next(c for c, _v in columns[key].values())
                errors.add(column, "A low or high estimate without the best estimate.")
                continue
            if not any(numbers.values()):
                continue  # 0 people: no row
            index = len(rows)
            rows.append({"category": key[0], "outcome": key[1], **numbers})
            origin[f"casualties[{index}]"] = columns[key]["best"]
            for estimate, where in columns[key].items():
                origin[f"casualties[{index}].{estimate}"] = where
        return rows

    def _people(
        self, cells: list[Any], kind: str, origin: dict[str, tuple[str, Any]]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for spec in self.mapping[kind]:
            value = self.cell(cells, spec["column"])
            if value is None:
                continue
            split = spec.get("split", ";")
            text = _cell_text(value)
            names = [n.strip() for n in (text.split(split) if split else [text]) if n.strip()]
            for name in dict.fromkeys(names):
                origin[f"{kind}[{len(rows)}]"] = (spec["column"], value)
                if kind == "actors":
                    rows.append({"name": name, "side": spec["side"], "kind": spec["kind"]})
                else:
                    rows.append(
                        {
                            "name": name,
                            "reliability": spec["reliability"],
                            "credibility": spec["credibility"],
                        }
                    )
        return rows

    @staticmethod
    def _by_column(
        fields: dict[str, list[str]], origin: dict[str, tuple[str, Any]]
    ) -> dict[str, list[str]]:
        """Name the source column (and its value) in the incident validation's reasons."""
        result: dict[str, list[str]] = {}
        for field, reasons in fields.items():
            where = origin.get(field) or origin.get(field.split(".")[0])
            if where is None:
                result.setdefault(field, []).extend(reasons)
                continue
            column, value = where
            shown = _cell_text(value)[:60]
            result.setdefault(column, []).extend(
                f"{field}: {reason} (value {shown!r})" for reason in reasons
            )
        return result


def _code(text: str) -> str:
    return "_".join(text.strip().lower().split())


def _fields(errors: FieldErrors) -> dict[str, list[str]]:
    try:
        errors.raise_if_any()
    except ValidationFailed as exc:
        return exc.fields
    return {}


def tabular_records(path: Path, mapping: dict[str, Any]) -> Iterator[SourceRecord | RowRejection]:
    """Records of a CSV (plain or .gz) or XLSX file read through `mapping` (see
    load_mapping). The header, the columns the mapping names and (for CSV) the encoding are
    checked at once: a ValueError before any row is read."""
    path = Path(path)
    mapping = validate_mapping(mapping)  # a no-op on a checked mapping
    table = _open_table(path, mapping)
    try:
        mapper = _Mapper(mapping, table.header, path.name)
    except BaseException:
        table.close()
        raise
    return _records(table, mapper)


def _records(table: _Table, mapper: _Mapper) -> Iterator[SourceRecord | RowRejection]:
    try:
        for line, cells in table.rows:
            yield mapper.record(line, cells)
    finally:
        table.close()


# --- proposing a mapping --------------------------------------------------------------

# Header names (normalised: lower case, "_" between words) and HXL tags per incident field,
# best first.
SYNONYMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "id": (
        (
            "id",
            "event_id",
            "incident_id",
            "report_id",
            "event_id_cnty",
            "reference",
            "ref",
            "report_no",
            "data_id",
        ),
        ("#event+id", "#event+code", "#event"),
    ),
    "title": (("title", "headline", "subject", "event_title"), ("#event+title",)),
    "started_at": (
        (
            "date",
            "event_date",
            "start_date",
            "date_start",
            "started_at",
            "incident_date",
            "date_of_incident",
            "occurred_on",
        ),
        ("#date+start", "#date+occurred", "#date"),
    ),
    "ended_at": (("end_date", "date_end", "ended_at"), ("#date+end",)),
    "incident_type": (
        ("type", "event_type", "incident_type", "category", "incident_category"),
        ("#event+type",),
    ),
    "subtype": (
        ("subtype", "sub_type", "sub", "sub_event_type", "subcategory", "sub_category"),
        ("#event+type+sub", "#event+subtype"),
    ),
    "narrative": (
        ("notes", "description", "narrative", "details", "summary", "comments", "remarks"),
        ("#description", "#event+description", "#narrative"),
    ),
    "latitude": (("lat", "latitude", "y"), ("#geo+lat",)),
    "longitude": (("lon", "long", "lng", "longitude", "x"), ("#geo+lon",)),
    "location_name": (
        ("location", "location_name", "place", "village", "town", "locality"),
        ("#loc+name", "#loc"),
    ),
    "admin1": (("admin1", "adm1", "province", "state", "admin_1"), ("#adm1",)),
    "admin2": (("admin2", "adm2", "district", "county", "admin_2"), ("#adm2",)),
    "country_code": (("iso3", "country_code", "iso_3"), ("#country+code",)),
    "classification": (("classification",), ()),
    "narrative_language": (("language", "narrative_language"), ("#meta+lang",)),
}
# Columns proposed as actors (side a, side b) and as source names.
LIST_SYNONYMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "actor_a": (
        ("actor1", "actor_1", "actor_a", "side_a", "perpetrator", "perpetrators", "actor"),
        ("#group+name+first", "#org+perpetrator"),
    ),
    "actor_b": (("actor2", "actor_2", "actor_b", "side_b", "target"), ("#group+name+second",)),
    "sources": (("source", "sources", "source_name", "information_source"), ("#meta+source",)),
}
_KILLED = ("killed", "deaths", "dead", "fatalities", "fatality", "deceased")
_INJURED = ("injured", "wounded", "injuries", "injury")


def _normal_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


def _casualty_guess(name: str, tag: str) -> tuple[str, str] | None:
    words = set(_normal_name(name).split("_"))
    tag_parts = _parse_tag(tag)[1] if tag else frozenset()
    if words & set(_KILLED) or "killed" in tag_parts:
        outcome = Casualty.Outcome.KILLED
    elif words & set(_INJURED) or {"injured", "wounded"} & tag_parts:
        outcome = Casualty.Outcome.INJURED
    else:
        return None
    if words & {"women", "female", "woman"}:
        category = Casualty.Category.CIVILIANS_WOMEN
    elif words & {"children", "child", "minors"}:
        category = Casualty.Category.CIVILIANS_CHILDREN
    elif words & {"civilians", "civilian", "civ"} or "civilians" in tag_parts:
        category = Casualty.Category.CIVILIANS
    elif words & {"peacekeepers", "peacekeeper", "pk", "pks", "un", "blue", "helmets"}:
        category = Casualty.Category.PEACEKEEPERS
    else:
        category = Casualty.Category.UNKNOWN
    return str(category), str(outcome)


def describe(path: Path) -> dict[str, Any]:
    """Propose a mapping for a CSV/XLSX file from its headers (and HXL row): a dict ready
    for yaml.safe_dump. Columns matched by no field are listed under `unmatched`."""
    path = Path(path)
    table = _open_table(path)
    try:
        header = table.header
        sheet = None
        if path.name.lower().endswith((".xlsx", ".xlsm")):
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            sheet = book.sheetnames[0]
            book.close()
    finally:
        table.close()
    count = len(header.names)
    normal = [_normal_name(n) for n in header.names]
    tags = [(_parse_tag(t) if t else None) for t in (header.tags or [""] * count)]
    used: set[int] = set()

    def ref(index: int, by_tag: bool) -> str:
        if by_tag or not header.names[index]:
            return (header.tags or [""] * count)[index]
        return header.names[index]

    chosen: dict[str, str] = {}
    for field, (names, tag_patterns) in {**SYNONYMS, **LIST_SYNONYMS}.items():
        found = None
        for synonym in names:
            found = next((i for i in range(count) if i not in used and normal[i] == synonym), None)
            if found is not None:
                chosen[field] = ref(found, by_tag=False)
                break
        if found is None:
            for pattern in tag_patterns:
                wanted = _parse_tag(pattern)
                found = next(
                    (
                        i
                        for i in range(count)
                        if i not in used
                        and tags[i]
                        and tags[i][0] == wanted[0]  # type: ignore[index]
                        and wanted[1] <= tags[i][1]  # type: ignore[index]
                    ),
                    None,
                )
                if found is not None:
                    chosen[field] = ref(found, by_tag=True)
                    break
        if found is not None:
            used.add(found)
    casualties = []
    taken: set[tuple[str, str]] = set()
    for i in range(count):
        if i in used:
            continue
        guess = _casualty_guess(header.names[i], (header.tags or [""] * count)[i])
        if guess and guess not in taken:
            taken.add(guess)
            used.add(i)
            casualties.append({"category": guess[0], "outcome": guess[1], "column": ref(i, False)})
    proposal: dict[str, Any] = {"id": chosen.pop("id", None)}
    if sheet:
        proposal["sheet"] = sheet
    proposal["fields"] = {f: c for f, c in chosen.items() if f in SYNONYMS}
    proposal["casualties"] = casualties
    actors = [
        {"side": side, "column": chosen.pop(f"actor_{side}"), "kind": str(Actor.Kind.UNKNOWN)}
        for side in ("a", "b")
        if f"actor_{side}" in chosen
    ]
    if actors:
        proposal["actors"] = actors
    if "sources" in chosen:
        proposal["sources"] = [{"column": chosen.pop("sources")}]
    proposal["defaults"] = {"classification": str(Classification.INTERNAL)}
    proposal["unmatched"] = [header.label(i) for i in range(count) if i not in used]
    return proposal
