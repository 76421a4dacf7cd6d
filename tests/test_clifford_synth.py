"""Clifford synthesis (#14 item 6): tableau algebra, the CliffordSynth env, the CX-first search and
``compile_unitary(clifford, gate_set="clifford")``, every result checked with qiskit's ``Clifford``."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from qiskit import QuantumCircuit
from qiskit.quantum_info import Clifford, random_clifford
from qiskit.synthesis import synth_clifford_bm

import qdesign
from qdesign import compile_unitary
from qdesign.envs.clifford_synth.env import CliffordSynthEnv
from qdesign.quantum.clifford_tableau import (
    apply_gate,
    is_local,
    is_symplectic,
    local_layer_circuit,
    tableau_of,
)
from qdesign.registry import family_entries
from qdesign.synthesis.clifford_search import beam_search, goal_ball

IDS = [e.id for e in family_entries("clifford_synth")]


def _cx(qc: QuantumCircuit) -> int:
    ops = qc.count_ops()
    return ops.get("cx", 0) + 3 * ops.get("swap", 0)


def test_ids_registered_for_3_to_6_qubits():
    assert IDS == ([f"qdesign/CliffordSynth-{n}q-v0" for n in (3, 4, 5, 6)]
                   + [f"qdesign/CliffordSynthMoves-{n}q-v0" for n in (3, 4, 5, 6)])


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_and_pickle(env_id):
    env = gym.make(env_id)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    assert obs.dtype == np.int8 and env.observation_space.contains(obs)
    env.step(int(np.flatnonzero(env.unwrapped.action_masks())[0]))
    clone = pickle.loads(pickle.dumps(env.unwrapped))
    assert np.array_equal(clone.tableau, env.unwrapped.tableau)
    assert np.array_equal(clone.action_masks(), env.unwrapped.action_masks())


def test_apply_gate_matches_qiskit_clifford():
    rng = np.random.default_rng(0)
    cliff = random_clifford(5, seed=1)
    tab = tableau_of(cliff)
    for _ in range(60):
        g = ("h", "s", "sdg", "cx")[int(rng.integers(4))]
        qubits = tuple(int(q) for q in rng.choice(5, size=2 if g == "cx" else 1, replace=False))
        apply_gate(tab, g, qubits)
        qc = QuantumCircuit(5)
        getattr(qc, g)(*qubits)
        cliff = cliff.compose(Clifford(qc))
        assert np.array_equal(tab, tableau_of(cliff))
    assert is_symplectic(tab)
    with pytest.raises(ValueError, match="gate must be one of"):
        apply_gate(tab, "t", (0,))


def test_local_layer_is_exact_with_phases():
    rng = np.random.default_rng(1)
    for _ in range(10):
        qc = QuantumCircuit(3)
        for q in range(3):
            for _ in range(int(rng.integers(0, 6))):
                getattr(qc, ("h", "s", "x", "y", "z", "sdg")[int(rng.integers(6))])(q)
        cliff = Clifford(qc)
        assert is_local(tableau_of(cliff))
        out = local_layer_circuit(cliff)
        assert "cx" not in out.count_ops() and Clifford(out) == cliff
    with pytest.raises(ValueError, match="not a tensor product"):
        local_layer_circuit(random_clifford(3, seed=4))


def test_three_qubit_class_count_is_sp6_over_local():
    # |Sp(6, 2)| = 2^9 (2^2-1)(2^4-1)(2^6-1) = 1451520; single-qubit symplectic classes: 6^3 = 216
    assert len(goal_ball(3, 6)) == 1451520 // 216


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_compile_clifford_exact(n):
    for seed in range(3):
        cliff = random_clifford(n, seed=seed)
        qc = compile_unitary(cliff, gate_set="clifford", beam=16)
        assert set(qc.count_ops()) <= {"h", "s", "sdg", "x", "y", "z", "cx"}
        assert Clifford(qc) == cliff


def test_three_qubits_is_cx_optimal_against_bravyi_maslov():
    # synth_clifford_bm is CX-optimal on 3 qubits (Bravyi & Maslov, arXiv:2003.09412): an
    # independent reference for the exhaustive 3-qubit search
    for seed in range(8):
        cliff = random_clifford(3, seed=100 + seed)
        qc = compile_unitary(cliff, gate_set="clifford")
        assert Clifford(qc) == cliff
        assert _cx(qc) == _cx(synth_clifford_bm(cliff))


def test_circuit_input_and_bad_input():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.s(2)
    out = compile_unitary(qc, gate_set="clifford")
    assert Clifford(out) == Clifford(qc) and _cx(out) == 2
    bad = QuantumCircuit(1)
    bad.t(0)
    with pytest.raises(ValueError, match="not a Clifford"):
        compile_unitary(bad, gate_set="clifford")
    with pytest.raises(ValueError, match="method for gate_set='clifford'"):
        compile_unitary(qc, gate_set="clifford", method="sk")
    with pytest.raises(TypeError, match="beem"):
        compile_unitary(qc, gate_set="clifford", beem=3)
    with pytest.raises(ValueError, match="no such model"):
        compile_unitary(qc, gate_set="clifford", method="agent:/nonexistent.zip")
    with pytest.raises(ValueError, match="must be a qiskit Clifford"):
        compile_unitary(np.eye(2), gate_set="clifford")


def test_search_reaches_local_on_the_env_tableau():
    env = CliffordSynthEnv(num_qubits=4, target="random")
    env.reset(seed=5)
    res = beam_search(env.tableau, beam=8)
    assert res.gates is not None and res.cx_count == sum(g == "cx" for g, _ in res.gates)
    names = [f"{g}({','.join(map(str, q))})" for g, q in res.gates]
    for name in names:  # replay the search's gates as env actions: the env must end terminated
        _, _, term, trunc, info = env.step(env.labels.index(name.replace("sdg", "s")))
    assert term and info["is_success"] and info["cx_count"] == res.cx_count


def test_env_reset_options_masks_reward_and_render():
    env = CliffordSynthEnv(num_qubits=3, render_mode="ansi")
    qc = QuantumCircuit(3)
    qc.cx(0, 2)
    qc.h(1)
    _, info = env.reset(seed=0, options={"clifford": Clifford(qc)})
    assert info["target_kind"] == "fixed" and not info["is_success"]
    a = env.labels.index("cx(0,2)")
    _, reward, term, trunc, info = env.step(a)
    assert term and not trunc and info["cx_count"] == 1
    # CX, shaping (w 2 -> 0: X0 -> X0 X2 and Z2 -> Z0 Z2 each have one off-block bit), success bonus
    assert reward == pytest.approx(-1.0 + 0.5 * 2 / 3 + 10.0)
    assert "CliffordSynth[3q]" in env.render()
    env.reset(seed=0)
    env.step(0)
    assert not env.action_masks()[0] and env.action_masks().sum() == env.action_space.n - 1
    frame = CliffordSynthEnv(num_qubits=3, render_mode="rgb_array")
    frame.reset(seed=1)
    frame.step(a)
    assert frame.render().shape == (360, 640, 3)
    with pytest.raises(ValueError, match="qubits"):
        env.reset(options={"clifford": random_clifford(4, seed=0)})
    with pytest.raises(ValueError, match="cx_cost must exceed"):
        CliffordSynthEnv(cx_cost=0.01, single_cost=0.05)
    with pytest.raises(ValueError, match="target"):
        CliffordSynthEnv(target="haar")


def test_scramble_depth_bounds_start_cx():
    env = CliffordSynthEnv(num_qubits=4, scramble_depth=2)
    for seed in range(5):
        env.reset(seed=seed)
        res = beam_search(env.tableau, beam=64)
        assert res.cx_count is not None and 1 <= res.cx_count <= 2
    env.set_level(5)
    env.reset(seed=0)
    assert env.level == 5 and env._info()["budget"] == 28


def test_clifford_synth_task_and_presets():
    from qdesign.tasks import load_task, preset_configs

    assert load_task("clifford-synth").name == "clifford-synth"
    assert {"cliff3q_maskable_ppo", "cliff4q_maskable_ppo"} <= set(preset_configs("clifford-synth"))
    assert qdesign.__version__


def test_agent_method_uses_the_shipped_policy_value():
    from pathlib import Path

    import qdesign.synthesis.models as models

    model = Path(models.__file__).parent / "cliff3q_maskable_ppo.zip"
    assert model.is_file()
    for seed in range(2):
        cliff = random_clifford(3, seed=seed)
        qc = compile_unitary(cliff, gate_set="clifford", method=f"agent:{model}", beam=2, radius=1)
        assert Clifford(qc) == cliff
    with pytest.raises(ValueError, match="trained on"):
        compile_unitary(random_clifford(4, seed=0), gate_set="clifford", method=f"agent:{model}")
