"""The batch import engine shared by every format.

Rows are validated one by one (a bad row is rejected with its line, field and reason; it never
stops the run), then written in batches of BATCH_SIZE, each batch in one transaction: a batch
is either fully written (incidents, casualties, sources, actors, revisions and the run's
counters) or not at all. A killed import therefore leaves whole batches behind, and running
the same file again completes it: rows already written are found unchanged by their digest.

New incidents are inserted in bulk; changed ones go through the same update path as an edit
(row lock, diff, revision); unchanged ones (same digest) cost one indexed lookup.
"""

import functools
import gc
import hashlib
import itertools
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import AccessScope
from peaceops.core.bound_cursor import bound_cursor
from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.countries import countries_at, country_at
from peaceops.incidents.importers.bulk import (
    import_page_cache,
    insert_rows,
    refresh_statistics,
    reserve_ids,
)
from peaceops.incidents.importers.checked import (
    ACTOR_KEYS,
    CASUALTY_KEYS,
    SOURCE_KEYS,
    CheckedRow,
    datetime_suffix,
)
from peaceops.incidents.importers.deferred_schema import (
    defer_schema,
    restore_schema,
    worth_deferring,
)
from peaceops.incidents.importers.pipeline import checked_batches
from peaceops.incidents.importers.records import (
    OfRecord,
    PlainRow,
    PointCountry,
    RawRecord,
    RowRejection,
    SourceRecord,
)
from peaceops.incidents.importers.writers import WRITE_CONNECTIONS, BatchWriters, ProblemBudget
from peaceops.incidents.models import (
    Actor,
    Casualty,
    ImportRowProblem,
    ImportRun,
    Incident,
    IncidentActor,
    IncidentRevision,
    Source,
)
from peaceops.incidents.services import ROW_FIELDS, apply_import_update
from peaceops.incidents.state import cleaned_state_json, legacy_cleaned_state_json, state_json
from peaceops.incidents.summary import summary_add
from peaceops.incidents.validation import clean_incident
from peaceops.missions.models import Mission

logger = logging.getLogger(__name__)

BATCH_SIZE = 10_000  # rows per transaction; fewer, larger commits rewrite fewer index pages
MAX_PROBLEMS = 100_000  # problems kept per run; the counts stay exact beyond it


@dataclass
class Progress:
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    elapsed: float


ProgressCallback = Callable[[Progress], None]


# The standard library's encoder for raw records orjson cannot write (integers beyond 64
# bits), made once: json.dumps with options builds a new one per call.
_RAW_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def raw_record_json(raw: dict[str, Any]) -> str:
    """The raw record as JSON text, as stored and digested: compact, UTF-8, unknown types as
    their str(), NaN as null (orjson: about 2 µs a GED row against 9 for the standard
    library's encoder)."""
    try:
        return orjson.dumps(raw, default=str).decode()
    except TypeError:
        return _RAW_JSON.encode(raw)


def _sha1(text: str | bytes) -> str:
    return hashlib.sha1(text.encode() if isinstance(text, str) else text).hexdigest()


def digest(state: dict[str, Any]) -> str:
    return _sha1(state_json(state))


def content_digest(cleaned: dict[str, Any]) -> str:
    """The digest of a validated row's state: `digest(cleaned_state(cleaned))`."""
    return _sha1(cleaned_state_json(cleaned))


def legacy_content_digest(cleaned: dict[str, Any]) -> str:
    """The content digest as imports before the third session stored it (the standard
    library's JSON text): compared only with a stored digest that differs from the current
    one, so that such rows are found unchanged without reading them back."""
    return _sha1(legacy_cleaned_state_json(cleaned))


# Part of every input digest. Bump it when validation or derivation (country borders, PRIO-GRID
# cells, totals) gives another result for the same input, so re-imports check rows again.
INPUT_DIGEST_VERSION = "1"


def input_digest(values: dict[str, Any]) -> str:
    """Digest of a row's mapped values, the input to validation (ADR 0013)."""
    return digest({"version": INPUT_DIGEST_VERSION, "values": values})


