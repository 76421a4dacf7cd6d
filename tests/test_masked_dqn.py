"""MaskedDQN: masked acting, masked double-DQN targets, n-step returns with gamma^k bootstrap."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.vec_env import DummyVecEnv

from qdesign.agents.dqn import MaskedDQN, MaskedNStepReplayBuffer
from qdesign.agents.factory import make_agent


class MaskedChain(gym.Env):
    """Walk right along a chain of 6 states; action 2 is always illegal (stepping it is counted)."""

    metadata = {"render_modes": []}

    def __init__(self):
        self.observation_space = spaces.Box(0.0, 1.0, (6,), dtype=np.float32)
        self.action_space = spaces.Discrete(3)
        self.illegal_taken = 0

    def _obs(self):
        o = np.zeros(6, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def action_masks(self):
        return np.array([True, True, False])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos, self.t = 0, 0
        return self._obs(), {"action_mask": self.action_masks()}

    def step(self, action):
        self.t += 1
        if action == 2:
            self.illegal_taken += 1
        self.pos = min(self.pos + 1, 5) if action == 1 else max(self.pos - 1, 0)
        done = self.pos == 5
        return self._obs(), (1.0 if done else 0.0), done, self.t >= 20, {"action_mask": self.action_masks()}


@pytest.fixture
def one_torch_thread():
    """Tiny networks: extra torch threads only add contention on a shared machine."""
    old = th.get_num_threads()
    th.set_num_threads(1)
    yield
    th.set_num_threads(old)


def test_learning_never_takes_masked_actions_and_learns_chain(one_torch_thread):
    env = DummyVecEnv([MaskedChain])
    model = make_agent("masked_dqn", env, learning_starts=50, batch_size=32, buffer_size=2000,
                       target_update_interval=50, exploration_decay=0.99, n_steps=3, gamma=0.9,
                       learning_rate=1e-3, policy_kwargs={"net_arch": [32]}, seed=0)
    model.learn(1500)
    assert env.envs[0].illegal_taken == 0
    obs = env.reset()
    for _ in range(5):
        a, _ = model.predict(obs, deterministic=True, action_masks=np.array([[True, True, False]]))
        assert a[0] == 1
        obs, *_ = env.step(a)


def test_predict_masks_greedy_and_random():
    model = MaskedDQN("MlpPolicy", DummyVecEnv([MaskedChain]), policy_kwargs={"net_arch": [8]},
                      learning_starts=10, batch_size=4, seed=1)
    obs = np.eye(6, dtype=np.float32)[:1]
    with th.no_grad():  # make the illegal action the best by far
        model.q_net.q_net[-1].bias[:] = th.tensor([0.0, 0.0, 100.0])
    masks = np.array([[True, True, False]])
    a, _ = model.predict(obs, deterministic=True)
    assert a[0] == 2  # unmasked predict is plain DQN
    a, _ = model.predict(obs, deterministic=True, action_masks=masks)
    assert a[0] != 2
    model.exploration_rate = 1.0
    assert all(model.predict(obs, action_masks=masks)[0][0] != 2 for _ in range(50))


def _buffer(n_steps, gamma):
    obs_space = spaces.Box(0.0, 10.0, (1,), dtype=np.float32)
    return MaskedNStepReplayBuffer(16, obs_space, spaces.Discrete(3), device="cpu", n_envs=1,
                                   n_steps=n_steps, gamma=gamma)


def test_nstep_returns_and_gamma_k_discounts():
    buf = _buffer(3, 0.5)
    rewards = [1.0, 2.0, 4.0, 8.0, 16.0]
    dones = [False, False, False, True, False]
    for i, (r, d) in enumerate(zip(rewards, dones)):
        mask = np.array([True, i % 2 == 0, True])
        buf.add(np.array([[i]]), np.array([[i + 1]]), np.array([[0]]), np.array([r]), np.array([d]),
                [{"action_mask": mask}])
    s = buf._get_samples(np.array([0, 1, 2, 3]))
    # from 0: 1 + .5*2 + .25*4, bootstrap gamma^3 from obs 3
    assert s.rewards[0, 0].item() == pytest.approx(3.0)
    assert s.discounts[0, 0].item() == pytest.approx(0.125)
    assert s.next_observations[0, 0].item() == 3 and s.dones[0, 0].item() == 0.0
    # from 1: 2 + .5*4 + .25*8 ends at the terminal step 3 (done)
    assert s.rewards[1, 0].item() == pytest.approx(6.0) and s.dones[1, 0].item() == 1.0
    # from 2: 4 + .5*8, stops at the episode end: k = 2
    assert s.rewards[2, 0].item() == pytest.approx(8.0) and s.discounts[2, 0].item() == pytest.approx(0.25)
    # from 3: terminal, k = 1
    assert s.rewards[3, 0].item() == pytest.approx(8.0) and s.discounts[3, 0].item() == pytest.approx(0.5)
    # the newest transition (index 4) is never chained past
    s4 = buf._get_samples(np.array([4]))
    assert s4.rewards[0, 0].item() == pytest.approx(16.0) and s4.discounts[0, 0].item() == pytest.approx(0.5)
    # next-state masks come from the LAST transition of the chain (index 2 for sample 0)
    assert s.next_action_masks[0].tolist() == [True, True, True]
    assert s.next_action_masks[1].tolist() == [True, False, True]


def test_target_ignores_illegal_next_actions():
    env = DummyVecEnv([MaskedChain])
    model = MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [8]}, learning_starts=0, batch_size=4,
                      buffer_size=100, n_steps=1, gamma=0.5, learning_rate=0.0, seed=0)
    with th.no_grad():
        for net in (model.q_net, model.q_net_target):
            net.q_net[-1].weight.zero_()
            net.q_net[-1].bias[:] = th.tensor([1.0, 2.0, 1000.0])
    from stable_baselines3.common.logger import configure

    model.set_logger(configure(None, []))
    obs = np.zeros((1, 6), dtype=np.float32)
    for _ in range(4):
        model.replay_buffer.add(obs, obs, np.array([[0]]), np.array([0.0]), np.array([False]),
                                [{"action_mask": np.array([True, True, False])}])
    data = model.replay_buffer.sample(4)
    captured = {}
    orig = th.nn.functional.smooth_l1_loss

    def spy(current, target):
        captured["target"] = target.clone()
        return orig(current, target)

    import qdesign.agents.dqn as mod

    mod.F.smooth_l1_loss = spy
    try:
        model.train(1, batch_size=4)
    finally:
        mod.F.smooth_l1_loss = orig
    # r + gamma * Q_target(s', best legal = action 1) = 0 + 0.5 * 2
    assert np.allclose(captured["target"].numpy(), 1.0)
    assert data.next_action_masks.shape == (4, 3)


def test_save_load_roundtrip(tmp_path):
    env = DummyVecEnv([MaskedChain])
    model = MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [8]}, learning_starts=10, batch_size=8,
                      n_steps=4, seed=0)
    model.learn(50)
    model.save(tmp_path / "m.zip")
    back = MaskedDQN.load(tmp_path / "m.zip", env=env)
    obs = np.eye(6, dtype=np.float32)[:1]
    m = np.array([[True, True, False]])
    assert back.predict(obs, deterministic=True, action_masks=m)[0] == model.predict(
        obs, deterministic=True, action_masks=m)[0]
    assert back.replay_buffer_kwargs["n_steps"] == 4


def test_adam_is_fused_by_default_and_user_optimizer_kwargs_win():
    env = DummyVecEnv([MaskedChain])
    fused = MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [8]}, learning_starts=10, batch_size=4)
    assert fused.policy.optimizer.defaults["fused"] is True
    plain = MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [8], "optimizer_kwargs": {}},
                      learning_starts=10, batch_size=4)
    assert not plain.policy.optimizer.defaults["fused"]


def test_fused_update_matches_the_per_tensor_adam_update(one_torch_thread):
    """The fused kernel is a speed-up only: the same replay batch gives the same new weights."""
    models = []
    for okw in ({}, {"fused": True}):
        env = DummyVecEnv([MaskedChain])
        m = MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [16], "optimizer_kwargs": okw},
                      learning_starts=20, batch_size=8, learning_rate=1e-2, seed=3)
        m.learn(60)
        models.append(m)
    a, b = (th.cat([p.detach().flatten() for p in m.policy.parameters()]) for m in models)
    assert models[0]._n_updates == models[1]._n_updates > 0
    assert th.allclose(a, b, atol=1e-5)


def _add_episode(buf, rewards, start, timeout=False):
    """One episode of len(rewards) transitions, observations start, start+1, ...; it ends terminated
    (or truncated when ``timeout``)."""
    for i, r in enumerate(rewards):
        end = i == len(rewards) - 1
        info = {"action_mask": np.array([True, True, i % 2 == 0])}
        if end and timeout:
            info["TimeLimit.truncated"] = True
        buf.add(np.array([[start + i]]), np.array([[start + i + 1]]), np.array([[1]]), np.array([r]),
                np.array([end]), [info])


def test_elite_replay_keeps_the_best_episodes_with_the_rings_nstep_targets():
    obs_space = spaces.Box(-1e9, 1e9, (1,), dtype=np.float32)
    buf = MaskedNStepReplayBuffer(8, obs_space, spaces.Discrete(3), device="cpu", n_envs=1, n_steps=3,
                                  gamma=0.5, elite_episodes=2, elite_fraction=0.5)
    _add_episode(buf, [1.0, 2.0, 4.0, 8.0], start=0)      # return 15
    _add_episode(buf, [0.0, 0.0], start=100)              # return 0
    _add_episode(buf, [1.0, 1.0, 1.0], start=200)         # return 3
    _add_episode(buf, [5.0, 0.0, 0.0], start=300, timeout=True)  # return 5: drops the return-3 one
    assert [score for score, _ in buf.elites] == [15.0, 5.0]
    # the return-15 episode left the 8-slot ring long ago; its elite copy keeps the n-step targets
    best = buf.elites[0][1]
    assert best["obs"][:, 0].tolist() == [0, 1, 2, 3]
    assert best["rewards"].tolist() == pytest.approx([3.0, 6.0, 8.0, 8.0])
    assert best["discounts"].tolist() == pytest.approx([0.125, 0.125, 0.25, 0.5])
    assert best["next_obs"][:, 0].tolist() == [3, 4, 4, 4] and best["dones"].tolist() == [0, 1, 1, 1]
    assert best["next_masks"][0].tolist() == [True, True, True]
    # a truncated episode's end bootstraps (done 0), as in the ring
    assert buf.elites[1][1]["dones"].tolist() == [0, 0, 0]
    s = buf.sample(40)
    assert s.observations.shape == (40, 1) and s.next_action_masks.shape == (40, 3)
    # the last half of the batch comes from the elite episodes only
    assert set(s.observations[20:, 0].tolist()) <= {0, 1, 2, 3, 300, 301, 302}
    assert set(s.observations[:20, 0].tolist()) <= {100, 101, 200, 201, 202, 300, 301, 302}  # the ring


def test_elite_replay_is_off_by_default_and_its_knobs_are_checked():
    buf = _buffer(3, 0.5)
    _add_episode(buf, [1.0, 2.0], start=0)
    assert buf.elites == [] and buf.sample(4).observations.shape == (4, 1)
    env = DummyVecEnv([MaskedChain])
    for knob, value in (("elite_episodes", -1), ("elite_episodes", 2.5), ("elite_fraction", 1.0),
                        ("elite_fraction", -0.1), ("elite_fraction", "half")):
        with pytest.raises(ValueError, match=knob):
            MaskedDQN("MlpPolicy", env, policy_kwargs={"net_arch": [8]}, **{knob: value})
