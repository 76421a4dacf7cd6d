"""``qdesign/SeedReduce-v0``: edit a classical seed H, score its hypergraph product HGP(H, H).

Every state is a valid CSS code (any H gives a commuting HGP), and the quantum parameters follow
exactly from the classical ones: n = n_c² + r², k = k_c² + k_cᵀ², d = min(d(H), d(Hᵀ)),
w = max row + max column weight of H, q = max of the two.  The distance is therefore exact and
cheap (milliseconds), as the digest's §1.6 inference suggests for the paper's (6,3) results.

Actions (one flat ``Discrete``; padded to ``r_max``×``n_max`` so curriculum levels never change a
space): toggle edge (i, j) | row_add (i ← i + j) | split_row i | split_column j | no-op (only
valid when nothing else is).  Masks follow He & Liu (no edge added at a node already at the
target degree, no edge removed from a degree-1 node) plus structural validity.  An action that
is masked out is a no-op with reward ``invalid_penalty`` (never an exception).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.codes import distance as _dist
from qdesign.codes import gf2
from qdesign.codes.seeds import get_seed, systematic_parity_check
from qdesign.envs.weight_reduce import moves
from qdesign.envs.weight_reduce.reward import RewardWeights, degree_term, he_liu_reward
from qdesign.levels import CurriculumLevelMixin


def seed_start_matrix(seed: str, start: str) -> tuple[np.ndarray, int]:
    """The starting H of seed "n,k" (``start``: "systematic" dense [Aᵀ|I] or "shipped" low-weight)."""
    try:
        n, k = (int(x) for x in str(seed).split(","))
    except ValueError as err:
        raise ValueError(f"seed must look like 'n,k' (e.g. '7,4'), got {seed!r}") from err
    s = get_seed(n, k)
    if start == "systematic":
        return systematic_parity_check(s.G), s.d
    if start == "shipped":
        return s.H.copy(), s.d
    raise ValueError(f"start must be 'systematic' or 'shipped', got {start!r}")


def hgp_score(H: np.ndarray) -> dict[str, Any]:
    """Quantum parameters of HGP(H, H) from H alone (exact)."""
    r, n = H.shape
    rk = gf2.rank(H)
    kc, kt = n - rk, r - rk
    rw = int(H.sum(axis=1).max(initial=0))
    cw = int(H.sum(axis=0).max(initial=0))
    d1 = _dist.classical_distance(H).value if kc else math.inf
    d2 = _dist.classical_distance(H.T).value if kt else math.inf
    k = kc * kc + kt * kt
    d = min(d1, d2) if k else 0
    return {"n": n * n + r * r, "k": k, "d": d, "w": rw + cw, "q": max(rw, cw), "n_c": n, "r": r,
            "k_c": kc, "k_t": kt, "d_c": d1, "row_w": rw, "col_w": cw}


class SeedReduceEnv(CurriculumLevelMixin, gym.Env):
    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None, seeds: list[str] | str = "7,4",
                 start: str = "systematic", max_check_weight: int = 6, max_qubit_degree: int = 3,
                 d_target: int | None = None, extra_bits: int = 8, n_max: int | None = None,
                 r_max: int | None = None, max_steps: int = 40, reward_mode: str = "delta",
                 reward_weights: dict[str, float] | None = None, success_bonus: float = 1.0,
                 k_penalty: float = 0.5, invalid_penalty: float = 0.1, sample_seeds: bool = False) -> None:
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.render_mode = render_mode
        self.seeds = [seeds] if isinstance(seeds, str) else list(seeds)
        if not self.seeds:
            raise ValueError("seeds must name at least one seed 'n,k'")
        from qdesign.codes.css import check_target

        check_target(max_check_weight, max_qubit_degree)
        if reward_mode not in ("delta", "paper"):
            raise ValueError(f"reward_mode must be 'delta' or 'paper', got {reward_mode!r}")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        if extra_bits < 0:
            raise ValueError(f"extra_bits must be >= 0, got {extra_bits}")
        self.start = start
        self._starts = [seed_start_matrix(s, start) for s in self.seeds]
        self.max_check_weight, self.max_qubit_degree = int(max_check_weight), int(max_qubit_degree)
        self.d_target = d_target
        big_n = max(h.shape[1] for h, _ in self._starts)
        big_r = max(h.shape[0] for h, _ in self._starts)
        self.n_max = int(n_max or big_n + extra_bits)
        self.r_max = int(r_max or big_r + extra_bits)
        if self.n_max < big_n or self.r_max < big_r:
            raise ValueError(
                f"n_max/r_max ({n_max}, {r_max}) smaller than the largest seed ({big_n}, {big_r})")
        self.max_steps = int(max_steps)
        self.reward_mode = reward_mode
        self.weights = RewardWeights(**(reward_weights or {}))
        self.success_bonus, self.k_penalty = float(success_bonus), float(k_penalty)
        self.invalid_penalty = float(invalid_penalty)
        self.sample_seeds = bool(sample_seeds)
        R, N = self.r_max, self.n_max
        self._off_row = R * N
        self._off_split_r = self._off_row + R * R
        self._off_split_c = self._off_split_r + R
        self._off_noop = self._off_split_c + N
        self.action_space = spaces.Discrete(self._off_noop + 1)
        self._n_feat = 7
        self.observation_space = spaces.Box(0.0, 1.0, shape=(R * N + self._n_feat,), dtype=np.float32)
        self._init_level(0)
        self.H = self._starts[0][0].copy()
        self._setup_episode(0)

    # ------------------------------------------------------------------ curriculum
    # levels (CurriculumLevelMixin) are an int index into ``seeds`` or a dict
    # {"seed": idx, "max_check_weight": w, "max_qubit_degree": q}

    def _apply_level(self, level: Any) -> int:
        if isinstance(level, dict):
            idx = int(level.get("seed", 0))
            w = int(level.get("max_check_weight", self.max_check_weight))
            q = int(level.get("max_qubit_degree", self.max_qubit_degree))
            from qdesign.codes.css import check_target

            check_target(w, q)
            self.max_check_weight, self.max_qubit_degree = w, q
        else:
            idx = int(level)
        return int(np.clip(idx, 0, len(self.seeds) - 1))

    # ------------------------------------------------------------------ episode
    def _setup_episode(self, idx: int) -> None:
        self.seed_index = idx
        H, d0 = self._starts[idx]
        self.H = H.copy()
        self.base = hgp_score(self.H)
        self.k0, self.n0 = self.base["k"], self.base["n"]
        self.d_base = int(d0)
        self.d_goal = int(self.d_target if self.d_target is not None else self.d_base)
        self.score = dict(self.base)
        self.steps = 0
        self.best: dict[str, Any] | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        idx = self._apply_level(self._apply_pending_level())
        if self.sample_seeds:
            idx = int(self.np_random.integers(0, idx + 1))
        self._setup_episode(idx)
        return self._obs(), self._info(False)

    def _success(self, s: dict[str, Any]) -> bool:
        return (s["k"] == self.k0 and s["w"] <= self.max_check_weight and s["q"] <= self.max_qubit_degree
                and s["d"] >= self.d_goal)

    def _potential(self, s: dict[str, Any], prev_d: float) -> float:
        H = self.H
        deg = degree_term(H.sum(axis=0), H.sum(axis=1), self.max_qubit_degree,
                          max(self.max_check_weight - self.max_qubit_degree, 2), self.weights)
        return he_liu_reward(deg, s["d"], prev_d, 0.0, 2.0 * self.d_base, s["n"], self.n0, self.weights)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        a = int(action)
        self.steps += 1
        mask = self.action_masks()
        prev = self.score
        invalid = not (0 <= a < self.action_space.n and mask[a])
        if invalid:
            reward = -self.invalid_penalty
        else:
            phi_before = self._potential(prev, prev["d"])
            self.H = self._apply(a)
            self.score = hgp_score(self.H)
            phi_after = self._potential(self.score, prev["d"])
            reward = phi_after - phi_before if self.reward_mode == "delta" else phi_after
            if self.score["k"] != self.k0:
                reward -= self.k_penalty
        success = self._success(self.score)
        if success:
            reward += self.success_bonus
        terminated = bool(success)
        truncated = bool(not terminated and self.steps >= self.max_steps)
        info = self._info(success)
        info["invalid_action"] = invalid
        return self._obs(), float(reward), terminated, truncated, info

    def _apply(self, a: int) -> np.ndarray:
        R, N = self.r_max, self.n_max
        H = self.H
        if a < self._off_row:
            return moves.toggle(H, a // N, a % N)
        if a < self._off_split_r:
            b = a - self._off_row
            return moves.row_add(H, b // R, b % R)
        if a < self._off_split_c:
            return moves.split_row(H, a - self._off_split_r)
        if a < self._off_noop:
            return moves.split_column(H, a - self._off_split_c)
        return H

    # ------------------------------------------------------------------ masks, obs, info
    def action_masks(self) -> np.ndarray:
        R, N = self.r_max, self.n_max
        H = self.H
        r, n = H.shape
        rw, cw = H.sum(axis=1).astype(np.int64), H.sum(axis=0).astype(np.int64)
        cap = self.max_qubit_degree
        mask = np.zeros(self.action_space.n, dtype=bool)
        tog = np.zeros((R, N), dtype=bool)
        add_ok = (rw[:, None] < cap) & (cw[None, :] < cap) & (H == 0)
        rem_ok = (rw[:, None] > 1) & (cw[None, :] > 1) & (H == 1)
        tog[:r, :n] = add_ok | rem_ok
        mask[: self._off_row] = tog.ravel()
        Hi = H.astype(np.int64)
        sum_w = rw[:, None] + rw[None, :] - 2 * (Hi @ Hi.T)  # weight of H[i] ^ H[j]
        ra = np.zeros((R, R), dtype=bool)
        ok = (sum_w > 0) & (sum_w <= np.maximum(rw[:, None], cap))
        np.fill_diagonal(ok, False)
        ra[:r, :r] = ok
        mask[self._off_row:self._off_split_r] = ra.ravel()
        room = r < R and n < N
        if room:
            mask[self._off_split_r:self._off_split_r + r] = rw >= 4
            mask[self._off_split_c:self._off_split_c + n] = cw >= 4
        if not mask.any():
            mask[self._off_noop] = True
        return mask

    def _obs(self) -> np.ndarray:
        R, N = self.r_max, self.n_max
        grid = np.zeros((R, N), dtype=np.float32)
        grid[: self.H.shape[0], : self.H.shape[1]] = self.H
        s = self.score
        d = s["d"] if s["d"] != math.inf else 2.0 * self.d_base
        feats = np.array([
            self.H.shape[1] / N, self.H.shape[0] / R, min(s["k"] / max(self.k0, 1), 2.0) / 2.0,
            min(d / (2.0 * self.d_base), 1.0), min(s["w"] / (2.0 * self.max_check_weight), 1.0),
            min(s["q"] / (2.0 * self.max_qubit_degree), 1.0), min(self.steps / self.max_steps, 1.0),
        ], dtype=np.float32)
        return np.concatenate([grid.ravel(), feats]).astype(np.float32)

    def _info(self, success: bool) -> dict[str, Any]:
        s = self.score
        return {
            "n": int(s["n"]), "k": int(s["k"]), "d": int(s["d"]) if s["d"] != math.inf else -1,
            "w": int(s["w"]), "q": int(s["q"]), "n0": int(self.n0), "k0": int(self.k0),
            "d_target": int(self.d_goal), "overhead": float(s["n"] - self.n0),
            "seed": self.seeds[self.seed_index], "n_classical": int(s["n_c"]), "r_classical": int(s["r"]),
            "is_success": bool(success), "action_mask": self.action_masks(),
        }

    def current_matrix(self) -> np.ndarray:
        return self.H.copy()

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        s = self.score
        head = (f"seed {self.seeds[self.seed_index]} step {self.steps}: "
                f"HGP [[{s['n']},{s['k']},{s['d']}]]({s['w']},{s['q']}) "
                f"target ({self.max_check_weight},{self.max_qubit_degree}) d>={self.d_goal}\n")
        return head + "\n".join("".join("1" if x else "." for x in row) for row in self.H) + "\n"
