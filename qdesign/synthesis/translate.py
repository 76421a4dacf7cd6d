"""Rewrite a one-qubit qiskit circuit into a gate set's action word (exact, up to global phase).

Gates already in the set map to their action; any other fixed gate (x, z, s in {h, t}, ...) is
replaced by its shortest exact word from the meet-in-the-middle tables, cached per gate set.
"""

from __future__ import annotations

from typing import Any

from qdesign.quantum.gatesets import GateSet

_CACHE: dict[tuple[str, str], list[int]] = {}


def circuit_to_word(qc: Any, gs: GateSet) -> list[int]:
    """Action word (first gate first) of a 1-qubit ``QuantumCircuit``; ``ValueError`` if a gate can't be
    written exactly in ``gs``."""
    from qdesign.synthesis.mitm import get_solver

    if gs.num_qubits != 1 or qc.num_qubits != 1:
        raise ValueError("circuit_to_word handles one-qubit circuits and gate sets only")
    index = {name: i for i, name in enumerate(gs.gate_names)}
    word: list[int] = []
    for inst in qc.data:
        name = inst.operation.name
        if name in index:
            word.append(index[name])
            continue
        if name in ("id", "barrier", "delay"):
            continue
        key = (gs.name, name)
        if key not in _CACHE:
            sol = get_solver(gs).solve(inst.operation.to_matrix(), 1e-7)
            if sol is None:
                raise ValueError(f"gate {name!r} has no exact word in gate set {gs.name!r}")
            _CACHE[key] = sol.word
        word += _CACHE[key]
    return word
