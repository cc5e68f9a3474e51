"""A real kill: `peaceops worker` gets SIGKILL while it delivers webhooks to a slow receiver;
a second worker must deliver every notification (at least once), and nothing in the
database may be duplicated or lost."""

import time

from peaceops.incidents.tests.test_import_interrupted import peaceops, scratch_database
from peaceops.warning.tests.conftest import wait_until

ALERTS = 8
LEASE_SECONDS = 2

SEED = """
from peaceops.core.roles import Role
from peaceops.testing.factories import MissionFactory, member
from peaceops.testing.warning_factories import raise_alert
from peaceops.warning.channel_config import subscription_create

mission = MissionFactory(acronym="MINUSCA")
subscription_create(
    actor=member(mission, Role.ANALYST), mission=mission, channel="webhook",
    address="{url}", secret="kill-test-secret-0123456789",
)
for number in range({alerts}):
    raise_alert(mission, title=f"Alert {{number}}")
"""


def test_a_killed_worker_loses_no_notification_and_duplicates_nothing(tmp_path, webhook_receiver):
    webhook_receiver.delay = 0.25
    with scratch_database(tmp_path) as (env, query):
        env = {**env, "PEACEOPS_NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS)}
        for args in (
            ("migrate", "--no-input", "-v0"),
            ("shell", "-c", SEED.format(url=webhook_receiver.url, alerts=ALERTS)),
        ):
            done = peaceops(env, *args)
            assert done.wait(timeout=120) == 0, done.stdout.read()
        ids = {str(pk) for (pk,) in query("SELECT id FROM warning_notification")}
        assert len(ids) == ALERTS

        victim = peaceops(env, "worker", "--idle-seconds", "0.1")
        wait_until(lambda: len(webhook_receiver.received) >= 3)
        assert victim.poll() is None, victim.stdout.read()
        victim.kill()  # SIGKILL, most likely while a request is in flight
        victim.wait(timeout=30)
        sent_before = len(webhook_receiver.received)
        assert sent_before < ALERTS, "the worker finished before it could be killed"

        time.sleep(0.5)  # a request the victim had sent lands now
        rescuer = peaceops(env, "worker", "--idle-seconds", "0.1")
        try:
            wait_until(
                lambda: (
                    query("SELECT COUNT(*) FROM warning_notification WHERE status = 'delivered'")[
                        0
                    ][0]
                    == ALERTS
                ),
                seconds=60,
            )
        finally:
            rescuer.kill()
            rescuer.wait(timeout=30)

        received = [d.headers["X-Peaceops-Delivery"] for d in webhook_receiver.received]
        assert set(received) == ids  # every one arrived, at least once
        assert len(received) - len(set(received)) <= 1  # only the one in flight, if any
        assert query("SELECT COUNT(*) FROM warning_alert") == [(ALERTS,)]
        assert query("SELECT COUNT(*) FROM warning_notification") == [(ALERTS,)]
        assert (
            query(
                "SELECT COUNT(*) FROM warning_deliveryattempt WHERE ok GROUP BY notification_id"
                " HAVING COUNT(*) > 1"
            )
            == []
        )
        interrupted = query(
            "SELECT COUNT(*) FROM warning_deliveryattempt WHERE detail LIKE 'interrupted%'"
        )[0][0]
        assert interrupted <= 1
