from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "peaceops.incidents"
    label = "incidents"
