"""Compilation metrics: when is a word W "within epsilon" of a target U.

* ``"phase"`` (default everywhere): the phase-invariant distance ``sqrt(2 - 2|Tr(U^dag W)|/d)`` (on one
  qubit the phase-invariant operator norm). W and e^{i phi} W are the same gate.
* ``"operator"``: the phase-invariant operator norm ``min_phi ||U - e^{i phi} W||_2`` (the worst-case
  error on any input state, which adds up along a circuit by the triangle inequality). On one qubit it
  equals ``"phase"``; on two qubits ``"phase"`` is a normalised Frobenius average, at most this value
  and at least half of it (``||A||_F / 2 <= ||A||_2 <= ||A||_F`` for 4x4).
* ``"frobenius_sign_strict"``: Chen et al.'s code protocol, ``||W - U||_F <= epsilon`` on the raw
  matrices, with no phase or sign freedom (``-U`` is *not* a solution of ``U``). Only meaningful when
  the gate set and the target lie in SU(d) (det 1), as Chen's HRC gates do; otherwise every word carries
  an arbitrary phase convention, so such a gate set or target is rejected with a ``ValueError``.

For SU(2), ``||W - U||_F = sqrt(2) * |q_W - q_U|`` (quaternion chord, no sign modding), so Frobenius
1e-3 sign-strict equals a sign-strict chord of 7.07e-4; the phase metric at epsilon ``1e-3 / sqrt(2)``
is the same test taken modulo sign (``FROBENIUS_EQUIVALENT``), which is how a set outside SU(2) such as
{H, T} is reported "the same way".
"""

from __future__ import annotations

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import operator_norm_distance, phase_invariant_distance

METRICS = ("phase", "operator", "frobenius_sign_strict")


def frobenius_equivalent(epsilon: float) -> float:
    """Phase-metric tolerance equal to a Frobenius tolerance taken modulo sign on SU(2)."""
    return float(epsilon) / float(np.sqrt(2.0))


def check_metric(metric: object, gs: GateSet | None = None, target: np.ndarray | None = None) -> str:
    """Validate ``metric`` (and, for the sign-strict one, that gate set and target lie in SU(d))."""
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if metric == "frobenius_sign_strict":
        if gs is not None and not np.allclose(np.linalg.det(gs.matrices), 1.0, atol=1e-9):
            bad = [n for n, m in zip(gs.labels, gs.matrices) if not np.isclose(np.linalg.det(m), 1.0)]
            raise ValueError(f"gate_set {gs.name!r}: metric 'frobenius_sign_strict' needs every gate in "
                             f"SU({gs.dim}) (det 1); not: {bad[:4]} (use hrc6/hrc3, or metric='phase')")
        if target is not None and not np.isclose(np.linalg.det(target), 1.0, atol=1e-8):
            raise ValueError(f"unitary: metric 'frobenius_sign_strict' needs a target in SU(d) (det 1), "
                             f"got det {complex(np.linalg.det(target)):.6g}")
    return metric


def metric_distance(u: np.ndarray, v: np.ndarray, metric: str = "phase") -> float:
    """Distance between two matrices under ``metric`` (see the module docstring)."""
    if metric == "phase":
        return float(phase_invariant_distance(u, v))
    if metric == "operator":
        return float(operator_norm_distance(u, v))
    return float(np.linalg.norm(np.asarray(u) - np.asarray(v)))


def strict_key(u: np.ndarray, decimals: int = 7) -> bytes:
    """Closed-set key without any phase/sign canonicalisation (U and -U differ)."""
    u = np.asarray(u)
    r = np.round(np.concatenate([u.real.ravel(), u.imag.ravel()]), decimals) + 0.0
    return r.tobytes()
