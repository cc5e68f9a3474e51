"""`peaceops worker`: run the registered background jobs (core/jobs.py) until stopped."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand

from peaceops.core.jobs import Job, registered_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run background work: queued imports, notifications, scheduled rule evaluation. "
        "Start several for more throughput (PostgreSQL)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--idle-seconds", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            did_work = False
            for job in registered_jobs():
                line = self._run(job)
                if line is not None:
                    did_work = True
                    self.stdout.write(line)
            if not did_work:
                if options["once"]:
                    return
                time.sleep(options["idle_seconds"])

    def _run(self, job: Job) -> str | None:
        try:
            return job.run_once()
        except Exception:  # a worker outlives any one job; the job records its own failures
            logger.exception("job %s failed", job.name)
            return None
