from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "peaceops.missions"
    label = "missions"
