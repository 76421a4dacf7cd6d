"""The n-preserving Tanner-graph policy: ``FixedNReduceEnv``, the shipped policy reaching Table I's
[[58,16,3]](6,3) from HGP(Hamming [7,4]) alone (checked by an independent GF(2) computation here),
the ``method="policy"`` fallback, the save/load format and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from gf2_reference import gf2_rank, has_logical_of_weight_below_3

from qdesign.api.fixed_n_policy import (
    SHIPPED_FIXED_N,
    fixed_n_codes,
    load_fixed_n_policy,
    save_fixed_n_policy,
)
from qdesign.api.reduce import reduce_weight
from qdesign.api.seed_policy import SHIPPED
from qdesign.codes.hgp import hgp_matrices
from qdesign.envs.weight_reduce.fixed_n_env import FixedNReduceEnv
from qdesign.reduction.anneal import excess
from qdesign.reduction.seed_state import seed_start_matrix


def _hgp74() -> tuple[np.ndarray, np.ndarray]:
    H, _ = seed_start_matrix("7,4", "systematic")
    return hgp_matrices(H)


def test_shipped_fixed_n_policy_is_package_data_and_small() -> None:
    assert SHIPPED_FIXED_N.is_file() and SHIPPED_FIXED_N.with_suffix(".json").is_file()
    assert SHIPPED_FIXED_N.stat().st_size < 2_000_000


def test_shipped_policy_alone_reaches_58_16_3_at_6_3() -> None:
    hx0, hz0 = _hgp74()
    r = reduce_weight(hx0, hz0, 6, 3, method="policy")
    d = r.details
    assert d["policy_used"] == "fixed-n" and d["search"] is False and d["samples"] == 0
    assert d["best_rollout"] == "greedy" and d["seed_policy_result"]["n"] > 58
    hx, hz = np.asarray(r.h_x), np.asarray(r.h_z)
    # independent checks: commutation, n, k by ranks, (w, q), exact distance >= 3 by brute force
    assert not (hx.astype(np.int64) @ hz.T.astype(np.int64) % 2).any()
    n = hx.shape[1]
    k = n - gf2_rank(hx) - gf2_rank(hz)
    assert (n, k) == (58, 16)
    assert max(hx.sum(1).max(), hz.sum(1).max()) <= 6 and max(hx.sum(0).max(), hz.sum(0).max()) <= 3
    assert not has_logical_of_weight_below_3(hz, hx)  # X logicals
    assert not has_logical_of_weight_below_3(hx, hz)  # Z logicals
    assert r.met_target and (r.params.n, r.params.k, r.params.d) == (58, 16, 3)
    # the policy alone: the greedy rollout of the numpy actor gives the same code
    fp = load_fixed_n_policy()
    hx2, hz2, ex, info = fixed_n_codes(fp, hx0, hz0, 6, 3, 3)
    assert ex == 0 and np.array_equal(hx2, hx) and np.array_equal(hz2, hz)
    assert info["engine"] == "fixed-n policy"


def test_seed_level_only_when_disabled() -> None:
    hx, hz = _hgp74()
    r = reduce_weight(hx, hz, 6, 3, method="policy", fixed_n_policy=False)
    assert r.details["policy_used"] == "seed" and r.params.n == 80 and r.seed_matrix is not None


def test_env_moves_rewards_and_distance_check() -> None:
    from gymnasium.utils.env_checker import check_env

    env = FixedNReduceEnv("7,4", max_steps=3)
    check_env(env, skip_render_check=True)
    env = FixedNReduceEnv("7,4", max_steps=50)
    obs, info = env.reset(seed=0)
    assert obs.shape == env.observation_space.shape and info["excess"] == 24 == env.excess0
    assert env.n_actions == 2 * 21 * 21 + 58 * 58
    # a row addition keeps the code: same row space of H_X
    a = env.encode("ax", 0, 1)
    assert env.decode(a) == ("ax", 0, 1)
    hx_before = env.h_x.copy()
    _, r, _, _, info = env.step(a)
    assert gf2_rank(np.vstack([hx_before, env.h_x])) == gf2_rank(hx_before) == gf2_rank(env.h_x)
    assert r == pytest.approx(24 - info["excess"]) and info["n"] == 58
    # some CNOT creates a weight-<3 logical on HGP(7,4): it is rejected and the state kept
    rejected = 0
    for b in range(1, 58):
        hx, hz = env.h_x.copy(), env.h_z.copy()
        _, r, _, _, info = env.step(env.encode("cnot", 0, b))
        if info["rejected"]:
            rejected += 1
            assert np.array_equal(hx, env.h_x) and np.array_equal(hz, env.h_z) and r == -env.invalid_penalty
        else:
            assert excess(env.h_x, env.h_z, 6, 3) == info["excess"]
            env.step(env.encode("cnot", 0, b))  # CNOT is an involution: undo
        if env.steps >= 45:
            break
    assert rejected > 0
    # masked actions (i == j) are no-ops with the penalty
    _, r, _, _, info = env.step(env.encode("az", 3, 3))
    assert info["rejected"] and r == -env.invalid_penalty
    assert not env.action_masks()[env.encode("cnot", 5, 5)]


def test_random_masked_agent_and_save_load_round_trip(tmp_path) -> None:
    from sb3_contrib import MaskablePPO

    H, _ = seed_start_matrix("6,3", "systematic")
    hx, hz = hgp_matrices(H)
    env = FixedNReduceEnv(h_x=hx, h_z=hz, max_steps=5, r_max=20, n_max=50)
    model = MaskablePPO("MlpPolicy", env, seed=0, policy_kwargs={"net_arch": [8]})
    p = save_fixed_n_policy(model, env, tmp_path / "tiny", "tiny")
    fp = load_fixed_n_policy(p)
    assert (fp.r_max, fp.n_max, fp.max_steps, fp.d_min) == (20, 50, 5, 3)
    obs, _ = env.reset(seed=0)
    mask = env.action_masks()
    probs = fp.policy.action_probabilities(obs, mask)
    assert int(probs.argmax()) == int(model.predict(obs, deterministic=True, action_masks=mask)[0])
    h_x, h_z, ex, det = fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=2, seed=1, uniform=True)
    assert det["rollouts"] == 2 and det["engine"].startswith("random masked agent")
    assert ex == excess(h_x, h_z, 6, 3) and h_x.shape == hx.shape
    with pytest.raises(ValueError, match="samples must be >= 1"):
        fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=0, uniform=True)
    big_hx, big_hz = _hgp74()
    with pytest.raises(ValueError, match="at most"):
        fixed_n_codes(fp, big_hx, big_hz, 6, 3, 3)
    # a code that does not fit the padding: method="policy" skips the fixed-n policy and says so
    r = reduce_weight(big_hx, big_hz, 6, 3, method="policy", fixed_n_policy=str(p))
    assert r.details["policy_used"] == "seed" and "skipped" in r.details["fixed_n_policy"]


def test_bad_input() -> None:
    hx, hz = _hgp74()
    for bad in (0, 4, True, 2.5):
        with pytest.raises(ValueError, match="d_min"):
            FixedNReduceEnv("7,4", d_min=bad)
    with pytest.raises(ValueError, match="max_steps"):
        FixedNReduceEnv("7,4", max_steps=0)
    with pytest.raises(ValueError, match="together"):
        FixedNReduceEnv(h_x=hx)
    with pytest.raises(ValueError, match="padding"):
        FixedNReduceEnv("7,4", n_max=40)
    with pytest.raises(ValueError, match="render_mode"):
        FixedNReduceEnv("7,4", render_mode="human")
    with pytest.raises(ValueError, match="out of range"):
        FixedNReduceEnv("7,4").decode(10**6)
    with pytest.raises(ValueError, match="kind"):
        FixedNReduceEnv("7,4").encode("toggle", 0, 1)
    with pytest.raises(ValueError, match="fixed_n_policy"):
        reduce_weight(hx, hz, method="policy", fixed_n_policy=3)
    with pytest.raises(ValueError, match="fixed_n_policy"):
        reduce_weight(hx, hz, method="policy", fixed_n_policy="/nonexistent/p.npz")
    with pytest.raises(ValueError, match="not an n-preserving"):
        load_fixed_n_policy(SHIPPED)  # the seed-level policy is not a fixed-n one
