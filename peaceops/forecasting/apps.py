from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "peaceops.forecasting"
    label = "forecasting"
