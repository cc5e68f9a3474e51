"""`peaceops worker`: run queued background work (imports) until stopped."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from peaceops.incidents.importers.queue import import_claim_next, import_process


class Command(BaseCommand):
    help = "Run queued imports. Start several for more throughput (PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--idle-seconds", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            run = import_claim_next()
            if run is None:
                if options["once"]:
                    return
                time.sleep(options["idle_seconds"])
                continue
            self.stdout.write(f"import {run.pk}: {run.file_name} -> {run.mission.acronym}")
            run = import_process(run)
            self.stdout.write(
                f"import {run.pk} {run.status}: {run.created:,} created, {run.updated:,} updated, "
                f"{run.unchanged:,} unchanged, {run.rejected:,} rejected. {run.message}".rstrip()
            )
