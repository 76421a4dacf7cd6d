"""compile_unitary: results re-verified with qiskit's Operator, optimal lengths, bad input."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator, random_unitary

from qdesign import compile_unitary
from qdesign.api.compile import CompileError
from qdesign.quantum.unitary import phase_invariant_distance


@pytest.mark.parametrize("method", ["optimal", "astar", "sk", "gridsynth"])
def test_methods_return_verified_clifford_t_circuits(method):
    u = random_unitary(2, seed=11).data
    qc = compile_unitary(u, gate_set="clifford_t", epsilon=5e-2, method=method)
    assert set(qc.count_ops()) <= {"h", "s", "sdg", "t", "tdg"}
    op = Operator(qc).data
    assert phase_invariant_distance(op, u) <= 5e-2
    assert qc.metadata["distance"] == pytest.approx(phase_invariant_distance(op, u), abs=1e-9)
    # global phase is fixed so the plain operator difference is small too
    assert np.abs(op - u).max() <= 2 * 5e-2


def test_optimal_is_no_longer_than_other_methods_and_hrc_names_kept():
    u = random_unitary(2, seed=12).data
    opt = compile_unitary(u, epsilon=1e-2, method="optimal")
    for m in ("astar", "gridsynth", "sk"):
        assert len(opt.data) <= len(compile_unitary(u, epsilon=1e-2, method=m).data)
    qc = compile_unitary(u, gate_set="hrc6", epsilon=1e-2, method="optimal")
    assert set(qc.count_ops()) <= {"v1", "v2", "v3", "v1dg", "v2dg", "v3dg"}
    assert phase_invariant_distance(Operator(qc).data, u) <= 1e-2


def test_two_qubit_astar_on_a_word_target():
    from qdesign.envs.gate_compile.targets import scrambled_target
    from qdesign.quantum.gatesets import build_gate_set

    u, _ = scrambled_target(build_gate_set("clifford_t_2q"), 5, np.random.default_rng(2))
    qc = compile_unitary(u, gate_set="clifford_t_2q", epsilon=1e-2, method="astar", time_limit=20)
    assert qc.num_qubits == 2 and "cx" in qc.count_ops() or len(qc.data) <= 5
    assert phase_invariant_distance(Operator(qc).data, u) <= 1e-2


def test_failure_is_an_error_not_a_result():
    u = random_unitary(2, seed=13).data
    with pytest.raises(CompileError):
        compile_unitary(u, epsilon=1e-6, method="optimal")
    assert issubclass(CompileError, RuntimeError)


@pytest.mark.parametrize("kwargs, name", [
    ({"unitary": np.ones((2, 2))}, "unitary"),
    ({"unitary": np.eye(3)}, "unitary"),
    ({"unitary": np.eye(4)}, "unitary"),  # wrong size for a 1-qubit set
    ({"gate_set": ["h", "bogus"]}, "bogus"),
    ({"epsilon": 0.0}, "epsilon"),
    ({"epsilon": 1.0}, "epsilon"),
    ({"method": "magic"}, "method"),
    ({"time_limit": -1}, "time_limit"),
])
def test_bad_input_raises_value_error(kwargs, name):
    args = {"unitary": np.eye(2), **kwargs}
    with pytest.raises(ValueError, match=name):
        compile_unitary(**args)


def test_non_universal_gate_set_warns():
    with pytest.warns(UserWarning, match="not universal"), pytest.raises(CompileError):
        compile_unitary(random_unitary(2, seed=1).data, gate_set=["h", "s"], epsilon=1e-2, method="optimal")


def test_agent_method_rolls_out_a_saved_policy_and_finishes(tmp_path):
    from sb3_contrib import MaskablePPO

    from qdesign.envs.gate_compile.env import GateCompileEnv

    model = MaskablePPO("MlpPolicy", GateCompileEnv(), n_steps=64, seed=0)
    model.save(tmp_path / "policy.zip")
    u = random_unitary(2, seed=14).data
    qc = compile_unitary(u, epsilon=5e-2, method=f"agent:{tmp_path / 'policy.zip'}", time_limit=20)
    assert phase_invariant_distance(Operator(qc).data, u) <= 5e-2
    with pytest.raises(ValueError, match="agent"):
        compile_unitary(u, method=f"agent:{tmp_path / 'missing.zip'}")
