"""``qdesign/CliffordSynthMoves-<n>q-v0``: Clifford synthesis one CX per action, single-qubit gates free.

The gate-level env (``CliffordSynthEnv``) spends most of its actions on h and s, which cost almost
nothing, and its 4-qubit PPO never got past one-CX scrambles. This env acts on the search's own state
space (``qdesign.synthesis.clifford_search``): the tableau modulo single-qubit Cliffords applied next.
One action is one *move*: single-qubit Cliffords on qubits i and j that choose the vectors each keeps,
then ``cx(i, j)``; 9 moves per unordered pair (``Discrete(9 n (n - 1) / 2)``, ``moves(n)`` order).
So every action costs exactly one CX, an episode's length is its CX count, and a trained value network
estimates "CX to go" directly, which is what the beam search needs.

With ``canonical_frames`` (default) every qubit's column pair is put in its canonical frame after each
move (``clifford_search.canonical_state``, by single-qubit gates that are recorded): the policy then
meets every local frame of a state as one observation, and a move's picks refer to fixed vectors.
(Measured on 5 qubits without it: 33 % success on one-move scrambles after 400k PPO steps.)

Observation (``MultiBinary(6 n^2)``, int8): the state's ``(2n, 2n)`` tableau (row-major), then two
``n x n`` bit maps over (row qubit p, column qubit q) of the 2x2 block linking them: "nonzero" and
"full rank". These maps are invariant under the local gates a move chooses, and the goal is exactly
"no nonzero block off the diagonal".

Reward per move: ``-1`` (one CX) plus potential shaping ``shaping * (support_before - support_after)``
on ``support_heuristic`` (Ng et al. 1999: the optimal policy is unchanged; it telescopes to
``shaping * support_0`` per solved episode), plus ``success_bonus`` at the goal (terminated). So the
return from a state is ``shaping * support - CX to go (+ bonus)``, and ``shaping * support - V`` is the
value network's estimate of the CX still needed (``qdesign.api.clifford.move_value_heuristic``).

``action_masks()`` masks every move whose result was already visited in this episode (a cycle never
lowers the CX count), unless that masks all of them. Start states as in ``CliffordSynthEnv``:
``"scramble"`` applies ``scramble_depth`` random moves to the goal (then random single-qubit Cliffords),
so the start needs at most that many CX, with the budget ``min(max_steps, budget_slope * k +
budget_offset)``; ``"random"`` a uniform random Clifford; ``reset(options={"clifford": ...})`` a given one.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.envs.clifford_synth.common import (
    ScrambleLevelMixin,
    check_clifford_env_args,
    given_or_random_start,
    scramble_budget,
)
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_circuit
from qdesign.synthesis.clifford_search import (
    State,
    apply_move,
    canonical_state,
    goal_key,
    key_of,
    moves,
    state_of,
    tableau_of_state,
)


def block_maps(tab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(nonzero, full_rank)``: ``n x n`` uint8 maps over (row qubit p, column qubit q) of the 2x2
    tableau block linking input qubit p to output qubit q. Works on a batch ``(..., 2n, 2n)`` too."""
    n = tab.shape[-1] // 2
    a, b = tab[..., :n, :n], tab[..., :n, n:]
    c, d = tab[..., n:, :n], tab[..., n:, n:]
    return (a | b | c | d).astype(np.uint8), ((a & d) ^ (b & c)).astype(np.uint8)


def move_observation(tabs: np.ndarray) -> np.ndarray:
    """The observation of a tableau, or of a batch ``(B, 2n, 2n)`` of them: tableau bits, then the
    nonzero and full-rank block maps, as int8."""
    nz, full = block_maps(tabs)
    lead = tabs.shape[:-2]
    return np.concatenate([tabs.reshape(*lead, -1), nz.reshape(*lead, -1), full.reshape(*lead, -1)],
                          axis=-1).astype(np.int8)


def support_of(tabs: np.ndarray) -> np.ndarray:
    """``support_heuristic`` on tableaux (any leading batch shape): off-diagonal nonzero blocks plus
    diagonal blocks that are zero. 0 exactly at the goal."""
    nz, _ = block_maps(tabs)
    diag = np.trace(nz, axis1=-2, axis2=-1)
    n = tabs.shape[-1] // 2
    return nz.sum(axis=(-2, -1)) - diag + (n - diag)


_LOCAL_PICKS = ((0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1))  # ordered pairs from (x, z, x ^ z)


