"""ArchSearchEnv: API checks, masks, encoding, halting, reward, circuit export, bad input."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from qiskit.quantum_info import Statevector

import qdesign  # noqa: F401  (registers the ids)
from qdesign.envs.arch_search.actions import ActionTable, IllegalTracker
from qdesign.envs.arch_search.encoding import TensorEncoder
from qdesign.envs.arch_search.env import ArchSearchEnv
from qdesign.envs.arch_search.halting import sample_halting_step

FAST = {"optimizer": "lbfgs", "optimizer_kwargs": {"maxiter": 50}}


def make(**kw):
    return ArchSearchEnv(**{"molecule": "H2", "mapping": "jordan_wigner", **FAST, **kw})


@pytest.mark.parametrize("env_id", ["qdesign/ArchSearch-H2-2q-v0", "qdesign/ArchSearch-H2-4q-v0",
                                    "qdesign/ArchSearch-LiH4-v0"])
def test_gymnasium_and_sb3_checkers(env_id):
    from stable_baselines3.common.env_checker import check_env as sb3_check

    check_env(gym.make(env_id).unwrapped, skip_render_check=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check(gym.make(env_id).unwrapped, warn=True)


def test_action_table_layout_matches_crlqas():
    t = ActionTable(4)
    assert len(t) == 4 * 6 == 24  # N(N+2)
    for c in range(4):
        for x in range(1, 4):
            assert t[c * 3 + (x - 1)].qubits == (c, (c + x) % 4)
    assert t[12 + 3 * 2 + 1].name == "ry" and t[12 + 3 * 2 + 1].qubits == (2,)
    restricted = ActionTable(4, [[0, 1], [1, 0], [1, 2], [2, 1], [1, 3], [3, 1]])
    assert len(restricted) == 18  # IBM Ourense coupling map: 6 CNOTs + 12 rotations


def test_illegal_rule_only_forbids_immediate_repetition():
    t = ActionTable(3)
    tr = IllegalTracker(t)
    rx0, ry0 = t.index[type(t[0])("rx", (0,))], t.index[type(t[0])("ry", (0,))]
    cx01, cx10 = t.index[type(t[0])("cx", (0, 1))], t.index[type(t[0])("cx", (1, 0))]
    rz2 = t.index[type(t[0])("rz", (2,))]
    tr.push(rx0)
    assert not tr.mask()[rx0] and tr.mask()[ry0]
    tr.push(rz2)  # disjoint wire: RX(0) still at the front
    assert not tr.mask()[rx0]
    tr.push(ry0)  # RX-RY-RX allowed
    assert tr.mask()[rx0] and not tr.mask()[ry0]
    tr.push(cx01)
    assert not tr.mask()[cx01] and tr.mask()[cx10] and tr.mask()[ry0]
    assert tr.mask().sum() >= len(t) - 3


def test_asap_encoding():
    t = ActionTable(3)
    enc = TensorEncoder(3, 10)
    A = type(t[0])
    assert enc.place(A("rx", (0,))) == 0
    assert enc.place(A("ry", (2,))) == 0  # disjoint wires share moment 0
    assert enc.place(A("cx", (0, 1))) == 1
    assert enc.tensor[1, 1, 0] == 1.0  # [moment, target, control]
    assert enc.place(A("rz", (2,))) == 1
    assert enc.tensor[0, 3 + 0, 0] == 1 and enc.tensor[0, 3 + 1, 2] == 1 and enc.tensor[1, 3 + 2, 2] == 1
    assert enc.depth == 2 and enc.tensor.sum() == 4


def test_halting_distribution_matches_crlqas():
    rng = np.random.default_rng(0)
    draws = np.array([sample_halting_step(rng, "crlqas", 100) for _ in range(20000)]) - 1
    assert abs(draws.mean() - 52.0) < 0.5 and draws.min() >= 25 and draws.max() <= 70
    noisy = np.array([sample_halting_step(rng, "crlqas_noisy", 100) for _ in range(500)]) - 1
    assert abs(noisy.mean() - 25.9) < 1.0
    assert sample_halting_step(rng, "off", 40) == 40


def test_halting_reported_as_truncated():
    env = make(halting="crlqas", max_gates=100, threshold=1e-12)
    env.reset(seed=3)
    budget = env._budget
    steps, truncated, terminated = 0, False, False
    while not (terminated or truncated):
        a = int(np.flatnonzero(env.action_masks())[0])
        _, _, terminated, truncated, info = env.step(a)
        steps += 1
    assert truncated and not terminated and steps == budget and 26 <= budget <= 71


def test_reward_success_and_circuit_energy_matches_qiskit():
    env = make(threshold=1e-3, halting="off")
    env.reset(seed=0)
    t = env.table
    A = type(t[0])
    # an H2 ground-state circuit: RY on q0, CNOTs spread the excitation pair (found by the agent)
    seq = [A("ry", (0,)), A("rx", (2,)), A("cx", (0, 1)), A("cx", (0, 2)), A("cx", (2, 3)), A("ry", (1,))]
    rewards, infos = [], []
    for a in seq:
        _, r, term, trunc, info = env.step(t.index[a])
        rewards.append(r)
        infos.append(info)
        qc = env.circuit()
        e_ref = float(np.real(Statevector.from_instruction(qc).expectation_value(env.problem.hamiltonian)))
        assert abs(e_ref - info["energy"]) < 1e-9  # energy the reward used == qiskit's, angles bound
        assert info["n_gates"] == len(qc.data) and info["depth"] == qc.depth()
        if term:
            break
    # dense rewards are the clipped relative improvements
    for k in range(1, len(infos)):
        if infos[k]["is_success"]:
            assert rewards[k] == 5.0
            break
        prev, cur = infos[k - 1]["energy"], infos[k]["energy"]
        expect = np.clip((prev - cur) / abs(prev - env.ground_energy), -1, 1)
        assert abs(rewards[k] - expect) < 1e-12


def test_failure_at_max_gates_and_illegal_action_noop():
    env = make(max_gates=3, threshold=1e-12, halting="off")
    env.reset(seed=0)
    _, _, _, _, info = env.step(12)  # RX(0)
    assert not info["action_mask"][12]
    _, r, term, trunc, info = env.step(12)  # illegal repeat: no-op with the penalty
    assert r == -1.0 and info["n_gates"] == 1 and not info["legal"]
    _, r, term, trunc, info = env.step(13)
    assert term and not trunc and r == -5.0 and not info["is_success"]
    assert "episode_best_error" in info and "best_actions" in info


def test_set_level_applies_at_next_reset_and_validates():
    env = make()
    env.reset(seed=0)
    env.set_level(0.25)
    assert env.threshold == pytest.approx(1.6e-3)
    _, info = env.reset()
    assert info["threshold"] == 0.25
    with pytest.raises(ValueError, match="threshold"):
        env.set_level(-1.0)


def test_determinism_and_pickle():
    def run(env):
        env.reset(seed=11)
        out = []
        for _ in range(6):
            mask = env.action_masks()
            a = int(env.np_random.choice(np.flatnonzero(mask)))
            obs, r, te, tr, info = env.step(a)
            out.append((a, r, info["energy"]))
            if te or tr:
                break
        return out

    assert run(make()) == run(make())
    env = make()
    env.reset(seed=0)
    env.step(13)
    clone = pickle.loads(pickle.dumps(env))
    assert clone.step(0)[1] == env.step(0)[1]


def test_noisy_env_reports_noiseless_energy():
    env = make(noise={"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3}, optimizer="adam_spsa",
               optimizer_kwargs={"maxfev": 20})
    env.reset(seed=0)
    _, _, _, _, info = env.step(13)
    assert "noiseless_energy" in info and info["noiseless_energy"] != info["energy"]
    assert abs(info["noiseless_energy"] - info["energy"]) < 0.05


@pytest.mark.parametrize("kwargs, arg", [
    ({"molecule": "XeF6"}, "molecule"), ({"mapping": "qubit"}, "mapping"),
    ({"coupling_map": [[0, 7]]}, "coupling_map"), ({"optimizer": "adam"}, "optimizer"),
    ({"halting": "sometimes"}, "halting"), ({"max_gates": 0}, "max_gates"),
    ({"threshold": 0}, "threshold"), ({"target": "fake"}, "target"),
    ({"noise": {"depolarizing_1q": 1.5}}, "depolarizing_1q"), ({"dense_reward": "sqrt"}, "dense_reward"),
])
def test_bad_input(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        ArchSearchEnv(**{**FAST, **kwargs})


def test_render_and_general_id_kwargs():
    env = gym.make("qdesign/ArchSearch-v0", molecule="H2", mapping="parity", render_mode="ansi",
                   coupling_map=[[0, 1]])
    env.reset(seed=0)
    assert env.action_space.n == 1 + 6
    env.step(1)
    text = env.render()
    assert isinstance(text, str) and "E=" in text


def test_shot_scale_reaches_the_simulator():
    """Adam-SPSA's stage budgets (N/100 ... N shots) change the sampling noise of the objective."""
    from qdesign.envs.arch_search.simulation import EnergyObjective

    env = make(noise={"shots": 10_000})
    env.reset(seed=0)
    env.step(13)
    obj = EnergyObjective(env.simulator, env._circuit, np.random.default_rng(0))
    thetas = np.tile(env._thetas, (200, 1))
    full = obj(thetas).std()
    obj.set_shot_scale(0.01)
    coarse = obj(thetas).std()
    assert 5 < coarse / full < 20  # ~sqrt(100) = 10


def test_log_dense_reward_telescopes_and_relative_is_crlqas():
    from qdesign.envs.arch_search.env import dense_rewards

    # CRLQAS: clipped relative decrease; a rise 0.01 -> 0.1 costs -1, the way back earns only +0.9
    rel = dense_rewards("relative", [0.1, 0.01, 0.0], [0.01, 0.1, 0.0])
    assert rel.tolist() == pytest.approx([0.9, -1.0, 0.0])
    assert dense_rewards("log", [0.1, 0.01], [0.01, 0.1]).tolist() == pytest.approx([1.0, -1.0])
    env = ArchSearchEnv(**{**FAST, "dense_reward": "log", "halting": "off"})
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    errors, rewards = [env._errors[0]], []
    for _ in range(12):
        _, r, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        if term or trunc:
            break
        rewards.append(r)
        errors.append(info["error"])
    assert len(rewards) >= 3
    # the dense return is log10(err_0 / err_end), whatever the detours
    assert sum(rewards) == pytest.approx(np.log10(max(errors[0], 1e-10) / max(errors[-1], 1e-10)))
