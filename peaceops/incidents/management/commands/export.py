"""`peaceops export --user analyst --format csv --output incidents.csv`: export incidents as
a user, so the access policy (missions, clearance) applies exactly as in the API."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peaceops.accounts.models import User
from peaceops.incidents.exports import FORMATS, export_incidents
from peaceops.incidents.selectors import IncidentFilters


class Command(BaseCommand):
    help = (
        "Export every incident a user may see (CSV with an HXL row, GeoJSON, Parquet or "
        "XLSX) to a file. Recorded in the security log."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="export as this user name")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--output", required=True, type=Path, help="file to write")
        parser.add_argument("--mission", help="mission acronym, e.g. MINUSCA")
        parser.add_argument("--country", help="ISO 3166-1 alpha-3 code, e.g. CAF")
        parser.add_argument("--type", help="incident type, e.g. armed_clash")
        parser.add_argument("--date-from", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--date-to", type=dt.date.fromisoformat, help="YYYY-MM-DD (inclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(**{User.USERNAME_FIELD: options["user"]}).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user named {options['user']}.")
        filters = IncidentFilters(
            mission=options["mission"],
            country=options["country"],
            incident_type=options["type"],
            started_from=options["date_from"],
            started_to=options["date_to"],
        )
        path: Path = options["output"]
        try:
            handle = path.open("wb")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        written = False
        try:
            with handle:
                stream, _content_type, _filename = export_incidents(
                    user=user, filters=filters, fmt=options["format"]
                )
                for chunk in stream:
                    handle.write(chunk)
            written = True
        finally:
            if not written:
                path.unlink(missing_ok=True)  # no half-written file that looks complete
        self.stdout.write(f"Exported {stream.rows:,} incidents to {path} ({options['format']}).")