class CliffordMoveEnv(EpisodeGuardMixin, ScrambleLevelMixin, gym.Env):
    """Clifford synthesis with one CX per action (see the module docstring)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, num_qubits: int = 3, max_steps: int = 20,
                 target: str = "scramble", scramble_depth: int = 2, budget_slope: float = 2.0,
                 budget_offset: int = 4, shaping: float = 0.5, success_bonus: float = 0.0,
                 mask_revisits: bool = True, canonical_frames: bool = True) -> None:
        check_render_mode(render_mode)
        check_clifford_env_args(num_qubits, max_steps, target, scramble_depth, budget_slope, budget_offset,
                                shaping=shaping, success_bonus=success_bonus)
        self.render_mode = render_mode
        self.num_qubits = n = num_qubits
        self.max_steps = max_steps
        self.target_kind = target
        self.budget_slope, self.budget_offset = float(budget_slope), int(budget_offset)
        self.shaping, self.success_bonus = float(shaping), float(success_bonus)
        self.mask_revisits = bool(mask_revisits)
        self.canonical_frames = bool(canonical_frames)
        self.moves = moves(n)
        self.labels = [f"cx({i},{j})[{a}{b}]" for i, j, a, b in self.moves]
        self.observation_space = spaces.MultiBinary(6 * n * n)
        self.action_space = spaces.Discrete(len(self.moves))
        self._goal = goal_key(n)
        self._init_level(scramble_depth)
        self._state: State = tuple((1 << q, 1 << (n + q)) for q in range(n))
        self._start = self._state
        self._visited: set = set()
        self._gates: list[tuple[str, tuple[int, ...]]] = []
        self._cx = 0
        self._budget = max_steps
        self._support = 0
        self._kind = "scramble"
        self._mask_cache: np.ndarray | None = None

    # -- state ----------------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        """The current state (column pairs as ints, ``clifford_search.State``)."""
        return self._state

    @property
    def tableau(self) -> np.ndarray:
        """The current ``(2n, 2n)`` uint8 tableau."""
        return tableau_of_state(self._state)

    @property
    def gates(self) -> list[tuple[str, tuple[int, ...]]]:
        """The gates applied so far (local gates and CX), in time order."""
        return list(self._gates)

    def _obs(self) -> np.ndarray:
        return move_observation(self.tableau)

    def action_masks(self) -> np.ndarray:
        """Moves allowed next: with ``mask_revisits`` those that reach a state not yet visited."""
        if self._mask_cache is None:
            mask = np.ones(len(self.moves), dtype=bool)
            if self.mask_revisits:
                for k, m in enumerate(self.moves):
                    mask[k] = key_of(apply_move(self._state, m)[0]) not in self._visited
                if not mask.any():
                    mask[:] = True
            self._mask_cache = mask
        return self._mask_cache.copy()

    def _info(self) -> dict[str, Any]:
        return {
            "is_success": bool(self._support == 0),
            "cx_count": int(self._cx),
            "support": int(self._support),
            "action_mask": self.action_masks(),
            "target_kind": self._kind,
            "scramble_depth": int(self.level) if self._kind == "scramble" else -1,
            "budget": int(self._budget),
        }

    def _reframe(self, state: State) -> State:
        """With ``canonical_frames``: the state in canonical frames, the local gates recorded."""
        if not self.canonical_frames:
            return state
        state, gates = canonical_state(state)
        self._gates += gates
        return state

    def _random_local(self, state: State) -> State:
        rng = self.np_random
        out = []
        for x, z in state:
            vecs = (x, z, x ^ z)
            a, b = _LOCAL_PICKS[int(rng.integers(0, 6))]
            out.append((vecs[a], vecs[b]))
        return tuple(out)

    def _scramble(self, depth: int) -> State:
        n, rng = self.num_qubits, self.np_random
        state: State = tuple((1 << q, 1 << (n + q)) for q in range(n))
        for _ in range(depth):
            state = apply_move(state, self.moves[int(rng.integers(0, len(self.moves)))])[0]
        return self._random_local(state)

    # -- gym API --------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Draw a start (or take ``options["clifford"]``); Gymnasium ``reset``."""
        super().reset(seed=seed)
        self._begin_episode()
        self._apply_pending_level()
        self._kind, tab = given_or_random_start(options or {}, self.num_qubits, self.target_kind,
                                                self.np_random)
        if tab is not None:
            self._budget, state = self.max_steps, state_of(tab)
        else:
            self._budget = scramble_budget(self.max_steps, self.budget_slope, self.budget_offset, self.level)
            state = self._scramble(self.level)
            for _ in range(100):  # never start an episode already solved (unless depth 0)
                if self.level == 0 or key_of(state) != self._goal:
                    break
                state = self._scramble(self.level)
        self._gates, self._cx, self._mask_cache = [], 0, None
        state = self._reframe(state)
        self._state = self._start = state
        self._visited = {key_of(state)}
        self._support = int(support_of(self.tableau))
        return self._obs(), self._info()

    def step(self, action: Any):
        """Apply one move; reward, termination and budget as in the module docstring."""
        a = int(self._begin_step(action)[0])
        self._state, gates = apply_move(self._state, self.moves[a])
        self._gates += gates
        self._state = self._reframe(self._state)
        self._cx += 1
        self._visited.add(key_of(self._state))
        self._mask_cache = None
        before = self._support
        self._support = int(support_of(self.tableau))
        reward = -1.0 + self.shaping * (before - self._support)
        terminated = self._support == 0
        if terminated:
            reward += self.success_bonus
        truncated = (not terminated) and self._cx >= self._budget
        self._end_step(terminated, truncated)
        return self._obs(), float(reward), bool(terminated), bool(truncated), self._info()

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the block map and the moves as text; ``"rgb_array"``: circuit and block map."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        nz, full = block_maps(self.tableau)
        rows = "\n".join("  " + "".join("#" if f else ("+" if z else ".") for z, f in zip(rz, rf))
                         for rz, rf in zip(nz, full))
        return (f"CliffordSynthMoves[{self.num_qubits}q] cx={self._cx}/{self._budget} "
                f"support={self._support}\n{rows}\n")

    def _paint(self, fig: Any) -> None:
        ax_c, ax_t = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        plot_circuit(ax_c, self.num_qubits, self._gates[-30:])
        ax_c.set_title(f"CliffordSynthMoves {self.num_qubits}q: {self._cx}/{self._budget} CX", fontsize=9)
        nz, full = block_maps(self.tableau)
        ax_t.imshow(nz + full, cmap="Blues", vmin=0, vmax=2, interpolation="nearest")
        ax_t.set_title(f"blocks, support {self._support}", fontsize=8)
        ax_t.set_xticks([])
        ax_t.set_yticks([])
