"""Generic schedules and the one callback that applies a curriculum through env_method."""

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

from qdesign.curricula.callback import CurriculumCallback
from qdesign.curricula.factory import make_curriculum
from qdesign.curricula.protocol import Curriculum
from qdesign.curricula.schedules import FixedLevel, LinearRamp, StepSchedule, SuccessRateGated


def test_builtins_follow_protocol():
    for cur in (FixedLevel(2), StepSchedule([1, 2], [10]), LinearRamp(0, 1, 10), SuccessRateGated([1, 2])):
        assert isinstance(cur, Curriculum)
        json.dumps(cur.state_dict())


def test_step_and_linear():
    step = StepSchedule([1, 2, 3], [100, 200])
    assert [step.update([], t) for t in (0, 99, 100, 250)] == [1, 1, 2, 3]
    ramp = LinearRamp(2, 10, 100, integer=True)
    assert [ramp.update([], t) for t in (0, 50, 100, 1000)] == [2, 6, 10, 10]


def test_success_gated_advances_and_demotes_and_restores():
    cur = SuccessRateGated([1, 2, 3], window=4, threshold=0.75, demote_below=0.25)
    assert cur.update([{"is_success": True}] * 3 + [{"is_success": False}], 0) == 2
    assert cur.update([{"is_success": False}] * 4, 0) == 1
    cur.update([{"is_success": True}] * 2, 0)
    state = json.loads(json.dumps(cur.state_dict()))
    clone = SuccessRateGated([1, 2, 3], window=4, threshold=0.75, demote_below=0.25)
    clone.load_state_dict(state)
    assert clone.level == cur.level and list(clone.history) == list(cur.history)
    assert clone.update([{"is_success": True}] * 2, 0) == 2


@pytest.mark.parametrize("kwargs", [{"levels": [], "window": 3}, {"levels": [1], "threshold": 1.5}])
def test_success_gated_bad_args(kwargs):
    with pytest.raises(ValueError):
        SuccessRateGated(**kwargs)


def test_registry_errors():
    with pytest.raises(ValueError, match="valid names"):
        make_curriculum("nope")
    with pytest.raises(ValueError, match="bad arguments"):
        make_curriculum("linear", bogus=1)
    assert make_curriculum("fixed", level=3).level == 3


class LevelEnv(gym.Env):
    """Succeeds when the agent picks action == level; records the level seen at reset."""

    metadata = {"render_modes": []}

    def __init__(self):
        self.observation_space = spaces.Box(0, 10, (1,), np.float32)
        self.action_space = spaces.Discrete(3)
        self._pending = 0
        self.level = 0
        self.levels_seen: list[int] = []

    @property
    def curriculum_level(self):
        return self._pending

    def set_level(self, level):
        self._pending = level

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.level = self._pending
        self.levels_seen.append(self.level)
        return np.array([self.level], np.float32), {}

    def step(self, action):
        return np.array([self.level], np.float32), 0.0, True, False, {"is_success": True}


@pytest.mark.parametrize("vec", ["dummy", "subproc"])
def test_callback_applies_level_via_env_method(vec):
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    cls = DummyVecEnv if vec == "dummy" else SubprocVecEnv
    kwargs = {"start_method": "fork"} if vec == "subproc" else None
    train = make_vec_env(LevelEnv, n_envs=2, vec_env_cls=cls, vec_env_kwargs=kwargs)
    evaluation = make_vec_env(LevelEnv, n_envs=1)
    cur = SuccessRateGated([0, 1, 2], window=4, threshold=1.0)
    model = PPO("MlpPolicy", train, n_steps=8, batch_size=8, n_epochs=1, seed=0)
    cb = CurriculumCallback(cur, eval_env=evaluation)
    model.learn(64, callback=cb)
    assert cur.level == 2 and cb.changes == 2
    assert train.get_attr("curriculum_level") == [2, 2]
    assert evaluation.get_attr("curriculum_level") == [2]
    seen = train.get_attr("levels_seen")
    assert all(max(s) == 2 for s in seen)  # the new level reached the envs at their resets
    train.close()
