"""REST endpoints for imports: upload a file (queued for the worker), follow its run."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict
from peaceops.core.errors import NotFound
from peaceops.core.roles import Action
from peaceops.incidents.importers.queue import import_enqueue
from peaceops.incidents.models import ImportRun
from peaceops.missions.selectors import mission_get

router = Router(tags=["imports"])
MAX_PROBLEMS_SHOWN = 200


class ProblemOut(Schema):
    line: int
    external_id: str
    field: str
    reason: str
    severity: str


class ImportRunOut(Schema):
    id: int
    mission: str
    format: str
    source: str
    file_name: str
    status: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportRunDetailOut(ImportRunOut):
    problems: list[ProblemOut]


def _runs(request: HttpRequest) -> Any:
    # Runs (and their problems, which quote cells) are for those who may import into the
    # run's mission.
    scope = access_scope_for_user(request.user)
    visible = restrict(
        ImportRun.objects.select_related("mission"), scope, classification_field=None
    )
    missions = set(visible.values_list("mission_id", flat=True).distinct())
    allowed = [m for m in missions if scope.allows(Action.INCIDENT_IMPORT, m)]
    return visible.filter(mission_id__in=allowed)


def _run(run: ImportRun) -> dict[str, Any]:
    return {
        **{field: getattr(run, field) for field in ImportRunOut.model_fields if field != "mission"},
        "mission": run.mission.acronym,
    }


@router.post(
    "/imports",
    response={202: ImportRunOut},
    summary="Upload a UCDP, ACLED or mapped spreadsheet file; the worker imports it",
)
def upload(
    request: HttpRequest,
    mission: Form[str],
    format: Form[str],
    file: File[UploadedFile],
    mapping: UploadedFile | None = File(None),  # noqa: B008 (ninja's parameter marker)
) -> Status:
    run = import_enqueue(
        actor=request.user,
        mission=mission_get(user=request.user, acronym=mission),
        format=format,
        upload=file,
        mapping_upload=mapping,
    )
    return Status(202, _run(ImportRun.objects.select_related("mission").get(pk=run.pk)))


@router.get("/imports", response=list[ImportRunOut], summary="Recent import runs I may see")
def list_runs(request: HttpRequest, mission: str | None = None) -> list[dict[str, Any]]:
    runs = _runs(request)
    if mission:
        runs = runs.filter(mission__acronym__iexact=mission)
    return [_run(run) for run in runs.order_by("-pk")[:100]]


@router.get(
    "/imports/{int:run_id}",
    response=ImportRunDetailOut,
    summary="One import run with its rejected rows and warnings (line, field, reason)",
)
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = _runs(request).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return {**_run(run), "problems": list(run.problems.all()[:MAX_PROBLEMS_SHOWN])}
