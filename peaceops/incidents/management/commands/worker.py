"""`peaceops worker`: run queued background work (imports) until stopped."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from peaceops.incidents.importers.queue import (
    import_claim_next,
    import_process,
    import_requeue_stale,
)
from peaceops.incidents.models import ImportRun

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run queued imports. Start several for more throughput (PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--idle-seconds", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            import_requeue_stale()
            run = import_claim_next()
            if run is None:
                if options["once"]:
                    return
                time.sleep(options["idle_seconds"])
                continue
            self.stdout.write(f"import {run.pk}: {run.file_name} -> {run.mission.acronym}")
            try:
                run = import_process(run)
            except Exception as exc:  # a worker outlives any one job; the run records why
                logger.exception("import %s failed", run.pk)
                ImportRun.objects.filter(pk=run.pk).update(
                    status=ImportRun.Status.FAILED,
                    finished_at=timezone.now(),
                    message=f"{type(exc).__name__}: {exc}"[:2000],
                )
                run.refresh_from_db()
            self.stdout.write(
                f"import {run.pk} {run.status}: {run.created:,} created, {run.updated:,} updated, "
                f"{run.unchanged:,} unchanged, {run.rejected:,} rejected. {run.message}".rstrip()
            )
