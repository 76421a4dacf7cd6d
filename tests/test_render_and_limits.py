"""Frames people can watch and episode limits Gymnasium knows about, on every registered id.

``render_mode="rgb_array"`` must give same-sized ``uint8`` frames (what ``RecordVideo`` stitches),
``spec.max_episode_steps`` must equal the env's own limit (so ``TimeLimit`` never cuts an episode the
env would not end), and SB3's ``make_vec_env``, which asks for ``rgb_array`` by default, must work.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import qdesign  # noqa: F401  (registers the ids)
from qdesign.envs.rendering import FRAME_HEIGHT, FRAME_WIDTH
from qdesign.registry import all_entries, episode_limit

ENTRIES = {e.id: e for e in all_entries()}


def _own_limit(env: gym.Env) -> int:
    """The step count at which the unwrapped env ends an episode by itself."""
    u = env.unwrapped
    return int(u.max_gates if hasattr(u, "max_gates") else u.max_steps)


def _legal(env: gym.Env, rng: np.random.Generator):
    mask = env.unwrapped.action_masks()
    if isinstance(env.action_space, gym.spaces.Discrete):
        return int(rng.choice(np.flatnonzero(mask)))
    parts = np.split(mask, np.cumsum(env.action_space.nvec)[:-1])
    return np.array([int(rng.choice(np.flatnonzero(m))) for m in parts], dtype=env.action_space.dtype)


@pytest.mark.parametrize("env_id", sorted(ENTRIES))
def test_rgb_array_frames_and_spec_limit(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    assert env.spec.max_episode_steps == _own_limit(env) == episode_limit(env_id)
    env.reset(seed=0)
    first = env.render()
    env.step(_legal(env, np.random.default_rng(0)))
    second = env.render()
    for frame in (first, second):
        assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8
        assert frame.shape == (FRAME_HEIGHT, FRAME_WIDTH, 3)
        assert frame.min() < 100 < frame.max()  # something is drawn on the white page
    assert not np.array_equal(first, second)  # the frame follows the episode


@pytest.mark.filterwarnings("ignore:.*not in the possible render_modes")
def test_bad_render_mode_is_a_named_error():
    with pytest.raises(ValueError, match="render_mode"):
        gym.make("qdesign/GateCompile-CliffordT1q-v0", render_mode="human3d")


def test_limit_override_follows_the_env():
    """A ``max_steps`` override moves the limit; ``episode_limit`` gives the TimeLimit to match."""
    env_id = "qdesign/SeedReduce-Hamming-v0"
    assert episode_limit(env_id, {"max_steps": 3}) == 3
    assert episode_limit(env_id, {"max_check_weight": 6}) == ENTRIES[env_id].max_episode_steps
    env = gym.make(env_id, max_steps=3, max_episode_steps=episode_limit(env_id, {"max_steps": 3}))
    assert env.spec.max_episode_steps == 3
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    steps, terminated, truncated = 0, False, False
    while not (terminated or truncated):
        _, _, terminated, truncated, _ = env.step(_legal(env, rng))
        steps += 1
    assert steps <= 3 and (terminated or steps == 3)


def test_time_limit_agrees_with_the_env_at_its_limit():
    """At the registered limit the env ends the episode itself; the wrapper only marks it."""
    env = gym.make("qdesign/GateCompile-HRC3-1q-v0")  # Haar targets, budget = max_gates = 32
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    steps, terminated, truncated = 0, False, False
    while not (terminated or truncated):
        _, _, terminated, truncated, _ = env.step(_legal(env, rng))
        steps += 1
    assert steps <= 32 and len(env.unwrapped.word) == steps
    assert terminated or steps == 32


def test_sb3_make_vec_env_without_render_mode():
    """SB3 passes render_mode="rgb_array" unless told otherwise: that must simply work now."""
    from stable_baselines3.common.env_util import make_vec_env

    vec = make_vec_env("qdesign/GateCompile-CliffordT1q-v0", n_envs=2, seed=0)
    try:
        vec.reset()
        masks = np.stack(vec.env_method("action_masks"))
        vec.step(np.array([int(np.flatnonzero(m)[0]) for m in masks]))
        frames = vec.get_images()
        assert len(frames) == 2 and frames[0].shape == (FRAME_HEIGHT, FRAME_WIDTH, 3)
    finally:
        vec.close()


@pytest.mark.filterwarnings("ignore:.*Overwriting existing videos")
def test_record_video_writes_a_video(tmp_path):
    """``gymnasium.wrappers.RecordVideo`` on a short episode writes a playable mp4."""
    pytest.importorskip("moviepy", reason="RecordVideo needs moviepy (in the [dev] extra)")
    from gymnasium.wrappers import RecordVideo

    env = RecordVideo(gym.make("qdesign/GateCompile-CliffordT1q-v0", render_mode="rgb_array"),
                      video_folder=str(tmp_path), episode_trigger=lambda i: True, disable_logger=True)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(4):
        _, _, terminated, truncated, _ = env.step(_legal(env, rng))
        if terminated or truncated:
            break
    env.close()
    videos = list(tmp_path.glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
