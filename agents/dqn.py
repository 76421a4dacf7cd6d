"""``MaskedDQN``: SB3's DQN with action masks, double-DQN targets and n-step returns.

What it adds to ``stable_baselines3.DQN`` (the CRLQAS agent, with the reference code's bugs fixed):

* illegal actions get Q = -inf when acting greedily, and the epsilon branch samples uniformly among
  LEGAL actions only; masks come from the envs' ``action_masks()`` while learning, or from
  ``predict(..., action_masks=...)``;
* the replay buffer stores the mask of every next state (from ``info["action_mask"]``), so the
  double-DQN target ``r + gamma^k Q_target(s', argmax_{a legal} Q_online(s', a))`` never bootstraps
  from an illegal action;
* n-step returns with the ``gamma^k`` bootstrap, k = the number of rewards summed (k < n when the
  episode ended or was truncated earlier);
* optional multiplicative epsilon decay per gradient update (CRLQAS: 0.99995, floor 0.05);
* optional elite (self-imitation) replay, not in CRLQAS: ``elite_episodes`` K keeps the K finished
  episodes with the highest return outside the FIFO ring and draws ``elite_fraction`` of every batch
  from them (off by default; see ``MaskedNStepReplayBuffer``).

Defaults are CRLQAS's (Patel et al., arXiv:2402.13754, App. B, and its code): 5 x 1000 LeakyReLU
MLP, Adam lr 1e-4, batch 1000, replay 20,000, learning starts after 1000 transitions, target copy
every 500 updates, gamma 0.88, n = 5. Adam runs as torch's fused kernel unless ``policy_kwargs`` sets
``optimizer_kwargs`` (the same update, a fraction of the per-tensor loop's CPU time).

What an update costs is set by three knobs (issue 13 item 4), checked here with a ``ValueError`` naming
the knob: ``gradient_steps`` gradient steps every ``train_freq`` env steps (per vector step when
``n_envs > 1``), each on a ``batch_size`` replay batch. On a 2-core CPU a 3 x 256 MLP update costs a
fixed ~2.4 ms plus ~0.03 ms per sample (1 torch thread), so the update share of wall time is mostly the
number of updates per env step; torch's thread count is the training config's ``num_threads``
(``TrainConfig``, default 1), set by the trainer with ``torch.set_num_threads`` before the agent is built.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch as th
from stable_baselines3 import DQN
from stable_baselines3.common.buffers import ReplayBuffer
from torch.nn import functional as F


class MaskedSamples(NamedTuple):
    """A replay batch with n-step discounts and the next states' action masks."""
    observations: th.Tensor
    actions: th.Tensor
    next_observations: th.Tensor
    dones: th.Tensor
    rewards: th.Tensor
    discounts: th.Tensor
    next_action_masks: th.Tensor


def _check_elite(elite_episodes: Any, elite_fraction: Any) -> None:
    """The elite-replay knobs: a ``ValueError`` naming the knob and what is allowed."""
    if not _is_int(elite_episodes) or elite_episodes < 0:
        raise ValueError(f"elite_episodes={elite_episodes!r} is invalid; allowed: an integer >= 0 "
                         "(0 = off)")
    if (isinstance(elite_fraction, bool) or not isinstance(elite_fraction, (int, float))
            or not 0.0 <= float(elite_fraction) < 1.0):
        raise ValueError(f"elite_fraction={elite_fraction!r} is invalid; allowed: a number in [0, 1)")


