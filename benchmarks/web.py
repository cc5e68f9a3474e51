"""Server time of the map and dashboard data, and time until the map is interactive in Chromium,
with 200,000 GED-shaped events imported into MINUSCA (a script, not a test).

    .venv/bin/python benchmarks/web.py --rows 200000 --database sqlite

Server times are measured in-process with Django's test Client (no network), median of 5,
twice: with the cache emptied before each call, and repeated (the answer the server keeps
until an incident changes). `--keep DIR` keeps the SQLite database for the next run.
The map is loaded in Chromium from `peaceops runserver` on the same database: from
navigation start until the points are clustered and drawn and the page says so, median of 3
page loads, each in a new browser context after signing in through the form.
"""

import argparse
import cProfile
import datetime as dt
import gzip
import json
import os
import pstats
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from import_export import CACHE, ROOT, sample  # same cached file, same scratch-database approach

SERVER_MS, MAP_S, IN_VIEW = 200, 2.0, 50_000  # the targets; points in view
PASSWORD = "bench-web-2026"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# True once map.js has drawn every point ("done") and nothing has moved for 3 frames (the
# first load fits the map to the points: a zoom animation, then re-clustering). Returns the
# time of the first quiet frame, in ms since navigation start.
READY = """() => {
  const quiet = document.getElementById("map-status")?.dataset.state === "done"
    && document.querySelectorAll(".marker-cluster").length > 0
    && !document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim");
  if (!quiet) { window.benchQuiet = 0; return false; }
  if (!window.benchQuiet) window.benchReadyAt = performance.now();
  window.benchQuiet += 1;
  return window.benchQuiet >= 3 && window.benchReadyAt;
}"""
# When the page was parsed, and when the points were asked for and received (ms).
MILESTONES = """() => [performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
  ...performance.getEntriesByType("resource").filter(e => e.name.includes("/map-points"))
    .map(e => [e.requestStart, e.responseEnd])[0]]"""


