"""``qdesign/GateCompile-v0``: approximate a target unitary with a word from a finite gate set.

State: the residual ``R = U_target W^dag`` between the target and the word W built so far (the part
still to be applied after W), phase-canonicalised (the SU(d) representative with the largest
``Re Tr``) and flattened to real and imaginary parts, plus the remaining gate budget as a fraction.
Applying gate G sets ``W <- G W`` and ``R <- R G^dag``; the goal is ``R = I`` up to phase, i.e.
``d(W, U) = sqrt(2 - 2|Tr(U^dag W)|/d) <= epsilon`` (the phase-invariant operator-norm distance on one
qubit, its normalised-Frobenius generalisation on two; see ``qdesign.quantum.unitary``).

Reward per gate: ``-gate_cost + shaping * (d_before - d_after)`` (potential-based shaping on the
distance) plus ``success_bonus`` on reaching epsilon. Episodes end on success (terminated) or when the
budget is spent (truncated).

Targets (``target``): ``"scramble"`` draws a random non-backtracking word of ``scramble_depth`` gates
(the curriculum level; the episode budget is then ``min(max_gates, budget_slope*k + budget_offset)``),
``"haar"`` draws a Haar-random unitary, ``"mixed"`` alternates; ``reset(options={"target": U})``
compiles a fixed U. Immediate inverses of the previous gate are masked by ``action_masks()``; a
masked action is still a legal gate (applied) but costs ``invalid_penalty`` extra.
"""

from __future__ import annotations

import cmath
import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.envs.curriculum_level import CurriculumLevelMixin
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.gate_compile.targets import allowed_after, haar_target, scrambled_target
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_trace
from qdesign.quantum.gatesets import build_gate_set, warn_if_not_universal
from qdesign.quantum.unitary import (
    as_unitary,
    phase_invariant_distance,
)

TARGET_KINDS = ("scramble", "haar", "mixed")


