"""Features of every unit and month, from the history up to that month only.

`build_features(panel)` returns an array of shape (units, months, features): the value at
month t uses months <= t, so one array serves every data cut-off. NaN marks what cannot be
known (a window reaching before the unit's first covered month, no event seen yet).
"""

import numpy as np

from peaceops.core.geo.priogrid import COLUMNS
from peaceops.forecasting.panel import Panel

LAGS = (0, 1, 2, 3, 5, 11)
WINDOWS = (3, 6, 12, 24, 48)
HALF_LIVES = (3, 12)
MAX_GAP = 240  # months; "time since" is capped here
LARGE_EVENT = {"cm": 25, "pgm": 5}  # fatalities that count as a large month
MAX_DISTANCE = 30  # cells; the distance to violence is capped here (also when there is none)


def window_totals(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Per unit and month t, the sum over months t-window+1..t (NaN as 0) and how many of
    those months are covered (not NaN); months before the panel count as not covered."""
    zeros = np.zeros((values.shape[0], 1))
    total = np.cumsum(np.hstack([zeros, np.nan_to_num(values)]), axis=1)
    count = np.cumsum(np.hstack([zeros, (~np.isnan(values)).astype(np.float64)]), axis=1)
    start = np.clip(np.arange(1, values.shape[1] + 1) - window, 0, None)
    return total[:, 1:] - total[:, start], count[:, 1:] - count[:, start]


def rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over months t-window+1..t along axis 1; NaN where any of those months is not
    covered (or lies before the panel)."""
    sums, counts = window_totals(values, window)
    return np.where(counts == window, sums, np.nan)


def rolling_sd(values: np.ndarray, window: int) -> np.ndarray:
    """Standard deviation over months t-window+1..t (NaN where not all covered)."""
    mean = rolling_sum(values, window) / window
    mean_square = rolling_sum(values**2, window) / window
    return np.sqrt(np.clip(mean_square - mean**2, 0, None))


def lagged(values: np.ndarray, lag: int) -> np.ndarray:
    if lag == 0:
        return values.copy()
    out = np.full_like(values, np.nan)
    out[:, lag:] = values[:, :-lag]
    return out


def months_since(values: np.ndarray, threshold: float) -> np.ndarray:
    """Months since the last month with at least `threshold` (0 = this month), capped at
    MAX_GAP; NaN when none has been seen yet."""
    months = values.shape[1]
    index = np.where(np.nan_to_num(values) >= threshold, np.arange(months), -1)
    last = np.maximum.accumulate(index, axis=1)
    gap = np.arange(months) - last
    return np.where(last >= 0, np.minimum(gap, MAX_GAP), np.nan).astype(np.float64)


def distance_to_violence(panel: Panel, window: int, chunk: int = 12) -> np.ndarray:
    """For cell panels: per cell and month t, the distance in cells (Chebyshev: a neighbour
    is 1 away, the ring around the neighbours 2) to the nearest cell of the panel with at
    least one fatality in months t-window+1..t (the cell itself counts: 0 if it had one),
    capped at MAX_DISTANCE, which is also the value when no cell had any.

    On a raster of the panel's bounding box, `chunk` months at a time, the violent cells
    are grown by one ring per step (a 3 x 3 dilation, rows then columns): memory and time
    grow with the box, not with cells x violent cells."""
    rows, cols = np.divmod(np.array([int(u) for u in panel.units]) - 1, COLUMNS)
    rows, cols = rows - rows.min(), cols - cols.min()
    shape = (int(rows.max()) + 1, int(cols.max()) + 1)
    violent = window_totals(panel.values, window)[0] > 0
    out = np.full(violent.shape, float(MAX_DISTANCE))
    for start in range(0, violent.shape[1], chunk):
        block = violent[:, start : start + chunk].T  # (months, cells)
        reached = np.zeros((len(block), *shape), bool)
        reached[:, rows, cols] = block
        distance = np.where(reached, 0, MAX_DISTANCE).astype(np.int16)
        for ring in range(1, MAX_DISTANCE):
            if reached.all() or not reached.any():
                break
            grown = reached.copy()
            grown[:, 1:] |= reached[:, :-1]
            grown[:, :-1] |= reached[:, 1:]
            wide = grown.copy()
            wide[:, :, 1:] |= grown[:, :, :-1]
            wide[:, :, :-1] |= grown[:, :, 1:]
            distance[wide & ~reached] = ring
            reached = wide
        out[:, start : start + len(block)] = distance[:, rows, cols].T
    return out


def group_sum(panel: Panel, matrix: np.ndarray) -> np.ndarray:
    """Per unit, the sum of `matrix` over all units of its group (a cell's country)."""
    if panel.group is None:
        return np.nan_to_num(matrix)
    totals = np.zeros((int(panel.group.max()) + 1, matrix.shape[1]))
    np.add.at(totals, panel.group, np.nan_to_num(matrix))
    return totals[panel.group]


def feature_names(level: str) -> list[str]:
    names = [f"log_lag{lag}" for lag in LAGS]
    names += [f"log_sum{w}" for w in WINDOWS]
    names += ["log_sd12", "since_any", "since_large"]
    names += [f"decay{h}" for h in HALF_LIVES]
    names += ["log_nb_lag0", "log_nb_sum12", "nb_active12"]
    if level == "pgm":
        names += ["log_nb2_sum12", "log_country_lag0", "log_country_sum12"]
    return names


def build_features(panel: Panel) -> np.ndarray:
    values = panel.values
    columns: list[np.ndarray] = [np.log1p(lagged(values, lag)) for lag in LAGS]
    sums = {w: rolling_sum(values, w) for w in WINDOWS}
    columns += [np.log1p(sums[w]) for w in WINDOWS]
    columns.append(rolling_sd(np.log1p(values), 12))
    since_any = months_since(values, 1)
    columns += [since_any, months_since(values, LARGE_EVENT[panel.level])]
    columns += [np.nan_to_num(0.5 ** (since_any / h)) for h in HALF_LIVES]
    sum12 = np.nan_to_num(sums[12])
    columns += [
        np.log1p(panel.neighbour_sum(values)),
        np.log1p(panel.neighbour_sum(sum12)),
        panel.neighbour_sum((sum12 > 0).astype(np.float64)),
    ]
    if panel.level == "pgm":
        ring1 = panel.neighbour_sum(sum12)
        ring2 = panel.neighbour_sum(ring1)  # cells two steps away (counted with multiplicity)
        columns += [
            np.log1p(ring2),
            np.log1p(group_sum(panel, values)),
            np.log1p(group_sum(panel, sum12)),
        ]
    return np.stack(columns, axis=2).astype(np.float32)
