"""``qdesign/WeightReduce-v0``: edit the quantum Tanner graph (H_X, H_Z) with CSS-valid moves.

A single edge toggle on (X check i, qubit j) changes row i of H_X H_Zᵀ by column j of H_Z, so it is
only allowed (masked in) when qubit j lies in no Z check (and mirror for Z edges).  The composite
moves of He & Liu (arXiv:2502.14372, Sec. III) keep H_X H_Zᵀ = 0 by construction: row additions
(same stabilizer group), qubit copying (split a heavy qubit, k kept) and gauging (split a heavy
check with one new qubit, k kept), on either side, and optionally CNOTs.  The distance is recomputed
only when the code changes, exactly by Stim MaxSAT up to ``exact_max_n`` qubits (cached by matrix
hash).

Flat ``Discrete`` layout: toggle X (R×N) | toggle Z (R×N) | row_add X (R×R) | row_add Z (R×R) |
copy X-qubit (N) | copy Z-qubit (N) | gauge X check (R) | gauge Z check (R) | [CNOT (N×N)] | no-op.
Masked-out actions are a no-op with reward ``−invalid_penalty``.  Above 10^4 flat actions (or with
``action_mode="factored"``) the space is ``MultiDiscrete([kind, i, j])`` with per-dimension masks.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.codes import distance as _dist
from qdesign.codes.css import CSSCode, check_target
from qdesign.codes.hgp import hgp_matrices
from qdesign.envs.curriculum_level import CurriculumLevelMixin
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_checks
from qdesign.envs.weight_reduce.reward import RewardWeights, degree_term, he_liu_reward
from qdesign.reduction import moves
from qdesign.reduction.seed_state import seed_start_matrix

MAX_FLAT_ACTIONS = 10_000
_SHAPES = {"tx": "RN", "tz": "RN", "ax": "RR", "az": "RR", "cx": "N", "cz": "N", "gx": "R", "gz": "R",
           "cnot": "NN", "noop": ""}


def score_css(h_x: np.ndarray, h_z: np.ndarray, k0: int | None, exact_max_n: int) -> dict[str, Any]:
    """n, k, w, q and distance of (H_X, H_Z); d is 0 when k is lost and exact up to ``exact_max_n`` qubits."""
    code = CSSCode(h_x, h_z)
    k = code.k
    if k == 0 or (k0 is not None and k != k0):
        d = 0.0
    else:
        ex = code.n <= exact_max_n
        d = min(_dist.css_distance(code, "X", exact=ex).value, _dist.css_distance(code, "Z", exact=ex).value)
    return {"n": code.n, "k": k, "d": d, "w": code.w, "q": code.q}


class WeightReduceEnv(EpisodeGuardMixin, CurriculumLevelMixin, gym.Env):
    """The WeightReduce MDP (see the module docstring): edit (H_X, H_Z) with CSS-valid moves until (w, q)
    is met."""
    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, seeds: list[str] | str = "7,4",
                 start: str = "systematic", h_x: list[list[int]] | None = None,
                 h_z: list[list[int]] | None = None, max_check_weight: int = 6, max_qubit_degree: int = 3,
                 d_target: int | None = None, extra_qubits: int = 12, max_steps: int = 40,
                 allow_cnot: bool = False, exact_max_n: int = 160, reward_mode: str = "delta",
                 reward_weights: dict[str, float] | None = None, success_bonus: float = 1.0,
                 k_penalty: float = 0.5, invalid_penalty: float = 0.1, action_mode: str = "auto") -> None:
        check_render_mode(render_mode)
        self.render_mode = render_mode
        check_target(max_check_weight, max_qubit_degree)
        if reward_mode not in ("delta", "paper"):
            raise ValueError(f"reward_mode must be 'delta' or 'paper', got {reward_mode!r}")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        if extra_qubits < 0:
            raise ValueError(f"extra_qubits must be >= 0, got {extra_qubits}")
        self.max_check_weight, self.max_qubit_degree = int(max_check_weight), int(max_qubit_degree)
        if h_x is not None or h_z is not None:
            if h_x is None or h_z is None:
                raise ValueError("h_x and h_z must be given together")
            code = CSSCode(np.array(h_x), np.array(h_z), allow_k0=False)
            self._starts = [(code.h_x, code.h_z, None)]
            self.seeds = ["custom"]
        else:
            self.seeds = [seeds] if isinstance(seeds, str) else list(seeds)
            self._starts = []
            for s in self.seeds:
                H, d0 = seed_start_matrix(s, start)
                hx, hz = hgp_matrices(H)
                self._starts.append((hx, hz, d0))
        self.d_target = d_target
        self.max_steps, self.allow_cnot = int(max_steps), bool(allow_cnot)
        self.exact_max_n = int(exact_max_n)
        self.reward_mode = reward_mode
        self.weights = RewardWeights(**(reward_weights or {}))
        self.success_bonus, self.k_penalty = float(success_bonus), float(k_penalty)
        self.invalid_penalty = float(invalid_penalty)
        N = max(hx.shape[1] for hx, _, _ in self._starts) + int(extra_qubits)
        R = max(max(hx.shape[0], hz.shape[0]) for hx, hz, _ in self._starts) + int(extra_qubits)
        self.N, self.R = N, R
        sizes = [("tx", R * N), ("tz", R * N), ("ax", R * R), ("az", R * R), ("cx", N), ("cz", N),
                 ("gx", R), ("gz", R)] + ([("cnot", N * N)] if self.allow_cnot else []) + [("noop", 1)]
        self._layout: list[tuple[str, int, int]] = []
        off = 0
        for name, size in sizes:
            self._layout.append((name, off, size))
            off += size
        if action_mode not in ("auto", "flat", "factored"):
            raise ValueError(f"action_mode must be 'auto', 'flat' or 'factored', got {action_mode!r}")
        self._n_flat = off
        self.factored = action_mode == "factored" or (action_mode == "auto" and off > MAX_FLAT_ACTIONS)
        if self.factored:
            # (move kind, first index, second index); joint validity cannot be expressed per dimension,
            # so a combination outside the flat mask is a no-op with the invalid-action penalty
            M = max(R, N)
            self._M = M
            self.action_space = spaces.MultiDiscrete([len(self._layout), M, M])
        else:
            self.action_space = spaces.Discrete(off)
        self._n_feat = 7
        self.observation_space = spaces.Box(0.0, 1.0, shape=(2 * R * N + self._n_feat,), dtype=np.float32)
        self._init_level(0)
        self._setup(0)

    # levels (CurriculumLevelMixin): int seed index or {"seed", "max_check_weight", "max_qubit_degree"}

    def _setup(self, idx: int) -> None:
        self.seed_index = idx
        hx, hz, d0 = self._starts[idx]
        self.h_x, self.h_z = hx.copy(), hz.copy()
        self.score = score_css(self.h_x, self.h_z, None, self.exact_max_n)
        self.k0, self.n0 = self.score["k"], self.score["n"]
        self.d_base = int(d0 if d0 is not None else self.score["d"])
        self.d_goal = int(self.d_target if self.d_target is not None else self.d_base)
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Start from the start code the curriculum level selects (and its (w, q) target, if the level
        sets one)."""
        super().reset(seed=seed)
        self._begin_episode()
        level = self._apply_pending_level()
        if isinstance(level, dict):
            w = int(level.get("max_check_weight", self.max_check_weight))
            q = int(level.get("max_qubit_degree", self.max_qubit_degree))
            check_target(w, q)
            self.max_check_weight, self.max_qubit_degree = w, q
            idx = int(level.get("seed", 0))
        else:
            idx = int(level)
        self._setup(int(np.clip(idx, 0, len(self._starts) - 1)))
        return self._obs(), self._info(False)

    # ----------------------------------------------------------------- dynamics
    def _decode(self, a: int) -> tuple[str, int]:
        for name, off, size in self._layout:
            if off <= a < off + size:
                return name, a - off
        raise ValueError(f"action {a} out of range")

    def _apply(self, a: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """New (H_X, H_Z) and whether the stabilizer group may have changed."""
        name, b = self._decode(a)
        N, R = self.N, self.R
        hx, hz = self.h_x, self.h_z
        if name == "tx":
            return moves.toggle(hx, b // N, b % N), hz, True
        if name == "tz":
            return hx, moves.toggle(hz, b // N, b % N), True
        if name == "ax":
            return moves.row_add(hx, b // R, b % R), hz, False
        if name == "az":
            return hx, moves.row_add(hz, b // R, b % R), False
        if name == "cx":
            return (*moves.copy_qubit(hx, hz, b), True)
        if name == "cz":
            nz, nx = moves.copy_qubit(hz, hx, b)
            return nx, nz, True
        if name == "gx":
            return (*moves.gauge_check(hx, hz, b), True)
        if name == "gz":
            nz, nx = moves.gauge_check(hz, hx, b)
            return nx, nz, True
        if name == "cnot":
            return (*moves.cnot(hx, hz, b // N, b % N), True)
        return hx, hz, False

    def _potential(self, s: dict[str, Any], prev_d: float) -> float:
        qdeg = np.maximum(self.h_x.sum(axis=0), self.h_z.sum(axis=0))
        cdeg = np.concatenate([self.h_x.sum(axis=1), self.h_z.sum(axis=1)])
        deg = degree_term(qdeg, cdeg, self.max_qubit_degree, self.max_check_weight, self.weights)
        dmax = 2.0 * max(self.d_base, 1)
        return he_liu_reward(deg, s["d"], prev_d, 0.0, dmax, s["n"], self.n0, self.weights)

    def _flat_index(self, action: Any) -> int:
        """Flat action index of a factored (kind, i, j) triple, or -1 when it names no action."""
        kind, i, j = (int(x) for x in np.asarray(action).ravel()[:3])
        if not 0 <= kind < len(self._layout):
            return -1
        name, off, size = self._layout[kind]
        dims = {"R": self.R, "N": self.N}
        shape = _SHAPES[name]
        if shape == "":
            return off
        if len(shape) == 1:
            return off + i if i < dims[shape] else -1
        rows, cols = dims[shape[0]], dims[shape[1]]
        return off + i * cols + j if i < rows and j < cols else -1

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Apply one move to the Tanner graph; reward by ``reward_mode`` (score change or score, He & Liu)."""
        checked = self._begin_step(action)
        a = self._flat_index(checked) if self.factored else int(checked[0])
        self.steps += 1
        mask = self._flat_mask()
        prev = self.score
        invalid = not (0 <= a < self._n_flat and mask[a])
        if invalid:
            reward = -self.invalid_penalty
        else:
            phi0 = self._potential(prev, prev["d"])
            self.h_x, self.h_z, changed = self._apply(a)
            if changed:
                self.score = score_css(self.h_x, self.h_z, self.k0, self.exact_max_n)
            else:
                code = CSSCode(self.h_x, self.h_z)
                self.score = {**prev, "w": code.w, "q": code.q}
            phi1 = self._potential(self.score, prev["d"])
            reward = phi1 - phi0 if self.reward_mode == "delta" else phi1
            if self.score["k"] != self.k0:
                reward -= self.k_penalty
        s = self.score
        success = bool(s["k"] == self.k0 and s["w"] <= self.max_check_weight
                       and s["q"] <= self.max_qubit_degree and s["d"] >= self.d_goal)
        if success:
            reward += self.success_bonus
        truncated = bool(not success and self.steps >= self.max_steps)
        info = self._info(success)
        info["invalid_action"] = invalid
        self._end_step(success, truncated)
        return self._obs(), float(reward), success, truncated, info

    def action_masks(self) -> np.ndarray:
        """Flat mask (Discrete mode) or the concatenated per-dimension masks (factored mode)."""
        flat = self._flat_mask()
        if not self.factored:
            return flat
        M = self._M
        kinds = np.zeros(len(self._layout), dtype=bool)
        first = np.zeros(M, dtype=bool)
        second = np.zeros(M, dtype=bool)
        dims = {"R": self.R, "N": self.N}
        for k, (name, off, size) in enumerate(self._layout):
            part = flat[off:off + size]
            if not part.any():
                continue
            kinds[k] = True
            shape = _SHAPES[name]
            if shape == "":
                first[0] = second[0] = True
            elif len(shape) == 1:
                first[: dims[shape]] |= part
                second[0] = True
            else:
                grid = part.reshape(dims[shape[0]], dims[shape[1]])
                first[: grid.shape[0]] |= grid.any(axis=1)
                second[: grid.shape[1]] |= grid.any(axis=0)
        return np.concatenate([kinds, first, second])

    def _flat_mask(self) -> np.ndarray:
        N, R = self.N, self.R
        hx, hz = self.h_x, self.h_z
        n = hx.shape[1]
        room = n < N and max(hx.shape[0], hz.shape[0]) < R
        W, Q = self.max_check_weight, self.max_qubit_degree
        mask = np.zeros(self._n_flat, dtype=bool)
        for name, off, size in self._layout:
            if name in ("tx", "tz"):
                h, other = (hx, hz) if name == "tx" else (hz, hx)
                free = ~other.any(axis=0)  # qubits in no check of the other type
                rw, cw = h.sum(axis=1), h.sum(axis=0)
                ok = free[None, :] & (((h == 0) & (rw[:, None] < W) & (cw[None, :] < Q))
                                      | ((h == 1) & (rw[:, None] > 1) & (cw[None, :] > 1)))
                grid = np.zeros((R, N), dtype=bool)
                grid[: h.shape[0], :n] = ok
                mask[off:off + size] = grid.ravel()
            elif name in ("ax", "az"):
                h = (hx if name == "ax" else hz).astype(np.int64)
                rw = h.sum(axis=1)
                sw = rw[:, None] + rw[None, :] - 2 * (h @ h.T)
                ok = (sw > 0) & (sw <= np.maximum(rw[:, None], W))
                np.fill_diagonal(ok, False)
                grid = np.zeros((R, R), dtype=bool)
                grid[: h.shape[0], : h.shape[0]] = ok
                mask[off:off + size] = grid.ravel()
            elif name in ("cx", "cz") and room:
                h = hx if name == "cx" else hz
                mask[off:off + n] = h.sum(axis=0) > max(Q, 1)
            elif name in ("gx", "gz") and room:
                h = hx if name == "gx" else hz
                mask[off:off + h.shape[0]] = h.sum(axis=1) > max(W, 3)
            elif name == "cnot":
                ok = ~np.eye(n, dtype=bool)
                grid = np.zeros((N, N), dtype=bool)
                grid[:n, :n] = ok
                mask[off:off + size] = grid.ravel()
        if not mask.any():
            mask[self._layout[-1][1]] = True
        return mask

    def _obs(self) -> np.ndarray:
        N, R = self.N, self.R
        gx = np.zeros((R, N), dtype=np.float32)
        gz = np.zeros((R, N), dtype=np.float32)
        gx[: self.h_x.shape[0], : self.h_x.shape[1]] = self.h_x
        gz[: self.h_z.shape[0], : self.h_z.shape[1]] = self.h_z
        s = self.score
        dmax = 2.0 * max(self.d_base, 1)
        d = dmax if s["d"] == math.inf else s["d"]
        feats = np.array([s["n"] / N, min(s["k"] / max(self.k0, 1), 2.0) / 2.0, min(d / dmax, 1.0),
                          min(s["w"] / (2.0 * self.max_check_weight), 1.0),
                          min(s["q"] / (2.0 * self.max_qubit_degree), 1.0),
                          min(self.steps / self.max_steps, 1.0), self.h_x.shape[0] / R], dtype=np.float32)
        return np.concatenate([gx.ravel(), gz.ravel(), feats]).astype(np.float32)

    def _info(self, success: bool) -> dict[str, Any]:
        s = self.score
        return {"n": int(s["n"]), "k": int(s["k"]), "d": int(s["d"]) if s["d"] != math.inf else -1,
                "w": int(s["w"]), "q": int(s["q"]), "n0": int(self.n0), "k0": int(self.k0),
                "d_target": int(self.d_goal), "overhead": float(s["n"] - self.n0),
                "seed": self.seeds[self.seed_index], "is_success": bool(success),
                "action_mask": self.action_masks()}

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the code as text; ``"rgb_array"``: H_X, H_Z, checks and qubits over the limit red."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        s = self.score
        return (f"step {self.steps}: [[{s['n']},{s['k']},{s['d']}]]({s['w']},{s['q']}) target "
                f"({self.max_check_weight},{self.max_qubit_degree}) d>={self.d_goal}\n")

    def _paint(self, fig: Any) -> None:
        s = self.score
        for ax, name, h in zip(fig.subplots(1, 2), ("H_X", "H_Z"), (self.h_x, self.h_z)):
            plot_checks(ax, h, max_row_weight=self.max_check_weight, max_col_weight=self.max_qubit_degree,
                        title=name)
        fig.suptitle(f"WeightReduce step {self.steps}: [[{s['n']},{s['k']},{s['d']}]] ({s['w']},{s['q']}) "
                     f"-> target ({self.max_check_weight},{self.max_qubit_degree}), d >= {self.d_goal}",
                     fontsize=9)
