"""Noisy batched simulation in the Pauli-transfer-matrix (PTM) picture, gate by gate, locally.

The state is the real Pauli vector ``r_P = Tr(P rho)`` of every batch member, stored as a
float64 tensor of shape (B, 4, ..., 4); qubit q lives on axis ``1 + (n - 1 - q)`` so the
flattened index is ``sum_q code_q 4^q`` (I=0, X=1, Y=2, Z=3), matching ``PauliSum.pauli_index``.

Each gate and the noise that follows it are fused once per circuit into a small PTM: 4x4 for a
1-qubit gate, 16x16 for a CX. A rotation's PTM is ``A + cos(theta) B + sin(theta) C``, so the
three pieces are precomputed and combined per batch member. Applying a PTM only touches the
gate's qubits: O(4^n) work per gate (16 multiply-adds per entry at most) instead of the O(16^n)
dense 4^n x 4^n product of CRLQAS's reference simulator. Two implementations share the compiled
data: a numba kernel updating each batch member in place (a noisy CX is a scaled signed
permutation followed by the local damping PTMs), and a numpy path that transposes the gate's axes
to the front and applies batched matmuls (rotations) or row-sparse updates (CX).

Energies: ``<H> = constant + h . r``; readout error is the per-qubit map ``r_sigma ->
(1-p01-p10) r_sigma + (p10-p01) r_I`` on measured Paulis (see ``qdesign.quantum.measurement``),
folded once into the Hamiltonian vector. Shot noise samples each group's readout-affected
outcome distribution, obtained from the Pauli vector by a Walsh-Hadamard transform.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from qdesign.quantum import _kernels as _k
from qdesign.quantum.channels import (
    amplitude_damping_kraus,
    depolarizing_ptm,
    phase_damping_kraus,
    ptm_of_kraus,
)
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.gates import FIXED_GATES, ROTATIONS, rotation
from qdesign.quantum.measurement import GroupMeasurement
from qdesign.quantum.noise import NoiseModel, noise_ptm_1q, noise_ptm_2q
from qdesign.quantum.pauli import PauliSum, as_pauli_sum
from qdesign.quantum.statevector import CompileCache, check_thetas, resolve_backend

#: ``backend="auto"`` uses the numba kernel up to this many Pauli-vector entries per call (B * 4^n);
#: above it the batched numpy path is faster (measured on the 2-core dev machine).
NUMBA_MAX_ELEMENTS = 1 << 20


def _split_cx(noise: NoiseModel | None):
    """The noisy CX PTM as (perm, scale, local): ``y_i = scale_i x_perm_i`` (2q depolarizing times
    the CX's signed permutation), then ``local`` (phase o amplitude damping, or None) on each qubit."""
    dp = _clean(depolarizing_ptm(0.0 if noise is None else noise.depolarizing_2q, 2)
                @ ptm_of_kraus([FIXED_GATES["cx"]]))
    if np.any((dp != 0).sum(axis=1) != 1):
        return None
    perm = np.argmax(dp != 0, axis=1)
    scale = dp[np.arange(16), perm]
    local = None
    if noise is not None and (noise.amplitude_damping_2q > 0 or noise.phase_damping_2q > 0):
        local = _clean(ptm_of_kraus(phase_damping_kraus(noise.phase_damping_2q))
                       @ ptm_of_kraus(amplitude_damping_kraus(noise.amplitude_damping_2q)))
    return perm, scale, local


def _clean(m: np.ndarray) -> np.ndarray:
    m = np.array(m, dtype=np.float64)
    m[np.abs(m) < 1e-15] = 0.0
    return m


# ---------------------------------------------------------------------- local application
class _Op:
    """One fused gate+noise PTM acting on the leading qubit axes of the state tensor.

    Before the op, the state (B, 4, ..., 4) is transposed by ``perm`` (if not None) so the gate's
    qubits are axes 1 (and 2); the op then maps the (B, d, 4^n/d) view to a fresh buffer, either by
    a batched matmul (rotations, with ``W = A + cos B + sin C`` per batch member) or, for the
    16x16 CX PTMs, row by row over their few nonzero entries.
    """

    __slots__ = ("perm", "dim", "fixed", "rows", "rot")

    def __init__(self, perm, dim: int, fixed: np.ndarray | None = None, rot: int | None = None) -> None:
        self.perm = perm
        self.dim = dim
        self.fixed = fixed
        self.rot = rot  # index into the circuit's stacked rotation pieces
        self.rows = None
        if fixed is not None and dim == 16:
            self.rows = [[(int(j), float(fixed[i, j])) for j in np.flatnonzero(fixed[i])]
                         for i in range(dim)]

    def apply(self, x: np.ndarray, y: np.ndarray, tmp: np.ndarray, w: np.ndarray | None) -> None:
        if self.rot is not None:
            np.matmul(w[:, self.rot], x, out=y)
        elif self.rows is None:
            np.matmul(self.fixed, x, out=y)
        else:
            for i, row in enumerate(self.rows):
                out = y[:, i]
                if not row:
                    out[...] = 0.0
                    continue
                j, v = row[0]
                if v == 1.0:
                    np.copyto(out, x[:, j])
                else:
                    np.multiply(x[:, j], v, out=out)
                for j, v in row[1:]:
                    if v == 1.0:
                        np.add(out, x[:, j], out=out)
                    elif v == -1.0:
                        np.subtract(out, x[:, j], out=out)
                    else:
                        np.multiply(x[:, j], v, out=tmp)
                        np.add(out, tmp, out=out)


class _Program:
    """A circuit compiled against a noise model: ops, stacked rotation pieces, final transpose."""

    def __init__(self, circuit: Circuit, noise: NoiseModel | None) -> None:
        n = circuit.num_qubits
        n1 = _clean(noise_ptm_1q(noise))
        n2 = _clean(noise_ptm_2q(noise))
        cx = _clean(n2 @ ptm_of_kraus([FIXED_GATES["cx"]]))
        cx_split = _split_cx(noise)
        canonical = list(range(n - 1, -1, -1))
        order = list(canonical)  # physical axis k + 1 holds qubit order[k]
        ops: list[_Op] = []
        pieces: list[np.ndarray] = []
        params: list[int] = []
        self._k: dict[str, list] = {key: [] for key in ("nq", "qa", "qb", "param", "a", "b", "c", "perm")}
        for g in circuit.gates:
            fixed = None
            rot = None
            if g.name == "cx":
                fixed = cx
            elif g.name in ROTATIONS:
                g0 = ptm_of_kraus([rotation(g.name, 0.0)])
                gpi = ptm_of_kraus([rotation(g.name, np.pi)])
                a = (g0 + gpi) / 2
                pieces.append(np.stack([_clean(n1 @ a), _clean(n1 @ (g0 - gpi) / 2),
                                        _clean(n1 @ (ptm_of_kraus([rotation(g.name, np.pi / 2)]) - a))]))
                params.append(g.param)
                rot = len(params) - 1
            else:
                fixed = _clean(n1 @ ptm_of_kraus([FIXED_GATES[g.name]]))
                if np.array_equal(fixed, np.eye(4)):
                    continue
            qs = list(g.qubits)
            if g.name == "cx" and cx_split is not None:
                self._add_kernel_perm(qs, *cx_split)
            else:
                self._add_kernel_op(qs, g.param if rot is not None else -1,
                                    (fixed, np.zeros_like(fixed), np.zeros_like(fixed)) if rot is None
                                    else tuple(pieces[-1]))
            perm = None
            if order[: len(qs)] != qs:
                new = qs + [q for q in order if q not in qs]
                perm = (0,) + tuple(1 + order.index(q) for q in new)
                order = new
            ops.append(_Op(perm, 4 ** len(qs), fixed=fixed, rot=rot))
        self.ops = ops
        self.pieces = np.stack(pieces) if pieces else np.zeros((0, 3, 4, 4))
        self.params = np.asarray(params, dtype=np.int64)
        self.final = None if order == canonical else (0,) + tuple(1 + order.index(q) for q in canonical)
        k = self._k
        self.kernel_args = (
            np.asarray(k["nq"], dtype=np.int64), np.asarray(k["qa"], dtype=np.int64),
            np.asarray(k["qb"], dtype=np.int64), np.asarray(k["param"], dtype=np.int64),
            np.asarray(k["a"]).reshape(-1, 16, 16), np.asarray(k["b"]).reshape(-1, 16, 16),
            np.asarray(k["c"]).reshape(-1, 16, 16), np.asarray(k["perm"], dtype=np.int64).reshape(-1, 16))
        del self._k

    def _add_kernel_perm(self, qubits: list[int], perm: np.ndarray, scale: np.ndarray,
                         local: np.ndarray | None) -> None:
        """A CX PTM as a scaled signed permutation, then the local damping PTM on both qubits."""
        k = self._k
        k["nq"].append(3)
        k["qa"].append(qubits[0])
        k["qb"].append(qubits[1])
        k["param"].append(-1)
        a = np.zeros((16, 16))
        a[0] = scale
        b = np.zeros((16, 16))
        c = np.zeros((16, 16))
        if local is not None:
            b[:4, :4] = local
            c[0, 0] = 1.0
        k["a"].append(a)
        k["b"].append(b)
        k["c"].append(c)
        k["perm"].append(perm)

    def _add_kernel_op(self, qubits: list[int], param: int, mats: tuple) -> None:
        """Record one op for the numba kernel: its PTM pieces zero-padded to 16x16."""
        k = self._k
        d = mats[0].shape[0]
        k["nq"].append(len(qubits))
        k["qa"].append(qubits[0])
        k["qb"].append(qubits[-1])
        k["param"].append(param)
        k["perm"].append(np.zeros(16, dtype=np.int64))
        for key, m in zip("abc", mats):
            padded = np.zeros((16, 16))
            padded[:d, :d] = m
            k[key].append(padded)

    def rotation_matrices(self, thetas: np.ndarray) -> np.ndarray:
        """(B, R, 4, 4) fused PTMs of every rotation for every batch member."""
        th = thetas[:, self.params]
        p = self.pieces
        return (p[None, :, 0] + np.cos(th)[:, :, None, None] * p[None, :, 1]
                + np.sin(th)[:, :, None, None] * p[None, :, 2])


# ---------------------------------------------------------------------- simulator
class DensitySimulator:
    """Noisy energies of one circuit structure for a batch of angle vectors (PTM picture).

    ``noise``: a :class:`NoiseModel` (or dict / preset name); ``None`` runs the same code noiselessly.
    ``max_chunk_elements`` bounds the batch chunk so one state buffer stays near 2 MB (cache friendly).
    ``backend``: ``"numba"`` (one jitted loop applying each small PTM in place; lowest latency for
    small batches), ``"numpy"`` (batched transposes + matmuls; best throughput for large B * 4^n) or
    ``"auto"`` (numba up to ``NUMBA_MAX_ELEMENTS`` entries per call when installed, else numpy).
    """

    def __init__(self, hamiltonian, noise: NoiseModel | dict | str | None = None, *,
                 cache_size: int = 256, max_chunk_elements: int = 1 << 18, backend: str = "auto") -> None:
        resolve_backend(backend)
        self.backend = backend if _k.AVAILABLE else "numpy"
        self.hamiltonian: PauliSum = as_pauli_sum(hamiltonian)
        self.num_qubits = self.hamiltonian.num_qubits
        self.noise = NoiseModel.coerce(noise)
        if self.noise is not None:
            self.noise.validate()
        self._cache = CompileCache(partial(_Program, noise=self.noise), cache_size)
        self._chunk = max(1, int(max_chunk_elements) // 4 ** self.num_qubits)
        self._h_read: tuple[np.ndarray, np.ndarray] | None = None
        zero = np.array([1.0, 0.0, 0.0, 1.0])  # |0><0| = (I + Z)/2 per qubit
        init = zero
        for _ in range(self.num_qubits - 1):
            init = np.multiply.outer(init, zero)
        self._init = init.reshape(-1)
        self._measure: GroupMeasurement | None = None

    @property
    def shots(self) -> int | None:
        """Shots per energy estimate, or None for exact expectations (noiseless or no shot budget)."""
        return None if self.noise is None else self.noise.shots

    def _program(self, circuit: Circuit) -> _Program:
        return self._cache.get(circuit)

    def pauli_vectors(self, circuit: Circuit, thetas: np.ndarray) -> np.ndarray:
        """(B, 4^n) Pauli vectors ``Tr(P rho)`` of the final noisy states (before readout)."""
        th = check_thetas(circuit, thetas, self.num_qubits)
        prog = self._program(circuit)
        out = np.empty((th.shape[0], 4 ** self.num_qubits))
        if self.backend == "numba" or (self.backend == "auto" and out.size <= NUMBA_MAX_ELEMENTS):
            _k.ptm_run(*prog.kernel_args, th, self._init, out)
            return out
        for lo in range(0, th.shape[0], self._chunk):
            out[lo: lo + self._chunk] = self._run(prog, th[lo: lo + self._chunk])
        return out

    def _run(self, prog: _Program, th: np.ndarray) -> np.ndarray:
        n, b = self.num_qubits, th.shape[0]
        shape = (b,) + (4,) * n
        size = b * 4 ** n
        cur, spare = np.empty(size), np.empty(size)
        # |0><0| = (I + Z)/2 per qubit: r_P = 1 for P in {I, Z}^n, else 0
        zero = np.array([1.0, 0.0, 0.0, 1.0])
        full = zero
        for _ in range(n - 1):
            full = np.multiply.outer(full, zero)
        cur.reshape(shape)[...] = full
        tmp = np.empty((b, max(4 ** n // 16, 1)))
        w = prog.rotation_matrices(th) if len(prog.params) else None
        for op in prog.ops:
            if op.perm is not None:
                np.copyto(spare.reshape(shape), cur.reshape(shape).transpose(op.perm))
                cur, spare = spare, cur
            x = cur.reshape(b, op.dim, -1)
            y = spare.reshape(b, op.dim, -1)
            op.apply(x, y, tmp, w)
            cur, spare = spare, cur
        if prog.final is not None:
            np.copyto(spare.reshape(shape), cur.reshape(shape).transpose(prog.final))
            cur = spare
        return cur.reshape(b, -1)

    def energies(self, circuit: Circuit, thetas: np.ndarray, rng: np.random.Generator | None = None,
                 shots: int | None = None) -> np.ndarray:
        """(B,) total energies including readout error; with shots (the model's, or ``shots``
        for this call) each group estimate is sampled from ``rng``."""
        r = self.pauli_vectors(circuit, thetas)
        shots = self.shots if shots is None else int(shots)
        readout = None if self.noise is None else self.noise.readout
        if shots is None:
            if readout is None:
                return self.hamiltonian.expectation_from_pauli_vector(r)
            idx, vals = self._readout_hamiltonian(readout)
            return self.hamiltonian.constant + np.einsum("bi,i->b", r[:, idx], vals)
        if self._measure is None:
            self._measure = GroupMeasurement(self.hamiltonian, readout)
        m = self._measure
        # outcome distributions of every group from the Pauli expectations on its basis strings
        if _k.AVAILABLE:
            probs = np.empty((r.shape[0], len(m.groups), 2 ** self.num_qubits))
            _k.group_probs_pauli(r, m.pauli_index, probs)
        else:
            probs = r[:, m.pauli_index] @ m.walsh().T
        return m.energies_from_probs(probs, shots=shots, rng=rng)

    def _readout_hamiltonian(self, readout: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Nonzero entries (index, value) of M^T h: the Hamiltonian seen through readout error."""
        if self._h_read is None:
            a = 1.0 - readout[0] - readout[1]
            bb = readout[1] - readout[0]
            mt = np.array([[1.0, bb, bb, bb], [0, a, 0, 0], [0, 0, a, 0], [0, 0, 0, a]])  # M^T
            n = self.num_qubits
            h = self.hamiltonian.dense_pauli_vector.reshape((4,) * n)
            for ax in range(n):
                h = np.moveaxis(np.tensordot(mt, h, axes=([1], [ax])), 0, ax)
            h = np.ascontiguousarray(h).reshape(-1)
            idx = np.flatnonzero(h)
            self._h_read = (idx, h[idx])
        return self._h_read


def pauli_vector_to_density_matrix(r: np.ndarray) -> np.ndarray:
    """rho = 2^-n sum_P r_P P for one Pauli vector (qiskit basis order); for checks and export."""
    from qiskit.quantum_info import SparsePauliOp

    n = int(round(np.log(len(r)) / np.log(4)))
    chars = "IXYZ"
    labels = ["".join(chars[(k // 4 ** q) % 4] for q in range(n))[::-1] for k in range(4 ** n)]
    return SparsePauliOp(labels, np.asarray(r, dtype=complex) / 2 ** n).to_matrix()
