"""Trigger-rule evaluation with 500,000 incidents (run through benchmarks/warning.py
`--only rules`, or on its own):

    .venv/bin/python benchmarks/warning_rules.py --rows 500000 [--database postgres] [--keep DIR]

Loads a GED-shaped file resampled from the real extracts (benchmarks/import_export.py's
cached sample) into MINUSCA, adds 20 protected sites at incident locations and eight rules
(threshold by admin-1 and by cell, spike by admin-1 and by cell, proximity, a fatality
threshold in an area, and two more thresholds), then measures, as of the newest incident:

- `one incident`: evaluating every rule for one new incident (the work done after each
  save), median of 25 new incidents; reference: saving that incident through the service
  (incident_create), measured on the same incidents;
- `scheduled`: the full scheduled evaluation of every rule over every area, median of 3
  (the first run opens the alerts, the next ones find them recorded); reference: reading the
  rows the rules need (every incident of the mission in the longest look-back window) with
  one raw query.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE_MS, FULL_S = 50, 10  # the targets


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _load(rows: int) -> None:
    """The same data and loading as benchmarks/web.py (user "bench", global clearance)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_export import sample
    from web import load_data

    load_data(sample(rows))


def _configure(as_of: dt.datetime):
    from peaceops.accounts.models import User
    from peaceops.incidents.models import Incident
    from peaceops.missions.models import Area, Mission
    from peaceops.missions.services import area_create
    from peaceops.warning.rule_services import rule_create

    user = User.objects.get(username="bench")
    mission = Mission.objects.get(acronym="MINUSCA")
    rng = random.Random(2026)
    recent = list(
        Incident.objects.filter(mission=mission, latitude__isnull=False)
        .order_by("-started_at")
        .values_list("latitude", "longitude")[:2000]
    )
    for index, (latitude, longitude) in enumerate(rng.sample(recent, 20)):
        half = 0.01
        area_create(
            actor=user,
            mission=mission,
            name=f"Site {index}",
            kind=Area.Kind.PROTECTED_SITE,
            geometry={
                "type": "Polygon",
                "coordinates": [
                    [
                        [longitude - half, latitude - half],
                        [longitude + half, latitude - half],
                        [longitude + half, latitude + half],
                        [longitude - half, latitude + half],
                        [longitude - half, latitude - half],
                    ]
                ],
            },
        )
    sector = Area.objects.filter(mission=mission).first()
    rules = [
        ("threshold", {"min_incidents": 5, "window_days": 7}),
        ("threshold", {"min_incidents": 3, "window_days": 7, "group_by": "priogrid"}),
        ("threshold", {"min_fatalities": 25, "window_days": 30}),
        ("threshold", {"min_fatalities": 10, "group_by": "area", "area_id": sector.pk}),
        ("spike", {"unit": "admin1", "window_days": 7, "baseline_windows": 12}),
        ("spike", {"unit": "priogrid", "window_days": 7, "baseline_windows": 12}),
        ("proximity", {"distance_km": 10, "window_days": 7, "area_kinds": ["protected_site"]}),
        ("threshold", {"min_incidents": 20, "window_days": 90}),
    ]
    for index, (kind, parameters) in enumerate(rules):
        rule_create(
            actor=user, mission=mission, name=f"{kind} {index}", kind=kind, parameters=parameters
        )
    return user, mission


def _one_incident(user, mission, as_of: dt.datetime) -> tuple[float, float]:
    from peaceops.incidents.models import Incident
    from peaceops.incidents.services import incident_create
    from peaceops.warning.evaluation import evaluate_for_incident

    rng = random.Random(7)
    recent = list(
        Incident.objects.filter(mission=mission, latitude__isnull=False)
        .order_by("-started_at")
        .values_list("latitude", "longitude", "admin1")[:500]
    )
    saves, evaluations = [], []
    for index in range(25):
        latitude, longitude, admin1 = rng.choice(recent)
        start = time.perf_counter()
        incident = incident_create(
            actor=user,
            mission=mission,
            incident_type="armed_clash",
            subtype="state_based",
            title=f"Bench clash {index}",
            started_at=(as_of - dt.timedelta(hours=index)).isoformat(),
            latitude=latitude,
            longitude=longitude,
            admin1=admin1,
        )
        saves.append(time.perf_counter() - start)
        start = time.perf_counter()
        evaluate_for_incident(incident.pk, as_of=as_of)
        evaluations.append(time.perf_counter() - start)
    return _median_ms(evaluations), _median_ms(saves)


