"""The statistical test behind the spike rule: a one-sided exact Poisson test.

For a unit (admin-1 area or PRIO-GRID cell) the rule counts incidents in the latest window
(`observed`) and in the `baseline_windows` windows before it (`baseline`). Under the null
hypothesis the latest window is an ordinary one, with a Poisson count whose rate is estimated
from the baseline with one pseudo-event added (so a unit with no history still has a small,
non-zero expected rate): rate = (baseline + 1) / (baseline_windows + 1). The rule fires when
P(X >= observed | rate) < alpha and observed >= the rule's minimum count.
"""

import math


def expected_rate(baseline: int, baseline_windows: int) -> float:
    return (baseline + 1) / (baseline_windows + 1)


def poisson_upper_tail(observed: int, rate: float) -> float:
    """P(X >= observed) for X ~ Poisson(rate), computed in log space (stable for large
    counts)."""
    if observed <= 0:
        return 1.0
    log_rate = math.log(rate)
    below = 0.0  # P(X < observed)
    for k in range(observed):
        below += math.exp(k * log_rate - rate - math.lgamma(k + 1))
    return max(0.0, 1.0 - below) if below < 0.999999 else _upper_tail_direct(observed, rate)


def _upper_tail_direct(observed: int, rate: float) -> float:
    """Sum the upper tail directly when 1 - P(X < observed) would lose all precision."""
    log_rate = math.log(rate)
    total, k = 0.0, observed
    while True:
        term = math.exp(k * log_rate - rate - math.lgamma(k + 1))
        total += term
        if term < total * 1e-15 or k > observed + 10_000:
            return total
        k += 1
