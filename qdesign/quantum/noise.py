"""Noise models for the noisy simulators, JSON-safe and exportable to qiskit-aer.

Channels (qiskit-aer conventions, so ``to_aer()`` is the same model):

* ``depolarizing_1q`` / ``depolarizing_2q``: parameter lambda of ``rho -> (1-lambda) rho +
  lambda Tr(rho) I/d`` after every 1-qubit gate / every CX (aer's ``depolarizing_error``; the
  process infidelity is 3*lambda/4 for one qubit and 15*lambda/16 for two);
* ``amplitude_damping_1q`` / ``_2q``: gamma of aer's ``amplitude_damping_error`` on the gate's
  qubit / on each qubit of a CX, after the depolarizing part;
* ``phase_damping_1q`` / ``_2q``: lambda of aer's ``phase_damping_error``, applied last;
* ``readout_p01`` = P(read 1 | 0), ``readout_p10`` = P(read 0 | 1) on every qubit
  (aer's ``ReadoutError([[1-p01, p01], [p10, 1-p10]])``);
* ``shots``: shots per measured qubit-wise commuting group, or ``None`` for exact expectations.

The noise after a gate is ``phase_damping o amplitude_damping o depolarizing``; every
1-qubit gate (``id`` included) and every CX gets it, as in ``to_aer()``.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from qdesign.quantum.channels import (
    amplitude_damping_kraus,
    depolarizing_ptm,
    phase_damping_kraus,
    ptm_of_kraus,
)

PROBABILITY_FIELDS = (
    "depolarizing_1q", "depolarizing_2q", "amplitude_damping_1q", "amplitude_damping_2q",
    "phase_damping_1q", "phase_damping_2q", "readout_p01", "readout_p10",
)
ONE_QUBIT_GATES = ["rx", "ry", "rz", "h", "s", "sdg", "t", "tdg", "x", "y", "z", "id"]


@dataclass(frozen=True)
class NoiseModel:
    """Gate, readout and shot noise; all probabilities in [0, 1] (see ``validate``)."""

    depolarizing_1q: float = 0.0
    depolarizing_2q: float = 0.0
    amplitude_damping_1q: float = 0.0
    amplitude_damping_2q: float = 0.0
    phase_damping_1q: float = 0.0
    phase_damping_2q: float = 0.0
    readout_p01: float = 0.0
    readout_p10: float = 0.0
    shots: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> NoiseModel:
        """Raise ``ValueError`` naming the field if a probability is outside [0, 1] or shots < 1."""
        for name in PROBABILITY_FIELDS:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0.0 <= float(v) <= 1.0:
                raise ValueError(f"noise {name} must be a probability in [0, 1], got {v!r}")
        s = self.shots
        if s is not None and (isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1):
            raise ValueError(f"noise shots must be a positive integer or None, got {s!r}")
        return self

    # ------------------------------------------------------------------ properties
    @property
    def has_gate_noise(self) -> bool:
        """True when any gate error probability is positive."""
        return any(getattr(self, f) > 0 for f in PROBABILITY_FIELDS[:6])

    @property
    def readout(self) -> tuple[float, float] | None:
        """``(p01, p10)`` or ``None`` when readout is perfect."""
        if self.readout_p01 == 0 and self.readout_p10 == 0:
            return None
        return (float(self.readout_p01), float(self.readout_p10))

    @property
    def is_noiseless(self) -> bool:
        """True when there is no gate noise, no readout error and no shot sampling: exact energies."""
        return not self.has_gate_noise and self.readout is None and self.shots is None

    def process_infidelities(self) -> dict[str, float]:
        """1 - F_pro of the noise after a 1-qubit gate and after a CX (F_pro = Tr(PTM) / d^2)."""
        return {"1q": float(1 - noise_ptm_1q(self).trace() / 4),
                "2q": float(1 - noise_ptm_2q(self).trace() / 16)}

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (what an env's ``noise=`` keyword accepts back)."""
        return asdict(self)

    def to_json(self) -> str:
        """``to_dict`` as a JSON string, e.g. for a cache key or a run's config."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoiseModel:
        """From ``to_dict()`` output; ``{"preset": name, ...overrides}`` and the shorthands
        ``depolarizing``/``amplitude_damping``/``phase_damping`` (both 1q and 2q) are accepted."""
        if not isinstance(data, dict):
            raise ValueError(f"noise must be a dict, got {type(data).__name__}")
        data = dict(data)
        base = cls()
        if "preset" in data:
            base = cls.from_preset(data.pop("preset"))
        for short in ("depolarizing", "amplitude_damping", "phase_damping"):
            if short in data:
                v = data.pop(short)
                data.setdefault(f"{short}_1q", v)
                data.setdefault(f"{short}_2q", v)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"noise has unknown keys {unknown}; allowed: {sorted(known) + ['preset']}")
        return replace(base, **data)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> NoiseModel:
        """A named preset from ``PRESETS`` with some fields overridden; ValueError naming the allowed
        presets."""
        if name not in PRESETS:
            raise ValueError(f"noise preset {name!r} unknown; allowed: {sorted(PRESETS)}")
        return replace(cls(**PRESETS[name]), **overrides)

    @classmethod
    def coerce(cls, noise: NoiseModel | dict | str | None) -> NoiseModel | None:
        """``None`` / a NoiseModel / a ``to_dict()`` dict / a preset name -> NoiseModel or None."""
        if noise is None or isinstance(noise, NoiseModel):
            return noise
        if isinstance(noise, str):
            return cls.from_preset(noise)
        if isinstance(noise, dict):
            return cls.from_dict(noise)
        raise ValueError(f"noise must be None, a NoiseModel, a dict or a preset name "
                         f"({sorted(PRESETS)}), got {type(noise).__name__}")

    # ------------------------------------------------------------------ qiskit-aer
    def to_aer(self):
        """The equivalent ``qiskit_aer.noise.NoiseModel`` (shots are a run option, not included)."""
        from qdesign.plugins import import_extra

        aer_noise = import_extra("qiskit_aer.noise", "NoiseModel.to_aer")
        AerNoiseModel, ReadoutError = aer_noise.NoiseModel, aer_noise.ReadoutError
        amplitude_damping_error = aer_noise.amplitude_damping_error
        depolarizing_error, phase_damping_error = aer_noise.depolarizing_error, aer_noise.phase_damping_error

        model = AerNoiseModel(basis_gates=ONE_QUBIT_GATES + ["cx"])
        err1 = None
        for p, make in ((self.depolarizing_1q, lambda p: depolarizing_error(p, 1)),
                        (self.amplitude_damping_1q, amplitude_damping_error),
                        (self.phase_damping_1q, phase_damping_error)):
            if p > 0:
                e = make(float(p))
                err1 = e if err1 is None else err1.compose(e)
        if err1 is not None:
            model.add_all_qubit_quantum_error(err1, ONE_QUBIT_GATES)
        err2 = None
        if self.depolarizing_2q > 0:
            err2 = depolarizing_error(float(self.depolarizing_2q), 2)
        for p, make in ((self.amplitude_damping_2q, amplitude_damping_error),
                        (self.phase_damping_2q, phase_damping_error)):
            if p > 0:
                e = make(float(p))
                e = e.tensor(e)
                err2 = e if err2 is None else err2.compose(e)
        if err2 is not None:
            model.add_all_qubit_quantum_error(err2, ["cx"])
        if self.readout is not None:
            p01, p10 = self.readout
            model.add_all_qubit_readout_error(ReadoutError([[1 - p01, p01], [p10, 1 - p10]]))
        return model


# Device-like presets. The IBM-like ones are chosen so that the per-gate process infidelities and
# the mean readout flip rate roughly match the magnitudes reported for IBM Mumbai in CRLQAS's
# noisy experiments (Patel et al., arXiv:2402.13754, Sec. 4 and App. C): median 1q ~2e-4,
# CX ~1.76e-2, readout ~2.25 %; max 1q ~9.8e-4, CX ~4.15e-2, readout ~8.7 %.
# They are illustrative, not calibration data of any device.
PRESETS: dict[str, dict[str, Any]] = {
    "noiseless": {},
    "depolarizing_1e-3": {"depolarizing_1q": 1e-3},
    "depolarizing_1e-3_5e-3": {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3},
    "ibm_like_median": {
        "depolarizing_1q": 1.5e-4, "amplitude_damping_1q": 1.5e-4, "phase_damping_1q": 1e-4,
        "depolarizing_2q": 1.56e-2, "amplitude_damping_2q": 2e-3, "phase_damping_2q": 2e-3,
        "readout_p01": 0.015, "readout_p10": 0.03,
    },
    "ibm_like_max": {
        "depolarizing_1q": 1e-3, "amplitude_damping_1q": 3e-4, "phase_damping_1q": 3e-4,
        "depolarizing_2q": 3.63e-2, "amplitude_damping_2q": 5e-3, "phase_damping_2q": 5e-3,
        "readout_p01": 0.06, "readout_p10": 0.114,
    },
    "ibm_like_10max": {
        "depolarizing_1q": 1.2e-2, "amplitude_damping_1q": 3e-3, "phase_damping_1q": 3e-3,
        "depolarizing_2q": 0.305, "amplitude_damping_2q": 5e-2, "phase_damping_2q": 5e-2,
        "readout_p01": 0.06, "readout_p10": 0.114,
    },
}


def noise_ptm_1q(noise: NoiseModel | None) -> np.ndarray:
    """PTM of the noise after a 1-qubit gate (depolarizing, then amplitude, then phase damping)."""
    if noise is None:
        return np.eye(4)
    m = depolarizing_ptm(noise.depolarizing_1q, 1)
    m = ptm_of_kraus(amplitude_damping_kraus(noise.amplitude_damping_1q)) @ m
    return ptm_of_kraus(phase_damping_kraus(noise.phase_damping_1q)) @ m


def noise_ptm_2q(noise: NoiseModel | None) -> np.ndarray:
    """PTM of the noise after a CX (2q depolarizing, then damping on both qubits)."""
    if noise is None:
        return np.eye(16)
    m = depolarizing_ptm(noise.depolarizing_2q, 2)
    ad = ptm_of_kraus(amplitude_damping_kraus(noise.amplitude_damping_2q))
    pd = ptm_of_kraus(phase_damping_kraus(noise.phase_damping_2q))
    return np.kron(pd, pd) @ np.kron(ad, ad) @ m
