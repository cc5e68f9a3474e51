from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "peaceops.web"
    label = "web"
