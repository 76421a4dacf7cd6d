"""Direct lattice synthesis of one-qubit Clifford+T words (qdesign.synthesis.lattice), checked against
qiskit's Operator and against exact integer arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from qdesign import compile_unitary
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import haar_unitary, operator_norm_distance
from qdesign.synthesis import lattice as lat

GS = build_gate_set("clifford_t")
T_LIKE = np.array([n in ("t", "tdg") for n in GS.gate_names])


def _mul(x, y):
    """Schoolbook product in Z[w] (w^4 = -1), independent of the module's helpers."""
    r = [0] * 8
    for i in range(4):
        for j in range(4):
            r[i + j] += x[i] * y[j]
    return tuple(r[i] - r[i + 4] for i in range(4))


def test_div_sqrt2_inverts_multiplication_and_rejects_non_multiples():
    rng = np.random.default_rng(0)
    sqrt2 = (0, 1, 0, -1)  # w - w^3
    for _ in range(50):
        x = tuple(int(v) for v in rng.integers(-20, 21, 4))
        assert lat._div_sqrt2(_mul(x, sqrt2)) == x
        assert np.isclose(lat._to_complex(_mul(x, sqrt2)), np.sqrt(2) * lat._to_complex(x))
    assert lat._div_sqrt2((1, 0, 0, 0)) is None


@pytest.mark.parametrize("eps", [1e-2, 1e-3, 1e-4])
def test_lattice_solutions_are_exact_unitaries_within_epsilon(eps):
    rng = np.random.default_rng(3)
    for _ in range(3):
        target = haar_unitary(2, rng)
        sols = lat.lattice_solutions(target, eps)
        assert sols
        for u, t, k, m, err in sols[:4]:
            # unitarity in exact integers: |u|^2 + |t|^2 = 2^k in Z[sqrt2]
            nu = _mul(u, (u[0], -u[3], -u[2], -u[1]))  # u * conj(u): conj(w^j) = -w^(4-j)
            nt = _mul(t, (t[0], -t[3], -t[2], -t[1]))
            total = tuple(a + b for a, b in zip(nu, nt))
            assert total == (2**k, 0, 0, 0)
            mat = lat.exact_matrix(u, t, k, m)
            assert np.allclose(mat.conj().T @ mat, np.eye(2), atol=1e-12)
            assert operator_norm_distance(mat, target) <= eps * (1 + 1e-9)
            assert abs(operator_norm_distance(mat, target) - err) < 1e-9


def test_exact_word_reproduces_the_exact_unitary_in_qiskit():
    rng = np.random.default_rng(5)
    for eps in (1e-2, 1e-5):
        target = haar_unitary(2, rng)
        u, t, k, m, _ = lat.lattice_solutions(target, eps)[0]
        word = lat.exact_word(u, t, k, m, GS)
        op = Operator(GS.to_circuit(word)).data
        assert operator_norm_distance(op, lat.exact_matrix(u, t, k, m)) < 1e-9


def test_simplify_word_keeps_the_unitary_and_merges_diagonal_runs():
    rng = np.random.default_rng(1)
    h = GS.gate_names.index("h")
    for _ in range(30):
        word = [int(g) for g in rng.integers(0, GS.n_actions, 40)]
        word += [h, h]
        out = lat.simplify_word(word, GS)
        assert len(out) < len(word)
        assert operator_norm_distance(GS.word_unitary(out), GS.word_unitary(word)) < 1e-9
        names = [GS.gate_names[g] for g in out]
        assert all(not (a == b == "h") for a, b in zip(names, names[1:]))


@pytest.mark.parametrize("eps", [1e-2, 1e-4])
def test_lattice_word_meets_epsilon_near_the_counting_bound(eps):
    rng = np.random.default_rng(11)
    bound = 3 * np.log2(1 / eps)
    counts = []
    for _ in range(5):
        target = haar_unitary(2, rng)
        word = lat.lattice_word(target, GS, eps)
        assert word is not None
        assert operator_norm_distance(Operator(GS.to_circuit(word)).data, target) <= eps
        counts.append(int(T_LIKE[word].sum()))
    # 3 log2(1/eps) is the counting bound of a general target; Euler angles pay about three times it
    assert np.mean(counts) <= 1.2 * bound


def test_lattice_word_declines_what_it_cannot_do():
    target = haar_unitary(2, np.random.default_rng(0))
    assert lat.lattice_word(target, GS, 1e-9) is None  # below MIN_EPSILON: other routes take over
    assert lat.lattice_word(target, build_gate_set("ht"), 1e-3) is None  # T^-1 costs seven T
    with pytest.raises(ValueError, match="Clifford\\+T"):
        lat.lattice_word(target, build_gate_set("hrc6"), 1e-3)


def test_compile_unitary_uses_the_lattice_word_at_1e_4():
    rng = np.random.default_rng(21)
    for _ in range(3):
        target = haar_unitary(2, rng)
        qc = compile_unitary(target, gate_set="clifford_t", epsilon=1e-4, time_limit=5)
        t = sum(1 for g in qc.data if g.operation.name in ("t", "tdg"))
        assert operator_norm_distance(Operator(qc).data, target) <= 1e-4
        assert t <= 1.2 * 3 * np.log2(1e4)  # Euler / sandwich words take 60-140 T here
