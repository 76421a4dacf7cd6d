"""Agent plus finisher: the policy's prefix is kept and counted; the exact-regret reward adds up to the
final length (checked against compile_unitary's independent optimal lengths)."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from qdesign import compile_unitary
from qdesign.api.agent_compile import rollout_word
from qdesign.envs.gate_compile.shaping import OptimalLengthShaping
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import haar_unitary, phase_invariant_distance


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    from sb3_contrib import MaskablePPO

    from qdesign.envs.gate_compile.env import GateCompileEnv

    path = tmp_path_factory.mktemp("agent") / "policy.zip"
    MaskablePPO("MlpPolicy", GateCompileEnv(), n_steps=64, seed=0).save(path)
    return str(path)


def test_agent_gates_are_kept_as_the_prefix_and_recorded(policy):
    from sb3_contrib import MaskablePPO

    gs = build_gate_set("clifford_t")
    u = haar_unitary(2, np.random.default_rng(5), special=True)
    prefix = rollout_word(MaskablePPO.load(policy, device="cpu"), u, gs, 5e-2, exact_gates=4)
    qc = compile_unitary(u, epsilon=5e-2, method=f"agent:{policy}", agent_gates=4, time_limit=20)
    assert qc.metadata["agent_gates"] == 4 == len(prefix)
    assert [inst.operation.name for inst in qc.data[:4]] == [gs.gate_names[a] for a in prefix]
    assert phase_invariant_distance(Operator(qc).data, u) <= 5e-2
    opt = compile_unitary(u, epsilon=5e-2, method="optimal")
    assert len(qc.data) >= len(opt.data)


def test_agent_method_at_the_sign_strict_protocol(policy):
    from sb3_contrib import MaskablePPO

    from qdesign.envs.gate_compile.env import GateCompileEnv

    path = policy.replace(".zip", "_hrc6.zip")
    MaskablePPO("MlpPolicy", GateCompileEnv(gate_set="hrc6"), n_steps=64, seed=0).save(path)
    u = haar_unitary(2, np.random.default_rng(6), special=True)
    qc = compile_unitary(u, gate_set="hrc6", epsilon=1e-2, method=f"agent:{path}", agent_gates=2,
                         metric="frobenius_sign_strict", time_limit=20)
    assert qc.metadata["agent_gates"] == 2
    assert np.linalg.norm(Operator(qc).data - u) <= 1e-2


def test_exact_regret_reward_adds_up_to_the_final_length():
    env = OptimalLengthShaping(horizon=6, epsilon=5e-2)
    obs, info = env.reset(seed=4)
    u = env.unwrapped.target
    start = len(compile_unitary(u, epsilon=5e-2, method="optimal").data)
    assert info["optimal_remaining"] == start
    ret, rng = 0.0, np.random.default_rng(0)
    for _ in range(6):
        obs, r, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        assert r in (0.0, -1.0, -2.0)
        ret += r
        if term or trunc:
            break
    assert trunc or term
    residual = env.unwrapped.residual
    rest = 0 if term else len(compile_unitary(residual, epsilon=5e-2, method="optimal").data)
    assert info["length"] + rest == start - ret


def test_shaping_rejects_bad_horizon():
    with pytest.raises(ValueError, match="horizon"):
        OptimalLengthShaping(horizon=0)
