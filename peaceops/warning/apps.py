from django.apps import AppConfig


class WarningConfig(AppConfig):
    name = "peaceops.warning"
    label = "warning"
