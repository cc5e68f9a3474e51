"""Build a large GED-shaped CSV by resampling the real UCDP extracts in ../shared/data.

Each output row is a real event (49-column GED 23.1 layout) drawn at random, with a new id,
its dates shifted by up to +/-180 days and its point jittered by up to +/-0.05 degrees (then
clamped to valid ranges). Deterministic for a given seed. This is synthetic scale built from
real rows; the figures it supports are about throughput, not about the world.
"""

import csv
import datetime as dt
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOURCES = (
    SHARED / "ucdp_ged_sample_1000_v23_1" / "ucdpged_sample_1000.csv",
    SHARED / "ucdp_ged_car_v23_1" / "GEDEvent_v23_1_CAR.csv",
)


def _real_rows() -> tuple[list[str], list[dict[str, str]]]:
    with SOURCES[0].open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    with SOURCES[1].open(newline="", encoding="utf-8") as handle:
        rows += [{c: row.get(c, "") for c in columns} for row in csv.DictReader(handle)]
    return columns, rows


def write_sample(path: Path, count: int, seed: int = 2026) -> Path:
    columns, rows = _real_rows()
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for number in range(1, count + 1):
            row = dict(rng.choice(rows))
            row["id"] = str(10_000_000 + number)
            shift = dt.timedelta(days=rng.randint(-180, 180))
            for column in ("date_start", "date_end"):
                day = dt.date.fromisoformat(row[column][:10]) + shift
                row[column] = day.isoformat()
            row["year"] = row["date_start"][:4]
            lat = min(max(float(row["latitude"]) + rng.uniform(-0.05, 0.05), -90.0), 90.0)
            lon = min(max(float(row["longitude"]) + rng.uniform(-0.05, 0.05), -180.0), 180.0)
            row["latitude"], row["longitude"] = f"{lat:.6f}", f"{lon:.6f}"
            row["geom_wkt"] = f"POINT ({lon:.6f} {lat:.6f})"
            row["priogrid_gid"] = ""  # the jitter may change the cell; let it be computed
            writer.writerow(row)
    return path
