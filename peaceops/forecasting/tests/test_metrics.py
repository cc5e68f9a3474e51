import math

import numpy as np
import pytest

from peaceops.forecasting import metrics


def test_crps_of_small_ensembles_by_hand():
    # [0, 2] vs 1: mean |X - y| = 1, mean |X - X'| = (0 + 2 + 2 + 0) / 4 = 1 -> 1 - 0.5
    # [0, 0, 0, 10] vs 0: mean |X - y| = 2.5, mean |X - X'| = 2 * 3 * 10 / 16 = 3.75
    draws = np.array([[0.0, 2.0, 0.0, 2.0], [0.0, 0.0, 0.0, 10.0]])
    assert metrics.crps(draws, np.array([1.0, 0.0])).tolist() == pytest.approx([0.5, 0.625])


def test_crps_of_a_point_forecast_is_the_absolute_error():
    assert metrics.crps(np.full((1, 5), 7.0), np.array([3.0]))[0] == pytest.approx(4.0)


def test_ignorance_adds_one_pseudo_draw_per_bin():
    draws = np.zeros((3, 1000))
    observed = np.array([0.0, 30.0, 5000.0])  # bins [0, 0.5), [25.5, 50.5), [1000.5, inf)
    expected = [-math.log2(1001 / 1011), -math.log2(1 / 1011), -math.log2(1 / 1011)]
    assert metrics.ignorance(draws, observed).tolist() == pytest.approx(expected)


def test_ignorance_bins_at_the_half_counts():
    # 2 of 4 draws in [0.5, 2.5), the observation 1 too: (2 + 1) / (4 + 11)
    draws = np.array([[1.0, 2.0, 3.0, 0.0]])
    assert metrics.ignorance(draws, np.array([1.0]))[0] == pytest.approx(-math.log2(3 / 15))


def test_interval_score_at_90_percent():
    draws = np.arange(101, dtype=float)[None, :]  # 5% quantile 5, 95% quantile 95
    inside = metrics.interval_score(draws, np.array([50.0]))[0]
    above = metrics.interval_score(draws, np.array([200.0]))[0]
    below = metrics.interval_score(draws + 10, np.array([0.0]))[0]
    assert inside == pytest.approx(90.0)
    assert above == pytest.approx(90.0 + 20 * 105)
    assert below == pytest.approx(90.0 + 20 * 15)


def test_msle_uses_the_mean_of_the_draws():
    value = metrics.msle(np.array([[1.0, 3.0]]), np.array([1.0]))[0]
    assert value == pytest.approx((math.log(3) - math.log(2)) ** 2)


def test_brier_at_a_threshold():
    draws = np.array([[0.0, 30.0, 25.0, 0.0], [0.0, 0.0, 0.0, 24.0]])
    observed = np.array([30.0, 0.0])
    assert metrics.brier(draws, observed, 25).tolist() == pytest.approx([0.25, 0.0])


def test_score_all_means_each_metric():
    scores = metrics.score_all(np.zeros((2, 10)), np.array([0.0, 0.0]), 1)
    assert scores == pytest.approx(
        {"crps": 0.0, "ign": -math.log2(11 / 21), "mis": 0.0, "msle": 0.0, "brier": 0.0}
    )
