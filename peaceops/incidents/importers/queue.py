"""Imports as background work: an upload is stored and queued as an ImportRun; the worker
(`peaceops worker`) claims queued runs one at a time and runs them with the same engine as
the command line. The queue is the ImportRun table itself, so it needs no other service and
scales out as more workers on the same PostgreSQL."""

import hashlib
import logging
import re
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.errors import PayloadTooLarge, PermissionDenied, ValidationFailed
from peaceops.core.roles import Action
from peaceops.incidents.importers.deferred_schema import restore_schema
from peaceops.incidents.importers.engine import run_import
from peaceops.incidents.importers.files import estimated_rows
from peaceops.incidents.importers.formats import FORMATS, reader_for
from peaceops.incidents.importers.tabular import external_source, load_mapping
from peaceops.incidents.models import ImportRun
from peaceops.missions.models import Mission

logger = logging.getLogger(__name__)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-120:] or "upload"


def _checked_mapping(upload: UploadedFile | None) -> tuple[dict, str]:
    if upload is None:
        raise ValidationFailed({"mapping": [_("This format needs a column-mapping file.")]})
    suffix = ".json" if (upload.name or "").lower().endswith(".json") else ".yaml"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            mapping = load_mapping(Path(handle.name))
        except ValueError as exc:
            raise ValidationFailed({"mapping": [str(exc)]}) from exc
    return mapping, external_source(Path(upload.name or "mapping"))


def import_enqueue(
    *,
    actor: User,
    mission: Mission,
    format: str,
    upload: UploadedFile,
    mapping_upload: UploadedFile | None = None,
) -> ImportRun:
    """Store an uploaded file and queue its import. Nothing is read from it yet."""
    if not access_scope_for_user(actor).allows(Action.INCIDENT_IMPORT, mission.pk):
        raise PermissionDenied()
    if format not in FORMATS:
        raise ValidationFailed(
            {"format": [_("One of: %(values)s") % {"values": ", ".join(FORMATS)}]}
        )
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge()
    chosen = FORMATS[format]
    mapping, source = (None, chosen.source)
    if chosen.needs_mapping:
        mapping, source = _checked_mapping(mapping_upload)
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    stored = settings.UPLOAD_DIR / f"{uuid.uuid4().hex}-{_safe_name(upload.name or 'upload')}"
    digest = hashlib.sha256()
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            digest.update(chunk)
            handle.write(chunk)
    return ImportRun.objects.create(
        mission=mission,
        source=source,
        file_name=(upload.name or stored.name)[:500],
        file_sha256=digest.hexdigest(),
        status=ImportRun.Status.QUEUED,
        started_by=actor,
        format=format,
        stored_path=str(stored),
        mapping=mapping,
    )


def import_claim_next() -> ImportRun | None:
    """Take the oldest queued run; a conditional update makes two workers never take the
    same one."""
    for pk in (
        ImportRun.objects.filter(status=ImportRun.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:10]
    ):
        if ImportRun.objects.filter(pk=pk, status=ImportRun.Status.QUEUED).update(
            status=ImportRun.Status.RUNNING
        ):
            return ImportRun.objects.select_related("mission", "started_by").get(pk=pk)
    return None


STALE_AFTER = timedelta(minutes=15)


def import_requeue_stale(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Runs whose process died (no heartbeat for `stale_after`): uploads go back to the queue
    (importing is idempotent, so the next run completes the work); command-line runs, whose
    file the worker does not have, are marked failed. Returns how many were touched."""
    cutoff = timezone.now() - stale_after
    stale = ImportRun.objects.filter(status=ImportRun.Status.RUNNING, updated_at__lt=cutoff)
    requeued = stale.exclude(stored_path="").update(
        status=ImportRun.Status.QUEUED, message=_("Requeued after its process stopped.")
    )
    failed = stale.filter(stored_path="").update(
        status=ImportRun.Status.FAILED,
        finished_at=timezone.now(),
        message=_("Interrupted: its process stopped. Run the same import again to complete it."),
    )
    return requeued + failed


def import_process(run: ImportRun) -> ImportRun:
    """Run a claimed import to the end. A file that cannot be read fails the run with the
    reason; it does not stop the worker."""
    _source, reader = reader_for(run.format, run.mapping)
    try:
        run = run_import(
            mission=run.mission,
            source=run.source,
            records=reader(Path(run.stored_path)),
            file_name=run.file_name,
            file_sha256=run.file_sha256,
            verification_status=FORMATS[run.format].verification_status,
            started_by=run.started_by,
            run=run,
            reader_version=FORMATS[run.format].reader_version,
            expected_rows=estimated_rows(Path(run.stored_path)),
        )
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            message=_("Cannot read %(name)s: %(error)s") % {"name": run.file_name, "error": exc},
        )
        run.refresh_from_db()
        return run
    Path(run.stored_path).unlink(missing_ok=True)  # done: the rows and raw records are kept
    return run


def import_run_next() -> str | None:
    """The worker's import job (core/jobs.py): requeue stale runs, build the indexes that
    killed imports left dropped, then run the oldest queued upload to the end. An unexpected
    error fails that run with the reason; the worker goes on."""
    import_requeue_stale()
    restore_schema(stopped_only=True)  # those of imports that were killed
    run = import_claim_next()
    if run is None:
        return None
    try:
        run = import_process(run)
    except Exception as exc:  # the run records why; the worker outlives any one job
        logger.exception("import %s failed", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        run.refresh_from_db()
    return (
        f"import {run.pk} {run.status}: {run.file_name} -> {run.mission.acronym}: "
        f"{run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged, "
        f"{run.rejected:,} rejected. {run.message}"
    ).rstrip()