def median_ms(call, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def load_data(path: Path):
    """Migrate, seed the missions, create the user, import the file into MINUSCA."""
    from django.core.management import call_command

    from peaceops.accounts.models import Membership, User
    from peaceops.incidents.importers.engine import run_import
    from peaceops.incidents.importers.files import file_sha256
    from peaceops.incidents.importers.ucdp import EXTERNAL_SOURCE, ged_records
    from peaceops.missions.models import Mission
    from peaceops.missions.services import missions_seed

    call_command("migrate", verbosity=0)
    missions_seed()
    user = User.objects.create_user("bench", password=PASSWORD)
    Membership.objects.create(user=user, role="system_admin", clearance="strictly_confidential")
    start = time.perf_counter()
    run = run_import(
        mission=Mission.objects.get(acronym="MINUSCA"),
        source=EXTERNAL_SOURCE,
        records=ged_records(path),
        file_name=path.name,
        file_sha256=file_sha256(path),
        verification_status="verified",
        parallel=True,
    )
    print(f"import: {run.created:,} created in {time.perf_counter() - start:.0f} s", flush=True)
    return user


def settle_after_bulk_load(connection) -> None:
    """What autovacuum does within minutes of a bulk load, done at once: mark the pages
    all-visible (so index-only scans need no table reads) and refresh the statistics.
    Without it, the first minutes after a 200,000-row import measure a transient state."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) incidents_incident")
    print(f"vacuum (analyze): {time.perf_counter() - start:.1f} s", flush=True)


def choose_view(user) -> tuple[dt.date, int, dt.date]:
    """The `date_from` whose MINUSCA map holds closest to IN_VIEW points (newest events),
    that count, and the day of the newest event."""
    from peaceops.incidents.selectors import IncidentFilters, incident_list

    def count(day):
        filters = IncidentFilters(mission="MINUSCA", started_from=day)
        return incident_list(user=user, filters=filters).filter(latitude__isnull=False).count()

    events = incident_list(user=user, filters=IncidentFilters(mission="MINUSCA"))
    low = events.order_by("started_at").first().started_at.date()
    latest = events.order_by("-started_at").first().started_at.date()
    high = latest
    while (high - low).days > 1:  # count(day) falls as day rises
        middle = low + (high - low) / 2
        low, high = (middle, high) if count(middle) >= IN_VIEW else (low, middle)
    day = min((low, high), key=lambda d: abs(count(d) - IN_VIEW))
    return day, count(day), latest


def server_times(user, view: str, until: str) -> list[list]:
    """Each endpoint twice: "first" empties the cache before every call (the answer is
    computed, as after any change to an incident), "repeat" asks again (the kept answer, at
    the cost of the data-version look-up)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost", headers={"accept-encoding": "gzip"})
    client.force_login(user)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def first(url):
        cache.clear()
        return get(url)

    points = get(f"/api/v1/incidents/map-points?{view}")
    body = points.content
    assert points["Content-Encoding"] == "gzip"  # what a browser gets; part of the time
    sent = len(json.loads(gzip.decompress(body))["points"])
    urls = {
        f"map-points ?{view} ({sent:,} points, {len(body) / 2**20:.1f} MiB gzip)": (
            f"/api/v1/incidents/map-points?{view}"
        ),
        "map-aggregates month, all (the map's time slider)": (
            "/api/v1/incidents/map-aggregates?group_by=month"
        ),
        f"map-aggregates priogrid ?{view} (heat view)": (
            f"/api/v1/incidents/map-aggregates?group_by=priogrid&{view}"
        ),
        f"map-aggregates admin1 ?{view} (side panel)": (
            f"/api/v1/incidents/map-aggregates?group_by=admin1&{view}"
        ),
        "aggregates priogrid, all (general API, not cached)": (
            "/api/v1/incidents/aggregates?group_by=priogrid"
        ),
        f"dashboard page MINUSCA ?until={until}": f"/missions/MINUSCA/dashboard/?until={until}",
    }
    table = []
    for name, url in urls.items():
        first(url)  # warm
        cold = median_ms(lambda u=url: first(u))
        get(url)
        warm = median_ms(lambda u=url: get(u))
        met = "yes" if cold < SERVER_MS else "repeat only" if warm < SERVER_MS else "no"
        table.append([name, f"{cold:,.0f} ms", f"{warm:,.0f} ms", f"< {SERVER_MS} ms", met])
        print(" | ".join(table[-1]), flush=True)
        if cold >= SERVER_MS:  # where the time goes: one call under cProfile, its queries
            profile = cProfile.Profile()
            with CaptureQueriesContext(connection) as queries:
                profile.runcall(first, url)
            pstats.Stats(profile).sort_stats("tottime").print_stats(8)
            for query in queries:
                print(f"  {float(query['time']) * 1000:6.0f} ms  {query['sql'][:160]}")
    return table


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def map_times(view: str, loads: int = 3) -> list[list]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(Path(os.environ["PEACEOPS_VAR_DIR"]) / "runserver.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "peaceops", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/sign-in/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            seconds = []
            for attempt in range(loads + 1):  # the first warms the server (boundaries etc.)
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(f"{base}/sign-in/")
                page.get_by_label("User name").fill("bench")
                page.get_by_label("Password").fill(PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                page.goto(f"{base}/map/?{view}", wait_until="commit")
                ready = page.wait_for_function(READY, polling="raf").json_value() / 1000
                parsed, asked, fetched = (ms / 1000 for ms in page.evaluate(MILESTONES))
                status = page.locator("#map-status").inner_text()
                label = "warm-up" if attempt == 0 else f"load {attempt}"
                print(
                    f"{label}: page parsed {parsed:.2f} s, points asked for {asked:.2f} s, "
                    f"received {fetched:.2f} s, map ready {ready:.2f} s; {status}"
                )
                if attempt:
                    seconds.append((ready, parsed, asked, fetched))
                if attempt == loads:
                    page.screenshot(path=str(CACHE / "map-50k.png"))
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
        log.close()
    ready, parsed, asked, fetched = (statistics.median(s[i] for s in seconds) for i in range(4))
    name = (
        f"map interactive /map/?{view} (medians: page parsed {parsed:.2f} s, "
        f"points asked for {asked:.2f} s, received {fetched:.2f} s)"
    )
    return [[name, f"{ready:.2f} s", "", f"< {MAP_S:.0f} s", yes(ready < MAP_S)]]


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="SQLite only: keep the database in DIR, and reuse it (no import) when DIR "
        "already holds one (for measuring again after a code change)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="server times only, no map in Chromium"
    )
    args = parser.parse_args()
    if args.database == "postgres" and not os.environ.get("PEACEOPS_BENCH_FRESH_POSTGRES"):
        # Never a DATABASE_URL from the environment: always a throw-away server.
        env = {**os.environ, "PEACEOPS_BENCH_FRESH_POSTGRES": "1"}
        command = [str(ROOT / "scripts/with-postgres.sh"), sys.executable, *sys.argv]
        sys.exit(subprocess.run(command, env=env).returncode)
    print("$ " + shlex.join([sys.executable, *sys.argv]), flush=True)
    load_before = os.getloadavg()
    sys.path.insert(0, str(ROOT))
    path = sample(args.rows)
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    reuse = bool(args.keep) and (Path(args.keep) / "peaceops.sqlite3").exists()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    var_dir = args.keep or tempfile.mkdtemp(prefix="peaceops-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "peaceops.settings"
    os.environ["PEACEOPS_VAR_DIR"] = var_dir
    try:
        import django

        django.setup()
        from django.db import connection

        if reuse:
            from django.core.management import call_command

            from peaceops.accounts.models import User

            call_command("migrate", verbosity=0)
            user = User.objects.get(username="bench")
        else:
            user = load_data(path)
            if connection.vendor == "postgresql":
                settle_after_bulk_load(connection)
        day, count, latest = choose_view(user)
        print(f"view: MINUSCA from {day} to the newest event ({latest}): {count:,} points")
        view = f"mission=MINUSCA&date_from={day}"
        table = server_times(user, view, f"{latest:%Y-%m}")
        connection.close()  # the server gets the database to itself
        if not args.no_browser:
            table += map_times(view)
    finally:
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"\n== {args.database}, {args.rows:,} rows\nmeasure | first | repeat | target | met")
    for entry in table:
        print(" | ".join(entry))
    print("load average before: {:.2f}, {:.2f}, {:.2f}".format(*load_before))
    print("load average after: {:.2f}, {:.2f}, {:.2f}".format(*load_after))
    print(f"screenshot: {CACHE / 'map-50k.png'}")


if __name__ == "__main__":
    main()
