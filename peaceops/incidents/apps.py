from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "peaceops.incidents"
    label = "incidents"

    def ready(self) -> None:
        from peaceops.core.jobs import register_job
        from peaceops.incidents.importers.queue import import_run_next

        register_job("imports", import_run_next)