class GateCompileEnv(EpisodeGuardMixin, CurriculumLevelMixin, gym.Env):
    """The GateCompile MDP (see the module docstring): add gates until the residual is within epsilon of
    the identity."""
    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, gate_set: str | list | dict = "clifford_t",
                 epsilon: float = 1e-2, max_gates: int = 64, target: str = "scramble",
                 scramble_depth: int = 4, budget_slope: float = 2.0, budget_offset: int = 4,
                 success_bonus: float = 1.0, gate_cost: float = 0.01, shaping: float = 1.0,
                 invalid_penalty: float = 0.05, mask_inverses: bool = True) -> None:
        check_render_mode(render_mode)
        if not (isinstance(epsilon, (int, float)) and 0 < epsilon < 1):
            raise ValueError(f"epsilon must be a number in (0, 1), got {epsilon!r}")
        if not (isinstance(max_gates, int) and max_gates >= 1):
            raise ValueError(f"max_gates must be an int >= 1, got {max_gates!r}")
        if target not in TARGET_KINDS:
            raise ValueError(f"target must be one of {TARGET_KINDS}, got {target!r}")
        if not (isinstance(scramble_depth, int) and 0 <= scramble_depth <= max_gates):
            raise ValueError(f"scramble_depth must be an int in [0, max_gates={max_gates}], got "
                             f"{scramble_depth!r}")
        if budget_slope <= 0 or budget_offset < 0:
            raise ValueError(f"budget_slope must be > 0 and budget_offset >= 0, got {budget_slope}, "
                             f"{budget_offset}")
        for name, val in (("success_bonus", success_bonus), ("gate_cost", gate_cost),
                          ("shaping", shaping), ("invalid_penalty", invalid_penalty)):
            if not isinstance(val, (int, float)) or not np.isfinite(val):
                raise ValueError(f"{name} must be a finite number, got {val!r}")
        self.render_mode = render_mode
        self.gs = build_gate_set(gate_set)
        warn_if_not_universal(self.gs)
        self.epsilon = float(epsilon)
        self.max_gates = max_gates
        self.target_kind = target
        self.budget_slope = float(budget_slope)
        self.budget_offset = int(budget_offset)
        self.success_bonus = float(success_bonus)
        self.gate_cost = float(gate_cost)
        self.shaping = float(shaping)
        self.invalid_penalty = float(invalid_penalty)
        self.mask_inverses = bool(mask_inverses)
        self._init_level(scramble_depth)
        d = self.gs.dim
        self.obs_dim = 2 * d * d + 1
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(self.obs_dim,), dtype=np.float32)
        self.action_space = spaces.Discrete(self.gs.n_actions)
        self._eye = np.eye(d, dtype=complex)
        self._roots = np.exp(2j * np.pi * np.arange(d) / d)
        self._gates_dag = np.ascontiguousarray(self.gs.matrices.conj().transpose(0, 2, 1))
        n = self._n_actions = self.gs.n_actions  # masks per last gate, built once: step/info only copy one
        self._masks = np.ones((n + 1, n), dtype=bool)
        for last in range(-1, n):
            self._masks[last] = allowed_after(self.gs, last)  # row -1 (= n): nothing applied yet
        self._allowed = self._masks.tolist()  # the same rows as Python lists: a cheaper lookup per step
        self._gate_labels = list(self.gs.labels)
        # non-backtracking choices per last gate (random_word's, precomputed: same draws, same words)
        self._choices = [np.flatnonzero(self._masks[last]) for last in range(n)] + [np.arange(n)]
        # one qubit: the residual lives as four Python complex numbers (r00, r01, r10, r11); 2x2 numpy
        # products and reductions cost several times more per step than the scalar arithmetic
        self._small = d == 2
        self._d = d
        self._gdag_t = [tuple(g.ravel().tolist()) for g in self._gates_dag] if self._small else []
        self._r: tuple = (1 + 0j, 0j, 0j, 1 + 0j)
        self._target = self._eye
        self._residual = self._eye
        self._seq = ""
        self._word: list[int] = []
        self._labels: list[str] = []
        self._budget = max_gates
        self._dist = 0.0
        self._dists: list[float] = []  # distance to the target after each gate, for the rgb_array frame
        self._abs_tr = float(d)
        self._episode = 0
        self._kind = "scramble"

    # -- curriculum ---------------------------------------------------------------------------------
    def _check_level(self, level: Any) -> int:
        """Scramble depth (int or ``{"scramble_depth": k}``), clipped to [0, max_gates]."""
        if isinstance(level, dict):
            level = level.get("scramble_depth", self._level)
        return int(np.clip(int(level), 0, self.max_gates))

    @property
    def level(self) -> int:
        """The scramble depth of the current episode."""
        return int(self._level)

    # -- helpers ------------------------------------------------------------------------------------
    @property
    def _residual(self) -> np.ndarray:
        if self._small:
            return np.array(self._r, dtype=complex).reshape(2, 2)
        return self._res

    @_residual.setter
    def _residual(self, value: np.ndarray) -> None:
        if self._small:
            self._r = tuple(np.asarray(value, dtype=complex).ravel().tolist())
        else:
            self._res = value

    def _obs(self) -> np.ndarray:
        # canonical_phase of one matrix without the stacked-array machinery (same representative); on one
        # qubit in plain Python complex arithmetic, which beats numpy calls on 2x2 arrays several times
        d = self._d
        rem = (self._budget - len(self._word)) / self.max_gates
        if self._small:
            a, b, c, e = self._r
            f = cmath.exp(-0.5j * cmath.phase(a * e - b * c))
            if ((a + e) * f).real < 0:  # roots of unity for d = 2 are +-1: keep Re Tr >= 0
                f = -f
            a, b, c, e = a * f, b * f, c * f, e * f
            # entries of a unitary have modulus <= 1 (+1e-16, which float32 rounds away): no clip needed
            return np.array([a.real, b.real, c.real, e.real, a.imag, b.imag, c.imag, e.imag, rem],
                            dtype=np.float32)
        r = self._res
        det = np.linalg.det(r)
        s = r * np.exp(-1j * np.angle(det) / d)
        c = s * self._roots[int(np.argmax((np.trace(s) * self._roots).real))]
        out = np.empty(self.obs_dim, dtype=np.float32)
        out[: d * d] = c.real.ravel()
        out[d * d: 2 * d * d] = c.imag.ravel()
        out[-1] = rem
        return np.clip(out, -1.0, 1.0, out=out)

    def action_masks(self) -> np.ndarray:
        """Gates allowed next: with ``mask_inverses``, not the inverse of the last gate (it would undo it)."""
        if not self.mask_inverses:
            return np.ones(self.gs.n_actions, dtype=bool)
        return self._masks[self._word[-1] if self._word else -1].copy()

    def _distance(self) -> float:
        """Phase-invariant distance of the residual to I, cancellation-free (as phase_invariant_distance):
        ``||R - (Tr R / |Tr R|) I||_F / sqrt(d)``; also keeps ``|Tr R|`` for the fidelity."""
        if self._small:
            a, b, c, e = self._r
            tr = a + e
            mag = abs(tr)
            ph = tr / mag if mag > 0 else 1.0
            self._abs_tr = mag
            return math.sqrt((abs(a - ph) ** 2 + abs(b) ** 2 + abs(c) ** 2 + abs(e - ph) ** 2) / 2)
        r = self._res
        tr = complex(np.trace(r))
        mag = abs(tr)
        self._abs_tr = mag
        diff = r - (tr / mag if mag > 0 else 1.0) * self._eye
        return float(np.sqrt(np.vdot(diff, diff).real / self.gs.dim))

    def _info(self) -> dict[str, Any]:
        # W = R^dag U, so |Tr(W^dag U)| = |Tr(U^dag R U)| = |Tr R|: the fidelity needs no matrix product
        d = self._d
        return {
            "distance": float(self._dist),
            "fidelity": float((self._abs_tr ** 2 + d) / (d * (d + 1))),
            "length": len(self._word),
            "is_success": bool(self._dist <= self.epsilon),
            "action_mask": self.action_masks(),  # a copy: Gymnasium's checker forbids shared info data
            "sequence": self._seq,
            "word": list(self._word),
            "target_kind": self._kind,
            "scramble_depth": int(self.level) if self._kind == "scramble" else -1,
            "budget": int(self._budget),
        }

    @property
    def word(self) -> list[int]:
        """The gate indices applied so far, first gate first (a copy)."""
        return list(self._word)

    @property
    def target(self) -> np.ndarray:
        """The episode's target unitary (a copy)."""
        return self._target.copy()

    @property
    def residual(self) -> np.ndarray:
        """The residual U_target W^dag still to be compiled (a copy)."""
        return self._residual.copy()

    # -- gym API --------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Draw a target (or take ``options["target"]``) and start an empty word; Gymnasium ``reset``."""
        super().reset(seed=seed)
        self._begin_episode()
        self._apply_pending_level()
        options = options or {}
        self._word = []
        self._labels: list[str] = []
        self._seq = ""  # info's "sequence", extended in step (one string append, not a join per step)
        if options.get("target") is not None:
            self._target = as_unitary(options["target"], name="options['target']", dim=self.gs.dim)
            self._kind, self._budget = "fixed", self.max_gates
        else:
            kind = self.target_kind
            if kind == "mixed":
                kind = "scramble" if self._episode % 2 == 0 else "haar"
            self._kind = kind
            for _ in range(100):  # never start an episode already solved
                if kind == "haar":
                    self._target = haar_target(self.gs, self.np_random)
                    self._budget = self.max_gates
                else:
                    self._target = self._scrambled(self.level)
                    self._budget = int(min(self.max_gates,
                                           np.ceil(self.budget_slope * self.level) + self.budget_offset))
                if not self._small and phase_invariant_distance(self._target, self._eye) > self.epsilon:
                    break
                if self._small:
                    self._residual = self._target
                    if self._distance() > self.epsilon:
                        break
        self._residual = self._target.copy()
        self._dist = self._distance()
        self._dists = [self._dist]
        self._episode += 1
        return self._obs(), self._info()

    def _scrambled(self, depth: int) -> np.ndarray:
        """``scrambled_target``'s unitary with the same random draws (so the same word), its choices
        precomputed per last gate."""
        if not self._small:
            return scrambled_target(self.gs, depth, self.np_random)[0]
        rng, choices, mats = self.np_random, self._choices, self.gs.matrices
        last = -1
        u = self._eye
        for _ in range(depth):
            ch = choices[last]
            last = int(ch[rng.integers(len(ch))])
            u = mats[last] @ u
        return u

    def step(self, action: Any):
        """Apply one gate to the word; reward, success and budget as in the module docstring."""
        if type(action) is int and not self._episode_over and 0 <= action < self._n_actions:
            a = action  # the common case, checked without building an array
        else:
            a = int(self._begin_step(action)[0])
        masked = self.mask_inverses and not self._allowed[self._word[-1] if self._word else -1][a]
        if self._small:
            r00, r01, r10, r11 = self._r
            g00, g01, g10, g11 = self._gdag_t[a]
            self._r = (r00 * g00 + r01 * g10, r00 * g01 + r01 * g11, r10 * g00 + r11 * g10,
                       r10 * g01 + r11 * g11)
        else:
            self._res = self._res @ self._gates_dag[a]
        self._word.append(a)
        label = self._gate_labels[a]
        self._labels.append(label)
        self._seq = f"{self._seq} {label}" if self._seq else label
        before = self._dist
        self._dist = self._distance()
        self._dists.append(self._dist)
        success = self._dist <= self.epsilon
        reward = -self.gate_cost + self.shaping * (before - self._dist)
        if masked:
            reward -= self.invalid_penalty
        if success:
            reward += self.success_bonus
        truncated = (not success) and len(self._word) >= self._budget
        self._end_step(success, truncated)
        return self._obs(), float(reward), bool(success), bool(truncated), self._info()

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the word as text; ``"rgb_array"``: the word over its distance-to-target trace."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        seq = " ".join(self.gs.labels[a] for a in self._word) or "(empty)"
        return (f"GateCompile[{self.gs.name}] len={len(self._word)}/{self._budget} "
                f"d={self._dist:.3e} eps={self.epsilon:g}\n  {seq}\n")

    def _paint(self, fig: Any) -> None:
        ax = fig.subplots()
        plot_trace(ax, self._dists, goal=self.epsilon, ylabel="distance to target", goal_label="epsilon")
        labels = [self.gs.labels[a] for a in self._word[-40:]]
        seq = ("... " if len(self._word) > 40 else "") + (" ".join(labels) or "(empty word)")
        ax.set_title(f"GateCompile {self.gs.name}: {len(self._word)}/{self._budget} gates, "
                     f"d = {self._dist:.3e}", fontsize=9)
        fig.text(0.5, 0.01, seq, ha="center", va="bottom", fontsize=7, family="monospace", wrap=True)
        fig.subplots_adjust(bottom=0.25)
