"""``compile_circuit``: a whole ``QuantumCircuit`` to Clifford+T (or another one-qubit set plus CX).

qiskit first rewrites the circuit over CX and merged one-qubit ``u`` gates (``transpile`` with
``basis_gates=["cx", "u"]``). Every ``u`` that is exactly a short word of the gate set (H, S, T, ...) is
written exactly; the others share the error budget: the phase-invariant operator norm is unitarily
invariant and obeys the triangle inequality, so a circuit whose n approximated gates are each within
``epsilon / n`` is within ``epsilon`` of the original (global phases collect into one global phase).
(A verified circuit first tries the looser ``epsilon / sqrt(n)`` per gate and keeps it only if the
whole circuit checks out.) Each of them goes through ``compile_unitary`` (A* with the exact
meet-in-the-middle finisher, the Rz-sandwich and gridsynth routes at high precision, one gridsynth
rotation for Z rotations), with
results cached by matrix. Up to ``VERIFY_QUBITS`` qubits the result is re-checked against qiskit's
``Operator`` of the input.
"""

from __future__ import annotations

import numbers
import time
from typing import Any

import numpy as np

__all__ = ["compile_circuit", "VERIFY_QUBITS"]

#: largest circuit whose compiled unitary is re-checked against the input with qiskit's Operator
VERIFY_QUBITS = 10
#: longest exact word looked up for a one-qubit gate before it is treated as a rotation to approximate
EXACT_LENGTH = 12


def _one_qubit_set(gate_set: Any):
    from qdesign.quantum.gatesets import build_gate_set

    if gate_set == "clifford_t_2q":
        gate_set = "clifford_t"
    gs = build_gate_set(gate_set)
    if gs.num_qubits != 1:
        raise ValueError(f"gate_set must be a one-qubit set (cx is added), got {gs.name!r} with "
                         f"{gs.num_qubits} qubits")
    return gs