class MaskedNStepReplayBuffer(ReplayBuffer):
    """A replay buffer that also stores next-state action masks and builds n-step returns.

    With ``elite_episodes = K > 0`` it also keeps, outside the FIFO ring, the K finished episodes with
    the highest undiscounted return met so far (self-imitation replay), and fills ``elite_fraction`` of
    every batch from their transitions (uniformly), with the same n-step targets. Rare good episodes
    (a success under a moving threshold) are then not pushed out of a 20k ring after a few hundred
    episodes, so the Q-values along them keep being fitted.
    """

    def __init__(self, *args: Any, n_steps: int = 1, gamma: float = 0.99, elite_episodes: int = 0,
                 elite_fraction: float = 0.25, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.optimize_memory_usage:
            raise ValueError("optimize_memory_usage=True is not supported by MaskedNStepReplayBuffer")
        if int(n_steps) < 1:
            raise ValueError(f"n_steps={n_steps!r} is invalid; allowed: an integer >= 1")
        _check_elite(elite_episodes, elite_fraction)
        self.n_steps, self.gamma = int(n_steps), float(gamma)
        n_actions = int(self.action_space.n)
        self.next_action_masks = np.ones((self.buffer_size, self.n_envs, n_actions), dtype=bool)
        self.elite_episodes, self.elite_fraction = int(elite_episodes), float(elite_fraction)
        #: the kept episodes, best first: (return, arrays of obs/action/nstep return/discount/next obs/
        #: done/next mask, one row per transition)
        self.elites: list[tuple[float, dict[str, np.ndarray]]] = []
        self._open: list[list[tuple]] = [[] for _ in range(self.n_envs)]

    def add(self, obs, next_obs, action, reward, done, infos) -> None:  # type: ignore[override]
        """Store a transition and the next state's action mask from ``info["action_mask"]`` (all legal if
        absent)."""
        pos = self.pos
        for env_i, info in enumerate(infos):
            mask = info.get("action_mask") if isinstance(info, dict) else None
            self.next_action_masks[pos, env_i] = True if mask is None else np.asarray(mask, dtype=bool)
        if self.elite_episodes:
            self._track_episodes(obs, next_obs, action, reward, done, infos, pos)
        super().add(obs, next_obs, action, reward, done, infos)

    # ------------------------------------------------------------------ elite (self-imitation) replay
    def _track_episodes(self, obs, next_obs, action, reward, done, infos, pos: int) -> None:
        action = np.asarray(action).reshape(self.n_envs, -1)
        reward, done = np.asarray(reward).reshape(-1), np.asarray(done).reshape(-1)
        for i in range(self.n_envs):
            timeout = bool(isinstance(infos[i], dict) and infos[i].get("TimeLimit.truncated", False))
            self._open[i].append((np.array(obs[i]), np.array(next_obs[i]), action[i].copy(), float(reward[i]),
                                  bool(done[i]), timeout, self.next_action_masks[pos, i].copy()))
            if self._open[i][-1][4]:
                self._close_episode(self._open[i])
                self._open[i] = []

    def _close_episode(self, steps: list[tuple]) -> None:
        score = float(sum(s[3] for s in steps))
        if len(self.elites) >= self.elite_episodes and score <= self.elites[-1][0]:
            return
        rewards = np.array([s[3] for s in steps], dtype=np.float32)
        T = len(steps)
        returns = np.zeros(T, dtype=np.float32)
        k_used = np.zeros(T, dtype=np.int64)
        last = np.zeros(T, dtype=np.int64)
        for t in range(T):  # n-step returns inside the episode, as in _get_samples
            j_end = min(t + self.n_steps, T)
            returns[t] = sum(self.gamma ** (j - t) * rewards[j] for j in range(t, j_end))
            k_used[t], last[t] = j_end - t, j_end - 1
        timeouts = np.array([s[5] for s in steps], dtype=np.float32)[last]
        dones = np.array([s[4] for s in steps], dtype=np.float32)[last] * (1.0 - timeouts)
        # the last transition is the episode end: an n-step chain ending earlier bootstraps (done 0)
        dones = np.where(last == T - 1, dones, 0.0)
        episode = {
            "obs": np.stack([s[0] for s in steps]), "actions": np.stack([s[2] for s in steps]),
            "next_obs": np.stack([steps[k][1] for k in last]), "dones": dones.astype(np.float32),
            "rewards": returns, "discounts": (self.gamma ** k_used).astype(np.float32),
            "next_masks": np.stack([steps[k][6] for k in last]),
        }
        self.elites.append((score, episode))
        self.elites.sort(key=lambda e: -e[0])
        del self.elites[self.elite_episodes:]

    def _elite_samples(self, n: int) -> MaskedSamples:
        sizes = np.array([len(ep["rewards"]) for _, ep in self.elites])
        which = np.random.choice(len(sizes), size=n, p=sizes / sizes.sum())
        rows = np.array([np.random.randint(sizes[w]) for w in which])

        def gather(key: str) -> np.ndarray:
            return np.stack([self.elites[w][1][key][r] for w, r in zip(which, rows)])

        return MaskedSamples(
            observations=self.to_torch(gather("obs")), actions=self.to_torch(gather("actions")),
            next_observations=self.to_torch(gather("next_obs")),
            dones=self.to_torch(gather("dones")[:, None]), rewards=self.to_torch(gather("rewards")[:, None]),
            discounts=self.to_torch(gather("discounts")[:, None]),
            next_action_masks=th.as_tensor(gather("next_masks"), device=self.device))

    def sample(self, batch_size: int, env: Any = None) -> MaskedSamples:  # type: ignore[override]
        """A uniform batch from the ring, ``elite_fraction`` of it from the elite episodes once any is
        kept."""
        n_elite = int(round(batch_size * self.elite_fraction)) if self.elites else 0
        main = super().sample(batch_size - n_elite, env=env)
        if n_elite == 0:
            return main  # type: ignore[return-value]
        elite = self._elite_samples(n_elite)
        return MaskedSamples(*(th.cat([a, b.to(a.dtype)]) for a, b in zip(main, elite)))

    def _get_samples(self, batch_inds: np.ndarray, env: Any = None) -> MaskedSamples:  # type: ignore[override]
        env_idx = np.random.randint(0, self.n_envs, size=len(batch_inds))
        n = self.n_steps
        # the newest stored transition of each env is the end of what we may chain through
        newest = (self.pos - 1) % self.buffer_size
        returns = np.zeros(len(batch_inds), dtype=np.float32)
        k_used = np.zeros(len(batch_inds), dtype=np.int64)
        last = batch_inds.copy()
        alive = np.ones(len(batch_inds), dtype=bool)
        for j in range(n):
            idx = (batch_inds + j) % self.buffer_size
            step_alive = alive.copy()
            rew = self._normalize_reward(self.rewards[idx, env_idx], env)
            returns += np.where(step_alive, (self.gamma ** j) * rew, 0.0).astype(np.float32)
            k_used += step_alive
            last = np.where(step_alive, idx, last)
            # episode ends looked up at the sampled rows only (not over the whole buffer)
            ends = (self.dones[idx, env_idx] != 0) | (self.timeouts[idx, env_idx] != 0)
            alive = step_alive & ~ends & (idx != newest)
        timeouts = self.timeouts[last, env_idx].astype(np.float32)
        dones = self.dones[last, env_idx].astype(np.float32) * (1.0 - timeouts)
        obs = self._normalize_obs(self.observations[batch_inds, env_idx], env)
        next_obs = self._normalize_obs(self.next_observations[last, env_idx], env)
        # every array below is a fresh gather, so torch may share its memory instead of copying it again
        return MaskedSamples(
            observations=self.to_torch(obs, copy=False),
            actions=self.to_torch(self.actions[batch_inds, env_idx], copy=False),
            next_observations=self.to_torch(next_obs, copy=False),
            dones=self.to_torch(dones[:, None], copy=False),
            rewards=self.to_torch(returns[:, None], copy=False),
            discounts=self.to_torch((self.gamma ** k_used).astype(np.float32)[:, None], copy=False),
            next_action_masks=th.as_tensor(self.next_action_masks[last, env_idx], device=self.device),
        )


def _env_masks(env: Any) -> np.ndarray | None:
    if env is None:
        return None
    try:
        return np.stack(env.env_method("action_masks")).astype(bool)
    except (AttributeError, NotImplementedError):
        return None


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_update_knobs(train_freq: Any, gradient_steps: Any, batch_size: Any, buffer_size: Any) -> None:
    """The update-cost knobs, checked before SB3 sees them (SB3 accepts e.g. ``gradient_steps=0``
    silently: no learning at all): a ``ValueError`` naming the knob and what is allowed."""
    freq = train_freq
    if isinstance(train_freq, (tuple, list)) and len(train_freq) == 2:
        freq, unit = train_freq
        if unit not in ("step", "episode"):
            raise ValueError(f"train_freq={train_freq!r} is invalid; allowed: an integer >= 1 (env steps) "
                             "or (integer >= 1, 'step' | 'episode')")
    if not _is_int(freq) or freq < 1:
        raise ValueError(f"train_freq={train_freq!r} is invalid; allowed: an integer >= 1 (env steps) "
                         "or (integer >= 1, 'step' | 'episode')")
    if not _is_int(gradient_steps) or (gradient_steps < 1 and gradient_steps != -1):
        raise ValueError(f"gradient_steps={gradient_steps!r} is invalid; allowed: an integer >= 1 (per "
                         "train_freq env steps) or -1 (as many as env steps collected)")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} is invalid; allowed: an integer >= 1")
    if _is_int(buffer_size) and batch_size > buffer_size:
        raise ValueError(f"batch_size={batch_size!r} is invalid; allowed: at most buffer_size={buffer_size}")


