import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, random_density_matrix
from quantum_sim_helpers import random_hamiltonian

from qdesign.quantum.pauli import PauliSum, as_pauli_sum


def pauli_vector(rho: DensityMatrix) -> np.ndarray:
    """r[sum_q code_q 4^q] = Tr(P rho), computed independently through qiskit labels."""
    n = rho.num_qubits
    chars = "IXYZ"
    r = np.zeros(4 ** n)
    for k in range(4 ** n):
        label = "".join(chars[(k // 4 ** q) % 4] for q in range(n))[::-1]
        r[k] = rho.expectation_value(SparsePauliOp(label)).real
    return r


@pytest.mark.parametrize("n", [1, 2, 3])
def test_round_trip_and_constant(n):
    rng = np.random.default_rng(n)
    op = random_hamiltonian(n, 12, rng)
    ps = PauliSum.from_sparse_pauli_op(op)
    back = ps.to_sparse_pauli_op()
    assert np.allclose(back.to_matrix(), op.to_matrix(), atol=1e-12)
    ident = [c for lab, c in zip(op.paulis.to_labels(), op.coeffs) if set(lab) == {"I"}]
    assert ps.constant == pytest.approx(float(np.real(sum(ident))))
    assert np.allclose(ps.sparse_matrix().toarray() + ps.constant * np.eye(2 ** n), op.to_matrix())


@pytest.mark.parametrize("n", [1, 2, 3])
def test_pauli_vector_expectation(n):
    rng = np.random.default_rng(10 + n)
    op = random_hamiltonian(n, 15, rng)
    ps = as_pauli_sum(op)
    rho = random_density_matrix(2 ** n, seed=n)
    r = pauli_vector(rho)
    assert ps.expectation_from_pauli_vector(r) == pytest.approx(rho.expectation_value(op).real, abs=1e-12)
    assert ps.constant + r @ ps.dense_pauli_vector == pytest.approx(rho.expectation_value(op).real,
                                                                     abs=1e-12)


def test_groups_cover_all_terms_qubitwise():
    rng = np.random.default_rng(3)
    ps = as_pauli_sum(random_hamiltonian(4, 40, rng))
    total = 0
    for g in ps.groups():
        total += len(g.coeffs)
        assert set(np.unique(g.basis)) <= {1, 2, 3}
    assert total == ps.num_terms
    # every term's Pauli on its support must equal the group's basis letter
    codes = {tuple(c): coef for c, coef in zip(ps.codes, ps.coeffs)}
    for g in ps.groups():
        for mask, coef in zip(g.masks, g.coeffs):
            code = tuple(int(g.basis[q]) if (mask >> q) & 1 else 0 for q in range(4))
            assert codes[code] == pytest.approx(coef)


def test_rejects_non_hermitian_and_wrong_qubits():
    with pytest.raises(ValueError, match="Hermitian"):
        PauliSum.from_sparse_pauli_op(SparsePauliOp(["XZ"], [1j]))
    with pytest.raises(ValueError, match="hamiltonian"):
        as_pauli_sum(SparsePauliOp(["XZ"], [1.0]), num_qubits=3)
    with pytest.raises(ValueError, match="hamiltonian"):
        as_pauli_sum("XZ")
