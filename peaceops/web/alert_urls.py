"""Early-warning pages (alerts board, detail, metrics); part of the web namespace."""

urlpatterns: list = []
