"""The ``Simulator`` protocol: energies of one circuit structure for a batch of angle vectors."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from qdesign.quantum.circuit import Circuit


@runtime_checkable
class Simulator(Protocol):
    """Computes <H> for a circuit applied to |0...0>, batched over parameter vectors.

    ``energies(circuit, thetas)`` takes ``thetas`` of shape ``(B, circuit.num_parameters)`` and
    returns ``B`` real energies (total energies: the Hamiltonian's identity term included).
    ``rng`` is only used by simulators with sampling noise (shot noise); noiseless ones ignore it.
    """

    num_qubits: int

    def energies(self, circuit: Circuit, thetas: np.ndarray, rng: np.random.Generator | None = None
                 ) -> np.ndarray: ...
