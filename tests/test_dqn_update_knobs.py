"""The DQN update-cost knobs (issue 13 item 4) reach SB3, bad values are named errors, and the trainer
sets torch's thread count from the config."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch as th

from qdesign.config import load_yaml
from qdesign.tasks import resolve_train_config
from qdesign.training import build_agent, build_vec_env, train

FAST = (Path(__file__).resolve().parents[1] / "experiments" / "configs" / "arch_search"
        / "lih_4q_3p4_dqn_fast.yaml")


@pytest.fixture
def lih_vec():
    config = resolve_train_config("arch-search", str(FAST), None, None, None)
    vec = build_vec_env(config)
    yield config, vec
    vec.close()


def test_fast_config_knobs_reach_the_sb3_model(lih_vec):
    config, vec = lih_vec
    data = load_yaml(FAST)["agent_kwargs"]
    model = build_agent(config, vec, tb_dir=None)
    assert model.train_freq.frequency == data["train_freq"] == 5
    assert model.train_freq.unit.value == "step"
    assert model.gradient_steps == data["gradient_steps"] == 1
    assert model.batch_size == data["batch_size"]
    assert model.learning_rate == data["learning_rate"]
    assert config.num_threads == 1


def test_overridden_knobs_reach_the_sb3_model(lih_vec):
    config, vec = lih_vec
    config.agent_kwargs = {**config.agent_kwargs, "train_freq": 8, "gradient_steps": 3, "batch_size": 32}
    model = build_agent(config, vec, tb_dir=None)
    assert (model.train_freq.frequency, model.gradient_steps, model.batch_size) == (8, 3, 32)


@pytest.mark.parametrize("knob, value", [
    ("gradient_steps", 0), ("gradient_steps", -2), ("gradient_steps", 1.5),
    ("batch_size", 0), ("batch_size", 50_000), ("batch_size", True),
    ("train_freq", 0), ("train_freq", (4, "hour")), ("train_freq", (0, "step")),
])
def test_bad_update_knobs_are_named_value_errors(lih_vec, knob, value):
    config, vec = lih_vec
    config.agent_kwargs = {**config.agent_kwargs, knob: value}
    with pytest.raises(ValueError, match=knob):
        build_agent(config, vec, tb_dir=None)


def test_gradient_steps_minus_one_and_episode_train_freq_are_allowed(lih_vec):
    config, vec = lih_vec
    config.agent_kwargs = {**config.agent_kwargs, "gradient_steps": -1, "train_freq": (1, "episode")}
    model = build_agent(config, vec, tb_dir=None)
    assert model.gradient_steps == -1 and model.train_freq.unit.value == "episode"


def test_trainer_sets_torch_threads_from_config(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(th, "set_num_threads", lambda n: seen.append(n))
    config = resolve_train_config("arch-search", str(FAST), None, None, None)
    config.total_timesteps, config.eval_episodes, config.num_threads = 8, 0, 2
    config.agent_kwargs = {**config.agent_kwargs, "learning_starts": 4}
    train(config, out=tmp_path, quiet=True)
    assert seen and seen[0] == 2
