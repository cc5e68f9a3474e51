import csv
import gzip

from django.db.models import Count

from peaceops.accounts.models import Membership, User
from peaceops.incidents.demo import DEMO_FILES, DEMO_USERS, load_demo
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.missions.models import Area


def _rows(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if not row["latitude"].startswith("#")]


def test_demo_loads_real_events_with_matching_totals_and_is_idempotent(db):
    result = load_demo()
    assert sorted(result["passwords"]) == sorted(u.username for u in DEMO_USERS)
    assert result["incidents"] == {
        "created": 1848 + 941 + 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    for acronym, path in DEMO_FILES:
        rows = _rows(path)
        imported = Incident.objects.filter(mission__acronym=acronym, external_source="ucdp_ged")
        assert imported.count() == len(rows)
        # UCDP's best estimate is the sum of the per-side deaths; our totals must match it.
        assert sum(imported.values_list("fatalities", flat=True)) == sum(
            int(float(r["best"])) for r in rows
        )
        assert set(imported.values_list("classification", "verification_status")) == {
            ("public", "verified")
        }
    # figures from shared/data SOURCE.md files: CAR sum(best) = 14,948; South Sudan = 13,579
    assert (
        sum(
            Incident.objects.filter(
                mission__acronym="MINUSCA", external_source="ucdp_ged"
            ).values_list("fatalities", flat=True)
        )
        == 14_948
    )
    assert (
        sum(Incident.objects.filter(mission__acronym="UNMISS").values_list("fatalities", flat=True))
        == 13_579
    )
    # Every event keeps UCDP's country, including the Bangui point just across the river.
    assert set(
        Incident.objects.filter(mission__acronym="MINUSCA").values_list("country_code", flat=True)
    ) == {"CAF"}
    south_sudan = Incident.objects.filter(mission__acronym="UNMISS")
    # One event (Abu Kadama) lies more than 5 km inside Sudan: the point wins there.
    others = (
        south_sudan.exclude(country_code="SSD").values_list("country_code").annotate(n=Count("pk"))
    )
    assert dict(others) == {"SDN": 1}
    assert Incident.objects.filter(external_source="peaceops_demo").count() == 2
    assert Area.objects.filter(kind="area_of_responsibility").count() == 2
    assert Membership.objects.count() == len(DEMO_USERS)

    revisions = IncidentRevision.objects.count()
    second = load_demo()
    assert second["passwords"] == {}
    assert second["incidents"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 1848 + 941 + 2,
        "rejected": 0,
    }
    assert IncidentRevision.objects.count() == revisions
    assert User.objects.count() == len(DEMO_USERS)
