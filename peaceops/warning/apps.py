from django.apps import AppConfig


class WarningConfig(AppConfig):
    name = "peaceops.warning"
    label = "warning"

    def ready(self) -> None:
        from peaceops.core.jobs import register_job
        from peaceops.incidents.signals import incident_changed
        from peaceops.warning.delivery import deliver_next
        from peaceops.warning.evaluation import on_incident_changed, scheduled_evaluation

        incident_changed.connect(on_incident_changed, dispatch_uid="warning-rules")
        register_job("warning-rules", scheduled_evaluation)
        register_job("notifications", deliver_next)
