"""Heuristics for the A*/Q* gate search: the ``Heuristic`` protocol and the network-free one.

A heuristic scores all children of a search node at once: ``q_values(residuals)`` takes the
residual unitaries ``R G_a^dag`` of every gate ``a`` and returns their estimated cost-to-go. The
learned cost-to-go (``qdesign.synthesis.costtogo.CostToGo``) and ``DistanceHeuristic`` both meet it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import unitary_key


@runtime_checkable
class Heuristic(Protocol):
    """Estimated remaining gates for a batch of residual unitaries (shape ``(B, d, d)``)."""

    def q_values(self, residuals: np.ndarray) -> np.ndarray:
        """Estimated cost-to-go of each residual in the batch, shape ``(B,)``."""
        ...


class DistanceHeuristic:
    """Network-free Q: ``1 + rate * max(0, ln(d(child, I) / epsilon))``.

    ``rate`` defaults to the counting-floor slope ``(d^2 - 1) / ln(b)``, with b the growth factor of
    distinct words per gate measured by a short breadth-first count: the counting bound of
    Harrow, Recht & Chuang, arXiv:quant-ph/0111031, Sec. 4).
    """

    def __init__(self, gs: GateSet, epsilon: float, rate: float | None = None) -> None:
        self.gs, self.epsilon = gs, epsilon
        self.rate = rate if rate is not None else (gs.dim**2 - 1) / np.log(max(_growth(gs), 1.05))
        self._flat_conj = gs.matrices.reshape(gs.n_actions, -1).conj().T  # Tr(R G^dag) = vec(R) . conj(vec G)

    def q_values(self, residuals: np.ndarray) -> np.ndarray:
        """Estimated remaining gates for each residual, from its distance to the identity."""
        tr = np.abs(residuals.reshape(len(residuals), -1) @ self._flat_conj)  # |Tr(child)| for every child
        d = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * tr / self.gs.dim))
        return 1.0 + self.rate * np.maximum(0.0, np.log(np.maximum(d, 1e-12) / self.epsilon))


_GROWTH: dict[bytes, float] = {}


def _growth(gs: GateSet, depth: int = 6) -> float:
    key = gs.matrices.tobytes()
    if key not in _GROWTH:
        _GROWTH[key] = _measure_growth(gs, depth)
    return _GROWTH[key]


def _measure_growth(gs: GateSet, depth: int) -> float:
    seen = {unitary_key(np.eye(gs.dim), 6)}
    front = [np.eye(gs.dim, dtype=complex)]
    sizes = []
    for _ in range(depth):
        new = []
        for u in front:
            for m in gs.matrices:
                v = m @ u
                k = unitary_key(v, 6)
                if k not in seen:
                    seen.add(k)
                    new.append(v)
        sizes.append(len(new))
        front = new
        if len(seen) > 3000:
            break
    tail = [s for s in sizes if s > 0]
    return (tail[-1] / tail[0]) ** (1 / max(1, len(tail) - 1)) if len(tail) > 1 else 2.0
