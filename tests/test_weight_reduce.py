"""Weight-reduction envs and moves: validity, exact scoring vs the full HGP, reward sign, checkers."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import qdesign  # noqa: F401  (registers ids)
from qdesign.codes import distance as dist
from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_matrices
from qdesign.codes.seeds import get_seed, systematic_parity_check
from qdesign.envs.weight_reduce.reward import RewardWeights, he_liu_reward
from qdesign.envs.weight_reduce.seed_env import SeedReduceEnv, hgp_score
from qdesign.envs.weight_reduce.tanner_env import WeightReduceEnv
from qdesign.reduction import moves

IDS = ["qdesign/SeedReduce-v0", "qdesign/SeedReduce-Hamming-v0", "qdesign/WeightReduce-6-3-3-v0"]


@pytest.mark.parametrize("env_id", IDS)
def test_checkers_pass(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # render-mode probing without a spec
        check_env(env, skip_render_check=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(env, warn=True)
    env2 = pickle.loads(pickle.dumps(env))
    assert env2.action_space == env.action_space


def test_classical_moves_keep_k_and_never_lower_d() -> None:
    H = systematic_parity_check(get_seed(7, 4).G)
    d0 = dist.classical_distance(H).value
    k0 = H.shape[1] - np.linalg.matrix_rank(H)  # full-rank seed: rank over R equals rank over GF(2) here
    for i in range(H.shape[0]):
        if H[i].sum() >= 3:
            H2 = moves.split_row(H, i)
            assert hgp_score(H2)["k_c"] == k0 and dist.classical_distance(H2).value >= d0
    for j in range(H.shape[1]):
        if H[:, j].sum() >= 2:
            H2 = moves.split_column(H, j)
            assert hgp_score(H2)["k_c"] == k0 and dist.classical_distance(H2).value >= d0
    H3 = moves.row_add(H, 0, 1)  # same code
    assert dist.classical_distance(H3).value == d0


def test_seed_env_score_matches_full_hgp_code() -> None:
    env = SeedReduceEnv(seeds="7,3")
    env.reset(seed=0)
    rng = np.random.default_rng(1)
    for _ in range(12):
        a = int(rng.choice(np.flatnonzero(env.action_masks())))
        _, _, term, trunc, info = env.step(a)
        hx, hz = hgp_matrices(env.H)
        code = CSSCode(hx, hz)
        assert (info["n"], info["k"], info["w"], info["q"]) == (code.n, code.k, code.w, code.q)
        if code.k:
            assert info["d"] == min(dist.maxsat_exact(code, "X").value, dist.maxsat_exact(code, "Z").value)
        if term or trunc:
            break


def test_quantum_moves_preserve_commutation_and_k() -> None:
    hx, hz = hgp_matrices(systematic_parity_check(get_seed(7, 3).G))
    code = CSSCode(hx, hz)
    k0, dx0 = code.k, dist.maxsat_exact(code, "X").value
    heavy_q = int(np.argmax(hx.sum(axis=0)))
    cx, cz = moves.copy_qubit(hx, hz, heavy_q)
    c2 = CSSCode(cx, cz)  # raises if commutation broke
    assert c2.k == k0 and c2.n == code.n + 1
    assert dist.maxsat_exact(c2, "X").value == dx0  # copying keeps the X-distance
    heavy_c = int(np.argmax(hx.sum(axis=1)))
    gx, gz = moves.gauge_check(hx, hz, heavy_c)
    assert CSSCode(gx, gz).k == k0
    nx, nz = moves.cnot(hx, hz, 0, 5)
    assert CSSCode(nx, nz).k == k0


def test_tanner_env_toggle_mask_respects_commutation() -> None:
    env = WeightReduceEnv(seeds="6,3", max_check_weight=4)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(15):
        mask = env.action_masks()
        a = int(rng.choice(np.flatnonzero(mask)))
        env.step(a)
        CSSCode(env.h_x, env.h_z)  # every reachable state commutes
    # a masked-out action is a no-op with a penalty, never an exception
    bad = int(np.flatnonzero(~env.action_masks())[0])
    hx = env.h_x.copy()
    _, r, _, _, info = env.step(bad)
    assert info["invalid_action"] and r < 0 and np.array_equal(hx, env.h_x)


def test_reward_sign_rewards_distance_growth() -> None:
    w = RewardWeights()
    up = he_liu_reward(0.5, 5, 4, 0, 10, 100, 100, w)
    down = he_liu_reward(0.5, 4, 5, 0, 10, 100, 100, w)
    same = he_liu_reward(0.5, 4, 4, 0, 10, 100, 100, w)
    assert up > same > down
    assert he_liu_reward(0.5, 4, 4, 0, 10, 150, 100, w) < same  # overhead is charged


def test_seed_env_reaches_table_i_target_by_row_operations() -> None:
    env = SeedReduceEnv(seeds="7,3")
    _, info = env.reset(seed=0)
    assert (info["n"], info["k"], info["d"]) == (65, 9, 4) and info["w"] > 6
    # greedy: pick the valid action with the best immediate reward (env copies are cheap)
    for _ in range(20):
        best, best_r = None, -np.inf
        for a in np.flatnonzero(env.action_masks()):
            trial = pickle.loads(pickle.dumps(env))
            _, r, *_ = trial.step(int(a))
            if r > best_r:
                best, best_r = int(a), r
        _, _, term, _, info = env.step(best)
        if term:
            break
    assert info["is_success"] and info["n"] <= 65 and info["k"] == 9 and info["d"] >= 4


def test_set_level_and_fixed_spaces() -> None:
    env = gym.make("qdesign/SeedReduce-v0").unwrapped
    spaces = (env.observation_space, env.action_space)
    seen = set()
    for level in range(4):
        env.set_level(level)
        _, info = env.reset(seed=level)
        seen.add(info["seed"])
        assert (env.observation_space, env.action_space) == spaces
    assert seen == {"6,3", "7,2", "7,3", "7,4"}


@pytest.mark.parametrize("kwargs", [{"max_check_weight": 2}, {"seeds": "x"}, {"max_steps": 0},
                                    {"reward_mode": "bogus"}, {"seeds": "9,9"}])
def test_bad_kwargs(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        SeedReduceEnv(**kwargs)


def test_factored_actions_decode_to_flat_moves() -> None:
    env = WeightReduceEnv(seeds="7,3", allow_cnot=True)  # > 10^4 flat actions -> factored
    assert env.factored and env.action_space.nvec.tolist() == [len(env._layout), env._M, env._M]
    env.reset(seed=0)
    flat = env._flat_mask()
    a = int(np.flatnonzero(flat)[0])
    name, off, size = next(x for x in env._layout if x[1] <= a < x[1] + x[2])
    kind = [x[0] for x in env._layout].index(name)
    i, j = divmod(a - off, env.N if name[0] == "t" else env.R) if size > max(env.N, env.R) else (a - off, 0)
    assert env._flat_index([kind, i, j]) == a
    masks = env.action_masks()
    assert masks.shape == (int(env.action_space.nvec.sum()),) and masks[kind]
    _, r, _, _, info = env.step(np.array([kind, env._M - 1, env._M - 1]))  # may name no move: no-op
    CSSCode(env.h_x, env.h_z)
