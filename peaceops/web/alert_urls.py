"""Early-warning pages (alerts board, detail, metrics); part of the web namespace."""

from django.urls import path

from peaceops.web import alert_views

urlpatterns = [
    path("alerts/", alert_views.alert_board, name="alert-board"),
    path("alerts/new/", alert_views.alert_new, name="alert-new"),
    path("alerts/metrics/", alert_views.alert_metrics, name="alert-metrics"),
    path("alerts/rules/", alert_views.rule_list, name="alert-rules"),
    path("alerts/<int:pk>/", alert_views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/action/", alert_views.alert_action, name="alert-action"),
]
