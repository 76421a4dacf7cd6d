"""The one action table of the architecture-search env and its illegal-action rule.

Actions are CNOT(control, target) on the allowed ordered pairs (all pairs, or a coupling map),
followed by RX, RY, RZ on every qubit. Without a coupling map the layout is CRLQAS's:
CNOT index ``c*(N-1) + (x-1)`` with target ``(c+x) mod N``, then rotation ``N(N-1) + 3q + axis``.
The same table decodes actions for the env, the masks and the agents (the reference code used two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

AXES = ("rx", "ry", "rz")


@dataclass(frozen=True)
class Action:
    """``name`` is "cx" (qubits = (control, target)) or one of rx/ry/rz (qubits = (q,))."""

    name: str
    qubits: tuple[int, ...]


def cnot_pairs(num_qubits: int, coupling_map: Sequence[Sequence[int]] | None = None) -> list[tuple[int, int]]:
    """Allowed directed CNOT pairs in table order; validates the coupling map."""
    every = [(c, (c + x) % num_qubits) for c in range(num_qubits) for x in range(1, num_qubits)]
    if coupling_map is None:
        return every
    pairs: list[tuple[int, int]] = []
    for edge in coupling_map:
        if (not isinstance(edge, (list, tuple)) or len(edge) != 2
                or not all(isinstance(q, (int, np.integer)) for q in edge)):
            raise ValueError(f"coupling_map entry {edge!r} is invalid; allowed: [control, target] "
                             "integer pairs")
        c, t = int(edge[0]), int(edge[1])
        if not (0 <= c < num_qubits and 0 <= t < num_qubits) or c == t:
            raise ValueError(f"coupling_map={list(map(list, coupling_map))!r} names qubit pair {[c, t]}; "
                             f"allowed: distinct qubits in 0..{num_qubits - 1}")
        pairs.append((c, t))
    left_out = sorted(set(range(num_qubits)) - {q for pair in pairs for q in pair}) if num_qubits > 1 else []
    if left_out:  # such a qubit could never be entangled: the ansatz would miss most ground states
        raise ValueError(f"coupling_map={list(map(list, coupling_map))!r} leaves qubit(s) {left_out} out; "
                         f"allowed: pairs that together touch every qubit 0..{num_qubits - 1}")
    allowed = set(pairs)
    return [p for p in every if p in allowed]


class ActionTable:
    """Index <-> gate decoding plus the CRLQAS "wire front" illegal-action tracker."""

    def __init__(self, num_qubits: int, coupling_map: Sequence[Sequence[int]] | None = None):
        self.num_qubits = num_qubits
        self.pairs = cnot_pairs(num_qubits, coupling_map)
        self.actions: list[Action] = [Action("cx", p) for p in self.pairs]
        self.actions += [Action(AXES[a], (q,)) for q in range(num_qubits) for a in range(3)]
        self.index = {a: i for i, a in enumerate(self.actions)}

    def __len__(self) -> int:
        return len(self.actions)

    def __getitem__(self, i: int) -> Action:
        return self.actions[i]


class IllegalTracker:
    """Forbids only the immediate repetition of an identical gate on untouched wires.

    A stored gate stays "at the front" until another gate touches one of its wires; a rotation on
    the same qubit with a different axis also clears it (RX-RY-RX is allowed, RX-RX is not).
    """

    def __init__(self, table: ActionTable):
        self.table = table
        self.front: list[int] = []

    def reset(self) -> None:
        """Forget all gates (start of an episode)."""
        self.front = []

    def push(self, index: int) -> None:
        """Record action ``index`` as applied, clearing the front gates it touches."""
        act = self.table[index]
        keep = []
        for j in self.front:
            other = self.table[j]
            touches = bool(set(other.qubits) & set(act.qubits))
            if touches:
                # rotation after a same-axis rotation on the same qubit cannot happen (it is illegal)
                continue
            keep.append(j)
        keep.append(index)
        self.front = keep

    def mask(self) -> np.ndarray:
        """Legal actions: all but the immediate repeats of the gates at the front."""
        m = np.ones(len(self.table), dtype=bool)
        m[self.front] = False
        return m
