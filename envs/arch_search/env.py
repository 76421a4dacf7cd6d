"""``ArchSearchEnv``: CRLQAS-style quantum architecture search for VQE as a Gymnasium env.

Each step appends one gate (a CNOT on an allowed pair or an RX/RY/RZ rotation), re-optimises ALL
angles from the previous optimum with the inner optimizer, and rewards the relative energy
decrease (CRLQAS §1.5), or with ``dense_reward="log"`` the decrease of ``log10`` of the error.
An episode succeeds when the error ``|E - E_target|`` falls below the
curriculum threshold (+5, terminated); it fails at ``max_gates`` (-5, terminated); the random
halting budget cuts it earlier with the ordinary dense reward and ``truncated=True``.

Episodes start from |0...0> (CRLQAS) or, with ``initial_state="hartree_fock"``, from the
Hartree-Fock determinant prepared by X gates that open ``circuit()`` (so the exported circuit
alone reproduces the energy); they are not agent actions and not counted as ansatz gates. Gate
counts come raw and "effective" (gates that do nothing left out).

Fixes relative to the reference code: one action table for env, masks and agent; the energy
feature is normalised; an illegal action (an immediate repetition, see ``action_masks``) is a
no-op costing ``illegal_penalty`` and one step instead of corrupting the circuit.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.envs.arch_search.actions import ActionTable, IllegalTracker
from qdesign.envs.arch_search.encoding import TensorEncoder
from qdesign.envs.arch_search.halting import HALTING_MODES, sample_halting_step
from qdesign.envs.arch_search.problem import Problem, build_problem
from qdesign.envs.arch_search.simulation import EnergyObjective, make_energy_simulator
from qdesign.envs.curriculum_level import CurriculumLevelMixin
from qdesign.envs.episode_guard import EpisodeGuardMixin
from qdesign.envs.rendering import RENDER_MODES, check_render_mode, draw_frame, plot_circuit, plot_trace
from qdesign.optim import make_optimizer
from qdesign.quantum.circuit import Circuit, active_gates

CHEMICAL_ACCURACY = 1.6e-3
TARGETS = ("exact", "lower_bound")
ANGLE_INITS = ("zero", "uniform")
DENSE_REWARDS = ("relative", "log")


def dense_rewards(mode: str, prev_error: Any, error: Any) -> np.ndarray:
    """The per-step reward of a legal, non-final step, element-wise over arrays of errors.

    ``"relative"`` (CRLQAS): ``(E_prev - E) / |E_prev - E_target|`` clipped to [-1, 1]; a rise from a small
    error costs the full -1 while the way back earns at most +1, so a detour that first raises the
    energy (a CNOT whose partner rotation comes later) loses return and a learner prefers gates that
    do nothing. ``"log"``: ``log10(err_prev / err)`` (errors floored at 1e-10), which telescopes: an
    episode's dense return is ``log10(err_0 / err_end)`` whatever the detours, a potential-based shaping
    (Ng, Harada and Russell 1999) with potential ``-log10(err)``.
    """
    prev_error, error = np.asarray(prev_error, dtype=float), np.asarray(error, dtype=float)
    if mode == "log":
        return np.log10(np.maximum(prev_error, 1e-10)) - np.log10(np.maximum(error, 1e-10))
    ok = prev_error > 1e-12
    return np.where(ok, np.clip((prev_error - error) / np.where(ok, prev_error, 1.0), -1.0, 1.0), 0.0)
INITIAL_STATES = ("zero", "hartree_fock")


class ArchSearchEnv(EpisodeGuardMixin, CurriculumLevelMixin, gym.Env):
    """Build a VQE ansatz gate by gate; see the module docstring for the MDP."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, render_mode: str | None = None, *, molecule: str | None = "H2",
                 bond_distance: float | None = None, mapping: str = "jordan_wigner", basis: str = "sto3g",
                 charge: int = 0, spin: int = 0, active_space: list[int] | None = None,
                 freeze_core: bool = False, remove_orbitals: list[int] | None = None,
                 reduction: int | None = None, atoms: str | None = None, unit: str = "angstrom",
                 active_orbitals: list[int] | None = None, initial_state: str = "zero",
                 max_gates: int = 40, coupling_map: list[list[int]] | None = None,
                 noise: Any = None, optimizer: Any = "cobyla", optimizer_kwargs: dict[str, Any] | None = None,
                 halting: str = "crlqas", threshold: float = CHEMICAL_ACCURACY, target: str = "exact",
                 success_reward: float = 5.0, failure_reward: float = -5.0, illegal_penalty: float = -1.0,
                 angle_init: str = "zero", dense_reward: str = "relative"):
        check_render_mode(render_mode)
        if not isinstance(max_gates, int) or max_gates < 1:
            raise ValueError(f"max_gates={max_gates!r} is invalid; allowed: an integer >= 1")
        if halting not in HALTING_MODES:
            raise ValueError(f"halting={halting!r} is invalid; allowed: {HALTING_MODES}")
        if target not in TARGETS:
            raise ValueError(f"target={target!r} is invalid; allowed: {TARGETS}")
        if dense_reward not in DENSE_REWARDS:
            raise ValueError(f"dense_reward={dense_reward!r} is invalid; allowed: {DENSE_REWARDS} (CRLQAS's "
                             "clipped relative energy decrease, or the decrease of log10 of the error)")
        if angle_init not in ANGLE_INITS:
            raise ValueError(f"angle_init={angle_init!r} is invalid; allowed: {ANGLE_INITS}")
        if initial_state not in INITIAL_STATES:
            raise ValueError(f"initial_state={initial_state!r} is invalid; allowed: {INITIAL_STATES} "
                             "(|0...0> as in CRLQAS, or the Hartree-Fock determinant prepared by X gates)")
        self._check_level(threshold)  # fail before the (slower) problem build
        self.render_mode = render_mode
        self.problem: Problem = build_problem(
            molecule=molecule, bond_distance=bond_distance, mapping=mapping, basis=basis, charge=charge,
            spin=spin, active_space=active_space, freeze_core=freeze_core, remove_orbitals=remove_orbitals,
            reduction=reduction, atoms=atoms, unit=unit, active_orbitals=active_orbitals)
        self.num_qubits = n = self.problem.num_qubits
        self.initial_state = initial_state
        #: X gates preparing the start state: they open every circuit, so circuit() alone
        #: reproduces the energy; they are not agent actions and not counted as ansatz gates
        self._prep_qubits = self.problem.hartree_fock_qubits() if initial_state == "hartree_fock" else []
        self.max_gates = max_gates
        self.table = ActionTable(n, coupling_map)
        self.tracker = IllegalTracker(self.table)
        self.encoder = TensorEncoder(n, max_gates)
        self.noise = noise
        self.simulator = make_energy_simulator(self.problem.hamiltonian, noise)
        self.noiseless = make_energy_simulator(self.problem.hamiltonian, None) if noise else None
        self.optimizer = make_optimizer(optimizer, **(optimizer_kwargs or {}))
        self.halting = halting
        self.target = target
        self.ground_energy = float(self.problem.ground_energy)
        self.lower_bound = float(self.problem.lower_bound)
        self.target_energy = self.ground_energy if target == "exact" else self.lower_bound
        self._scale = max(self.problem.ground_energy - self.lower_bound, 1e-12) + float(
            np.sum(np.abs(np.real(self.problem.hamiltonian.coeffs))))
        self.success_reward, self.failure_reward = float(success_reward), float(failure_reward)
        self.illegal_penalty = float(illegal_penalty)
        self.angle_init = angle_init
        self.dense_reward = dense_reward
        self._init_level(threshold)
        self.action_space = spaces.Discrete(len(self.table))
        self.observation_space = spaces.Box(0.0, 1.0, (self.encoder.size + 2,), dtype=np.float32)
        self._circuit = self._new_circuit()
        self._thetas = np.zeros(0)
        self._actions: list[int] = []
        self._energy = 0.0
        self._errors: list[float] = []  # |E - E_target| after each step, for the rgb_array frame
        self._steps = 0
        self._budget = max_gates
        self._best: tuple[float, int, np.ndarray] = (np.inf, 0, np.zeros(0))

    # ------------------------------------------------------------------ curriculum
    def _check_level(self, level: Any) -> float:
        """The success threshold in Hartree (a number or ``{"threshold": x}``)."""
        if isinstance(level, dict):
            level = level.get("threshold")
        try:
            value = float(level)
        except (TypeError, ValueError):
            value = float("nan")
        if not value > 0 or not np.isfinite(value):
            raise ValueError(f"threshold={level!r} is invalid; allowed: a positive energy error in Hartree")
        return value

    @property
    def threshold(self) -> float:
        """The success threshold of the current episode (the curriculum level)."""
        return self._level

    # ------------------------------------------------------------------ helpers
    def _energies(self, sim: Any, thetas: np.ndarray) -> np.ndarray:
        return EnergyObjective(sim, self._circuit, self.np_random)(thetas)

    def _feature(self, energy: float) -> np.ndarray:
        norm = np.clip((energy - self.lower_bound) / self._scale, 0.0, 1.0)
        err = abs(energy - self.target_energy)
        log_err = np.clip(-np.log10(max(err, 1e-10)) / 10.0, 0.0, 1.0)
        return np.array([norm, log_err], dtype=np.float32)

    def _obs(self) -> np.ndarray:
        return np.concatenate([self.encoder.flat(), self._feature(self._energy)]).astype(np.float32)

    def action_masks(self) -> np.ndarray:
        """Legal actions: everything except repeating a gate still at the front of its wires."""
        return self.tracker.mask()

    def _new_circuit(self) -> Circuit:
        """An empty ansatz on the initial state (X gates on the Hartree-Fock qubits, if chosen)."""
        circ = Circuit(self.num_qubits)
        for q in self._prep_qubits:
            circ.append("x", (q,))
        return circ

    def _counts(self) -> dict[str, int]:
        return self._counts_of(self._circuit, self._thetas)

    def ansatz(self, actions: list[int]) -> Circuit:
        """The circuit of an action list: the preparation gates, then one gate per action (angles
        unbound; rotation ``i`` reads parameter ``i``)."""
        circ = self._new_circuit()
        for a in actions:
            act = self.table[int(a)]
            circ.append(act.name, act.qubits)
        return circ

    def gate_counts(self, actions: list[int], angles: list[float]) -> dict[str, int]:
        """Gate counts of an action list with its angles (e.g. an episode's best circuit)."""
        return self._counts_of(self.ansatz(actions), np.asarray(angles, dtype=float))

    def _counts_of(self, circuit: Circuit, thetas: np.ndarray) -> dict[str, int]:
        """Ansatz gate counts (the preparation X gates excluded), raw and effective: the effective
        ones leave out gates that do nothing (zero-angle rotations, RZ on a basis state, CX with a
        |0> control; see ``qdesign.quantum.circuit.active_gates``)."""
        k = len(self._prep_qubits)
        ansatz = circuit.gates[k:]
        cnots = sum(g.name == "cx" for g in ansatz)
        active = active_gates(circuit, thetas)[k:]
        eff_cnots = sum(a and g.name == "cx" for a, g in zip(active, ansatz))
        eff = sum(active)
        return {"n_gates": len(ansatz), "n_cnots": int(cnots), "n_rotations": int(len(ansatz) - cnots),
                "depth": int(Circuit(self.num_qubits, list(ansatz)).depth()), "n_gates_effective": int(eff),
                "n_cnots_effective": int(eff_cnots), "n_rotations_effective": int(eff - eff_cnots)}

    def _info(self, success: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "energy": float(self._energy), "error": float(abs(self._energy - self.target_energy)),
            "threshold": float(self.threshold), "is_success": bool(success),
            "action_mask": self.action_masks(), "ground_energy": self.ground_energy,
            **self._counts(),
        }
        if self.noiseless is not None:
            ne = float(self._energies(self.noiseless, self._thetas[None, :])[0])
            info["noiseless_energy"] = ne
            info["noiseless_error"] = float(abs(ne - self.ground_energy))
        return info

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start from |0...0> (or the Hartree-Fock state) and draw the halting budget; Gymnasium
        ``reset(seed=, options=)``."""
        super().reset(seed=seed)
        self._begin_episode()
        self._apply_pending_level()
        self._circuit = self._new_circuit()
        self._thetas = np.zeros(0)
        self._actions = []
        self.encoder.reset()
        self.tracker.reset()
        self._steps = 0
        self._budget = sample_halting_step(self.np_random, self.halting, self.max_gates)
        self._energy = float(self._energies(self.simulator, self._thetas[None, :])[0])
        self._best = (abs(self._energy - self.target_energy), 0, self._thetas.copy())
        self._errors = [abs(self._energy - self.target_energy)]
        return self._obs(), self._info(False)

    def step(self, action: Any):
        """Append one gate, re-optimise all angles and reward the relative energy decrease; an illegal
        action is a penalised no-op."""
        a = int(self._begin_step(action)[0])
        self._steps += 1
        prev = self._energy
        legal = 0 <= a < len(self.table) and bool(self.tracker.mask()[a])
        if legal:
            act = self.table[a]
            self._circuit.append(act.name, act.qubits)
            self._actions.append(a)
            self.encoder.place(act)
            self.tracker.push(a)
            if act.name != "cx":
                new = 0.0 if self.angle_init == "zero" else float(self.np_random.uniform(0.0, 0.1))
                self._thetas = np.append(self._thetas, new)
            objective = EnergyObjective(self.simulator, self._circuit, self.np_random)
            result = self.optimizer.minimize(objective, self._thetas, self.np_random)
            self._thetas = np.asarray(result.x, dtype=float)
            energy = float(result.fun)
            if self.noise:  # an unbiased fresh estimate at the chosen angles
                energy = float(objective(self._thetas[None, :])[0])
            self._energy = energy
        error = abs(self._energy - self.target_energy)
        self._errors.append(error)
        if legal and error < self._best[0]:
            self._best = (error, len(self._actions), self._thetas.copy())
        success = error < self.threshold
        terminated = truncated = False
        if success:
            reward, terminated = self.success_reward, True
        elif self._steps >= self.max_gates:
            reward, terminated = self.failure_reward, True
        else:
            if legal:
                reward = float(dense_rewards(self.dense_reward, abs(prev - self.target_energy), error))
            else:
                reward = self.illegal_penalty
            truncated = self._steps >= self._budget
        info = self._info(success)
        info["legal"] = legal
        if terminated or truncated:
            err, n_act, th = self._best
            info["episode_best_error"] = float(err)
            info["best_actions"] = [int(x) for x in self._actions[:n_act]]
            info["best_angles"] = [float(x) for x in th]
            info["actions"] = [int(x) for x in self._actions]
            info["n_cnot_actions"] = len(self.table.pairs)
        self._end_step(terminated, truncated)
        return self._obs(), float(reward), bool(terminated), bool(truncated), info

    # ------------------------------------------------------------------ outputs
    def circuit(self):
        """The current circuit as a ``QuantumCircuit`` with its optimised angles bound."""
        return self._circuit.to_qiskit(self._thetas)

    def circuit_from_actions(self, actions: list[int], angles: list[float]):
        """Rebuild a ``QuantumCircuit`` from an action list and its angles (e.g. an episode record)."""
        return self.ansatz(actions).to_qiskit(np.asarray(angles, dtype=float))

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the circuit as text; ``"rgb_array"``: the circuit beside its energy-error curve."""
        if self.render_mode == "rgb_array":
            return draw_frame(self._paint)
        if self.render_mode != "ansi":
            return None
        head = (f"step {self._steps}/{self._budget}  E={self._energy:.8f}  "
                f"err={abs(self._energy - self.target_energy):.3e}  threshold={self.threshold:.3e}\n")
        return head + str(self.circuit().draw(output="text"))

    def _paint(self, fig: Any) -> None:
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        plot_circuit(left, self.num_qubits, [(g.name, tuple(g.qubits)) for g in self._circuit.gates])
        left.set_title(f"{len(self._circuit)} gates, step {self._steps}/{self._budget}", fontsize=8)
        plot_trace(right, self._errors, goal=self.threshold, ylabel="|E - E0| (Ha)", goal_label="threshold")
        fig.suptitle(f"ArchSearch {self.num_qubits} qubits  E = {self._energy:.6f} Ha", fontsize=9)
        fig.tight_layout()
