"""Noiseless batched statevector simulation of one circuit structure for many angle vectors.

The states are complex128 with qiskit's little-endian basis index. Every gate is applied locally:
by a numba kernel looping over each batch member's 2^n amplitudes (default when numba is
installed: a few microseconds per call, which is what SPSA's 2-3-vector batches need), or by
numpy slice arithmetic on a (B, 2, ..., 2) tensor (qubit q on axis ``1 + (n - 1 - q)``; CX is a
slice swap, RZ a phase), all B angle vectors at once. Energies come from the Hamiltonian's
precomputed sparse matrix, or, with readout error or finite shots, group by group (see
``qdesign.quantum.measurement``).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from qdesign.quantum import _kernels as _k
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.gates import FIXED_GATES, ROTATIONS
from qdesign.quantum.measurement import GroupMeasurement
from qdesign.quantum.pauli import PauliGroup, PauliSum, as_pauli_sum

_SDG_H = FIXED_GATES["h"] @ FIXED_GATES["sdg"]  # rotates the Y eigenbasis onto Z
BACKENDS = ("auto", "numba", "numpy")


def resolve_backend(backend: str) -> str:
    """``auto`` -> numba when installed, else numpy; ``numba`` without numba is an error."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "numba" if _k.AVAILABLE else "numpy"
    if backend == "numba" and not _k.AVAILABLE:
        raise ValueError("backend='numba' needs the numba package; use 'numpy' or 'auto'")
    return backend


class CompileCache:
    """LRU cache of compiled circuits keyed by their gate tuple, with an identity fast path.

    Gates are immutable, so a gate list holding the very same Gate objects as the previous call
    is the same circuit: that check costs far less than hashing the tuple (the optimizer calls
    the simulator thousands of times on one circuit).
    """

    def __init__(self, build, size: int) -> None:
        self._build = build
        self._size = int(size)
        self._store: OrderedDict = OrderedDict()
        self._last_gates: list = []
        self._last_value = None

    def get(self, circuit: Circuit):
        """The compiled form of ``circuit``, built on a miss and kept in the LRU store."""
        gates = circuit.gates
        last = self._last_gates
        if self._last_value is not None and len(gates) == len(last) and all(
                a is b for a, b in zip(gates, last)):
            return self._last_value
        key = tuple(gates)
        value = self._store.get(key)
        if value is None:
            value = self._build(circuit)
            self._store[key] = value
            if len(self._store) > self._size:
                self._store.popitem(last=False)
        else:
            self._store.move_to_end(key)
        self._last_gates = list(gates)
        self._last_value = value
        return value


def check_thetas(circuit: Circuit, thetas: np.ndarray, num_qubits: int) -> np.ndarray:
    """Validate ``circuit`` against the simulator and ``thetas`` against the circuit."""
    if not isinstance(circuit, Circuit):
        raise ValueError(f"circuit must be a qdesign Circuit, got {type(circuit).__name__}")
    if circuit.num_qubits != num_qubits:
        raise ValueError(f"circuit has {circuit.num_qubits} qubits but the hamiltonian acts on "
                         f"{num_qubits}")
    th = np.asarray(thetas, dtype=np.float64)
    p = circuit.num_parameters
    if th.ndim != 2 or th.shape[1] != p:
        raise ValueError(f"thetas must have shape (B, {p}) for this circuit, got {th.shape}")
    if not np.all(np.isfinite(th)):
        raise ValueError("thetas must be finite")
    return th


def _idx(axis: int, value: int, axis2: int | None = None, value2: int | None = None) -> tuple:
    idx: list = [slice(None)] * (max(axis, axis2 or 0) + 1)
    idx[axis] = value
    if axis2 is not None:
        idx[axis2] = value2
    return tuple(idx)


class _Compiled:
    """A circuit turned into flat gate arrays for the numba kernels and, on first use by the numpy
    backend, a list of slice operations (cached per gate list; the slices cost more to build than
    a whole compiled BFGS run on small circuits, so they are only made when needed)."""

    def __init__(self, circuit: Circuit) -> None:
        self._circuit = circuit.copy()
        self._ops: list | None = None
        kinds = {"rx": _k.SV_RX, "ry": _k.SV_RY, "rz": _k.SV_RZ, "cx": _k.SV_CX}
        gates = [g for g in circuit.gates if g.name != "id"]
        self.kind = np.array([kinds.get(g.name, _k.SV_FIXED) for g in gates], dtype=np.int64)
        self.q0 = np.array([g.qubits[0] for g in gates], dtype=np.int64)
        self.q1 = np.array([g.qubits[-1] for g in gates], dtype=np.int64)
        self.param = np.array([-1 if g.param is None else g.param for g in gates], dtype=np.int64)
        self.mats = np.zeros((len(gates), 2, 2), dtype=np.complex128)
        for i, g in enumerate(gates):
            if g.name in FIXED_GATES and g.name != "cx":
                self.mats[i] = FIXED_GATES[g.name]

    @property
    def ops(self) -> list:
        if self._ops is None:
            self._ops = _slice_ops(self._circuit)
        return self._ops


