from django.urls import path

from peaceops.web import (
    alert_urls,
    auth_views,
    dashboard_views,
    detail_views,
    forecast_urls,
    home_views,
    list_views,
    map_views,
    report_views,
    triage_views,
)

app_name = "web"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("sign-in/", auth_views.sign_in, name="login"),
    path("sign-out/", auth_views.sign_out, name="logout"),
    path("incidents/", list_views.incident_list, name="incident-list"),
    path("incidents/<int:pk>/", detail_views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/action/", triage_views.incident_action, name="incident-action"),
    path("incidents/<int:pk>/edit/", report_views.incident_edit, name="incident-edit"),
    path("incidents/bulk/", triage_views.incident_bulk, name="incident-bulk"),
    path("incidents/new/", report_views.incident_new, name="incident-new"),
    path("dashboard/", dashboard_views.dashboard_home, name="dashboard-home"),
    path("missions/<str:acronym>/dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("map/", map_views.map_page, name="map"),
]
urlpatterns += alert_urls.urlpatterns + forecast_urls.urlpatterns
