"""Import, re-import, aggregate and export benchmark on a resampled GED file (a script, not a test).

    .venv/bin/python benchmarks/import_export.py --rows 500000 --database both

Builds (once, cached in /tmp/peaceops-bench) a GED-shaped CSV by resampling the real extracts,
then on a fresh database: import, re-import, CSV and Parquet exports, then the references
(pyarrow parse, DuckDB load), then the aggregates through the selectors next to DuckDB. The
references run after the peaceops phases, so the peak memory up to then is peaceops' own.
"""

import argparse
import datetime as dt
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("/tmp/peaceops-bench")
IMPORT_S, AGGREGATE_MS, WORLDWIDE_MS, MEMORY_MB = 60, 100, 500, 1024  # the targets
TYPE = "CASE type_of_violence WHEN 3 THEN 'violence_against_civilians' ELSE 'armed_clash' END"
DEATHS = "deaths_a + deaths_b + deaths_civilians + deaths_unknown"  # = peaceops' fatalities
TYPES = ("armed_clash", "violence_against_civilians")
COLUMNS = ("phase", "seconds", "value", "unit", "reference", "ratio", "target", "met", "peak MB")


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kilobytes


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children (the reader)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def mapped_file_mb() -> float:
    """Resident file-backed pages of this process now (the database file's mapped pages)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssFile:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(call):
    """(seconds, result, (peak MB before, peak MB after)) of one call."""
    before, start = peak_mb(), time.perf_counter()
    result = call()
    return time.perf_counter() - start, result, (before, peak_mb())


def timed_cpu(call):
    """timed(call), and the CPU seconds it took in this process and its children: a figure
    that other load on the machine changes far less than the wall-clock time."""
    cpu = cpu_seconds()
    seconds, result, mem = timed(call)
    return seconds, result, mem, cpu_seconds() - cpu


def median_ms(call, repeat: int = 5):
    times, result = [], None
    for _ in range(repeat):
        seconds, result, _mem = timed(call)
        times.append(seconds)
    return statistics.median(times) * 1000, result


def sample(rows: int) -> Path:
    from peaceops.testing.ged_sample import write_sample

    path = CACHE / f"ged_{rows}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        write_sample(path.with_suffix(".part"), rows, seed=2026).rename(path)
    return path


def bench(path: Path, parallel: bool) -> list[list]:
    import django

    django.setup()
    import pyarrow.csv
    from django.core.management import call_command

    from peaceops.accounts.models import Membership, User
    from peaceops.core.geo.countries import code_for_name
    from peaceops.incidents.exports import export_incidents
    from peaceops.incidents.importers.engine import run_import
    from peaceops.incidents.importers.files import estimated_rows, file_sha256
    from peaceops.incidents.importers.formats import FORMATS
    from peaceops.incidents.importers.ucdp import EXTERNAL_SOURCE
    from peaceops.incidents.selectors import IncidentFilters, incident_aggregate, incident_list
    from peaceops.missions.models import Mission
    from peaceops.missions.services import missions_seed

    call_command("migrate", verbosity=0)
    missions_seed()
    user = User.objects.create_user("bench")
    Membership.objects.create(user=user, role="system_admin", clearance="strictly_confidential")
    mission = Mission.objects.get(acronym="UNOWAS")
    table: list[list] = []

    def add(phase, seconds, value, unit, ref="", ratio="", target="", met="", mem=None):
        before, after = mem or (peak_mb(), peak_mb())
        table.append(
            [phase, seconds, value, unit, ref, ratio, target, met, f"{before:.0f}->{after:.0f}"]
        )
        print(line(table[-1]), flush=True)

    def do_import():
        return run_import(
            mission=mission,
            source=EXTERNAL_SOURCE,
            records=FORMATS["ucdp"].reader(path),  # raw records, mapped where needed
            file_name=path.name,
            file_sha256=file_sha256(path),
            verification_status="verified",
            parallel=parallel,
            reader_version=FORMATS["ucdp"].reader_version,  # as `peaceops import ucdp` does
            expected_rows=estimated_rows(path),  # likewise (it counts the file's lines)
        )

    secs, run, mem, cpu = timed_cpu(do_import)
    print(f"import: {run.rows_read:,} read, {run.created:,} created, {run.rejected:,} rejected")
    met = yes(secs < IMPORT_S)
    phase = f"import (cpu {cpu:.1f} s)"
    add(phase, secs, run.rows_read / secs, "rows/s", target=f"< {IMPORT_S} s", met=met, mem=mem)
    again_s, again, mem, again_cpu = timed_cpu(do_import)
    ratio = f"{secs / again_s:.1f}x faster ({again.unchanged:,} unchanged)"
    add(
        f"re-import (cpu {again_cpu:.1f} s)",
        again_s,
        again.rows_read / again_s,
        "rows/s",
        ratio=ratio,
        target="much faster",
        mem=mem,
    )
    import_peak = peak_mb()  # the memory target is the import's
    for fmt in ("csv", "parquet"):
        stream = export_incidents(user=user, filters=IncidentFilters(), fmt=fmt)[0]
        secs, size, mem = timed(lambda s=stream: sum(len(chunk) for chunk in s))
        add(f"export {fmt}, {size / 2**20:.0f} MiB", secs, stream.rows / secs, "rows/s", mem=mem)
    peaceops_peak = peak_mb()

    # References, after the peaceops phases (they hold the whole file in memory).
    quoted_newlines = pyarrow.csv.ParseOptions(newlines_in_values=True)  # GED has them
    secs, parsed, mem = timed(lambda: pyarrow.csv.read_csv(path, parse_options=quoted_newlines))
    parsed = parsed.num_rows
    add("pyarrow read_csv (reference)", secs, parsed / secs, "rows/s", mem=mem)
    table[0][4] = f"pyarrow {parsed / secs:,.0f} rows/s"
    table[0][5] = f"{table[0][2] / (parsed / secs):.4f}"
    import duckdb

    con = duckdb.connect()
    secs, _, mem = timed(lambda: con.execute(f"CREATE TABLE ged AS FROM read_csv_auto('{path}')"))
    add("duckdb load (reference)", secs, parsed / secs, "rows/s", mem=mem)

    def duck(sql):
        return con.execute(sql).fetchall()

    def compare(phase, ours, sql, target_ms, calls=1):
        """Median ms of `ours` (through the selectors) and of `sql` (DuckDB)."""
        ms, result = median_ms(ours)
        ref_ms, ref_result = median_ms(lambda: duck(sql))
        rows = sum(len(r) for r in result) if calls > 1 else len(result)
        phase += f" ({calls} call{'s' * (calls > 1)}) [{rows:,} vs {len(ref_result):,} rows]"
        ref, ratio = f"duckdb {ref_ms:.1f} ms", f"{ms / ref_ms:.1f}x"
        add(phase, ms / 1000, ms, "ms", ref, ratio, f"< {target_ms} ms", yes(ms < target_ms))

    def aggregate(group_by, **filters):
        return incident_aggregate(user=user, group_by=group_by, filters=IncidentFilters(**filters))

    # (1) Monthly fatalities by type in the most frequent country. The selector groups by one
    # key: one month aggregate per incident type. DuckDB: one GROUP BY month, type.
    name = duck("SELECT country FROM ged GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    code = code_for_name(name)
    compare(
        f"month x type, {code}",
        lambda: [aggregate("month", country=code, incident_type=t) for t in TYPES],
        f"SELECT date_trunc('month', date_start), {TYPE}, count(*), sum({DEATHS}) FROM ged "
        f"WHERE country = '{name}' GROUP BY 1, 2",
        AGGREGATE_MS,
        calls=len(TYPES),
    )
    # (2) Events by country worldwide; then by country and year, one call per year (the
    # selector has no year grouping). DuckDB groups by the source's country name, peaceops by
    # the country of the (jittered) point: a few border events fall differently.
    compare(
        "country, worldwide",
        lambda: aggregate("country"),
        f"SELECT country, count(*), sum({DEATHS}) FROM ged GROUP BY 1",
        WORLDWIDE_MS,
    )
    first, last = duck("SELECT min(year(date_start)), max(year(date_start)) FROM ged")[0]
    years = range(first, last + 1)
    compare(
        "country x year, worldwide",
        lambda: [
            aggregate("country", started_from=dt.date(y, 1, 1), started_to=dt.date(y, 12, 31))
            for y in years
        ],
        f"SELECT country, year(date_start), count(*), sum({DEATHS}) FROM ged GROUP BY 1, 2",
        WORLDWIDE_MS,
        calls=len(years),
    )
    # (3) Points in a square box around the densest half-degree cell, its half-width found by
    # bisection so that it holds about 10,000 events.
    lat, lon = duck(
        "SELECT floor(latitude * 2) / 2 + .25 a, floor(longitude * 2) / 2 + .25 b "
        "FROM ged GROUP BY a, b ORDER BY count(*) DESC LIMIT 1"
    )[0]
    low, high = 0.0, 10.0
    for _ in range(40):
        half = (low + high) / 2
        box = (lon - half, lat - half, lon + half, lat + half)
        inside = (
            f"longitude BETWEEN {box[0]} AND {box[2]} AND latitude BETWEEN {box[1]} AND {box[3]}"
        )
        count = duck(f"SELECT count(*) FROM ged WHERE {inside}")[0][0]
        if abs(count - 10_000) < 100:
            break
        low, high = (half, high) if count < 10_000 else (low, half)
    points = incident_list(user=user, filters=IncidentFilters(bbox=box))
    compare(
        f"bbox {2 * half:.3f} deg square",
        lambda: list(points.values_list("id", "latitude", "longitude")),
        f"SELECT id, latitude, longitude FROM ged WHERE {inside}",
        AGGREGATE_MS,
    )
    met = yes(import_peak < MEMORY_MB)
    add("peak RSS, import and re-import", "", import_peak, "MB", "", "", f"< {MEMORY_MB} MB", met)
    # SQLite connections read through a memory map of the database file (settings.py): the
    # pages the exports touched count in RSS as file pages (the kernel's page cache mapped
    # in, not memory the process allocated); the import maps none (bulk.import_page_cache).
    add(
        f"peak RSS, with the exports ({mapped_file_mb():,.0f} MB mapped file pages at the end)",
        "",
        peaceops_peak,
        "MB",
    )
    add("peak RSS, reader child", "", peak_mb(resource.RUSAGE_CHILDREN), "MB")
    add("peak RSS, with references", "", peak_mb(), "MB")
    return table


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def line(entry: list) -> str:
    return " | ".join(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in entry)


def show(title: str, table: list[list]) -> None:
    print(f"\n== {title}\n{' | '.join(COLUMNS)}")
    for entry in table:
        print(line(entry))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--parallel", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--serial", dest="parallel", action="store_false")
    parser.add_argument("--json", type=Path, help="also write the table here (used by `both`)")
    args = parser.parse_args()
    print("$ " + shlex.join([sys.executable, *sys.argv]), flush=True)
    sys.path.insert(0, str(ROOT))
    path = sample(args.rows)
    title = f"{{db}}, {args.rows:,} rows, parallel={args.parallel}"
    again = [sys.executable, __file__, "--rows", str(args.rows)]
    again.append("--parallel" if args.parallel else "--serial")
    if args.database == "both":  # each database in a fresh process: its own peak memory
        tables = {}
        for db in ("sqlite", "postgres"):
            out = CACHE / f"result-{db}-{os.getpid()}.json"
            subprocess.run([*again, "--database", db, "--json", str(out)], check=True)
            tables[db] = json.loads(out.read_text())
            out.unlink()
        for db, table in tables.items():
            show(title.format(db=db), table)
        return
    if args.database == "postgres" and not os.environ.get("PEACEOPS_BENCH_FRESH_POSTGRES"):
        # Never a DATABASE_URL from the environment: always a throw-away server.
        again += ["--database", "postgres", *(["--json", str(args.json)] if args.json else [])]
        env = {**os.environ, "PEACEOPS_BENCH_FRESH_POSTGRES": "1"}
        command = [str(ROOT / "scripts/with-postgres.sh"), *again]
        sys.exit(subprocess.run(command, env=env).returncode)
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    var_dir = tempfile.mkdtemp(prefix="peaceops-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "peaceops.settings"
    os.environ["PEACEOPS_VAR_DIR"] = var_dir
    try:
        table = bench(path, args.parallel)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    show(title.format(db=args.database), table)
    if args.json:
        args.json.write_text(json.dumps(table))


if __name__ == "__main__":
    main()
