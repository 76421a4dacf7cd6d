"""No silent wrong results in the environments (issue 16): out-of-range actions raise in every family,
``step`` after the episode ended raises until ``reset``, and a coupling map must reach every qubit."""

from __future__ import annotations

import re

import numpy as np
import pytest
from gymnasium.error import ResetNeeded

from qdesign.envs.arch_search.env import ArchSearchEnv
from qdesign.envs.episode_guard import ResetNeededError
from qdesign.envs.gate_compile.env import GateCompileEnv
from qdesign.envs.weight_reduce.seed_env import SeedReduceEnv
from qdesign.envs.weight_reduce.tanner_env import WeightReduceEnv

FAMILIES = {
    "ArchSearch": lambda: ArchSearchEnv(molecule="H2", optimizer="lbfgs", optimizer_kwargs={"maxiter": 20},
                                        max_gates=4),
    "GateCompile": lambda: GateCompileEnv(gate_set="clifford_t", epsilon=1e-2, max_gates=6),
    "SeedReduce": lambda: SeedReduceEnv(seeds="7,3", max_steps=4),
    "WeightReduce": lambda: WeightReduceEnv(seeds="6,3", max_check_weight=4, max_steps=4),
    "WeightReduce-factored": lambda: WeightReduceEnv(seeds="6,3", max_check_weight=4, max_steps=4,
                                                     action_mode="factored"),
}


def _bad_actions(env):
    if env.action_space.shape == ():  # Discrete
        n = int(env.action_space.n)
        return [n, -1, n + 100, 0.5, np.array([0, 1])]
    nvec = env.action_space.nvec
    return [nvec, np.array([-1, 0, 0]), np.array([0, 0]), np.array([0, int(nvec[1]), 0])]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_out_of_range_action_raises(family):
    env = FAMILIES[family]()
    env.reset(seed=0)
    for action in _bad_actions(env):
        with pytest.raises(ValueError, match="outside the action space"):
            env.step(action)
    # in-range actions still step (masked ones with the family's penalty)
    mask = env.action_masks()
    action = int(np.flatnonzero(mask)[0]) if env.action_space.shape == () else env.action_space.sample()
    env.step(action)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_step_after_the_episode_ended_needs_reset(family):
    env = FAMILIES[family]()
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    done, steps = False, 0
    while not done:
        if env.action_space.shape == ():
            action = int(rng.choice(np.flatnonzero(env.action_masks())))
        else:
            action = env.action_space.sample()
        _, _, terminated, truncated, _ = env.step(action)
        done, steps = terminated or truncated, steps + 1
        assert steps < 200
    with pytest.raises(ResetNeededError, match="call reset"):
        env.step(action)
    with pytest.raises(ResetNeeded):  # Gymnasium's own exception type catches it too
        env.step(action)
    env.reset(seed=1)
    env.step(action if env.action_space.shape != () else int(np.flatnonzero(env.action_masks())[0]))


def test_arch_search_no_bonus_after_success():
    """The reported failure: stepping on after a success paid +5 again per extra step."""
    env = ArchSearchEnv(molecule="H2", optimizer="lbfgs", optimizer_kwargs={"maxiter": 50}, threshold=10.0)
    env.reset(seed=0)
    _, reward, terminated, _, _ = env.step(int(np.flatnonzero(env.action_masks())[-1]))
    assert terminated and reward == env.success_reward
    with pytest.raises(ResetNeededError):
        env.step(0)


@pytest.mark.parametrize("coupling_map, left_out", [([[0, 1], [1, 2]], [3]), ([[0, 1]], [2, 3]),
                                                     ([[2, 3], [3, 2]], [0, 1])])
def test_coupling_map_that_leaves_a_qubit_out(coupling_map, left_out):
    with pytest.raises(ValueError, match=re.escape(f"leaves qubit(s) {left_out} out")):
        ArchSearchEnv(molecule="H2", coupling_map=coupling_map, optimizer="lbfgs")
    ArchSearchEnv(molecule="H2", coupling_map=[[0, 1], [1, 2], [2, 3]], optimizer="lbfgs")  # a line is fine