def raw_input_digest(reader_version: str, raw_json: str) -> str:
    """Digest of a row's raw record, for readers whose mapping is fixed by their version (UCDP,
    ACLED): the mapped values follow from the record and that version alone. The raw record's
    JSON is written for every row anyway, so this costs one hash instead of another encoding
    of the values (ADR 0018)."""
    return _sha1(f"{INPUT_DIGEST_VERSION}\0{reader_version}\0{raw_json}")


@dataclass
class _Unchecked(OfRecord):
    """A row the reader did not validate: its input digest equals the one stored for its id.
    From a reading process, its values and raw record travel pickled in `packed` (one bytes
    object is far cheaper for the writer to receive): the writer needs them only in the rare
    case that the stored row changed after the run began. A RawRecord's row was not even
    mapped: only its raw record travels, and the writer maps it in that case."""

    record: SourceRecord | RawRecord
    input_digest: str
    packed: bytes = b""

    @property
    def warnings(self) -> tuple[tuple[str, str], ...]:
        return self.record.warnings

    def unpacked(self) -> SourceRecord | RowRejection:
        record = self.record
        if isinstance(record, RawRecord):
            return record.mapped(pickle.loads(self.packed) if self.packed else None)
        if not self.packed:
            return record
        values, raw = pickle.loads(self.packed)
        return replace(record, values=values, raw=raw)


_NAME, _KIND, _SOURCE, _ID = (
    ACTOR_KEYS.index(k) for k in ("name", "kind", "external_source", "external_id")
)


