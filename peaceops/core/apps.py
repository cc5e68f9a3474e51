from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peaceops.core"
    label = "core"
