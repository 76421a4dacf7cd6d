"""The inner-optimizer protocol: minimise a batched objective within a budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: f(thetas of shape (B, P)) -> energies of shape (B,)
BatchedObjective = Callable[[np.ndarray], np.ndarray]


@dataclass
class OptimizeResult:
    """The best angles ``x``, their objective value ``fun`` and the number of evaluations ``nfev``."""

    x: np.ndarray
    fun: float
    nfev: int


@runtime_checkable
class Optimizer(Protocol):
    """Minimises ``fun`` from ``x0``; all randomness from ``rng`` (the env's ``np_random``)."""

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """Minimise ``fun`` (angle batches ``(B, P)`` to values ``(B,)``) starting from ``x0``."""
        ...