class _ActorCache:
    """Actor ids by identity, created in bulk when missing. Actors come as the tuples of
    `CheckedRow.actors` (checked.ACTOR_KEYS)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, str], int] = {}

    @staticmethod
    def key(row: tuple[Any, ...]) -> tuple[str, str, str]:
        if row[_ID]:
            return ("ext", row[_SOURCE], row[_ID])
        return ("local", row[_NAME], row[_KIND])

    def resolve(self, rows: list[tuple[Any, ...]]) -> None:
        known, key = self._ids, self.key
        missing = {k: r for r in rows if (k := key(r)) not in known}
        if not missing:
            return
        self._load(missing)
        still = [r for k, r in missing.items() if k not in self._ids]
        if still:
            Actor.objects.bulk_create(
                [
                    Actor(
                        name=r[_NAME],
                        kind=r[_KIND],
                        external_source=r[_SOURCE] if r[_ID] else "",
                        external_id=r[_ID],
                    )
                    for r in still
                ],
                ignore_conflicts=True,
            )
            self._load({self.key(r): r for r in still})

    def _load(self, wanted: dict[tuple[str, str, str], tuple[Any, ...]]) -> None:
        external = [k for k in wanted if k[0] == "ext"]
        for source in {k[1] for k in external}:
            ids = [k[2] for k in external if k[1] == source]
            for actor_id, ext_id in Actor.objects.filter(
                external_source=source, external_id__in=ids
            ).values_list("pk", "external_id"):
                self._ids[("ext", source, ext_id)] = actor_id
        local = [k for k in wanted if k[0] == "local"]
        for name in {k[1] for k in local}:
            for actor_id, kind in Actor.objects.filter(name=name, external_id="").values_list(
                "pk", "kind"
            ):
                self._ids[("local", name, kind)] = actor_id

    def forget(self) -> None:
        """After a rolled-back batch: ids of actors created in it are gone too."""
        self._ids.clear()

    def id_for(self, row: tuple[Any, ...]) -> int:
        return self._ids[self.key(row)]


def _batch_countries(chunk: list[SourceRecord | PlainRow | RowRejection]) -> PointCountry:
    """Countries of every point in a batch in one vectorised lookup."""
    points = []
    for item in chunk:
        if isinstance(item, PlainRow):
            points.append((item.latitude, item.longitude))
        elif isinstance(item, SourceRecord):
            lat, lon = item.values.get("latitude"), item.values.get("longitude")
            if isinstance(lat, float) and isinstance(lon, float):
                points.append((lat, lon))
    found = dict(
        zip(points, countries_at([p[0] for p in points], [p[1] for p in points]), strict=True)
    )

    def lookup(latitude: float, longitude: float) -> str | None:
        key = (latitude, longitude)
        return found[key] if key in found else country_at(latitude, longitude)

    return lookup


def _without_values(item: SourceRecord) -> SourceRecord:
    """The record without its values and raw record (built directly: `replace` is slower)."""
    return SourceRecord(item.line, item.external_id, {}, {}, item.warnings)


def _validate(
    item: SourceRecord | PlainRow | RowRejection,
    point_country: PointCountry,
    suffix: str,
    input_hash: str = "",
    raw_json: str = "",
) -> CheckedRow | RowRejection:
    """Validate one row into the compact form the writer inserts (checked.py); `suffix` is
    `datetime_suffix` of the database written to."""
    if isinstance(item, PlainRow):
        # The checker gives a plain row's raw-record digest and JSON; without them the row
        # takes the general way, which makes its own.
        plain = item.cleaned(point_country) if input_hash and raw_json else None
        if plain is None:
            item = item.record.mapped()
        else:
            cleaned, warnings = plain
            return _checked_row(item, warnings, cleaned, suffix, input_hash, raw_json)
    if isinstance(item, RowRejection):
        return item
    input_hash = input_hash or input_digest(item.values)
    try:
        cleaned = clean_incident(item.values, point_country=point_country)
    except ValidationFailed as exc:
        return RowRejection(line=item.line, external_id=item.external_id, fields=exc.fields)
    # Hand on only what the writer needs: input values dropped, the raw record as JSON text
    # (one string pickles far faster than a dict of fifty).
    return _checked_row(
        item, item.warnings, cleaned, suffix, input_hash, raw_json or raw_record_json(item.raw)
    )


def _checked_row(
    item: SourceRecord | PlainRow,
    warnings: tuple[tuple[str, str], ...],
    cleaned: dict[str, Any],
    suffix: str,
    input_hash: str,
    raw_json: str,
) -> CheckedRow:
    return CheckedRow.build(
        line=item.line,
        external_id=item.external_id,
        warnings=warnings,
        cleaned=cleaned,
        digest=content_digest(cleaned),
        input_digest=input_hash,
        raw_json=raw_json,
        suffix=suffix,
    )


Checked = CheckedRow | _Unchecked | RowRejection


class _Checker:
    """Checks a batch of rows, skipping validation for rows whose input digest equals the one
    stored for their id (`known`, loaded before the run). With a `reader_version` the digest
    is taken of the raw record (`raw_input_digest`), otherwise of the mapped values."""

    def __init__(self, known: dict[str, str], *, pack: bool, reader_version: str = "") -> None:
        self.known, self.pack, self.reader_version = known, pack, reader_version
        self.suffix = datetime_suffix(connection.vendor)

    def _digest(self, item: SourceRecord | RawRecord | RowRejection) -> tuple[str, str]:
        """(input digest, raw record's JSON or '' when not written yet) of a row."""
        if isinstance(item, RowRejection):
            return "", ""
        if self.reader_version:
            raw_json = raw_record_json(item.raw)
            return raw_input_digest(self.reader_version, raw_json), raw_json
        return input_digest(item.values), ""

    def _unchecked(self, item: SourceRecord | RawRecord, hashed: str) -> _Unchecked:
        if not self.pack:
            return _Unchecked(record=item, input_digest=hashed)
        if isinstance(item, RawRecord):
            packed = pickle.dumps(item.raw, protocol=pickle.HIGHEST_PROTOCOL)
            return _Unchecked(
                RawRecord(item.line, item.external_id, {}, item.mapper), hashed, packed
            )
        packed = pickle.dumps((item.values, item.raw), protocol=pickle.HIGHEST_PROTOCOL)
        return _Unchecked(_without_values(item), hashed, packed)

    def __call__(self, chunk: list[SourceRecord | RawRecord | RowRejection]) -> list[Checked]:
        checked: list[Checked] = []
        to_validate: list[tuple[int, SourceRecord | PlainRow | RowRejection, str, str]] = []
        for item in chunk:
            if isinstance(item, RawRecord) and not self.reader_version:
                item = item.mapped()  # the digest is of the mapped values
            hashed, raw_json = self._digest(item)
            if hashed and self.known.get(item.external_id) == hashed:
                checked.append(self._unchecked(item, hashed))
            else:
                if isinstance(item, RawRecord):  # checked from its text where it is plain
                    item = item.plain_row() or item.mapped()
                to_validate.append((len(checked), item, hashed, raw_json))
                checked.append(item)  # placeholder, replaced below
        if to_validate:
            point_country = _batch_countries([item for _i, item, _h, _r in to_validate])
            for index, item, hashed, raw_json in to_validate:
                checked[index] = _validate(item, point_country, self.suffix, hashed, raw_json)
        return checked


def _problems(
    run: ImportRun, rejected: list[RowRejection], valid: list[CheckedRow | _Unchecked]
) -> list[ImportRowProblem]:
    problems = [
        ImportRowProblem(
            run=run, line=r.line, external_id=r.external_id[:64], field=field[:100], reason=reason
        )
        for r in rejected
        for field, reasons in r.fields.items()
        for reason in reasons
    ]
    problems += [
        ImportRowProblem(
            run=run,
            line=v.line,
            external_id=v.external_id[:64],
            field=field[:100],
            reason=reason,
            severity=ImportRowProblem.Severity.WARNING,
        )
        for v in valid
        for field, reason in v.warnings
    ]
    return problems


_SIDE = ACTOR_KEYS.index("side")


def _insert_new(
    run: ImportRun,
    mission: Mission,
    source: str,
    verification_status: str,
    rows: list[CheckedRow],
    actors: _ActorCache,
) -> None:
    """Insert new incidents and their children: the rows' tuples go in as they came from
    the reader (checked.py), each child row behind its incident's id."""
    now = timezone.now()
    constants = {
        "mission_id": mission.pk,
        "external_source": source,
        "import_run_id": run.pk,
        "verification_status": verification_status,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "rejection_reason": "",
    }
    columns = ("id", *ROW_FIELDS, "external_id", "content_hash", "input_hash", "raw")
    pks = reserve_ids(Incident, len(rows))
    insert_rows(
        Incident,
        columns,
        (
            (pk, *v.values, v.external_id, v.digest, v.input_digest, v.raw_json)
            for pk, v in zip(pks, rows, strict=True)
        ),
        constants,
        ready=True,
    )
    summary_add((v.summary_key(mission.pk), 1, v.fatalities) for v in rows)
    actors.resolve([a for v in rows for a in v.actors])
    casualties, sources, links = [], [], []
    for pk, v in zip(pks, rows, strict=True):
        casualties += [(pk, *c) for c in v.casualties]
        sources += [(pk, i, *s) for i, s in enumerate(v.sources)]
        links += dict.fromkeys((pk, actors.id_for(a), a[_SIDE]) for a in v.actors)
    insert_rows(Casualty, ("incident_id", *CASUALTY_KEYS), casualties, ready=True)
    insert_rows(Source, ("incident_id", "position", *SOURCE_KEYS), sources, ready=True)
    insert_rows(IncidentActor, ("incident_id", "actor_id", "side"), links, ready=True)
    comment = f"import run {run.pk}"
    insert_rows(
        IncidentRevision,
        ("incident_id",),
        ((pk,) for pk in pks),
        {
            "version": 1,
            "action": IncidentRevision.Action.IMPORTED,
            "changes": "{}",
            "comment": comment,
            "created_at": now,
        },
        ready=True,
    )


def _primed(
    records: Iterable[SourceRecord | RawRecord | RowRejection],
) -> Iterator[SourceRecord | RawRecord | RowRejection]:
    iterator = iter(records)
    try:
        first = next(iterator)
    except StopIteration:
        return iter(())
    return itertools.chain([first], iterator)


def _without_duplicates(
    checked: list[Checked], seen_ids: dict[str, int]
) -> tuple[list[RowRejection], list[CheckedRow | _Unchecked]]:
    rejected = [c for c in checked if isinstance(c, RowRejection)]
    valid: list[CheckedRow | _Unchecked] = []
    for c in checked:
        if isinstance(c, RowRejection):
            continue
        first = seen_ids.setdefault(c.external_id, c.line)
        if first != c.line:
            rejected.append(
                RowRejection(
                    line=c.line,
                    external_id=c.external_id,
                    fields={"id": [f"Duplicate of the row on line {first}."]},
                )
            )
        else:
            valid.append(c)
    return rejected, valid


Stored = dict[str, tuple[int, str, str, str]]


def _stored(mission: Mission, source: str, external_ids: list[str]) -> Stored:
    """External id -> (id, content digest, classification, input digest) of the batch's rows
    already stored."""
    if connection.vendor == "postgresql":
        # The ids as one array parameter: quoting 10,000 of them into the statement's text
        # (and Django's preparing of each) cost the writer about 4 µs a row (bound_cursor).
        with bound_cursor() as cursor:
            cursor.execute(
                "SELECT external_id, id, content_hash, classification, input_hash "
                f"FROM {connection.ops.quote_name(Incident._meta.db_table)} "
                "WHERE mission_id = %s AND external_source = %s AND external_id = ANY(%s) "
                "AND external_id <> ''",  # the partial unique index's condition, so it is used
                [mission.pk, source, external_ids],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}
    return {
        ext_id: (pk, content_hash, classification, input_hash)
        for ext_id, pk, content_hash, classification, input_hash in Incident.objects.filter(
            mission=mission, external_source=source, external_id__in=external_ids
        )
        # The same condition as the partial unique index, so both databases use it; no ORDER BY.
        .exclude(external_id="")
        .order_by()
        .values_list("external_id", "pk", "content_hash", "classification", "input_hash")
    }


@dataclass(frozen=True)
class _Target:
    """Where and how a run writes: the same for each of its batches."""

    run: ImportRun
    mission: Mission
    source: str
    verification_status: str
    scope: AccessScope | None
    dry_run: bool


def _write_batch(
    target: _Target,
    rejected: list[RowRejection],
    valid: list[CheckedRow | _Unchecked],
    actors: "_ActorCache",
) -> tuple[dict[str, int], list[ImportRowProblem]]:
    """Sort one batch into new / changed / unchanged against the database and write it (inside
    the caller's transaction). With a person's scope (uploads), nothing is written above that
    person's clearance: such rows are rejected, whether new or already stored."""
    run, mission, source, scope = target.run, target.mission, target.source, target.scope
    existing = _stored(mission, source, [v.external_id for v in valid])
    skipped: list[_Unchecked] = []
    writable: list[CheckedRow] = []
    for v in valid:
        stored = existing.get(v.external_id)
        if isinstance(v, _Unchecked):
            if stored is not None and stored[3] == v.input_digest:
                skipped.append(v)  # the reader's fast path holds: unchanged
                continue
            # The stored row changed since the run began: check this row here after all.
            checked = _validate(
                v.unpacked(), country_at, datetime_suffix(connection.vendor), v.input_digest
            )
            if isinstance(checked, RowRejection):
                rejected.append(checked)
                continue
            v = checked
        if scope is not None and stored and not scope.can_see(mission.pk, stored[2]):
            reason = "A record with this id exists that you may not change."
            rejected.append(RowRejection(v.line, v.external_id, {"id": [reason]}))
        elif scope is not None and not scope.can_see(mission.pk, v.classification):
            reason = "Above your clearance for this mission."
            rejected.append(RowRejection(v.line, v.external_id, {"classification": [reason]}))
        else:
            writable.append(v)
    new = [v for v in writable if v.external_id not in existing]
    changed, restamped = _changed(writable, existing)
    updated = 0
    if not target.dry_run:
        if new:
            _insert_new(run, mission, source, target.verification_status, new, actors)
        for v in changed:  # few: the validated dict is rebuilt for each
            updated += apply_import_update(
                incident_id=existing[v.external_id][0],
                cleaned=v.cleaned,
                content_hash=v.digest,
                raw=json.loads(v.raw_json),
                run=run,
            )
        _store_digests(
            "input_hash",
            [
                (v.input_digest, existing[v.external_id][0])
                for v in writable
                if v.external_id in existing and existing[v.external_id][3] != v.input_digest
            ],
        )
        _store_digests("content_hash", restamped)
    else:
        updated = len(changed)
    counts = {
        "created": len(new),
        "updated": updated,
        "unchanged": len(writable) - len(new) - updated + len(skipped),
        "rejected": len(rejected),
    }
    return counts, _problems(run, rejected, [*writable, *skipped])


def _changed(
    writable: list[CheckedRow], existing: Stored
) -> tuple[list[CheckedRow], list[tuple[str, int]]]:
    """The stored rows whose content differs, to update; and (content digest, id) of those
    whose stored digest is the earlier kind for the same content, to restamp only."""
    changed, restamped = [], []
    for v in writable:
        stored = existing.get(v.external_id)
        if stored is None or stored[1] == v.digest:
            continue
        if stored[1] == legacy_content_digest(v.cleaned):
            restamped.append((v.digest, stored[0]))
        else:
            changed.append(v)
    return changed, restamped


def _store_digests(column: str, rows: list[tuple[str, int]]) -> None:
    """Remember digests of stored rows: the input digest of rows checked in full (updated
    ones, and rows stored before digests were kept), so the next import of the same input
    skips them; the current content digest of rows stored with the earlier kind."""
    assert column in ("input_hash", "content_hash")
    if rows:
        table = connection.ops.quote_name(Incident._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", rows)


def _known_input_digests(mission: Mission, source: str) -> dict[str, str]:
    """External id -> input digest of the mission's stored rows from this source."""
    return dict(
        Incident.objects.filter(mission=mission, external_source=source)
        .exclude(external_id="")
        .exclude(input_hash="")
        .order_by()
        .values_list("external_id", "input_hash")
        .iterator(chunk_size=10_000)
    )


def _mostly_new(valid: list[CheckedRow | _Unchecked]) -> bool:
    """Whether most of a batch was validated: rows the file brings new (or changed), not the
    unchanged ones of a re-import (the file's estimate cannot tell them apart)."""
    return 2 * sum(isinstance(v, CheckedRow) for v in valid) > len(valid)


def _restore_after_failure(run: ImportRun) -> None:
    try:
        restore_schema(run=run)
    except Exception:  # the records stay: the next import or the worker builds them
        logger.exception("import %s: its deferred indexes are left for the next import", run.pk)


def _commit_batch(
    target: _Target,
    rows_read: int,
    rejected: list[RowRejection],
    valid: list[CheckedRow | _Unchecked],
    caches: dict[int, "_ActorCache"],
    budget: ProblemBudget,
) -> tuple[dict[str, int], list[ImportRowProblem]]:
    """Write one batch in one transaction, with its problems (as many as the run may still
    keep) and the run's counters: again, once, if another import wrote one of its ids since
    we looked. Runs in the thread of the connection that writes it (writers.py); each thread
    keeps its own actor ids, so that none names an actor another transaction has not
    committed yet."""
    actors = caches.setdefault(threading.get_ident(), _ActorCache())
    for attempt in (1, 2):
        taken = 0
        try:
            with transaction.atomic():
                counts, problems = _write_batch(target, list(rejected), valid, actors)
                taken = budget.take(len(problems))
                problems = problems[:taken]
                counts["rows_read"] = rows_read
                if not target.dry_run:
                    ImportRowProblem.objects.bulk_create(problems)
                    ImportRun.objects.filter(pk=target.run.pk).update(
                        updated_at=timezone.now(),  # the heartbeat of a live run
                        **{name: F(name) + value for name, value in counts.items()},
                    )
            return counts, problems
        except IntegrityError:
            # Another import wrote one of these ids since we looked: look again, once.
            budget.give_back(taken)
            actors.forget()
            if attempt == 2:
                raise
        except BaseException:
            budget.give_back(taken)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def run_import(
    *,
    mission: Mission,
    source: str,
    records: Iterable[SourceRecord | RawRecord | RowRejection],
    file_name: str,
    file_sha256: str,
    verification_status: str,
    started_by: User | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
    parallel: bool = False,
    run: ImportRun | None = None,
    reader_version: str = "",
    expected_rows: int | None = None,
) -> ImportRun:
    """Import `records` into `mission`. With dry_run, validate only and write nothing (the
    returned run is not saved; its counts say what would happen). With parallel, rows are
    read and checked in a forked child process while this one writes (see pipeline.py).
    `reader_version` (formats.py) names a reader whose mapping is fixed, so that re-imports
    can recognise unchanged rows by their raw record; without it, by their mapped values.
    `expected_rows` (an estimate from the file) lets a large first load build the plain
    indexes at the end (deferred_schema.py)."""
    # Start reading before anything is recorded: file-level problems (encoding, missing
    # columns) are raised by the reader on its first row, and should leave no trace.
    records = _primed(records)
    if run is None:  # a queued run (uploads) comes with its own row
        run = ImportRun(
            mission=mission,
            source=source,
            file_name=file_name[:500],
            file_sha256=file_sha256,
            started_by=started_by,
        )
        if not dry_run:
            run.save()
    deferred = False
    if not dry_run:
        restore_schema()  # those a killed import left dropped
    may_defer = not dry_run and worth_deferring(expected_rows)
    scope = access_scope_for_user(started_by) if started_by is not None else None
    # Two batches at once, each on its own connection (writers.py): PostgreSQL only (SQLite's
    # writers take turns), not inside a caller's transaction (the other connection could not
    # see what it wrote), and not for uploads checked against a person's clearance.
    concurrent = (
        parallel
        and not dry_run
        and scope is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )
    writers: BatchWriters[tuple[dict[str, int], list[ImportRowProblem]]] = BatchWriters(
        WRITE_CONNECTIONS if concurrent else 1
    )
    with import_page_cache():  # from the first read to the statistics at the end
        caches: dict[int, _ActorCache] = {}  # one a thread: ids of actors it may use
        seen_ids: dict[str, int] = {}
        started = time.monotonic()
        budget = ProblemBudget(MAX_PROBLEMS)
        target = _Target(run, mission, source, verification_status, scope, dry_run)
        # Uploads check every row: the clearance check needs each row's validated classification.
        known = _known_input_digests(mission, source) if scope is None else {}
        check = _Checker(known, pack=parallel, reader_version=reader_version)
        # A batch is tens of thousands of small objects, made by checking and again by unpickling
        # in the writer. With the default thresholds the cyclic collector runs hundreds of times a
        # batch, each time walking much of what is alive (unpickling a batch measured 5 to 10 times
        # slower). Batches hold no cycles: reference counting frees them. The reader inherits this.
        # The threshold grows with the batch (about 50 objects a row), so that a collection does
        # not find most of a live batch and move it to the older generations, which are then
        # walked again (at 10,000 rows, the re-import measured 10 to 20% more CPU without it).
        thresholds = gc.get_threshold()
        gc.set_threshold(max(100_000, 50 * batch_size), 50, 100)

        def written(result: tuple[dict[str, int], list[ImportRowProblem]]) -> None:
            counts, problems = result
            for name, value in counts.items():
                setattr(run, name, getattr(run, name) + value)
            if dry_run:
                run._dry_problems = [*getattr(run, "_dry_problems", []), *problems]  # type: ignore[attr-defined]
            if progress:
                progress(
                    Progress(
                        rows=run.rows_read,
                        created=run.created,
                        updated=run.updated,
                        unchanged=run.unchanged,
                        rejected=run.rejected,
                        elapsed=time.monotonic() - started,
                    )
                )

        try:
            for checked in checked_batches(records, batch_size, check, parallel=parallel):
                rejected, valid = _without_duplicates(checked, seen_ids)
                if may_defer:  # decided on the first batch: a first load, not a re-import
                    may_defer = False
                    deferred = _mostly_new(valid) and bool(defer_schema(run))
                task = functools.partial(
                    _commit_batch, target, len(checked), rejected, valid, caches, budget
                )
                for result in writers.submit(task):
                    written(result)
            for result in writers.finish():
                written(result)
        except BaseException as exc:
            writers.close()  # no batch of this run is being written any more
            if deferred:
                _restore_after_failure(run)
            if not dry_run:
                ImportRun.objects.filter(pk=run.pk).update(
                    status=ImportRun.Status.FAILED,
                    finished_at=timezone.now(),
                    message=repr(exc)[:2000],
                )
            raise
        finally:
            writers.close()
            gc.set_threshold(*thresholds)
        if deferred:
            restore_schema(run=run)
        run.status = ImportRun.Status.COMPLETED
        run.finished_at = timezone.now()
        if not dry_run:
            ImportRun.objects.filter(pk=run.pk).update(
                status=run.status, finished_at=run.finished_at
            )
            refresh_statistics(run.created + run.updated)
        return run