def _slice_ops(circuit: Circuit) -> list:
    """The numpy backend's slice operations of a circuit."""
    n = circuit.num_qubits
    ops: list = []
    for g in circuit.gates:
        if g.name == "cx":
            ac, at = (1 + n - 1 - q for q in g.qubits)
            ops.append(("cx", _idx(ac, 1, at, 0), _idx(ac, 1, at, 1)))
            continue
        ax = 1 + n - 1 - g.qubits[0]
        i0, i1 = _idx(ax, 0), _idx(ax, 1)
        if g.name in ROTATIONS:
            ops.append((g.name, i0, i1, g.param))
        elif g.name == "id":
            continue
        elif g.name == "x":
            ops.append(("swap", i0, i1))
        else:
            m = FIXED_GATES[g.name]
            if m[0, 1] == 0 and m[1, 0] == 0:
                ops.append(("diag", i0, i1, complex(m[0, 0]), complex(m[1, 1])))
            else:
                ops.append(("mat", i0, i1, m))
    return ops


def apply_ops(state: np.ndarray, ops: list, thetas: np.ndarray) -> None:
    """Apply compiled ops in place to ``state`` of shape (B, 2, ..., 2)."""
    b = state.shape[0]
    bshape = (b,) + (1,) * (state.ndim - 2)
    half = thetas * 0.5
    cos, sin = np.cos(half), np.sin(half)
    for op in ops:
        kind = op[0]
        if kind == "cx" or kind == "swap":
            _, ia, ib = op
            tmp = state[ia].copy()
            state[ia] = state[ib]
            state[ib] = tmp
            continue
        s0, s1 = state[op[1]], state[op[2]]
        if kind == "rz":
            ph = (cos[:, op[3]] - 1j * sin[:, op[3]]).reshape(bshape)
            s0 *= ph
            s1 *= ph.conj()
        elif kind == "rx" or kind == "ry":
            c = cos[:, op[3]].reshape(bshape)
            s = sin[:, op[3]].reshape(bshape)
            if kind == "rx":
                s = -1j * s
                t0 = s0.copy()
                s0 *= c
                s0 += s * s1
                s1 *= c
                s1 += s * t0
            else:
                t0 = s0.copy()
                s0 *= c
                s0 -= s * s1
                s1 *= c
                s1 += s * t0
        elif kind == "diag":
            if op[3] != 1:
                s0 *= op[3]
            s1 *= op[4]
        else:
            m = op[3]
            t0 = s0.copy()
            s0 *= m[0, 0]
            s0 += m[0, 1] * s1
            s1 *= m[1, 1]
            s1 += m[1, 0] * t0


def _basis_change_ops(group: PauliGroup, n: int) -> list:
    """Slice ops rotating each qubit's measured Pauli (X or Y) onto Z."""
    ops = []
    for q in range(n):
        ax = 1 + n - 1 - q
        if group.basis[q] == 1:
            ops.append(("mat", _idx(ax, 0), _idx(ax, 1), FIXED_GATES["h"]))
        elif group.basis[q] == 2:
            ops.append(("mat", _idx(ax, 0), _idx(ax, 1), _SDG_H))
    return ops


