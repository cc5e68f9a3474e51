"""The batch import engine shared by every format.

Rows are validated one by one (a bad row is rejected with its line, field and reason; it never
stops the run), then written in batches of BATCH_SIZE, each batch in one transaction: a batch
is either fully written (incidents, casualties, sources, actors, revisions and the run's
counters) or not at all. A killed import therefore leaves whole batches behind, and running
the same file again completes it: rows already written are found unchanged by their digest.

New incidents are inserted in bulk; changed ones go through the same update path as an edit
(row lock, diff, revision); unchanged ones (same digest) cost one indexed lookup.
"""

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peaceops.accounts.models import User
from peaceops.core.errors import ValidationFailed
from peaceops.incidents.importers.records import RowRejection, SourceRecord
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
from peaceops.incidents.state import cleaned_state
from peaceops.incidents.validation import clean_incident
from peaceops.missions.models import Mission

BATCH_SIZE = 2000
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


def digest(state: dict[str, Any]) -> str:
    return hashlib.sha1(
        json.dumps(state, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


@dataclass
class _Valid:
    record: SourceRecord
    cleaned: dict[str, Any]
    digest: str


class _ActorCache:
    """Actor ids by identity, created in bulk when missing."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, str, str], int] = {}

    @staticmethod
    def key(row: dict[str, Any]) -> tuple[str, str, str, str]:
        if row["external_id"]:
            return ("ext", row["external_source"], row["external_id"], "")
        return ("local", row["name"], row["kind"], "")

    def resolve(self, rows: list[dict[str, Any]]) -> None:
        missing = {self.key(r): r for r in rows if self.key(r) not in self._ids}
        if not missing:
            return
        self._load(missing)
        still = [r for k, r in missing.items() if k not in self._ids]
        if still:
            Actor.objects.bulk_create(
                [
                    Actor(
                        name=r["name"],
                        kind=r["kind"],
                        external_source=r["external_source"] if r["external_id"] else "",
                        external_id=r["external_id"],
                    )
                    for r in still
                ],
                ignore_conflicts=True,
            )
            self._load({self.key(r): r for r in still})

    def _load(self, wanted: dict[tuple[str, str, str, str], dict[str, Any]]) -> None:
        external = [k for k in wanted if k[0] == "ext"]
        for source in {k[1] for k in external}:
            ids = [k[2] for k in external if k[1] == source]
            for actor_id, ext_id in Actor.objects.filter(
                external_source=source, external_id__in=ids
            ).values_list("pk", "external_id"):
                self._ids[("ext", source, ext_id, "")] = actor_id
        local = [k for k in wanted if k[0] == "local"]
        for name in {k[1] for k in local}:
            for actor_id, kind in Actor.objects.filter(name=name, external_id="").values_list(
                "pk", "kind"
            ):
                self._ids[("local", name, kind, "")] = actor_id

    def id_for(self, row: dict[str, Any]) -> int:
        return self._ids[self.key(row)]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _validate(item: SourceRecord | RowRejection) -> _Valid | RowRejection:
    if isinstance(item, RowRejection):
        return item
    try:
        cleaned = clean_incident(item.values)
    except ValidationFailed as exc:
        return RowRejection(line=item.line, external_id=item.external_id, fields=exc.fields)
    return _Valid(record=item, cleaned=cleaned, digest=digest(cleaned_state(cleaned)))


def _problems(
    run: ImportRun, rejected: list[RowRejection], valid: list[_Valid], budget: int
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
            line=v.record.line,
            external_id=v.record.external_id[:64],
            field=field[:100],
            reason=reason,
            severity=ImportRowProblem.Severity.WARNING,
        )
        for v in valid
        for field, reason in v.record.warnings
    ]
    return problems[: max(budget, 0)]


def _insert_new(
    run: ImportRun,
    mission: Mission,
    source: str,
    verification_status: str,
    rows: list[_Valid],
    actors: _ActorCache,
) -> None:
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                mission=mission,
                external_source=source,
                external_id=v.record.external_id,
                raw=v.record.raw,
                content_hash=v.digest,
                import_run=run,
                verification_status=verification_status,
                **{field: v.cleaned[field] for field in ROW_FIELDS},
            )
            for v in rows
        ]
    )
    actors.resolve([a for v in rows for a in v.cleaned["actors"]])
    casualties, sources, links, revisions = [], [], [], []
    for incident, v in zip(incidents, rows, strict=True):
        casualties += [Casualty(incident=incident, **c) for c in v.cleaned["casualties"]]
        sources += [
            Source(incident=incident, position=i, **s) for i, s in enumerate(v.cleaned["sources"])
        ]
        seen = set()
        for a in v.cleaned["actors"]:
            key = (actors.id_for(a), a["side"])
            if key not in seen:
                seen.add(key)
                links.append(IncidentActor(incident=incident, actor_id=key[0], side=key[1]))
        revisions.append(
            IncidentRevision(
                incident=incident,
                version=1,
                action=IncidentRevision.Action.IMPORTED,
                changes={},
                comment=f"import run {run.pk}",
            )
        )
    Casualty.objects.bulk_create(casualties)
    Source.objects.bulk_create(sources)
    IncidentActor.objects.bulk_create(links)
    IncidentRevision.objects.bulk_create(revisions)


def run_import(
    *,
    mission: Mission,
    source: str,
    records: Iterable[SourceRecord | RowRejection],
    file_name: str,
    file_sha256: str,
    verification_status: str,
    started_by: User | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    """Import `records` into `mission`. With dry_run, validate only and write nothing (the
    returned run is not saved; its counts say what would happen)."""
    run = ImportRun(
        mission=mission,
        source=source,
        file_name=file_name[:500],
        file_sha256=file_sha256,
        started_by=started_by,
    )
    if not dry_run:
        run.save()
    actors = _ActorCache()
    seen_ids: dict[str, int] = {}
    started = time.monotonic()
    problems_kept = 0
    try:
        for chunk in _chunks(records, batch_size):
            checked = [_validate(item) for item in chunk]
            rejected = [c for c in checked if isinstance(c, RowRejection)]
            valid: list[_Valid] = []
            for c in checked:
                if isinstance(c, RowRejection):
                    continue
                first = seen_ids.setdefault(c.record.external_id, c.record.line)
                if first != c.record.line:
                    rejected.append(
                        RowRejection(
                            line=c.record.line,
                            external_id=c.record.external_id,
                            fields={"id": [f"Duplicate of the row on line {first}."]},
                        )
                    )
                else:
                    valid.append(c)
            existing = {
                ext_id: (pk, content_hash)
                for ext_id, pk, content_hash in Incident.objects.filter(
                    mission=mission,
                    external_source=source,
                    external_id__in=[v.record.external_id for v in valid],
                ).values_list("external_id", "pk", "content_hash")
            }
            new = [v for v in valid if v.record.external_id not in existing]
            changed = [
                v
                for v in valid
                if v.record.external_id in existing
                and existing[v.record.external_id][1] != v.digest
            ]
            counts = {
                "rows_read": len(chunk),
                "created": len(new),
                "updated": len(changed),
                "unchanged": len(valid) - len(new) - len(changed),
                "rejected": len(rejected),
            }
            problems = _problems(run, rejected, valid, MAX_PROBLEMS - problems_kept)
            problems_kept += len(problems)
            if dry_run:
                for name, value in counts.items():
                    setattr(run, name, getattr(run, name) + value)
                run._dry_problems = [*getattr(run, "_dry_problems", []), *problems]  # type: ignore[attr-defined]
            else:
                with transaction.atomic():
                    if new:
                        _insert_new(run, mission, source, verification_status, new, actors)
                    for v in changed:
                        apply_import_update(
                            incident_id=existing[v.record.external_id][0],
                            cleaned=v.cleaned,
                            content_hash=v.digest,
                            raw=v.record.raw,
                            run=run,
                        )
                    ImportRowProblem.objects.bulk_create(problems)
                    ImportRun.objects.filter(pk=run.pk).update(
                        **{name: F(name) + value for name, value in counts.items()}
                    )
                for name, value in counts.items():
                    setattr(run, name, getattr(run, name) + value)
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
    except BaseException as exc:
        if not dry_run:
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.Status.FAILED, finished_at=timezone.now(), message=repr(exc)[:2000]
            )
        raise
    run.status = ImportRun.Status.COMPLETED
    run.finished_at = timezone.now()
    if not dry_run:
        ImportRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at)
    return run
