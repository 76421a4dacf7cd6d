"""``compile_unitary``: approximate a 1- or 2-qubit unitary by a circuit over a finite gate set.

Every result is re-checked against ``qiskit.quantum_info.Operator`` before it is returned; a result
whose distance (phase-invariant, or Frobenius sign-strict with ``metric="frobenius_sign_strict"``)
exceeds epsilon raises ``CompileError`` and is never returned.
"""

from __future__ import annotations

import numbers
import time
import warnings
from typing import Any

import numpy as np

from qdesign.plugins import UnknownKeywordError
from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import as_unitary, phase_invariant_distance

__all__ = ["compile_unitary", "CompileError", "METHODS"]

METHODS = ("astar", "optimal", "sk", "gridsynth", "agent:<path>")

#: smallest epsilon a result can be certified at: the distance of a word of a few hundred gates is
#: computed to ~1e-14 in double precision, so below this a check could pass or fail by rounding alone
MIN_EPSILON = 1e-12

_ASTAR_KEYS = ("heuristic", "finisher", "lam", "batch", "max_nodes", "max_length", "finisher_cap",
               "root_finisher", "finisher_exact")
#: keyword arguments each method understands (anything else is a TypeError naming it)
METHOD_KWARGS: dict[str, tuple[str, ...]] = {
    "astar": _ASTAR_KEYS,
    "optimal": ("depth", "extend"),
    "sk": ("max_degree", "depth"),
    "gridsynth": (),
    "agent": ("max_gates", "agent_gates", *_ASTAR_KEYS),
}


class CompileError(RuntimeError):
    """No circuit within epsilon was found (time limit, table range or gate set too weak)."""


def _check_args(gate_set: Any, epsilon: Any, method: Any, time_limit: Any, metric: Any = "operator",
                kwargs: dict | None = None):
    from qdesign.quantum.gatesets import build_gate_set, warn_if_not_universal
    from qdesign.synthesis.metrics import check_metric

    check_metric(metric)

    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real) \
            or not 0 < float(epsilon) < 1:
        raise ValueError(f"epsilon must be a number in (0, 1), got {epsilon!r}")
    if float(epsilon) < MIN_EPSILON:
        raise ValueError(f"epsilon={float(epsilon):g} is below what double-precision verification can "
                         f"certify (MIN_EPSILON={MIN_EPSILON:g})")
    if not isinstance(method, str) or not (method in METHODS[:4] or method.startswith("agent:")):
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    allowed = METHOD_KWARGS["agent" if method.startswith("agent:") else method]
    unknown = sorted(set(kwargs or {}) - set(allowed))
    if unknown:
        raise UnknownKeywordError(
            f"compile_unitary() got unexpected keyword argument(s) {unknown} for method "
            f"{method!r} (it takes {list(allowed) or 'no extra keywords'})")
    if time_limit is not None and (isinstance(time_limit, (bool, np.bool_))
                                   or not isinstance(time_limit, numbers.Real) or not float(time_limit) > 0):
        raise ValueError(f"time_limit must be None or a positive number of seconds, got {time_limit!r}")
    gs = build_gate_set(gate_set)
    if metric == "frobenius_sign_strict":
        check_metric(metric, gs)
        if gs.num_qubits != 1:
            raise ValueError(f"metric {metric!r} is one-qubit only; gate_set {gs.name!r} has "
                             f"{gs.num_qubits} qubits")
        if method in ("sk", "gridsynth"):
            raise ValueError(f"method {method!r} does not support metric {metric!r} (its words carry a "
                             "global phase); use 'optimal', 'astar' or 'agent:<path>'")
    warn_if_not_universal(gs)
    return gs


