"""The CRLQAS 3D circuit tensor: moments x (N CNOT rows + 3 rotation rows) x N qubits.

CNOT(c -> t) in moment m sets ``[m, t, c] = 1``; R_axis(q) sets ``[m, N + axis, q] = 1``. Gates are
placed as early as possible (ASAP): a rotation on q goes into ``front[q]``, a CNOT into
``max(front[c], front[t])``; so depth is explicit and gates on disjoint wires share a moment.
"""

from __future__ import annotations

import numpy as np

from qdesign.envs.arch_search.actions import AXES, Action


class TensorEncoder:
    """The CRLQAS circuit tensor of one episode, filled gate by gate with ASAP placement."""
    def __init__(self, num_qubits: int, max_depth: int):
        self.n = num_qubits
        self.max_depth = max_depth
        self.tensor = np.zeros((max_depth, num_qubits + 3, num_qubits), dtype=np.float32)
        self.front = np.zeros(num_qubits, dtype=np.int64)

    @property
    def size(self) -> int:
        """Number of entries (the flat observation length)."""
        return self.tensor.size

    def reset(self) -> None:
        """Clear the tensor and the per-qubit fronts."""
        self.tensor[:] = 0.0
        self.front[:] = 0

    def place(self, action: Action) -> int:
        """Write the gate into its ASAP moment; returns the moment index."""
        if action.name == "cx":
            c, t = action.qubits
            m = int(max(self.front[c], self.front[t]))
            if m < self.max_depth:
                self.tensor[m, t, c] = 1.0
            self.front[c] = self.front[t] = m + 1
        else:
            (q,) = action.qubits
            m = int(self.front[q])
            if m < self.max_depth:
                self.tensor[m, self.n + AXES.index(action.name), q] = 1.0
            self.front[q] = m + 1
        return m

    @property
    def depth(self) -> int:
        """Current circuit depth (moments used)."""
        return int(self.front.max(initial=0))

    def flat(self) -> np.ndarray:
        """The tensor as a flat view (no copy)."""
        return self.tensor.reshape(-1)
