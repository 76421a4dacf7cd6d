"""``reduce_weight(method="policy")``: the shipped policy alone produces codes; loaders, sampling,
the kd^2/n reward and the policy as the beam search's prior."""

from __future__ import annotations

import numpy as np
import pytest

from qdesign.api.reduce import reduce_weight
from qdesign.api.seed_policy import (
    SHIPPED,
    _dims_from_spaces,
    load_seed_policy,
    policy_codes,
    save_seed_policy,
    seed_policy_prior,
)
from qdesign.codes import gf2
from qdesign.codes.distance import classical_distance
from qdesign.codes.hgp import hgp_matrices
from qdesign.envs.weight_reduce.seed_env import SeedReduceEnv
from qdesign.plugins import UnknownKeywordError
from qdesign.reduction.beam import beam_search
from qdesign.reduction.seed_state import SeedGoal, hgp_score, seed_start_matrix


def _table_i(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    H, d = seed_start_matrix(name, "systematic")
    hx, hz = hgp_matrices(H)
    return H, hx, hz, d


def test_shipped_policy_is_package_data_and_small() -> None:
    assert SHIPPED.is_file() and SHIPPED.with_suffix(".json").is_file()
    assert SHIPPED.stat().st_size < 2_000_000


@pytest.mark.parametrize("name,n_paper", [("7,2", 74), ("7,3", 65)])
def test_policy_alone_reaches_the_paper_rl_row(name: str, n_paper: int) -> None:
    """The shipped policy's greedy rollout, no search, gives the paper's RL(6,3) code size with k and d
    kept; the returned code is re-checked from its seed with independent GF(2) code."""
    H, hx, hz, d = _table_i(name)
    r = reduce_weight(hx, hz, 6, 3, method="policy")
    assert r.details["engine"] == "policy" and r.details["search"] is False and r.details["samples"] == 0
    assert r.met_target and r.params.n == n_paper
    Hn = r.seed_matrix
    assert Hn is not None and Hn.sum(axis=1).max() + Hn.sum(axis=0).max() <= 6
    k_c = Hn.shape[1] - gf2.rank(Hn)
    k_t = Hn.shape[0] - gf2.rank(Hn)
    assert k_c ** 2 + k_t ** 2 == r.base.k
    assert classical_distance(Hn).value >= d
    hx2, hz2 = hgp_matrices(Hn)
    assert np.array_equal(hx2, r.h_x) and np.array_equal(hz2, r.h_z)


def test_samples_are_seeded_and_reported() -> None:
    _, hx, hz, _ = _table_i("7,4")
    a = reduce_weight(hx, hz, method="policy", samples=3, seed=5)
    b = reduce_weight(hx, hz, method="policy", samples=3, seed=5)
    assert a.details["samples"] == 3 and a.details["rollouts"] == 4
    assert np.array_equal(a.seed_matrix, b.seed_matrix)
    greedy = reduce_weight(hx, hz, method="policy")
    assert a.params.n <= greedy.params.n or not greedy.met_target  # greedy is one of the rollouts


def test_policy_path_zip_and_pt_agree(tmp_path) -> None:
    """An SB3 MaskablePPO zip and the shipped .npz format load to the same action distribution, and the
    numpy actor matches sb3-contrib's own masked distribution (torch)."""
    from sb3_contrib import MaskablePPO

    from qdesign.agents.rollout import action_probabilities

    env = SeedReduceEnv(seeds=["7,3"], r_max=6, n_max=9, max_steps=5)
    model = MaskablePPO("MlpPolicy", env, seed=0, policy_kwargs={"net_arch": [16]})
    model.save(tmp_path / "m.zip")
    pt = save_seed_policy(model, env, tmp_path / "m", "tiny")
    assert pt.suffix == ".npz"
    obs, _ = env.reset(seed=0)
    mask = env.action_masks()
    probs = [action_probabilities(load_seed_policy(p).policy, obs, mask) for p in (tmp_path / "m.zip", pt)]
    probs.append(action_probabilities(model, obs, mask))  # sb3-contrib's MaskableDistribution
    assert np.allclose(probs[0], probs[1], atol=1e-6) and np.allclose(probs[0], probs[2], atol=1e-5)
    assert abs(probs[0].sum() - 1) < 1e-9
    assert np.all(probs[0][~mask] == 0)
    assert int(probs[0].argmax()) == int(model.predict(obs, deterministic=True, action_masks=mask)[0])
    _, hx, hz, _ = _table_i("7,3")
    r = reduce_weight(hx, hz, method="policy", policy=str(pt))
    assert r.details["policy"] == "tiny" and r.params.k == r.base.k


def test_dims_from_spaces() -> None:
    env = SeedReduceEnv(seeds=["6,3", "7,4"])
    assert _dims_from_spaces(env.observation_space.shape[0], env.action_space.n) == (env.r_max, env.n_max)
    with pytest.raises(ValueError, match="not a SeedReduce"):
        _dims_from_spaces(20, 7)


def test_bad_input() -> None:
    _, hx, hz, _ = _table_i("6,3")
    with pytest.raises(ValueError, match="samples"):
        reduce_weight(hx, hz, method="policy", samples=-1)
    with pytest.raises(ValueError, match="policy"):
        reduce_weight(hx, hz, method="policy", policy=3)
    with pytest.raises(ValueError, match="no such file"):
        reduce_weight(hx, hz, method="policy", policy="/nonexistent/policy.zip")
    with pytest.raises(UnknownKeywordError, match="beam_width"):
        reduce_weight(hx, hz, method="policy", beam_width=3)
    H, _ = seed_start_matrix("30,4", "systematic")
    with pytest.raises(ValueError, match="at most"):
        policy_codes(load_seed_policy(), H, 6, 3, 16)


def test_kd2n_reward_mode() -> None:
    env = SeedReduceEnv(seeds="7,2", reward_mode="kd2n", d_credit=1.0)
    env.reset(seed=0)
    assert env.kd2n_ratio(env.score) == pytest.approx(1.0)
    longer = {**env.score, "n": 100, "d": 5}
    assert env.kd2n_ratio(longer) == pytest.approx(74 / 100)  # d counts only up to the goal
    env2 = SeedReduceEnv(seeds="7,2", reward_mode="kd2n", d_credit=2.0)
    env2.reset(seed=0)
    assert env2.kd2n_ratio(longer) == pytest.approx((4 * 25 / 100) / (4 * 16 / 74))
    assert env2.kd2n_ratio({**longer, "k": 1}) == 0.0
    for bad in (0.5, True, "2"):
        with pytest.raises(ValueError, match="d_credit"):
            SeedReduceEnv(seeds="7,2", d_credit=bad)
    # the success bonus is scaled by the ratio: a step that reaches the goal pays at most bonus x ratio
    from gymnasium.utils.env_checker import check_env

    check_env(SeedReduceEnv(seeds="7,3", reward_mode="kd2n", max_steps=5), skip_render_check=True)


def test_observe_leaves_the_env_unchanged() -> None:
    env = SeedReduceEnv(seeds="7,3", max_steps=5)
    obs0, _ = env.reset(seed=0)
    a = int(np.flatnonzero(env.action_masks())[0])
    H1 = env.moves.apply(env.H, a)
    seen = env.observe(H1)
    assert np.array_equal(env.observe(env.H), obs0)
    obs1, *_ = env.step(a)
    feats = slice(0, env.r_max * env.n_max)
    assert np.array_equal(seen[feats], obs1[feats])
    with pytest.raises(ValueError, match="r_max"):
        env.observe(np.ones((env.r_max + 1, 2), dtype=np.uint8))


def test_beam_with_policy_prior_expands_fewer_nodes_for_the_same_code() -> None:
    H, _, _, d = _table_i("7,3")
    sp = load_seed_policy()
    prior, moves = seed_policy_prior(sp, H, 6, 3, d)
    goal = SeedGoal(6, 3, hgp_score(H)["k"], d)
    plain: dict = {}
    Hp, sp_ = beam_search(H, moves, goal, max_depth=30, stats=plain)
    guided: dict = {}
    Hg, sg = beam_search(H, moves, goal, max_depth=30, max_expand=4, prior=prior, stats=guided)
    assert goal.met(sp_) and goal.met(sg) and sg["n"] == sp_["n"] == 65
    assert 0 < guided["expanded_to_best"] < plain["expanded_to_best"]
    with pytest.raises(ValueError, match="prior must return"):
        beam_search(H, moves, goal, prior=lambda _H: np.ones(3))
    with pytest.raises(ValueError, match="max_expand"):
        beam_search(H, moves, goal, max_expand=0)
