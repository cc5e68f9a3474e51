"""Forecast pages (risk map, country chart); part of the web namespace."""

urlpatterns: list = []
