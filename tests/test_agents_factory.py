import pytest
from sb3_contrib import MaskablePPO
from stable_baselines3 import PPO

from qdesign.agents.factory import make_agent, resolve_agent_class
from qdesign.agents.protocol import Agent


def test_builtin_names_resolve():
    assert resolve_agent_class("ppo") is PPO
    assert resolve_agent_class("maskable_ppo") is MaskablePPO
    assert resolve_agent_class("stable_baselines3:A2C").__name__ == "A2C"


def test_unknown_agent_lists_choices():
    with pytest.raises(ValueError, match="valid names: .*maskable_ppo"):
        resolve_agent_class("ppo2")
    with pytest.raises(ValueError, match="cannot import module"):
        resolve_agent_class("no_such_pkg.mod:Agent")
    with pytest.raises(ValueError, match="has no attribute"):
        resolve_agent_class("stable_baselines3:Nope")


class Incomplete:
    def __init__(self, env):
        self.env = env


def test_custom_agent_must_have_protocol_methods():
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="lacks the Agent methods"):
        make_agent(f"{__name__}:Incomplete", env)


def test_sb3_models_satisfy_protocol():
    import gymnasium as gym

    model = make_agent("ppo", gym.make("CartPole-v1"), n_steps=16, batch_size=16)
    assert isinstance(model, Agent)
