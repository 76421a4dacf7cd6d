"""The faster adjoint kernels (issue 13 item 3) give the reference kernel's results to the bit.

``energy_and_gradient_fast`` drops only the operations whose result is known (products with the
zero parts of rotation matrices and of a real H) and reorders nothing, so energies, gradients and
whole BFGS runs must equal those of ``energy_and_gradient`` exactly (``==``, not a tolerance), for a
real H in dense and CSR form and for a complex H.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from qdesign.quantum import _kernels as _k
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.statevector import StatevectorSimulator, real_hamiltonian


def _hamiltonian(n: int, terms: int, rng: np.random.Generator, real: bool) -> SparsePauliOp:
    """A random Pauli sum; ``real``: only strings with an even number of Y (a real matrix)."""
    labels: list[str] = []
    while len(labels) < terms:
        label = "".join(rng.choice(list("IXYZ"), n))
        if not real or label.count("Y") % 2 == 0:
            labels.append(label)
    return SparsePauliOp(labels + ["I" * n], np.append(rng.normal(size=terms), 0.3)).simplify()


def _circuit(n: int, gates: int, rng: np.random.Generator) -> Circuit:
    c = Circuit(n)
    c.append("x", (0,))  # fixed gates (a Hartree-Fock-like preparation, H, S) take the generic path
    c.append("h", (n - 1,))
    c.append("s", (n - 1,))
    for _ in range(gates):
        if rng.random() < 0.4:
            a, b = rng.choice(n, 2, replace=False)
            c.append("cx", (int(a), int(b)))
        else:
            c.append(str(rng.choice(["rx", "ry", "rz"])), (int(rng.integers(n)),))
    return c


def _args(sim: StatevectorSimulator, circ: Circuit, theta: np.ndarray) -> tuple:
    comp = sim._compile(circ)
    return comp.kind, comp.q0, comp.q1, comp.param, comp.mats


@pytest.mark.parametrize("n,terms,real", [(2, 6, True), (4, 40, True), (5, 12, True), (4, 30, False),
                                          (6, 25, False)])
def test_fast_energy_and_gradient_equal_the_reference_to_the_bit(n, terms, real):
    rng = np.random.default_rng(100 * n + terms)
    sim = StatevectorSimulator(_hamiltonian(n, terms, rng, real))
    indptr, indices, data = sim._csr
    const = float(sim.hamiltonian.constant)
    hreal = real_hamiltonian(indptr, indices, data)
    assert (hreal is not None) == real
    forms = [("complex", data, np.empty(0), np.empty((0, 0)))]
    if hreal is not None:  # both forms of a real H: CSR values and the dense transpose
        dense = np.ascontiguousarray(sim._op.toarray().real.T)
        forms += [("real csr", np.empty(0, complex), hreal[0], np.empty((0, 0))),
                  ("real dense", np.empty(0, complex), hreal[0], dense)]
    dim = 2 ** n
    for trial in range(6):
        circ = _circuit(n, 25, rng)
        theta = rng.normal(0, 1.5, circ.num_parameters)
        if trial == 0:
            theta[:3] = 0.0  # exact zeros too (signed-zero products)
        args = _args(sim, circ, theta)
        psi, phi, grad = np.empty(dim, complex), np.empty(dim, complex), np.empty(theta.size)
        e_ref = _k.energy_and_gradient(*args, theta, n, indptr, indices, data, const, psi, phi, grad)
        g_ref = grad.copy()
        for name, dat, hre, hdense in forms:
            g = np.full(theta.size, np.nan)
            e = _k.energy_and_gradient_fast(*args, theta, n, indptr, indices, dat, hre, hdense, const,
                                            np.empty(dim, complex), np.empty(dim, complex), g,
                                            np.empty(len(args[0])), np.empty(len(args[0])), np.empty(dim),
                                            np.empty(dim))
            assert e == e_ref, (name, trial, e - e_ref)
            assert np.array_equal(g, g_ref), (name, trial, np.abs(g - g_ref).max())


@pytest.mark.parametrize("n", [4, 6])
def test_bfgs_runs_agree_to_the_bit_for_every_form_of_a_real_hamiltonian(n):
    """The reference BFGS and the fast one on the complex, real-CSR and real-dense forms: identical
    iterates, evaluation counts and minima (one differing energy or gradient bit would show)."""
    rng = np.random.default_rng(n)
    sim = StatevectorSimulator(_hamiltonian(n, 30, rng, True))
    indptr, indices, data = sim._csr
    const = float(sim.hamiltonian.constant)
    hre, _ = real_hamiltonian(indptr, indices, data)  # type: ignore[misc]
    dense = np.ascontiguousarray(sim._op.toarray().real.T)
    for _ in range(3):
        circ = _circuit(n, 30, rng)
        x0 = rng.normal(0, 0.5, circ.num_parameters)
        args = _args(sim, circ, x0)
        runs = []
        for form in ("reference", "complex", "csr", "dense"):
            xout, stats = np.empty(x0.size), np.zeros(3)
            if form == "reference":  # the kernel before: reference evaluation in the same BFGS loop
                f = _k.bfgs_adjoint_reference(*args, x0, n, indptr, indices, data, const, 200, 1e-8, xout,
                                              stats)
            elif form == "complex":
                f = _k.bfgs_adjoint(*args, x0, n, indptr, indices, data, const, 200, 1e-8, xout, stats)
            else:
                f = _k.bfgs_adjoint_real(*args, x0, n, indptr, indices, hre,
                                         dense if form == "dense" else np.empty((0, 0)), const, 200, 1e-8,
                                         xout, stats)
            runs.append((f, xout, stats))
        assert runs[0][2][0] > 3  # a real optimisation ran
        for f, xout, stats in runs[1:]:
            assert f == runs[0][0] and np.array_equal(xout, runs[0][1]) and np.array_equal(stats, runs[0][2])
        # and it did minimise: the result matches the simulator's own energy at the angles found
        assert abs(sim.energies(circ, runs[0][1][None, :])[0] - runs[0][0]) < 1e-12


def test_real_hamiltonian_forms():
    rng = np.random.default_rng(0)
    assert real_hamiltonian(*StatevectorSimulator(SparsePauliOp(["XY"], [1.0]))._csr) is None  # imaginary
    sim = StatevectorSimulator(_hamiltonian(4, 60, rng, True))
    hre, hdense = real_hamiltonian(*sim._csr)  # type: ignore[misc]
    assert sim._hreal is not None and hdense.shape == (16, 16)  # at least half the entries: dense
    np.testing.assert_array_equal(hdense.T, sim._op.toarray().real)
    sparse = StatevectorSimulator(SparsePauliOp(["ZIIIII", "IIIIXX"], [0.5, -0.25]))
    hre, hdense = real_hamiltonian(*sparse._csr)  # type: ignore[misc]
    assert hdense.shape == (0, 0) and hre.size == sparse._csr[2].size
    indptr, indices, data = sparse._csr
    swapped = indices.copy()
    row = int(np.flatnonzero(np.diff(indptr) >= 2)[0])
    a = indptr[row]
    swapped[a], swapped[a + 1] = swapped[a + 1], swapped[a]  # an unsorted row: not reordered, refused
    assert real_hamiltonian(indptr, swapped, data) is None


def test_batched_solves_equal_the_reference_batch():
    """``bfgs_adjoint_batch_real`` (the vector env's call) against ``bfgs_adjoint_batch_reference`` on
    padded circuits of different lengths, some jobs sharing a circuit."""
    rng = np.random.default_rng(7)
    n = 4
    sim = StatevectorSimulator(_hamiltonian(n, 50, rng, True))
    indptr, indices, data = sim._csr
    const = float(sim.hamiltonian.constant)
    hre, hdense = sim._hreal  # type: ignore[misc]
    circs = [_circuit(n, m, rng) for m in (5, 18, 30)]
    comps = [sim._compile(c) for c in circs]
    L = max(len(c.kind) for c in comps)
    P = max(c.num_parameters for c in circs)
    kind = np.zeros((3, L), np.int64)
    q0, q1 = kind.copy(), kind.copy()
    param = np.full((3, L), -1, np.int64)
    mats = np.zeros((3, L, 2, 2), complex)
    glen = np.array([len(c.kind) for c in comps])
    for r, c in enumerate(comps):
        m = len(c.kind)
        kind[r, :m], q0[r, :m], q1[r, :m], param[r, :m], mats[r, :m] = c.kind, c.q0, c.q1, c.param, c.mats
    job = np.array([0, 1, 2, 2, 1])
    plen = np.array([circs[c].num_parameters for c in job])
    x0 = rng.normal(0, 0.4, (len(job), P))
    outs = []
    for fn, h in ((_k.bfgs_adjoint_batch_reference, (data,)), (_k.bfgs_adjoint_batch_real, (hre, hdense))):
        xout, stats, fout = np.zeros((len(job), P)), np.zeros((len(job), 3)), np.zeros(len(job))
        fn(kind, q0, q1, param, mats, glen, job, x0, plen, n, indptr, indices, *h, const, 200, 1e-8, xout,
           stats, fout)
        outs.append((xout, stats, fout))
    assert np.all(outs[0][1][:, 0] > 1)
    for a, b in zip(outs[0], outs[1]):
        assert np.array_equal(a, b)