def _as_target(unitary: Any) -> Any:
    """A ``QuantumCircuit`` (or an ``Operator``, gate, array) as its matrix."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    if isinstance(unitary, QuantumCircuit):
        return Operator(unitary).data
    return unitary


def compile_unitary(unitary: Any, gate_set: str | list | dict | GateSet = "clifford_t", epsilon: float = 1e-2,
                    method: str = "astar", time_limit: float | None = None, metric: str = "operator",
                    objective: str = "gates", n_jobs: int | None = None, cache: bool | str = True,
                    **kwargs: Any) -> Any:
    """A ``qiskit.QuantumCircuit`` over ``gate_set`` within phase-invariant distance ``epsilon`` of it.

    A list (or tuple, or an ``(n, d, d)`` array) of targets gives a list of circuits, compiled in order
    or, with ``n_jobs`` > 1, in that many worker processes (each loads its own tables; results are the
    same as in order, except where a ``time_limit`` cuts a search at a different point).

    ``objective``: ``"gates"`` (default: fewest gates, then fewest T) or ``"t_count"`` (fewest T gates,
    then fewest gates); ``astar`` and ``optimal`` choose among their candidate words by it (one qubit;
    methods producing a single word, ``sk`` and ``gridsynth``, have no choice to make).

    ``cache``: ``True`` (default) keeps the last ``RESULT_CACHE_SIZE`` results in memory, keyed by the
    exact target, gate set, epsilon, method, metric, objective, time limit and keywords (a hit returns a
    new circuit, ``metadata["cached"]`` set); ``"disk"`` also stores them under
    ``$QDESIGN_CACHE/results`` (default ``~/.cache/qdesign``) for later processes; ``False``: neither.

    ``unitary``: a 2x2 or 4x4 matrix, ``Operator``, gate or ``QuantumCircuit``. ``gate_set``:
    ``"clifford_t"`` (h, s, sdg, t, tdg), ``"ht"``, ``"hrc6"``, ``"hrc3"``,
    ``"clifford_t_2q"`` (with cx both ways), a list of qiskit gate names (add ``"cx"`` for two qubits) or
    a ``{name: 2x2 matrix}`` dict. ``method``: ``"astar"`` (BWQS with the shipped cost-to-go and, on one
    qubit, the exact meet-in-the-middle finisher; on Clifford+T first the direct lattice word, about
    3 log2(1/epsilon) T in milliseconds for epsilon >= 5e-7 (``qdesign.synthesis.lattice``), and below
    that the Rz-sandwich, gridsynth and deep-search routes, so it succeeds at every epsilon down to
    ``MIN_EPSILON``),
    ``"optimal"`` (exact shortest word, one qubit),
    ``"sk"`` (qiskit Solovay-Kitaev), ``"gridsynth"`` (qiskit gridsynth_unitary), ``"agent:<path>"`` (a
    trained SB3 policy's word completed by the finisher). The circuit's ``global_phase`` is set so that
    ``Operator(circuit)`` matches ``unitary`` as closely as possible; ``metadata`` holds the distance,
    average gate fidelity, method, metric, ``t_count``, ``clifford_count`` and wall time
    (``agent:<path>`` also ``agent_gates``, the
    number of leading gates written by the policy and kept by the finisher; pass ``agent_gates=K`` to
    make the policy write exactly K gates instead of truncating at its closest approach). ``astar`` also
    takes ``heuristic=``: ``"learned"`` (default), ``"distance"`` (network-free) or a model file from
    ``qdesign train-costtogo``, and ``max_length=`` (longest word searched, default no cap). Keywords a
    method does not take raise ``TypeError`` (see ``METHOD_KWARGS``).

    ``time_limit`` (seconds) bounds the search: ``astar`` returns the best word found by then (on
    Clifford+T a lattice or gridsynth word is found first, in milliseconds); ``optimal`` gives up.

    ``metric``: ``"operator"`` (default): the phase-invariant operator norm
    ``min_phi ||Operator(circuit) - e^{i phi} unitary||_2``, the worst-case error on any input state
    (it adds up over a circuit's gates, which is how ``compile_circuit`` splits its budget);
    ``"phase"``: ``sqrt(2 - 2|Tr(U^dag W)|/d)``, equal to ``"operator"`` on one qubit and a normalised
    Frobenius average on two (up to 2x smaller); ``"frobenius_sign_strict"``
    (Chen et al.'s protocol: ``||Operator(circuit) - unitary||_F <= epsilon`` with the circuit's global
    phase fixed to 0, so ``-unitary`` does not count; gate set and unitary must lie in SU(2), methods
    ``optimal``, ``astar`` and ``agent:<path>`` only). Distances are computed without cancellation
    (accurate to ~1e-15 at any size).

    ``gate_set="clifford"``: ``unitary`` is a ``qiskit.quantum_info.Clifford`` (or a Clifford-valued
    ``QuantumCircuit``) on any number of qubits, compiled exactly (``epsilon`` unused) with CX count
    first by ``method="astar"``, ``"agent:<path>"`` (a trained CliffordSynth policy as the search
    heuristic) or ``"agent"`` (the shipped CliffordSynthMoves policy for 3 to 6 qubits); see
    ``qdesign.api.clifford.compile_clifford``.

    Raises ``ValueError`` for bad arguments, ``UnknownKeywordError`` (a ``TypeError`` and a
    ``ValueError``) for unknown keywords and ``CompileError``
    (a ``RuntimeError``) when nothing within epsilon was found.
    """
    if isinstance(gate_set, str) and gate_set == "clifford":  # n-qubit Clifford synthesis, CX first
        from qdesign.api.clifford import CliffordSynthesisError, compile_clifford

        try:
            return compile_clifford(unitary, method=method, time_limit=time_limit, **kwargs)
        except CliffordSynthesisError as err:
            raise CompileError(str(err)) from err
    from qdesign.api.compile_batch import check_batch_args, compile_batch, is_batch

    check_batch_args(objective, n_jobs, cache)
    if is_batch(unitary):
        _check_args(gate_set, epsilon, method, time_limit, metric, kwargs)
        params = dict(gate_set=gate_set, epsilon=epsilon, method=method, time_limit=time_limit,
                      metric=metric, objective=objective, cache=cache, **kwargs)
        return compile_batch(compile_unitary, list(unitary), params, n_jobs)
    return _compile_one(unitary, gate_set, epsilon, method, time_limit, metric, objective, cache, kwargs)


def _compile_one(unitary: Any, gate_set: Any, epsilon: Any, method: str, time_limit: float | None,
                 metric: str, objective: str, cache: bool | str, kwargs: dict[str, Any]) -> Any:
    """``compile_unitary`` for one target, through the result cache."""
    from qiskit.quantum_info import Operator

    from qdesign.api.compile_batch import cache_get, cache_key, cache_put
    from qdesign.synthesis.metrics import check_metric, metric_distance

    gs = _check_args(gate_set, epsilon, method, time_limit, metric, kwargs)
    epsilon = float(epsilon)
    target = as_unitary(_as_target(unitary), name="unitary", dim=gs.dim)
    if objective == "t_count" and gs.num_qubits == 2:
        raise ValueError("objective='t_count' is one-qubit only for now (the two-qubit search counts "
                         "gates); use objective='gates'")
    key = cache_key(target, gs, epsilon, method, time_limit, metric, objective, kwargs) if cache else None
    hit = cache_get(key, gs, cache)
    if hit is not None and metric_distance(np.asarray(Operator(hit).data), target, metric) <= epsilon:
        return hit
    strict = metric == "frobenius_sign_strict"
    if strict:
        check_metric(metric, gs, target)
    # on one qubit the operator norm and the phase-invariant distance coincide: search with the cheap one
    search_metric = "phase" if (metric == "operator" and gs.num_qubits == 1) else metric
    t0 = time.time()
    extra: dict[str, Any] = {}
    word = _run(method, target, gs, epsilon, time_limit, metric=search_metric, extra=extra,
                objective=objective, **kwargs)
    if word is None:
        from qdesign.synthesis.gridsynth import precision_note

        raise CompileError(f"method {method!r} found no {gs.name} word within epsilon={epsilon:g}"
                           + (f" in time_limit={time_limit}s" if time_limit else "") + precision_note())
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

    ops = qc.count_ops()
    t_count = int(ops.get("t", 0) + ops.get("tdg", 0))
    n_cx = int(ops.get("cx", 0))
    qc.metadata = {"distance": float(dist), "fidelity": float(average_gate_fidelity(op, target)),
                   "phase_distance": float(phase_invariant_distance(op, target)),
                   "operator_distance": float(metric_distance(op, target, "operator")), "metric": metric,
                   "method": method, "gate_set": gs.name, "seconds": time.time() - t0,
                   "length": len(word), "t_count": t_count, "cx_count": n_cx,
                   "clifford_count": len(word) - t_count, "objective": objective, **extra}
    cache_put(key, word, qc, cache)
    return qc


def _run(method: str, target: np.ndarray, gs: Any, epsilon: float, time_limit: float | None,
         metric: str = "phase", extra: dict[str, Any] | None = None, objective: str = "gates",
         **kwargs: Any) -> list[int] | None:
    if method == "optimal":
        from qdesign.synthesis.mitm import get_solver

        if gs.num_qubits != 1:
            raise ValueError(f"method 'optimal' is one-qubit only; gate_set {gs.name!r} has 2 qubits")
        deadline = None if time_limit is None else time.time() + float(time_limit)
        solver = get_solver(gs, kwargs.get("depth"), epsilon, sign_strict=metric == "frobenius_sign_strict")
        sol = solver.solve(target, epsilon, extend=int(kwargs.get("extend", 2)), deadline=deadline,
                           objective=objective)
        return None if sol is None else sol.word
    if method == "astar":
        from qdesign.synthesis.bwqs import astar

        return astar(target, gs, epsilon, time_limit=time_limit, metric=metric, objective=objective,
                     **kwargs).word
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
                      info=extra, objective=objective, **kwargs)


def _suppress_warnings() -> None:  # pragma: no cover - convenience for scripts
    warnings.filterwarnings("ignore", category=UserWarning, module="qdesign")
