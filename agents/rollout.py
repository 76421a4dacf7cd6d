"""Deterministic masked rollouts of a trained policy that keep the best state visited.

Used by weight reduction, where the best code seen along an episode is the result (not the last
one). Environments are duck-typed: nothing here imports them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qdesign.agents.protocol import Agent


def policy_rollout(env: Any, model: Agent, seed: int = 0,
                   options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
    """Best (H, score) of a deterministic masked rollout on a ``SeedReduceEnv`` (ranked by
    ``env.goal.key``); ``options`` go to ``env.reset`` (e.g. ``{"start": H, "d_target": d}``)."""
    obs, _ = env.reset(seed=seed, options=options)
    best_H, best_s = env.H.copy(), dict(env.score)
    done = False
    while not done:
        action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        obs, _, term, trunc, _ = env.step(int(action))
        goal = env.goal
        if goal.key(env.score, env.H) < goal.key(best_s, best_H):
            best_H, best_s = env.H.copy(), dict(env.score)
        done = term or trunc
    return best_H, best_s


def tanner_policy_rollout(env: Any, model: Agent, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    """``WeightReduceEnv`` counterpart of ``policy_rollout``: the best (H_X, H_Z, score) visited
    (fewest (w, q) violations with k kept and d at goal, then fewest qubits)."""

    def key(s: dict[str, Any]) -> tuple:
        bad = (max(0, s["w"] - env.max_check_weight) + max(0, s["q"] - env.max_qubit_degree)
               + (10 if s["k"] != env.k0 else 0) + (5 * (env.d_goal - s["d"]) if s["d"] < env.d_goal else 0))
        return (bad, s["n"])

    obs, _ = env.reset(seed=seed)
    best = (env.h_x.copy(), env.h_z.copy(), dict(env.score))
    done = False
    while not done:
        action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        obs, _, term, trunc, _ = env.step(action)
        if key(env.score) < key(best[2]):
            best = (env.h_x.copy(), env.h_z.copy(), dict(env.score))
        done = term or trunc
    return best


def action_probabilities(model: Any, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The masked action distribution of a MaskablePPO ``model`` (or its policy) at ``obs``
    (float64, sums to 1, zero on masked actions); used to sample rollouts with a seeded generator
    and as a prior that orders the beam search's expansions."""
    if hasattr(model, "action_probabilities"):  # e.g. qdesign.api.seed_policy.ActorNet (numpy)
        return model.action_probabilities(obs, mask)
    import torch

    policy = getattr(model, "policy", model)
    with torch.no_grad():
        obs_t, _ = policy.obs_to_tensor(np.asarray(obs, dtype=np.float32))
        dist = policy.get_distribution(obs_t, action_masks=np.asarray(mask, dtype=bool)[None])
        p = dist.distribution.probs[0].double().cpu().numpy()
    p = np.where(mask, p, 0.0)
    total = p.sum()
    return p / total if total > 0 else mask / mask.sum()


def masked_action(model: Any, obs: np.ndarray, mask: np.ndarray, rng: np.random.Generator | None,
                  uniform: bool = False) -> int:
    """One action of a masked rollout: the policy's most probable (``rng`` None) or one sampled from its
    masked distribution with ``rng``; ``uniform=True``: uniform over the valid actions (the random
    masked agent, ``model`` unused)."""
    if uniform:
        if rng is None:
            raise ValueError("uniform=True needs an rng")
        return int(rng.choice(np.flatnonzero(mask)))
    p = action_probabilities(model, obs, mask)
    return int(p.argmax()) if rng is None else int(rng.choice(p.size, p=p))


def sampled_policy_rollout(env: Any, model: Any, rng: np.random.Generator | None = None,
                           seed: int = 0, options: dict[str, Any] | None = None,
                           uniform: bool = False) -> tuple[np.ndarray, dict]:
    """Best (H, score) of one masked rollout on a ``SeedReduceEnv``: actions sampled from the policy's
    masked distribution with ``rng`` (greedy when ``rng`` is None); ``uniform=True`` samples
    uniformly over the valid actions instead (the random masked agent, ``model`` unused)."""
    obs, _ = env.reset(seed=seed, options=options)
    best_H, best_s = env.H.copy(), dict(env.score)
    done = False
    while not done:
        action = masked_action(model, obs, env.action_masks(), rng, uniform)
        obs, _, term, trunc, _ = env.step(action)
        goal = env.goal
        if goal.key(env.score, env.H) < goal.key(best_s, best_H):
            best_H, best_s = env.H.copy(), dict(env.score)
        done = term or trunc
    return best_H, best_s
