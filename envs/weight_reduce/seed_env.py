"""``qdesign/SeedReduce-v0``: edit a classical seed H, score its hypergraph product HGP(H, H).

Every state is a valid CSS code (any H gives a commuting HGP), and the quantum parameters follow
exactly from the classical ones: n = n_c² + r², k = k_c² + k_cᵀ², d = min(d(H), d(Hᵀ)),
w = max row + max column weight of H, q = max of the two.  The distance is therefore exact and
cheap (milliseconds). The state, moves and masks are ``qdesign.reduction.seed_state``'s.

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

from qdesign.envs.curriculum_level import CurriculumLevelMixin
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_checks
from qdesign.envs.weight_reduce.reward import RewardWeights, degree_term, he_liu_reward
from qdesign.reduction.seed_state import SeedGoal, SeedMoves, hgp_score, seed_start_matrix

__all__ = ["REWARD_MODES", "SeedReduceEnv", "hgp_score", "seed_start_matrix"]

#: "delta": change of the He & Liu score; "paper": the score itself; "kd2n": change of the degree
#: term plus a success bonus scaled by the code's kd^2/n over the base code's (what a user compares)
REWARD_MODES = ("delta", "paper", "kd2n")


class SeedReduceEnv(EpisodeGuardMixin, CurriculumLevelMixin, gym.Env):
    """The SeedReduce MDP (see the module docstring): edit a classical seed until its HGP meets the (w, q)
    target."""
    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, seeds: list[str] | str = "7,4",
                 start: str = "systematic", max_check_weight: int = 6, max_qubit_degree: int = 3,
                 d_target: int | None = None, extra_bits: int = 8, n_max: int | None = None,
                 r_max: int | None = None, max_steps: int = 40, reward_mode: str = "delta",
                 reward_weights: dict[str, float] | None = None, success_bonus: float = 1.0,
                 k_penalty: float = 0.5, invalid_penalty: float = 0.1, sample_seeds: bool = False,
                 d_credit: float = 2.0) -> None:
        check_render_mode(render_mode)
        self.render_mode = render_mode
        self.seeds = [seeds] if isinstance(seeds, str) else list(seeds)
        if not self.seeds:
            raise ValueError("seeds must name at least one seed 'n,k'")
        from qdesign.codes.css import check_target

        check_target(max_check_weight, max_qubit_degree)
        if reward_mode not in REWARD_MODES:
            raise ValueError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
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
        if isinstance(d_credit, bool) or not isinstance(d_credit, (int, float)) or d_credit < 1:
            raise ValueError(f"d_credit must be a number >= 1 (distance counted up to d_credit x the goal), "
                             f"got {d_credit!r}")
        self.d_credit = float(d_credit)
        self.sample_seeds = bool(sample_seeds)
        R, N = self.r_max, self.n_max
        self.moves = SeedMoves(R, N)
        self.action_space = spaces.Discrete(self.moves.n_actions)
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
        """``options={"start": H, "d_target": d}`` starts this episode from the seed matrix ``H``
        (within ``r_max`` x ``n_max``) with distance goal ``d`` (default: the current goal)."""
        super().reset(seed=seed)
        self._begin_episode()
        idx = self._apply_level(self._apply_pending_level())
        if self.sample_seeds:
            idx = int(self.np_random.integers(0, idx + 1))
        start = (options or {}).get("start")
        if start is not None:
            self._setup_custom_start(start, (options or {}).get("d_target"))
        else:
            self._setup_episode(idx)
        return self._obs(), self._info(False)

    def _setup_custom_start(self, H: Any, d_target: Any) -> None:
        H = np.asarray(H)
        if H.ndim != 2 or not np.isin(H, (0, 1)).all():
            raise ValueError(f"options['start'] must be a binary matrix, got shape {H.shape}")
        if H.shape[0] > self.r_max or H.shape[1] > self.n_max:
            raise ValueError(f"options['start'] has shape {H.shape}, larger than (r_max, n_max) = "
                             f"({self.r_max}, {self.n_max})")
        self._setup_episode(0)
        self.H = H.astype(np.uint8).copy()
        self.base = hgp_score(self.H)
        self.k0, self.n0 = self.base["k"], self.base["n"]
        d = self.base["d"] if d_target is None else int(d_target)
        self.d_base = self.d_goal = int(d) if d != math.inf else 1
        self.score = dict(self.base)

    @property
    def goal(self) -> SeedGoal:
        """The episode's goal: caps, the base k and the distance to keep."""
        return SeedGoal(self.max_check_weight, self.max_qubit_degree, self.k0, self.d_goal)

    def _success(self, s: dict[str, Any]) -> bool:
        return self.goal.met(s)

    def kd2n_ratio(self, s: dict[str, Any]) -> float:
        """kd^2/n of the code ``s`` over the base code's at the distance goal (1.0: same k, d and n;
        a code that meets the goal with more qubits scores n0/n).  Distance counts up to
        ``d_credit`` x the goal: 1 ranks codes by n alone (the paper's Table I: k and d kept, fewest
        qubits), 2 lets a longer code with a larger distance win when its kd^2/n is larger."""
        if s["k"] != self.k0 or s["k"] == 0:
            return 0.0
        d = min(float(s["d"]), self.d_credit * self.d_goal)
        return float((s["k"] * d * d / s["n"]) / (self.k0 * self.d_goal ** 2 / self.n0))

    def _potential(self, s: dict[str, Any], prev_d: float) -> float:
        H = self.H
        deg = degree_term(H.sum(axis=0), H.sum(axis=1), self.max_qubit_degree,
                          max(self.max_check_weight - self.max_qubit_degree, 2), self.weights)
        if self.reward_mode == "kd2n":
            # degree shaping plus the kd^2/n ratio (k kept, d capped at twice the goal): the
            # telescoping sum rewards lowering weights without adding qubits or losing distance
            return self.weights.alpha * deg + self.weights.beta * self.kd2n_ratio(s)
        return he_liu_reward(deg, s["d"], prev_d, 0.0, 2.0 * self.d_base, s["n"], self.n0, self.weights)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Apply one move to the seed; reward by ``reward_mode`` (change of its HGP's score, or the score
        itself)."""
        a = int(self._begin_step(action)[0])
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
            reward = phi_after if self.reward_mode == "paper" else phi_after - phi_before
            if self.score["k"] != self.k0:
                reward -= self.k_penalty
        success = self._success(self.score)
        if success:
            scale = self.kd2n_ratio(self.score) if self.reward_mode == "kd2n" else 1.0
            reward += self.success_bonus * scale
        terminated = bool(success)
        truncated = bool(not terminated and self.steps >= self.max_steps)
        info = self._info(success)
        info["invalid_action"] = invalid
        self._end_step(terminated, truncated)
        return self._obs(), float(reward), terminated, truncated, info

    def _apply(self, a: int) -> np.ndarray:
        return self.moves.apply(self.H, a)

    # ------------------------------------------------------------------ masks, obs, info
    def action_masks(self) -> np.ndarray:
        """Moves allowed on the current seed (degree caps and structural validity)."""
        return self.moves.masks(self.H, self.max_qubit_degree)

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

    def observe(self, H: np.ndarray) -> np.ndarray:
        """The observation of seed ``H`` within the current episode (its goal, base code and step),
        without changing the env: how a policy scores states other than the current one (the beam
        search's prior)."""
        H = np.asarray(H, dtype=np.uint8)
        if H.ndim != 2 or H.shape[0] > self.r_max or H.shape[1] > self.n_max:
            raise ValueError(f"H must be a binary matrix within (r_max, n_max) = "
                             f"({self.r_max}, {self.n_max}), "
                             f"got shape {H.shape}")
        saved = self.H, self.score
        try:
            self.H, self.score = H, hgp_score(H)
            return self._obs()
        finally:
            self.H, self.score = saved

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
        """The current seed H (a copy)."""
        return self.H.copy()

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the code as text; ``"rgb_array"``: seed H, rows and columns over the limit red."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        s = self.score
        head = (f"seed {self.seeds[self.seed_index]} step {self.steps}: "
                f"HGP [[{s['n']},{s['k']},{s['d']}]]({s['w']},{s['q']}) "
                f"target ({self.max_check_weight},{self.max_qubit_degree}) d>={self.d_goal}\n")
        return head + "\n".join("".join("1" if x else "." for x in row) for row in self.H) + "\n"

    def _paint(self, fig: Any) -> None:
        # HGP(H, H) has check weight row + column weight of H and qubit degree their maximum, so a seed
        # meets (w, q) when its rows and columns stay within min(q, w // 2) (the hypergraph product,
        # Tillich & Zemor arXiv:0903.0566)
        limit = min(self.max_qubit_degree, self.max_check_weight // 2)
        s = self.score
        plot_checks(fig.subplots(), self.H, max_row_weight=limit, max_col_weight=limit,
                    title=f"seed H (limit {limit})")
        fig.suptitle(f"SeedReduce {self.seeds[self.seed_index]} step {self.steps}: HGP "
                     f"[[{s['n']},{s['k']},{s['d']}]] ({s['w']},{s['q']}) -> target "
                     f"({self.max_check_weight},{self.max_qubit_degree}), d >= {self.d_goal}", fontsize=9)
