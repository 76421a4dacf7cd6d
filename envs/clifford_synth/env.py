"""``qdesign/CliffordSynth-<n>q-v0``: reduce an n-qubit Clifford to single-qubit gates, CX count first.

State: the binary symplectic tableau ``T`` (``2n x 2n``, qdesign.quantum.clifford_tableau) of
``C g_1 ... g_t``: the target Clifford followed by the gates chosen so far. Observation: ``T`` flattened
row-major as ``MultiBinary(4 n^2)`` (int8). Phases are not observed: they never change which gates are
needed and the final single-qubit layer fixes them exactly.

Actions (``Discrete(2n + n(n-1))``): ``h(q)`` for q < n, then ``s(q)``, then ``cx(c, t)`` for every
ordered pair ``c != t`` in lexicographic order (all-to-all coupling). Every gate is an involution on the
tableau (``s s = z`` is a Pauli), so ``action_masks()`` masks the gate just applied; a masked action is
still a legal gate but pays ``invalid_penalty``.

Goal (terminated): the tableau is a tensor product of single-qubit Cliffords with no qubit
permutation (``is_local``). The circuit that synthesises C is then the exact single-qubit layer
followed by the chosen gates inverted in reverse order (``qdesign.api.clifford``).

Reward per gate: ``-cx_cost`` for a CX, ``-single_cost`` for h/s (CX count first), plus potential
shaping ``shaping * (w_before - w_after) / n`` on the off-block weight ``w`` (Ng et al. 1999: leaves
the optimal policy unchanged; it telescopes to ``shaping * w_0 / n`` per solved episode), plus
``success_bonus`` on reaching the goal. The bonus is what makes solving worth its CX: SB3 bootstraps
truncated episodes, so without it a policy that never applies a CX loses nothing (measured: a 4-qubit
run without the bonus stayed at scramble depth 1 for 240k steps, playing only h and s).

Start states (``target``): ``"scramble"`` applies ``scramble_depth`` (the curriculum level) random CX
gates, each after random single-qubit Cliffords on its two qubits, to a random single-qubit layer, so
the start needs at most ``scramble_depth`` CX; the episode budget is then
``min(max_steps, budget_slope * k + budget_offset)``. ``"random"`` draws a uniform random Clifford
(qiskit ``random_clifford``, seeded from ``np_random``) with budget ``max_steps``.
``reset(options={"clifford": qiskit.quantum_info.Clifford})`` starts from a given Clifford.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.envs.clifford_synth.common import (
    TARGET_KINDS,
    ScrambleLevelMixin,
    check_clifford_env_args,
    given_or_random_start,
    scramble_budget,
)
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_circuit
from qdesign.quantum.clifford_tableau import (
    apply_gate,
    identity_tableau,
    is_local,
    local_mask,
)

__all__ = ["CliffordSynthEnv", "TARGET_KINDS", "clifford_actions"]


def clifford_actions(num_qubits: int) -> list[tuple[str, tuple[int, ...]]]:
    """The action table: ``h(q)``, ``s(q)``, then ``cx(c, t)`` over ordered pairs (lexicographic)."""
    n = num_qubits
    acts: list[tuple[str, tuple[int, ...]]] = [("h", (q,)) for q in range(n)]
    acts += [("s", (q,)) for q in range(n)]
    acts += [("cx", (c, t)) for c in range(n) for t in range(n) if c != t]
    return acts


class CliffordSynthEnv(EpisodeGuardMixin, ScrambleLevelMixin, gym.Env):
    """The CliffordSynth MDP (see the module docstring)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, num_qubits: int = 3, max_steps: int = 60,
                 target: str = "scramble", scramble_depth: int = 2, budget_slope: float = 4.0,
                 budget_offset: int = 8, cx_cost: float = 1.0, single_cost: float = 0.05,
                 shaping: float = 0.5, invalid_penalty: float = 0.1, success_bonus: float = 10.0,
                 mask_repeats: bool = True) -> None:
        check_render_mode(render_mode)
        check_clifford_env_args(num_qubits, max_steps, target, scramble_depth, budget_slope, budget_offset,
                                cx_cost=cx_cost, single_cost=single_cost, shaping=shaping,
                                invalid_penalty=invalid_penalty, success_bonus=success_bonus)
        if cx_cost <= single_cost:
            raise ValueError(f"cx_cost must exceed single_cost (CX count first), got {cx_cost} <= "
                             f"{single_cost}")
        self.render_mode = render_mode
        self.num_qubits = n = num_qubits
        self.max_steps = max_steps
        self.target_kind = target
        self.budget_slope, self.budget_offset = float(budget_slope), int(budget_offset)
        self.cx_cost, self.single_cost = float(cx_cost), float(single_cost)
        self.shaping, self.invalid_penalty = float(shaping), float(invalid_penalty)
        self.success_bonus = float(success_bonus)
        self.mask_repeats = bool(mask_repeats)
        self.actions = clifford_actions(n)
        self.labels = [f"{g}({','.join(map(str, q))})" for g, q in self.actions]
        self.observation_space = spaces.MultiBinary(4 * n * n)
        self.action_space = spaces.Discrete(len(self.actions))
        self._off = ~local_mask(n)
        self._init_level(scramble_depth)
        self._tab = identity_tableau(n)
        self._start = identity_tableau(n)
        self._gates: list[int] = []
        self._budget = max_steps
        self._weight = 0
        self._cx = 0
        self._kind = "scramble"

    # -- state ----------------------------------------------------------------------------------------
    @property
    def tableau(self) -> np.ndarray:
        """The current ``(2n, 2n)`` uint8 tableau (a copy)."""
        return self._tab.copy()

    @property
    def start_tableau(self) -> np.ndarray:
        """The episode's start tableau (a copy)."""
        return self._start.copy()

    @property
    def gates(self) -> list[tuple[str, tuple[int, ...]]]:
        """The gates applied so far, in order."""
        return [self.actions[a] for a in self._gates]

    def _obs(self) -> np.ndarray:
        return self._tab.reshape(-1).astype(np.int8)

    def action_masks(self) -> np.ndarray:
        """Gates allowed next: with ``mask_repeats`` every gate but the one just applied (it undoes it)."""
        mask = np.ones(len(self.actions), dtype=bool)
        if self.mask_repeats and self._gates:
            mask[self._gates[-1]] = False
        return mask

    def _info(self) -> dict[str, Any]:
        return {
            "is_success": bool(self._weight == 0),
            "cx_count": int(self._cx),
            "gate_count": len(self._gates),
            "off_local_weight": int(self._weight),
            "action_mask": self.action_masks(),
            "sequence": " ".join(self.labels[a] for a in self._gates),
            "target_kind": self._kind,
            "scramble_depth": int(self.level) if self._kind == "scramble" else -1,
            "budget": int(self._budget),
        }

    def _scramble(self, depth: int) -> np.ndarray:
        n, rng = self.num_qubits, self.np_random
        tab = identity_tableau(n)

        def local(q: int) -> None:
            for _ in range(int(rng.integers(0, 4))):
                apply_gate(tab, ("h", "s")[int(rng.integers(0, 2))], (q,))

        for q in range(n):
            local(q)
        for _ in range(depth):
            c, t = (int(x) for x in rng.choice(n, size=2, replace=False))
            local(c)
            local(t)
            apply_gate(tab, "cx", (c, t))
        return tab

    # -- gym API --------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Draw a start Clifford (or take ``options["clifford"]``); Gymnasium ``reset``."""
        super().reset(seed=seed)
        self._begin_episode()
        self._apply_pending_level()
        self._kind, tab = given_or_random_start(options or {}, self.num_qubits, self.target_kind,
                                                self.np_random)
        if tab is not None:
            self._budget = self.max_steps
        else:
            self._budget = scramble_budget(self.max_steps, self.budget_slope, self.budget_offset, self.level)
            tab = self._scramble(self.level)
            for _ in range(100):  # never start an episode already solved (unless depth 0)
                if self.level == 0 or not is_local(tab):
                    break
                tab = self._scramble(self.level)
        self._tab = tab
        self._start = tab.copy()
        self._gates = []
        self._cx = 0
        self._weight = int(np.count_nonzero(tab[self._off]))
        return self._obs(), self._info()

    def step(self, action: Any):
        """Apply one gate; reward, termination and budget as in the module docstring."""
        a = int(self._begin_step(action)[0])
        masked = self.mask_repeats and bool(self._gates) and self._gates[-1] == a
        name, qubits = self.actions[a]
        apply_gate(self._tab, name, qubits)
        self._gates.append(a)
        before = self._weight
        self._weight = int(np.count_nonzero(self._tab[self._off]))
        is_cx = name == "cx"
        self._cx += is_cx
        reward = -(self.cx_cost if is_cx else self.single_cost)
        reward += self.shaping * (before - self._weight) / self.num_qubits
        if masked:
            reward -= self.invalid_penalty
        terminated = self._weight == 0
        if terminated:
            reward += self.success_bonus
        truncated = (not terminated) and len(self._gates) >= self._budget
        self._end_step(terminated, truncated)
        return self._obs(), float(reward), bool(terminated), bool(truncated), self._info()

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the tableau and the gates as text; ``"rgb_array"``: circuit and tableau image."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        rows = "\n".join("  " + "".join(map(str, r[: self.num_qubits])) + "|"
                         + "".join(map(str, r[self.num_qubits:])) for r in self._tab)
        seq = " ".join(self.labels[a] for a in self._gates) or "(no gates)"
        return (f"CliffordSynth[{self.num_qubits}q] gates={len(self._gates)}/{self._budget} cx={self._cx} "
                f"off-local={self._weight}\n{rows}\n  {seq}\n")

    def _paint(self, fig: Any) -> None:
        ax_c, ax_t = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        plot_circuit(ax_c, self.num_qubits, [self.actions[a] for a in self._gates[-30:]])
        ax_c.set_title(f"CliffordSynth {self.num_qubits}q: {len(self._gates)}/{self._budget} gates, "
                       f"{self._cx} CX", fontsize=9)
        img = np.where(self._off & (self._tab == 1), 2, self._tab)
        ax_t.imshow(img, cmap="Blues", vmin=0, vmax=2, interpolation="nearest")
        ax_t.set_title(f"tableau, {self._weight} off-local", fontsize=8)
        ax_t.set_xticks([])
        ax_t.set_yticks([])
