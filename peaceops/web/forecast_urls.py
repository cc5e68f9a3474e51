"""Forecast pages (risk map, country chart); part of the web namespace."""

from django.urls import path

from peaceops.web import forecast_views

urlpatterns: list = [
    path("forecasts/", forecast_views.forecast_map, name="forecast-map"),
    path(
        "forecasts/countries/<str:code>/",
        forecast_views.forecast_country,
        name="forecast-country",
    ),
]
