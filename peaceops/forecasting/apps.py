from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "peaceops.forecasting"
    label = "forecasting"

    def ready(self) -> None:
        from peaceops.core.jobs import register_job
        from peaceops.forecasting.provider import forecast_signals_provider
        from peaceops.forecasting.services import monthly_forecast_job
        from peaceops.warning.forecast_signals import register_provider

        register_provider(forecast_signals_provider)
        register_job("forecasts", monthly_forecast_job)
