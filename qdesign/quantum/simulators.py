"""``make_simulator``: the right simulator for a Hamiltonian and a noise setting.

* no noise, or only readout error / shots -> :class:`StatevectorSimulator` (2^n amplitudes);
* any gate noise -> :class:`DensitySimulator` (4^n Pauli-vector entries, PTMs applied locally).
"""

from __future__ import annotations

from qdesign.quantum.density import DensitySimulator
from qdesign.quantum.noise import NoiseModel
from qdesign.quantum.pauli import as_pauli_sum
from qdesign.quantum.simulator import Simulator
from qdesign.quantum.statevector import StatevectorSimulator

METHODS = ("auto", "statevector", "density")


def make_simulator(hamiltonian, noise: NoiseModel | dict | str | None = None, *, method: str = "auto",
                   **kwargs) -> Simulator:
    """A simulator of ``hamiltonian`` (``SparsePauliOp`` or ``PauliSum``) under ``noise``.

    ``noise``: ``None``, a :class:`NoiseModel`, its ``to_dict()`` form (or ``{"preset": ...}``),
    or a preset name such as ``"depolarizing_1e-3_5e-3"``. ``method`` forces a backend;
    ``"statevector"`` refuses gate noise. Extra ``kwargs`` go to the simulator's constructor.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    ham = as_pauli_sum(hamiltonian)
    model = NoiseModel.coerce(noise)
    gate_noise = model is not None and model.has_gate_noise
    if method == "density" or (method == "auto" and gate_noise):
        return DensitySimulator(ham, model, **kwargs)
    if gate_noise:
        raise ValueError("method='statevector' cannot simulate gate noise; use 'density' or 'auto'")
    shots = None if model is None else model.shots
    readout = None if model is None else model.readout
    return StatevectorSimulator(ham, shots=shots, readout=readout, **kwargs)
