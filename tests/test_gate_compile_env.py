"""GateCompile env: checkers, residual semantics, masks, curriculum level, fixed targets."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from qiskit.quantum_info import Operator
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import qdesign  # noqa: F401
from qdesign.envs.gate_compile.env import GateCompileEnv
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import phase_invariant_distance
from qdesign.registry import family_entries

IDS = [e.id for e in family_entries("gate_compile")]


@pytest.mark.parametrize("env_id", IDS)
def test_checkers(env_id):
    check_env(gym.make(env_id).unwrapped)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(gym.make(env_id).unwrapped, warn=True)


@pytest.mark.parametrize("gate_set", ["clifford_t", "ht", "hrc6", "hrc3", "clifford_t_2q"])
def test_gate_set_circuits_match_operator(gate_set):
    gs = build_gate_set(gate_set)
    word = list(np.random.default_rng(0).integers(0, gs.n_actions, 25))
    qc = gs.to_circuit(word)
    assert np.allclose(Operator(qc).data, gs.word_unitary(word), atol=1e-10)
    assert set(qc.count_ops()) <= set(gs.gate_names)


def test_custom_gate_sets_and_bad_names():
    gs = build_gate_set({"v": [[[0.6, 0], [0, 0.8]], [[0, 0.8], [0.6, 0]]], "h": None})
    assert gs.n_actions == 2 and gs.to_circuit([0, 1]).count_ops() == {"v": 1, "h": 1}
    assert build_gate_set(["h", "t", "cx"]).n_actions == 6
    with pytest.raises(ValueError, match="unknown gate name"):
        build_gate_set(["h", "foo"])
    with pytest.raises(ValueError, match="gate_set"):
        build_gate_set("nope")
    with pytest.warns(UserWarning, match="finite group"):
        GateCompileEnv(gate_set=["h", "s"])


def test_scramble_target_is_solved_by_reversed_word_and_info_keys():
    env = GateCompileEnv(gate_set="hrc6", epsilon=1e-3, scramble_depth=5)
    env.reset(seed=3)
    # replay: the residual after applying the scramble word's gates must reach I
    rng = np.random.default_rng(0)
    u = env.target
    from qdesign.envs.gate_compile.targets import scrambled_target
    tgt, word = scrambled_target(env.gs, 5, rng)
    _, info = env.reset(options={"target": tgt})
    for a in word:
        obs, reward, term, trunc, info = env.step(a)
    assert term and info["is_success"] and info["length"] == 5
    assert {"distance", "fidelity", "length", "is_success", "action_mask"} <= set(info)
    w = Operator(env.gs.to_circuit(env.word)).data
    assert info["distance"] == pytest.approx(phase_invariant_distance(w, tgt), abs=1e-6)
    assert info["fidelity"] == pytest.approx(1.0, abs=1e-6)
    assert u.shape == (2, 2)


def test_masks_block_immediate_inverse_and_level_applies_at_reset():
    env = GateCompileEnv(gate_set="clifford_t", scramble_depth=2)
    env.reset(seed=0)
    env.step(3)  # t
    mask = env.action_masks()
    assert mask.dtype == bool and not mask[4] and mask.sum() == 4
    env.set_level(7)
    assert env.level == 2
    _, info = env.reset()
    assert info["scramble_depth"] == 7 and info["budget"] == 18


def test_masked_action_is_applied_with_penalty_and_truncation():
    env = GateCompileEnv(gate_set="clifford_t", target="haar", max_gates=3, scramble_depth=0, gate_cost=0.0,
                         shaping=0.0)
    env.reset(seed=1)
    env.step(3)
    _, r, term, trunc, _ = env.step(4)  # tdg after t: masked, applied, penalised
    assert r == pytest.approx(-env.invalid_penalty) and env.word == [3, 4]
    _, _, term, trunc, _ = env.step(0)
    assert trunc and not term


@pytest.mark.parametrize("kwargs, name", [({"epsilon": 0}, "epsilon"), ({"epsilon": 1.5}, "epsilon"),
                                          ({"max_gates": 0}, "max_gates"), ({"target": "x"}, "target"),
                                          ({"gate_set": ["zz"]}, "gate_set")])
def test_bad_kwargs(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GateCompileEnv(**kwargs)


def test_bad_fixed_target():
    env = GateCompileEnv()
    with pytest.raises(ValueError, match="target"):
        env.reset(options={"target": np.eye(4)})
    with pytest.raises(ValueError, match="target"):
        env.reset(options={"target": np.ones((2, 2))})