def _scheduled(mission, as_of: dt.datetime) -> tuple[float, float, object]:
    from django.db import connection

    from peaceops.incidents.models import Incident
    from peaceops.warning.evaluation import evaluate_all

    runs, results = [], []
    for _ in range(3):
        start = time.perf_counter()
        results.append(evaluate_all(as_of=as_of))
        runs.append(time.perf_counter() - start)
    result = results[0]  # the run that opened the alerts
    since = as_of - dt.timedelta(days=7 * 13)  # the spike rules' look-back, the longest
    table = Incident._meta.db_table
    reads = []
    for _ in range(3):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, admin1, priogrid_gid, fatalities, latitude, longitude, started_at "
                f"FROM {table} WHERE mission_id = %s AND started_at > %s AND started_at <= %s",
                [mission.pk, since, as_of],
            )
            cursor.fetchall()
        reads.append(time.perf_counter() - start)
    return statistics.median(runs), statistics.median(reads), result


def measure_rules(rows: int, keep: str | None) -> list[list[str]]:
    """Set up (or reuse `keep`), then the two measurements as table rows."""
    reuse = bool(keep) and (Path(keep) / "peaceops.sqlite3").exists()
    var_dir = keep or tempfile.mkdtemp(prefix="peaceops-bench-rules-")
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "peaceops.settings"
    os.environ["PEACEOPS_VAR_DIR"] = var_dir
    try:
        import django

        django.setup()
        from django.db.models import Max

        from peaceops.incidents.models import Incident
        from peaceops.warning.models import Rule

        if not reuse:
            _load(rows)
        as_of = Incident.objects.aggregate(latest=Max("started_at"))["latest"]
        if not Rule.objects.exists():
            _configure(as_of)
        from peaceops.accounts.models import User
        from peaceops.missions.models import Mission

        user = User.objects.get(username="bench")
        mission = Mission.objects.get(acronym="MINUSCA")
        total = Incident.objects.count()
        print(f"{total:,} incidents; evaluating as of {as_of:%Y-%m-%d %H:%M}", flush=True)
        full_s, read_s, result = _scheduled(mission, as_of)
        one_ms, save_ms = _one_incident(user, mission, as_of)
        rules = Rule.objects.count()
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    return [
        [
            "rules for one new incident",
            f"{one_ms:.1f} ms",
            f"save it: {save_ms:.1f} ms",
            f"{one_ms / save_ms:.2f}",
            f"< {ONE_MS} ms",
            "yes" if one_ms < ONE_MS else "no",
        ],
        [
            f"scheduled, {rules} rules ({result.firings} findings, {result.opened} alerts opened)",
            f"{full_s:.2f} s",
            f"read the rows: {read_s * 1000:.0f} ms",
            f"{full_s / read_s:.1f}",
            f"< {FULL_S} s",
            "yes" if full_s < FULL_S else "no",
        ],
    ]


def show(title: str, table: list[list[str]]) -> None:
    print(f"\n== {title}\nmeasure | time | reference | ratio | target | met")
    for entry in table:
        print(" | ".join(entry))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the SQLite database")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if args.database == "postgres" and not os.environ.get("PEACEOPS_BENCH_FRESH_POSTGRES"):
        env = {**os.environ, "PEACEOPS_BENCH_FRESH_POSTGRES": "1"}
        command = [str(ROOT / "scripts/with-postgres.sh"), sys.executable, *sys.argv]
        sys.exit(subprocess.run(command, env=env).returncode)
    sys.path.insert(0, str(ROOT))
    if args.database == "sqlite" and not os.environ.get("PEACEOPS_BENCH_FRESH_POSTGRES"):
        os.environ.pop("DATABASE_URL", None)
    database = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    show(f"rules, {database}, {args.rows:,} rows", measure_rules(args.rows, args.keep))


if __name__ == "__main__":
    main()
