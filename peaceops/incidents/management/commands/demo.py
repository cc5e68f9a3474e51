from typing import Any

from django.core.management.base import BaseCommand

from peaceops.incidents.demo import load_demo
from peaceops.incidents.importers.engine import Progress


class Command(BaseCommand):
    help = "Load the demo: missions, areas, one user per role, real UCDP incidents (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Give every demo user a new password."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(state: Progress) -> None:
            self.stdout.write(f"\r  {state.rows} events read", ending="")
            self.stdout.flush()

        result = load_demo(reset_passwords=options["reset_passwords"], progress=progress)
        self.stdout.write("")
        missions, incidents = result["missions"], result["incidents"]
        self.stdout.write(
            f"Missions: {missions['created']} created, {missions['updated']} updated. "
            f"Incidents: {incidents['created']} created, {incidents['updated']} updated, "
            f"{incidents['unchanged']} unchanged, {incidents['rejected']} rejected."
        )
        passwords = result["passwords"]
        if passwords:
            self.stdout.write(self.style.WARNING("Demo users (shown once; keep them):"))
            for username, password in passwords.items():
                self.stdout.write(f"  {username:16} {password}")
        else:
            self.stdout.write(
                "Demo users exist already; `peaceops demo --reset-passwords` gives new passwords."
            )