def compile_circuit(circuit: Any, gate_set: str | list | dict = "clifford_t", epsilon: float = 1e-2,
                    method: str = "astar", time_limit: float | None = None,
                    optimization_level: int = 1, objective: str = "gates") -> Any:
    """``circuit`` rewritten over ``gate_set`` plus ``cx``, within phase-invariant operator-norm distance
    ``epsilon`` of it (the worst case over input states; see the module docstring for the split).

    ``method`` and ``objective`` (``"gates"`` or ``"t_count"``: fewest T first, what a fault-tolerant
    cost counts) are passed to ``compile_unitary`` for each approximated gate; ``time_limit`` (seconds)
    bounds the whole call, shared out over the gates still to compile (a gate never gets less than
    0.2 s). ``metadata``: ``t_count``, ``cx_count``, ``gates``, ``approximated`` (number of gates given
    a share), ``epsilon_per_gate``, ``distance`` (measured against ``Operator(circuit)`` up to
    ``VERIFY_QUBITS`` qubits, else None) and ``seconds``.
    Raises ``ValueError`` for bad arguments and ``CompileError`` if the verified distance exceeds
    epsilon.
    """
    from qiskit import QuantumCircuit, transpile
    from qiskit.quantum_info import Operator

    from qdesign.api.compile import MIN_EPSILON, CompileError, compile_unitary
    from qdesign.quantum.unitary import operator_norm_distance, unitary_key
    from qdesign.synthesis.mitm import get_solver

    if not isinstance(circuit, QuantumCircuit):
        raise ValueError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not 0 < float(epsilon) < 1:
        raise ValueError(f"epsilon must be a number in (0, 1), got {epsilon!r}")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real)
                                   or not time_limit > 0):
        raise ValueError(f"time_limit must be None or a positive number of seconds, got {time_limit!r}")
    if objective not in ("gates", "t_count"):
        raise ValueError(f"objective must be 'gates' or 't_count', got {objective!r}")
    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
    if any(inst.operation.name in ("measure", "reset") for inst in circuit.data):
        raise ValueError("circuit: measurements and resets are not compiled (pass the unitary part)")
    epsilon = float(epsilon)
    gs = _one_qubit_set(gate_set)
    t0 = time.time()
    flat = transpile(circuit, basis_gates=["cx", "u"], optimization_level=optimization_level)
    if flat.layout is not None and flat.layout.final_layout is not None:
        # levels 2-3 may elide trailing swaps into a permuted output; keep the circuit's own qubit order
        flat = transpile(circuit, basis_gates=["cx", "u"], optimization_level=1)
    exact_solver = get_solver(gs)
    action = {name: a for a, name in enumerate(gs.gate_names)}

    # pass 1: exact words for gates that are short words of the set; the rest share the budget
    plan: list[tuple[str, tuple[int, ...], Any]] = []
    todo: dict[bytes, np.ndarray] = {}
    exact: dict[bytes, list[int]] = {}
    for inst in flat.data:
        qs = tuple(flat.find_bit(q).index for q in inst.qubits)
        name = inst.operation.name
        if name == "barrier":
            continue
        if name == "cx":
            plan.append(("cx", qs, None))
            continue
        if name != "u":  # pragma: no cover - transpile emits only cx and u here
            raise ValueError(f"circuit: unexpected gate {name!r} after transpiling to cx and u")
        m = np.asarray(Operator(inst.operation).data)
        key = unitary_key(m, 12)  # one entry per phase class: repeated rotations are compiled once
        if key not in exact and key not in todo:
            sol = exact_solver.solve(m, 1e-9, max_length=EXACT_LENGTH)
            if sol is not None:
                exact[key] = sol.word
            else:
                todo[key] = m
        plan.append(("u", qs, key))
    n_approx = sum(1 for kind, _, key in plan if kind == "u" and key in todo)
    if n_approx and epsilon / n_approx < MIN_EPSILON:
        raise ValueError(f"epsilon={epsilon:g} over {n_approx} rotations leaves {epsilon / n_approx:.1e} per "
                         f"gate, below what can be certified (MIN_EPSILON={MIN_EPSILON:g})")
    verify = circuit.num_qubits <= VERIFY_QUBITS
    want = np.asarray(Operator(circuit).data) if verify else np.eye(1)
    gate_ops = [gs.to_circuit([a]).data[0].operation for a in range(gs.n_actions)]
    # per-gate budget epsilon / n**s: s = 1 is the guaranteed split; errors of independent rotations
    # rarely line up, so a verified circuit may first try the looser s = 1/2 (kept only if it verifies)
    splits = (0.5, 1.0) if verify and n_approx > 1 else (1.0,)
    out, dist, eps_gate = None, None, epsilon
    for si, split in enumerate(splits):
        eps_gate = epsilon / max(1, n_approx) ** split
        words: dict[bytes, list[int]] = dict(exact)
        keys = list(todo)
        for i, key in enumerate(keys):
            limit = None
            if time_limit is not None:  # the loose try gets half of what is left, the last try all of it
                share = 0.5 if si < len(splits) - 1 else 1.0
                limit = max(0.2, share * (time_limit - (time.time() - t0)) / (len(keys) - i))
            qc1 = compile_unitary(todo[key], gate_set=gs, epsilon=eps_gate, method=method, time_limit=limit,
                                  objective=objective)
            words[key] = [action[ci.operation.name] for ci in qc1.data]
        out = QuantumCircuit(circuit.num_qubits, global_phase=0.0)
        for kind, qs, key in plan:
            if kind == "cx":
                out.cx(qs[0], qs[1])
                continue
            for a in words[key]:
                out.append(gate_ops[a], [qs[0]])
        if not verify:
            break
        got = np.asarray(Operator(out).data)
        overlap = np.trace(got.conj().T @ want)
        out.global_phase = float(np.angle(overlap)) if abs(overlap) > 1e-12 else 0.0
        dist = float(operator_norm_distance(np.asarray(Operator(out).data), want))
        if dist <= epsilon:
            break
    if verify and (dist is None or not dist <= epsilon):
        raise CompileError(f"compiled circuit is at operator distance {dist:.3e} > epsilon={epsilon:g}")
    assert out is not None  # the loop above ran at least once
    ops = out.count_ops()
    out.metadata = {"t_count": int(ops.get("t", 0) + ops.get("tdg", 0)), "cx_count": int(ops.get("cx", 0)),
                    "gates": int(sum(ops.values())), "approximated": n_approx, "epsilon_per_gate": eps_gate,
                    "distance": dist, "epsilon": epsilon, "gate_set": gs.name, "seconds": time.time() - t0}
    return out
