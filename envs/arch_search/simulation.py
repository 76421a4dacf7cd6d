"""Energy objective of the env, on the shared simulators (``qdesign.quantum.simulators``)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qdesign.quantum.circuit import Circuit


def make_energy_simulator(hamiltonian: SparsePauliOp, noise: Any = None) -> Any:
    """The shared simulator for ``noise`` (None = exact statevector; else density matrix/shots)."""
    from qdesign.quantum.simulators import make_simulator

    return make_simulator(hamiltonian, noise=noise)


_TAKES_SHOTS: dict[type, bool] = {}


def _takes_shots(simulator: Any) -> bool:
    """Whether ``simulator.energies`` accepts ``shots=`` (cached per class: the env builds one
    objective per step, and ``inspect.signature`` costs more than a small circuit's optimisation)."""
    cls = type(simulator)
    if cls not in _TAKES_SHOTS:
        try:
            _TAKES_SHOTS[cls] = "shots" in inspect.signature(simulator.energies).parameters
        except (TypeError, ValueError):
            _TAKES_SHOTS[cls] = False
    return _TAKES_SHOTS[cls]


class EnergyObjective:
    """``f(thetas[B, P]) -> energies[B]`` of one circuit structure; counts evaluations.

    ``set_shot_scale(frac)`` is called by multi-stage optimizers: simulators with a finite shot
    budget (``simulator.shots``) whose ``energies`` accepts ``shots=`` are then called with
    ``round(frac * shots)`` shots; otherwise it is ignored.
    """

    def __init__(self, simulator: Any, circuit: Circuit, rng: np.random.Generator):
        self.simulator = simulator
        self.circuit = circuit
        self.rng = rng
        self.nfev = 0
        self.shot_scale = 1.0
        self._base_shots = getattr(simulator, "shots", None)
        self._takes_shots = bool(self._base_shots) and _takes_shots(simulator)

    @property
    def supports_adjoint(self) -> bool:
        """True when the simulator gives exact energies with adjoint gradients (``adjoint_bfgs``)."""
        return bool(getattr(self.simulator, "exact", False)) and hasattr(self.simulator, "minimize_bfgs")

    def minimize_bfgs(self, x0: np.ndarray, maxiter: int,
                      gtol: float) -> tuple[np.ndarray, float, int, float]:
        """The simulator's compiled BFGS on this circuit: (angles, energy, evaluations, max |g(x0)|)."""
        x, f, nfev, g0 = self.simulator.minimize_bfgs(self.circuit, x0, maxiter, gtol)
        self.nfev += nfev
        return x, f, nfev, g0

    def set_shot_scale(self, frac: float) -> None:
        """Use this fraction of the shot budget for the next evaluations (Adam-SPSA's staged budgets)."""
        self.shot_scale = float(frac)

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        self.nfev += len(thetas)
        if self._takes_shots and self.shot_scale != 1.0:
            shots = max(1, int(round(self._base_shots * self.shot_scale)))
            return np.asarray(self.simulator.energies(self.circuit, thetas, rng=self.rng, shots=shots),
                              dtype=float)
        return np.asarray(self.simulator.energies(self.circuit, thetas, rng=self.rng), dtype=float)
