from django.urls import path

from peaceops.web import alert_urls, forecast_urls, map_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/action/", views.incident_action, name="incident-action"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident-edit"),
    path("incidents/bulk/", views.incident_bulk, name="incident-bulk"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/new/subtypes/", views.subtype_options, name="subtype-options"),
    path("dashboard/", views.dashboard_home, name="dashboard-home"),
    path("missions/<str:acronym>/dashboard/", views.dashboard, name="dashboard"),
    path("map/", map_views.map_page, name="map"),
]
urlpatterns += alert_urls.urlpatterns + forecast_urls.urlpatterns
