"""``compile_unitary``: approximate a 1- or 2-qubit unitary by a circuit over a finite gate set.

Every result is re-checked against ``qiskit.quantum_info.Operator`` before it is returned; a result
whose distance (phase-invariant, or Frobenius sign-strict with ``metric="frobenius_sign_strict"``)
exceeds epsilon raises ``CompileError`` and is never returned.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from qdesign.quantum.unitary import as_unitary, phase_invariant_distance

__all__ = ["compile_unitary", "CompileError", "METHODS"]

METHODS = ("astar", "optimal", "sk", "gridsynth", "agent:<path>")


class CompileError(RuntimeError):
    """No circuit within epsilon was found (time limit, table range or gate set too weak)."""


def _check_args(gate_set: Any, epsilon: Any, method: Any, time_limit: Any, metric: Any = "phase"):
    from qdesign.quantum.gatesets import build_gate_set, warn_if_not_universal
    from qdesign.synthesis.metrics import check_metric

    check_metric(metric)

    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be a number in (0, 1), got {epsilon!r}")
    if not isinstance(method, str) or not (method in METHODS[:4] or method.startswith("agent:")):
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or time_limit <= 0):
        raise ValueError(f"time_limit must be None or a positive number of seconds, got {time_limit!r}")
    gs = build_gate_set(gate_set)
    if metric != "phase":
        check_metric(metric, gs)
        if gs.num_qubits != 1:
            raise ValueError(f"metric {metric!r} is one-qubit only; gate_set {gs.name!r} has "
                             f"{gs.num_qubits} qubits")
        if method in ("sk", "gridsynth"):
            raise ValueError(f"method {method!r} does not support metric {metric!r} (its words carry a "
                             "global phase); use 'optimal', 'astar' or 'agent:<path>'")
    warn_if_not_universal(gs)
    return gs


def compile_unitary(unitary: Any, gate_set: str | list | dict = "clifford_t", epsilon: float = 1e-2,
                    method: str = "astar", time_limit: float | None = None, metric: str = "phase",
                    **kwargs: Any) -> Any:
    """A ``qiskit.QuantumCircuit`` over ``gate_set`` within phase-invariant distance ``epsilon`` of it.

    ``gate_set``: ``"clifford_t"`` (h, s, sdg, t, tdg), ``"ht"``, ``"hrc6"``, ``"hrc3"``,
    ``"clifford_t_2q"`` (with cx both ways), a list of qiskit gate names (add ``"cx"`` for two qubits) or
    a ``{name: 2x2 matrix}`` dict. ``method``: ``"astar"`` (BWQS with the shipped cost-to-go and, on one
    qubit, the exact meet-in-the-middle finisher), ``"optimal"`` (exact shortest word, one qubit),
    ``"sk"`` (qiskit Solovay-Kitaev), ``"gridsynth"`` (qiskit gridsynth_unitary), ``"agent:<path>"`` (a
    trained SB3 policy's word completed by the finisher). The circuit's ``global_phase`` is set so that
    ``Operator(circuit)`` matches ``unitary`` as closely as possible; ``metadata`` holds the distance,
    average gate fidelity, method, metric and wall time (``agent:<path>`` also ``agent_gates``, the
    number of leading gates written by the policy and kept by the finisher; pass ``agent_gates=K`` to
    make the policy write exactly K gates instead of truncating at its closest approach). ``astar`` also
    takes ``heuristic=``: ``"learned"`` (default), ``"distance"`` (network-free) or a model file from
    ``qdesign train-costtogo``.

    ``metric``: ``"phase"`` (default, the phase-invariant distance above) or ``"frobenius_sign_strict"``
    (Chen et al.'s protocol: ``||Operator(circuit) - unitary||_F <= epsilon`` with the circuit's global
    phase fixed to 0, so ``-unitary`` does not count; gate set and unitary must lie in SU(2), methods
    ``optimal``, ``astar`` and ``agent:<path>`` only).

    Raises ``ValueError`` for bad arguments and ``CompileError`` (a ``RuntimeError``) when nothing within
    epsilon was found.
    """
    from qiskit.quantum_info import Operator

    from qdesign.synthesis.metrics import check_metric, metric_distance

    gs = _check_args(gate_set, epsilon, method, time_limit, metric)
    target = as_unitary(unitary, name="unitary", dim=gs.dim)
    strict = metric != "phase"
    if strict:
        check_metric(metric, gs, target)
    t0 = time.time()
    extra: dict[str, Any] = {}
    word = _run(method, target, gs, float(epsilon), time_limit, metric=metric, extra=extra, **kwargs)
    if word is None:
        raise CompileError(f"method {method!r} found no {gs.name} word within epsilon={epsilon:g}"
                           + (f" in time_limit={time_limit}s" if time_limit else ""))
    qc = gs.to_circuit(word)
    if not strict:  # sign-strict: the product of the SU(2) gates as written, global phase 0
        op = np.asarray(Operator(qc).data)
        overlap = np.trace(op.conj().T @ target)
        qc.global_phase = float(np.angle(overlap)) if abs(overlap) > 1e-12 else 0.0
    op = np.asarray(Operator(qc).data)  # re-verify the circuit we actually return
    dist = metric_distance(op, target, metric)
    if not dist <= epsilon:
        raise CompileError(f"method {method!r} produced a circuit at {metric} distance {dist:.3e} > "
                           f"epsilon={epsilon:g}")
    from qdesign.quantum.unitary import average_gate_fidelity

    qc.metadata = {"distance": float(dist), "fidelity": float(average_gate_fidelity(op, target)),
                   "phase_distance": float(phase_invariant_distance(op, target)), "metric": metric,
                   "method": method, "gate_set": gs.name, "seconds": time.time() - t0,
                   "length": len(word), **extra}
    return qc


def _run(method: str, target: np.ndarray, gs: Any, epsilon: float, time_limit: float | None,
         metric: str = "phase", extra: dict[str, Any] | None = None, **kwargs: Any) -> list[int] | None:
    if method == "optimal":
        from qdesign.synthesis.mitm import get_solver

        if gs.num_qubits != 1:
            raise ValueError(f"method 'optimal' is one-qubit only; gate_set {gs.name!r} has 2 qubits")
        solver = get_solver(gs, kwargs.get("depth"), epsilon, sign_strict=metric != "phase")
        sol = solver.solve(target, epsilon, extend=int(kwargs.get("extend", 2)))
        return None if sol is None else sol.word
    if method == "astar":
        from qdesign.synthesis.bwqs import astar

        return astar(target, gs, epsilon, time_limit=time_limit, metric=metric, **kwargs).word
    if method == "sk":
        from qdesign.synthesis.solovay_kitaev import sk_word

        word, dist, _ = sk_word(target, gs, epsilon, **kwargs)
        return word if dist <= epsilon else None
    if method == "gridsynth":
        from qdesign.synthesis.gridsynth import gridsynth_word

        word, dist = gridsynth_word(target, gs, epsilon)
        return word if dist <= epsilon else None
    from qdesign.api.agent_compile import agent_word

    return agent_word(method.split(":", 1)[1], target, gs, epsilon, time_limit=time_limit, metric=metric,
                      info=extra, **kwargs)


def _suppress_warnings() -> None:  # pragma: no cover - convenience for scripts
    warnings.filterwarnings("ignore", category=UserWarning, module="qdesign")
