"""Beam search (and trained-policy rollouts) over SeedReduce's moves: the ``method="rl"`` engine.

The search works on the env's own move set and masks, so whatever a trained MaskablePPO policy can
reach, the beam can reach too; with a model it first rolls the policy out (masks applied at
predict time) and keeps the better of the two.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qdesign.envs.weight_reduce.seed_env import SeedReduceEnv, hgp_score


def _violation(s: dict[str, Any], env: SeedReduceEnv) -> float:
    return (max(0, s["w"] - env.max_check_weight) + max(0, s["q"] - env.max_qubit_degree)
            + (10 if s["k"] != env.k0 else 0) + (5 * (env.d_goal - s["d"]) if s["d"] < env.d_goal else 0))


def _key(s: dict[str, Any], env: SeedReduceEnv, H: np.ndarray) -> tuple:
    # fewer violations first, then fewer qubits, then larger distance, then fewer edges
    d = s["d"] if s["d"] != math.inf else 10**6
    return (_violation(s, env), s["n"], -d, int(H.sum()))


def beam_search(env: SeedReduceEnv, beam_width: int = 6, max_depth: int | None = None,
                max_expand: int = 400, rng: np.random.Generator | None = None) -> tuple[np.ndarray, dict]:
    """Best (H, score) reachable from the env's current state: meets the target if possible with the
    fewest qubits and largest distance."""
    rng = rng or np.random.default_rng(0)
    depth = max_depth or env.max_steps
    start = env.H.copy()
    best_H, best_s = start, hgp_score(start)
    beam = [(start, best_s)]
    seen = {start.tobytes() + bytes(start.shape)}
    for _ in range(depth):
        candidates = []
        for H, _s in beam:
            env.H = H
            acts = np.flatnonzero(env.action_masks())
            if acts.size > max_expand:
                acts = rng.choice(acts, size=max_expand, replace=False)
            for a in acts:
                H2 = env._apply(int(a))
                key = H2.tobytes() + bytes(H2.shape)
                if key in seen:
                    continue
                seen.add(key)
                candidates.append((H2, hgp_score(H2)))
        if not candidates:
            break
        candidates.sort(key=lambda c: _key(c[1], env, c[0]))
        beam = candidates[:beam_width]
        if _key(beam[0][1], env, beam[0][0]) < _key(best_s, env, best_H):
            best_H, best_s = beam[0]
        if _violation(best_s, env) == 0 and all(_violation(s, env) == 0 for _, s in beam):
            break
    env.H = best_H
    env.score = best_s
    return best_H, best_s


def policy_rollout(env: SeedReduceEnv, model: Any, seed: int = 0) -> tuple[np.ndarray, dict]:
    """Roll a trained (maskable) policy out deterministically; returns the best state visited."""
    obs, info = env.reset(seed=seed)
    best_H, best_s = env.H.copy(), dict(env.score)
    done = False
    while not done:
        action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        obs, _, term, trunc, info = env.step(int(action))
        if _key(env.score, env, env.H) < _key(best_s, env, best_H):
            best_H, best_s = env.H.copy(), dict(env.score)
        done = term or trunc
    return best_H, best_s


def complete_by_splits(H: np.ndarray, max_check_weight: int = 6, max_qubit_degree: int = 3) -> np.ndarray:
    """Finish a seed with SeedReduce's own split moves: split the heaviest row while some row is above
    the cap, then the heaviest column likewise (caps: min(q, w // 2), at least 3).  Splits keep k
    and never lower the distance, and each one strictly lowers the split weight (rows of weight
    >= 4, columns of degree >= 4), so this always terminates; it is the beam's fallback when its
    depth or padding runs out with heavy rows or columns left."""
    from qdesign.envs.weight_reduce import moves

    cap = max(3, min(int(max_qubit_degree), int(max_check_weight) // 2))
    H = np.asarray(H, dtype=np.uint8).copy()
    while True:
        rw = H.sum(axis=1)
        i = int(rw.argmax()) if rw.size else 0
        if rw.size and rw[i] > cap and rw[i] >= 4:
            H = moves.split_row(H, i)
            continue
        cw = H.sum(axis=0)
        j = int(cw.argmax()) if cw.size else 0
        if cw.size and cw[j] > cap and cw[j] >= 4:
            H = moves.split_column(H, j)
            continue
        return H


def factor_shared_pairs(H: np.ndarray, max_check_weight: int = 6, max_qubit_degree: int = 3) -> np.ndarray:
    """Lower heavy rows two at a time: when two rows above the cap share bits a, b, add one bit x
    and one check {a, b, x} (x = a + b) and put x in place of a, b in both rows.  One new bit and
    check serve two rows (a split serves one); x has degree 3 and a, b lose one degree each.  The
    old code is the new code restricted to the old bits (x is forced), so k is kept and d never
    drops.  Rows are paired by a maximum matching of the "shares two bits" graph, round after
    round; rows left heavy, and heavy columns, are finished by ``complete_by_splits``."""
    import networkx as nx

    cap = max(3, min(int(max_qubit_degree), int(max_check_weight) // 2))
    H = np.asarray(H, dtype=np.uint8).copy()
    while True:
        heavy = [int(i) for i in np.flatnonzero(H.sum(axis=1) > cap)]
        G = nx.Graph()
        for ii, i in enumerate(heavy):
            for j in heavy[ii + 1:]:
                if int((H[i] & H[j]).sum()) >= 2:
                    G.add_edge(i, j)
        matching = sorted(tuple(sorted(e)) for e in nx.max_weight_matching(G, maxcardinality=True))
        if not matching:
            break
        cw = H.sum(axis=0).astype(np.int64)
        for i, j in matching:
            common = np.flatnonzero(H[i] & H[j])
            order = common[np.argsort(-cw[common], kind="stable")]
            a, b = int(order[0]), int(order[1])
            r, n = H.shape
            out = np.zeros((r + 1, n + 1), dtype=np.uint8)
            out[:r, :n] = H
            for row in (i, j):
                out[row, [a, b]] = 0
                out[row, n] = 1
            out[r, [a, b, n]] = 1
            H = out
            cw[[a, b]] -= 1
    return complete_by_splits(H, max_check_weight, max_qubit_degree)


def tanner_policy_rollout(env: Any, model: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    """WeightReduce-v0 counterpart of ``policy_rollout``: the best (H_X, H_Z) visited by a deterministic
    masked rollout (fewest (w, q) violations with k kept and d at goal, then fewest qubits)."""

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