class MaskedDQN(DQN):
    """Masked double DQN with n-step returns; see the module docstring."""

    def __init__(self, policy: Any, env: Any, learning_rate: float = 1e-4, buffer_size: int = 20_000,
                 learning_starts: int = 1000, batch_size: int = 1000, gamma: float = 0.88,
                 train_freq: int = 1, gradient_steps: int = 1, target_update_interval: int = 500,
                 n_steps: int = 5, double_q: bool = True, exploration_decay: float | None = 0.99995,
                 exploration_initial_eps: float = 1.0, exploration_final_eps: float = 0.05,
                 exploration_fraction: float = 0.5, policy_kwargs: dict[str, Any] | None = None,
                 replay_buffer_kwargs: dict[str, Any] | None = None, elite_episodes: int = 0,
                 elite_fraction: float = 0.25, **kwargs: Any) -> None:
        if policy_kwargs is None:
            policy_kwargs = {"net_arch": [1000] * 5, "activation_fn": th.nn.LeakyReLU}
        elif isinstance(policy_kwargs.get("activation_fn"), str):
            policy_kwargs = {**policy_kwargs, "activation_fn": getattr(th.nn, policy_kwargs["activation_fn"])}
        adam = policy_kwargs.get("optimizer_class") in (None, th.optim.Adam)
        if adam and "optimizer_kwargs" not in policy_kwargs:
            # Adam's per-tensor Python loop was ~30% of an update on CPU (cProfile, issue 13); the fused
            # kernel does the same Adam step in one call (measured 8.2 -> 5.9 ms per update, 3x256 MLP)
            policy_kwargs = {**policy_kwargs, "optimizer_kwargs": {"fused": True}}
        _check_update_knobs(train_freq, gradient_steps, batch_size, buffer_size)
        if exploration_decay is not None and not 0 < exploration_decay <= 1:
            raise ValueError(f"exploration_decay={exploration_decay!r} is invalid; allowed: None or (0, 1]")
        _check_elite(elite_episodes, elite_fraction)
        rb_kwargs = {**(replay_buffer_kwargs or {}), "n_steps": int(n_steps), "gamma": float(gamma),
                     "elite_episodes": elite_episodes, "elite_fraction": elite_fraction}
        kwargs.pop("replay_buffer_class", None)
        self.double_q = bool(double_q)
        self.exploration_decay = exploration_decay
        super().__init__(policy, env, learning_rate=learning_rate, buffer_size=buffer_size,
                         learning_starts=learning_starts, batch_size=batch_size, gamma=gamma,
                         train_freq=train_freq, gradient_steps=gradient_steps,
                         target_update_interval=target_update_interval,
                         exploration_initial_eps=exploration_initial_eps,
                         exploration_final_eps=exploration_final_eps,
                         exploration_fraction=exploration_fraction, policy_kwargs=policy_kwargs,
                         replay_buffer_class=MaskedNStepReplayBuffer, replay_buffer_kwargs=rb_kwargs,
                         **kwargs)
        self.n_steps_return = int(n_steps)

    # ------------------------------------------------------------------ exploration
    def _on_step(self) -> None:
        super()._on_step()
        if self.exploration_decay is not None:
            decayed = self.exploration_initial_eps * self.exploration_decay ** self._n_updates
            self.exploration_rate = max(self.exploration_final_eps, decayed)
            self.logger.record("rollout/exploration_rate", self.exploration_rate)

    # ------------------------------------------------------------------ acting
    def _masked_q_argmax(self, observation: np.ndarray, masks: np.ndarray) -> np.ndarray:
        obs_t, _ = self.policy.obs_to_tensor(observation)
        with th.no_grad():
            q = self.q_net(obs_t)
        q = q.masked_fill(~th.as_tensor(masks, device=q.device), -th.inf)
        return q.argmax(dim=1).cpu().numpy()

    def predict(self, observation: Any, state: Any = None, episode_start: np.ndarray | None = None,
                deterministic: bool = False, action_masks: np.ndarray | None = None
                ) -> tuple[np.ndarray, Any]:
        """Epsilon-greedy (unless deterministic) over legal actions when ``action_masks`` is given."""
        if action_masks is None:
            return super().predict(observation, state, episode_start, deterministic)
        obs = np.asarray(observation)
        vectorized = self.policy.is_vectorized_observation(obs)
        masks = np.asarray(action_masks, dtype=bool).reshape(-1, int(self.action_space.n))
        obs_b = obs if vectorized else obs[None]
        if not deterministic and np.random.rand() < self.exploration_rate:
            action = np.array([np.random.choice(np.flatnonzero(m)) for m in masks])
        else:
            action = self._masked_q_argmax(obs_b, masks)
        return (action if vectorized else action[0]), state

    def _sample_action(self, learning_starts: int, action_noise: Any = None, n_envs: int = 1):
        masks = _env_masks(self.env)
        if masks is None:
            return super()._sample_action(learning_starts, action_noise, n_envs)
        if self.num_timesteps < learning_starts and not (self.use_sde and self.use_sde_at_warmup):
            action = np.array([np.random.choice(np.flatnonzero(m)) for m in masks])
        else:
            action, _ = self.predict(self._last_obs, deterministic=False, action_masks=masks)
        return action, action

    # ------------------------------------------------------------------ learning
    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        """Gradient steps on double-DQN n-step targets, taking the next-state max over legal actions only."""
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        # the online net's parameters: the only ones with gradients (the target net runs under no_grad),
        # so clipping them is clipping policy.parameters(), without walking both nets every update
        online_params = [p for group in self.policy.optimizer.param_groups for p in group["params"]]
        losses = []
        for _ in range(gradient_steps):
            data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)  # type: ignore[union-attr]
            with th.no_grad():
                masks = data.next_action_masks
                next_target = self.q_net_target(data.next_observations)
                if self.double_q:
                    online = self.q_net(data.next_observations).masked_fill(~masks, -th.inf)
                    best = online.argmax(dim=1, keepdim=True)
                    next_q = th.gather(next_target, 1, best)
                else:
                    next_q = next_target.masked_fill(~masks, -th.inf).max(dim=1, keepdim=True).values
                next_q = th.nan_to_num(next_q, neginf=0.0)
                target = data.rewards + (1 - data.dones) * data.discounts * next_q
            current = th.gather(self.q_net(data.observations), 1, data.actions.long())
            loss = F.smooth_l1_loss(current, target)
            losses.append(loss.item())
            self.policy.optimizer.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(online_params, self.max_grad_norm, foreach=True)
            self.policy.optimizer.step()
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", float(np.mean(losses)))
