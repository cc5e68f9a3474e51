import math

import numpy as np

from peaceops.forecasting import features
from peaceops.forecasting.panel import Panel


def test_rolling_sum_needs_every_month_covered():
    values = np.array([[np.nan, 1, 2, 3, 4]])
    sums = features.rolling_sum(values, 2)
    assert np.isnan(sums[0, :2]).all()
    assert sums[0, 2:].tolist() == [3, 5, 7]


def test_months_since_the_last_event():
    values = np.array([[0, 3, 0, 0, 30, 0]])
    assert np.isnan(features.months_since(values, 1)[0, 0])
    assert features.months_since(values, 1)[0, 1:].tolist() == [0, 1, 2, 0, 1]
    assert features.months_since(values, 25)[0, 4:].tolist() == [0, 1]


def test_features_use_only_the_past_and_the_neighbours():
    values = np.zeros((3, 30))
    values[0, 10] = 9
    values[1, 20] = 99  # later than the month looked at
    panel = Panel(
        level="cm",
        units=["A", "B", "C"],
        first_month=121,
        values=values,
        neighbours=[np.array([1]), np.array([0, 2]), np.array([1])],
        group=np.arange(3),
    )
    built = features.build_features(panel)
    names = features.feature_names("cm")
    assert built.shape == (3, 30, len(names))
    at = built[:, 12]  # month 12: two months after unit A's event
    assert at[0, names.index("log_lag2")] == np.float32(math.log(10))
    assert at[0, names.index("since_any")] == 2
    assert at[1, names.index("log_nb_sum12")] == np.float32(math.log(10))  # from A
    assert at[2, names.index("log_nb_sum12")] == 0  # B had nothing by month 12
    assert at[1, names.index("nb_active12")] == 1
    assert np.isnan(at[1, names.index("since_any")])  # B: no event seen yet


def cell(row: int, col: int) -> str:
    return str(row * 720 + col + 1)  # PRIO-GRID gid


def test_distance_to_violence_counts_cells_to_the_nearest_recent_event():
    # five cells: b has the only event (month 2); a is its neighbour, c two rows down and
    # one column left of b, d four columns right of b, e forty rows away
    units = [cell(100, 100), cell(100, 101), cell(102, 100), cell(100, 105), cell(140, 100)]
    values = np.zeros((5, 7))
    values[1, 2] = 3
    values[3, 0] = np.nan  # an uncovered month counts as no event
    panel = Panel(level="pgm", units=units, first_month=121, values=values)
    distance = features.distance_to_violence(panel, 3)
    assert distance[:, 2].tolist() == [1, 0, 2, 4, features.MAX_DISTANCE]
    assert (distance[:, 4] == distance[:, 2]).all()  # month 2 is still within 3 months
    assert (distance[:, [0, 1, 5, 6]] == features.MAX_DISTANCE).all()  # none in the window
    assert features.distance_to_violence(panel, 12)[:, 6].tolist() == [1, 0, 2, 4, 30]
