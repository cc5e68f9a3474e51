"""A panel: monthly fatalities per unit (country or PRIO-GRID cell) in one dense array.

`values[u, j]` is the count of unit `units[u]` in month `first_month + j`; NaN means the month
is not covered for that unit (before a country existed, outside an extract's years).
`neighbours` lists, per unit, the indexes of its neighbouring units in the same panel.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Panel:
    level: str  # "cm" or "pgm"
    units: list[str]
    first_month: int
    values: np.ndarray  # float64, shape (len(units), months)
    neighbours: list[np.ndarray] = field(default_factory=list)
    # per unit, an index into `groups` (the country of a cell; for cm its own index)
    group: np.ndarray | None = None

    @property
    def last_month(self) -> int:
        return self.first_month + self.values.shape[1] - 1

    def column(self, month: int) -> int:
        index = month - self.first_month
        if not 0 <= index < self.values.shape[1]:
            raise ValueError(f"Month {month} is outside the panel.")
        return index

    def neighbour_matrix(self) -> np.ndarray:
        """(pairs, 2) int array of (unit, neighbour) index pairs."""
        pairs = [
            np.column_stack([np.full(len(n), u), n])
            for u, n in enumerate(self.neighbours)
            if len(n)
        ]
        return np.concatenate(pairs).astype(np.intp) if pairs else np.zeros((0, 2), np.intp)

    def neighbour_sum(self, matrix: np.ndarray) -> np.ndarray:
        """Per unit, the sum over its neighbours of `matrix` (shape like `values`)."""
        pairs = self.neighbour_matrix()
        out = np.zeros_like(matrix, dtype=np.float64)
        if len(pairs):
            np.add.at(out, pairs[:, 0], np.nan_to_num(matrix[pairs[:, 1]]))
        return out
