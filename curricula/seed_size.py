"""Weight-reduction curriculum: grow the seed (level = seed index) or tighten the (w, q) target.

A success-rate-gated ladder (the lead's ``SuccessRateGated``) whose default levels are the seed
indices 0..3 of ``qdesign/SeedReduce-TableI-v0`` ([6,3] → [7,2] → [7,3] → [7,4]); with
``tighten=True`` each level is ``{"seed": i, "max_check_weight": w, "max_qubit_degree": q}``
walking from (8, 4) down to (6, 3) on every seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdesign.curricula.schedules import SuccessRateGated


class SeedSizeCurriculum(SuccessRateGated):
    """Seed indices (or, with ``tighten``, shrinking (w, q) targets per seed), gated by success rate."""

    def __init__(self, levels: Sequence[Any] | None = None, n_seeds: int = 4, tighten: bool = False,
                 window: int = 30, threshold: float = 0.7, demote_below: float | None = None) -> None:
        if n_seeds < 1:
            raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
        if levels is None:
            if tighten:
                levels = [{"seed": i, "max_check_weight": w, "max_qubit_degree": q}
                          for i in range(n_seeds) for (w, q) in ((8, 4), (7, 3), (6, 3))]
            else:
                levels = list(range(n_seeds))
        super().__init__(levels, window=window, threshold=threshold, demote_below=demote_below)