def real_hamiltonian(indptr: np.ndarray, indices: np.ndarray,
                     data: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The arguments ``(hre, hdense)`` of ``_kernels.bfgs_adjoint_real`` for the CSR Hamiltonian
    ``(indptr, indices, data)``, or None when it has complex entries (or unsorted rows, whose sums the
    dense form would reorder). ``hdense`` is the dense transpose when at least half the entries are
    stored (its vectorised products are then faster), else an empty (0, 0) array (CSR products)."""
    if data.size and np.any(data.imag != 0.0):
        return None
    if any(np.any(np.diff(indices[a:b]) <= 0) for a, b in zip(indptr[:-1], indptr[1:])):
        return None
    dim = len(indptr) - 1
    hre = np.ascontiguousarray(data.real, dtype=np.float64)
    hdense = np.zeros((0, 0))
    if 2 * data.size >= dim * dim:
        full = np.zeros((dim, dim))
        rows = np.repeat(np.arange(dim), np.diff(indptr))
        full[rows, indices] = hre
        hdense = np.ascontiguousarray(full.T)
    return hre, hdense


class StatevectorSimulator:
    """Exact energies ``<0|U(theta)^dag H U(theta)|0>`` for a batch of angle vectors.

    ``shots`` (per measured group) and ``readout=(p01, p10)`` make the energies those of a
    noiseless device read out group by group; with both unset the energies are exact.
    ``backend``: ``"numba"`` (one jitted loop per call; the default when numba is installed) or
    ``"numpy"`` (batched slice arithmetic).
    """

    def __init__(self, hamiltonian, *, shots: int | None = None,
                 readout: tuple[float, float] | None = None, cache_size: int = 512,
                 backend: str = "auto") -> None:
        self.backend = resolve_backend(backend)
        self.hamiltonian: PauliSum = as_pauli_sum(hamiltonian)
        self.num_qubits = self.hamiltonian.num_qubits
        if shots is not None and (int(shots) != shots or shots < 1):
            raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
        self.shots = None if shots is None else int(shots)
        if readout is not None:
            for name, v in zip(("readout_p01", "readout_p10"), readout):
                if not 0.0 <= float(v) <= 1.0:
                    raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")
            readout = (float(readout[0]), float(readout[1]))
            if readout == (0.0, 0.0):
                readout = None
        self.readout = readout
        self._measure: GroupMeasurement | None = None
        self._rotations: np.ndarray | None = None
        self._cache = CompileCache(_Compiled, cache_size)
        n = self.num_qubits
        self._op = self.hamiltonian.sparse_matrix()
        # small dense products are fastest; larger ones go through a single-threaded CSR kernel
        # (a multi-threaded BLAS zgemm stalls badly on a loaded machine)
        self._dense = self._op.toarray() if n <= 4 else None
        self._csr = (self._op.indptr.astype(np.int64), self._op.indices.astype(np.int64),
                     self._op.data.astype(np.complex128))
        #: (real CSR values, dense transpose or an empty (0, 0)) when H is a real matrix (molecular
        #: Hamiltonians are): the compiled BFGS then runs ``_kernels.bfgs_adjoint_real``
        self._hreal = real_hamiltonian(*self._csr)

    def _compile(self, circuit: Circuit) -> _Compiled:
        return self._cache.get(circuit)

    def statevectors(self, circuit: Circuit, thetas: np.ndarray) -> np.ndarray:
        """(B, 2^n) final states (qiskit basis order) from |0...0>."""
        th = check_thetas(circuit, thetas, self.num_qubits)
        n, b = self.num_qubits, th.shape[0]
        comp = self._compile(circuit)
        if self.backend == "numba":
            out = np.empty((b, 2 ** n), dtype=np.complex128)
            _k.statevector_run(comp.kind, comp.q0, comp.q1, comp.param, comp.mats, th, n, out)
            return out
        state = np.zeros((b,) + (2,) * n, dtype=np.complex128)
        state[(slice(None),) + (0,) * n] = 1.0
        apply_ops(state, comp.ops, th)
        return state.reshape(b, 2 ** n)

    def energies(self, circuit: Circuit, thetas: np.ndarray, rng: np.random.Generator | None = None,
                 shots: int | None = None) -> np.ndarray:
        """(B,) total energies; ``shots`` overrides the simulator's shot count for this call."""
        psi = self.statevectors(circuit, thetas)
        shots = self.shots if shots is None else int(shots)
        if shots is None and self.readout is None:
            return self.exact_from_states(psi)
        return self.measured_from_states(psi, shots=shots, rng=rng)

    def measured_from_states(self, psi: np.ndarray, shots: int | None = None,
                             rng: np.random.Generator | None = None) -> np.ndarray:
        """Energies of (B, 2^n) states read out group by group (readout error, optional shots)."""
        if self._measure is None:
            self._measure = GroupMeasurement(self.hamiltonian, self.readout)
            self._rotations = self._group_rotations()
        b, dim = psi.shape
        if _k.AVAILABLE:
            probs = np.empty((b, len(self._measure.groups), dim))
            _k.group_probs_statevector(np.ascontiguousarray(psi), self._measure.basis, probs)
            return self._measure.energies_from_probs(probs, shots=shots, rng=rng)
        if self._rotations is not None:
            amps = np.matmul(psi[None], self._rotations)  # (G, B, 2^n)
        else:
            amps = np.empty((len(self._measure.groups), b, dim), dtype=np.complex128)
            for gi, group in enumerate(self._measure.groups):
                rot = psi.reshape((b,) + (2,) * self.num_qubits).copy()
                apply_ops(rot, _basis_change_ops(group, self.num_qubits), np.zeros((b, 0)))
                amps[gi] = rot.reshape(b, dim)
        probs = (amps.real ** 2 + amps.imag ** 2).transpose(1, 0, 2)
        return self._measure.energies_from_probs(probs, shots=shots, rng=rng)

    def _group_rotations(self) -> np.ndarray | None:
        """(G, 2^n, 2^n) transposed basis-change unitaries, when small enough to store densely."""
        groups = self._measure.groups
        n = self.num_qubits
        if n > 8 or len(groups) * 4 ** n > (1 << 22):
            return None
        mats = {1: FIXED_GATES["h"], 2: _SDG_H, 3: np.eye(2)}
        out = np.empty((len(groups), 2 ** n, 2 ** n), dtype=np.complex128)
        for gi, g in enumerate(groups):
            full = np.array([[1.0 + 0j]])
            for q in range(n):
                full = np.kron(mats[int(g.basis[q])], full)
            out[gi] = full.T
        return out

    @property
    def exact(self) -> bool:
        """True when energies are exact expectations (no shots, no readout error): then the
        adjoint gradient and the compiled BFGS below apply."""
        return self.shots is None and self.readout is None

    def _adjoint_args(self, circuit: Circuit, theta: np.ndarray) -> tuple:
        if not self.exact:
            raise ValueError("adjoint gradients need exact energies; this simulator has shots or "
                             "readout error (use an SPSA-type optimizer)")
        th = check_thetas(circuit, np.asarray(theta, dtype=float).reshape(1, -1), self.num_qubits)[0]
        comp = self._compile(circuit)
        indptr, indices, data = self._csr
        return (comp.kind, comp.q0, comp.q1, comp.param, comp.mats, np.ascontiguousarray(th),
                self.num_qubits, indptr, indices, data, float(self.hamiltonian.constant))

    def energy_and_gradient(self, circuit: Circuit, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Exact energy and its gradient in all angles by the adjoint method (about three
        simulations, independent of the number of angles)."""
        args = self._adjoint_args(circuit, theta)
        dim = 2 ** self.num_qubits
        grad = np.empty(circuit.num_parameters)
        e = _k.energy_and_gradient(*args, np.empty(dim, np.complex128), np.empty(dim, np.complex128),
                                   grad)
        return float(e), grad

    def minimize_bfgs(self, circuit: Circuit, x0: np.ndarray, maxiter: int = 200,
                      gtol: float = 1e-8) -> tuple[np.ndarray, float, int, float]:
        """Minimise the energy over the angles from ``x0`` by BFGS on adjoint gradients, the whole
        loop compiled: returns (angles, energy, evaluations, max |gradient| at x0)."""
        args = self._adjoint_args(circuit, x0)
        xout = np.empty(circuit.num_parameters)
        stats = np.zeros(3)
        if self._hreal is not None:  # the same result to the bit, about twice as fast
            f = _k.bfgs_adjoint_real(*args[:9], *self._hreal, *args[10:], int(maxiter), float(gtol), xout,
                                     stats)
        else:
            f = _k.bfgs_adjoint(*args, int(maxiter), float(gtol), xout, stats)
        return xout, float(f), int(stats[0]), float(stats[2])

    def exact_from_states(self, psi: np.ndarray) -> np.ndarray:
        """Total energies of (B, 2^n) states without readout or shot noise."""
        if self._dense is not None:
            hpsi = psi @ self._dense.T
        elif _k.AVAILABLE:
            out = np.empty(psi.shape[0])
            _k.csr_expectations(*self._csr, np.ascontiguousarray(psi), out)
            return self.hamiltonian.constant + out
        else:
            hpsi = (self._op @ psi.T).T
        return self.hamiltonian.constant + np.einsum("bi,bi->b", psi.conj(), hpsi).real
