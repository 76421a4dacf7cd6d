"""The registry-wide harness: every registered ``qdesign/...`` id passes the same checks."""

from __future__ import annotations

import pickle
import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import EnvSpec
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import qdesign
from qdesign.registry import FAMILIES, all_entries, family_entries

ENTRIES = all_entries()
IDS = [e.id for e in ENTRIES]
#: warnings we accept, each with the reason; anything else fails the test
ALLOWED_WARNINGS: list[tuple[str, str]] = [
    # SB3 suggests normalising Box observations it sees as unbounded; our observations are bounded
    # by construction but some carry an unbounded scalar feature (an energy), which SB3 flags.
]


def _strict_warnings():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    for pattern, _reason in ALLOWED_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    return ctx


def _mask_size(space: gym.Space) -> int:
    """Length of ``action_masks()``: n for Discrete, sum of nvec for MultiDiscrete (sb3-contrib)."""
    return int(space.n) if hasattr(space, "n") else int(np.sum(space.nvec))


def _pick(space: gym.Space, mask: np.ndarray, rng: np.random.Generator) -> int | np.ndarray:
    """A random action allowed by the mask (per dimension for MultiDiscrete)."""
    if hasattr(space, "n"):
        return int(rng.choice(np.flatnonzero(mask)))
    parts = np.split(mask, np.cumsum(space.nvec)[:-1])
    return np.array([int(rng.choice(np.flatnonzero(m))) for m in parts], dtype=space.dtype)


def _all_actions(space: gym.Space) -> list:
    """Every Discrete action; for MultiDiscrete every value of each dimension plus the top corner."""
    if hasattr(space, "n"):
        return list(range(space.n))
    acts = [np.zeros(len(space.nvec), dtype=space.dtype)]
    for d, size in enumerate(space.nvec):
        for v in range(int(size)):
            a = np.zeros(len(space.nvec), dtype=space.dtype)
            a[d] = v
            acts.append(a)
    return acts + [np.asarray(space.nvec - 1, dtype=space.dtype)]


def _masked_rollout(env: gym.Env, seed: int, steps: int) -> list[tuple]:
    """A trajectory of valid random actions drawn from a seeded generator."""
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    trace: list[tuple] = [("reset", np.asarray(obs).tobytes(), _scalars(info))]
    for _ in range(steps):
        mask = env.unwrapped.action_masks()
        action = _pick(env.action_space, mask, rng)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((np.asarray(action).tobytes(), np.asarray(obs).tobytes(), reward, terminated, truncated,
                      _scalars(info)))
        if terminated or truncated:
            obs, info = env.reset(seed=int(rng.integers(1 << 30)))
            trace.append(("reset", np.asarray(obs).tobytes(), _scalars(info)))
    return trace


def _scalars(info: dict) -> dict:
    return {k: v for k, v in info.items() if isinstance(v, (bool, int, float, str, np.bool_))}


def test_some_family_is_registered():
    assert IDS, "no environment registered"
    assert all(i.startswith("qdesign/") for i in IDS)
    assert len(set(IDS)) == len(IDS)


def test_ids_are_in_gym_registry_after_import():
    for env_id in IDS:
        assert env_id in gym.registry
    assert qdesign.register_all() == IDS  # idempotent


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id):
    env = gym.make(env_id)
    ctx = _strict_warnings()
    try:
        gym_check_env(env.unwrapped, skip_render_check=True)
    finally:
        ctx.__exit__(None, None, None)
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_check_env(env_id):
    env = gym.make(env_id)
    ctx = _strict_warnings()
    try:
        sb3_check_env(env.unwrapped, warn=True, skip_render_check=True)
    finally:
        ctx.__exit__(None, None, None)
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_seeded_determinism(env_id):
    a, b = gym.make(env_id), gym.make(env_id)
    assert _masked_rollout(a, 7, 12) == _masked_rollout(b, 7, 12)


@pytest.mark.parametrize("env_id", IDS)
def test_pickle_roundtrip_continues_identically(env_id):
    env = gym.make(env_id)
    env.reset(seed=3)
    clone = pickle.loads(pickle.dumps(env))
    assert _masked_rollout(env, 11, 6) == _masked_rollout(clone, 11, 6)


@pytest.mark.parametrize("env_id", IDS)
def test_action_mask_invariants(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    n = _mask_size(env.action_space)
    for _ in range(15):
        mask = env.unwrapped.action_masks()
        assert isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == (n,)
        assert mask.any(), "at least one action must be valid"
        action = _pick(env.action_space, mask, rng)
        _, _, terminated, truncated, info = env.step(action)
        if "action_mask" in info:
            np.testing.assert_array_equal(info["action_mask"], env.unwrapped.action_masks())
        if terminated or truncated:
            env.reset()


@pytest.mark.parametrize("env_id", IDS)
def test_any_action_is_accepted(env_id):
    """The checkers sample without masks, so step() must take every action in the space."""
    env = gym.make(env_id)
    env.reset(seed=1)
    for action in _all_actions(env.action_space):
        _, reward, terminated, truncated, _ = env.step(action)
        assert isinstance(reward, float)
        if terminated or truncated:
            env.reset()


@pytest.mark.parametrize("env_id", IDS)
def test_ansi_render_and_spec_json(env_id):
    env = gym.make(env_id, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and text
    spec = EnvSpec.from_json(env.spec.to_json())
    assert spec.id == env_id


@pytest.mark.parametrize("env_id", IDS)
def test_set_level_keeps_spaces(env_id):
    env = gym.make(env_id)
    obs_space, act_space = env.observation_space, env.action_space
    env.unwrapped.set_level(env.unwrapped.curriculum_level)
    env.reset(seed=0)
    assert env.observation_space == obs_space and env.action_space == act_space


@pytest.mark.parametrize("family", FAMILIES)
def test_spawn_subproc_vec_env(family):
    """Workers started with spawn never imported qdesign: the "qdesign:" prefix must do it."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import SubprocVecEnv

    try:
        entry = family_entries(family)[0]
    except ModuleNotFoundError:
        pytest.skip(f"family {family} not present")
    vec = make_vec_env(f"qdesign:{entry.id}", n_envs=2, seed=0, vec_env_cls=SubprocVecEnv,
                       env_kwargs={"render_mode": None},  # SB3 would otherwise ask for rgb_array
                       vec_env_kwargs={"start_method": "spawn"})
    try:
        obs = vec.reset()
        masks = np.stack(vec.env_method("action_masks"))
        actions = np.array([_pick(vec.action_space, m, np.random.default_rng(0)) for m in masks])
        obs, rewards, dones, infos = vec.step(actions)
        assert obs.shape[0] == 2 and rewards.shape == (2,)
        level = vec.get_attr("curriculum_level")[0]
        vec.env_method("set_level", level)  # what the curriculum callback does, across processes
    finally:
        vec.close()


def test_unknown_env_id_names_valid_choices():
    from qdesign.registry import check_env_id

    with pytest.raises(ValueError, match=re.escape("valid ids")):
        check_env_id("qdesign/Nope-v0")
