from io import StringIO

from django.core.management import call_command

from peaceops.accounts.models import User
from peaceops.incidents.demo import load_demo
from peaceops.warning.models import Alert, AlertEvent, Rule
from peaceops.warning.selectors import alert_metrics


def test_the_warning_demo_gives_every_page_something_and_is_idempotent(db):
    load_demo()
    out = StringIO()
    call_command("warning", "demo", stdout=out)

    assert out.getvalue().startswith("Demo alerts raised: 36. Rules evaluated: 4;")
    assert sorted(Rule.objects.values_list("kind", flat=True)) == [
        "forecast",
        "proximity",
        "spike",
        "threshold",
    ]
    raised = Alert.objects.filter(source="community")
    assert raised.count() == 36
    assert all(title.startswith("[demo]") for title in raised.values_list("title", flat=True))
    assert Alert.objects.filter(source="rule").exists()
    months = alert_metrics(user=User.objects.get(username="analyst"), mission="MINUSCA")
    assert sum(month.received for month in months) == Alert.objects.count()
    assert sum(month.responded for month in months) > 0

    alerts, events = Alert.objects.count(), AlertEvent.objects.count()
    again = StringIO()
    call_command("warning", "demo", stdout=again)
    assert "alerts opened: 0; alerts updated: 0" in again.getvalue()
    assert (Alert.objects.count(), AlertEvent.objects.count()) == (alerts, events)
