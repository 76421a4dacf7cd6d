"""``ArchSearchVectorEnv``: N architecture-search episodes stepped as one batch (a Gymnasium ``VectorEnv``).

``gym.make_vec("qdesign/ArchSearch-...-v0", num_envs=N, vectorization_mode="vector_entry_point")``
builds it. The MDP is exactly ``ArchSearchEnv``'s (same rewards, infos, halting budgets and random
streams: env ``i`` reset with seed ``s + i`` follows a single env reset with ``s + i`` on the same
actions), but the state of all N episodes lives in arrays: the circuit tensors, the illegal-action
fronts, the gate lists the simulator reads and the angles (the tensors as a view into the observation
buffer, updated in place). One step places N gates in one compiled call (``_place_gates``), and
re-optimises the N circuits' angles with the very same BFGS iterations per start as the single env:
for a real Hamiltonian (every molecular preset) in one call of
``qdesign.quantum._kernels.bfgs_step_batch_real`` made by ``threads`` threads at once (compiled and
GIL-free; the calling thread is one of them), which claim the work item by item: first the energy
and gradient at every warm start (which decides whether ``adjoint_bfgs`` also tries a nearby point),
then the warm starts (continuing from that gradient), nearby points and perturbed restarts, longest
expected first, so that a thread never idles while jobs are left; otherwise in two calls of
``bfgs_adjoint_batch``. Rewards, flags and best-so-far records come from one compiled call
(``_score``). Noisy presets (shot-based optimizers) keep the batched bookkeeping and optimise
circuit by circuit.

Autoreset follows Gymnasium 1.x: ``"NextStep"`` (the default, like ``SyncVectorEnv``) or
``"SameStep"`` (the final observation and info in ``info["final_obs"]`` / ``info["final_info"]``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from qdesign.envs.arch_search.actions import AXES
from qdesign.envs.arch_search.env import ArchSearchEnv, dense_rewards
from qdesign.envs.arch_search.halting import sample_halting_step
from qdesign.envs.arch_search.simulation import EnergyObjective
from qdesign.optim.bfgs import AdjointBFGS
from qdesign.quantum import _kernels as _k
from qdesign.quantum._kernels import njit
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.gates import FIXED_GATES

AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
_STATIONARY = 1e-6  # AdjointBFGS: a start with max |gradient| below this also tries a nearby point
_NEARBY_SCALE = 0.1  # ... drawn as N(0, 0.1) around it
_KIND = {"rx": _k.SV_RX, "ry": _k.SV_RY, "rz": _k.SV_RZ, "cx": _k.SV_CX}


def check_num_envs(num_envs: Any) -> int:
    """``num_envs`` as an int, or a ``ValueError`` naming the argument, the value and what is allowed."""
    if isinstance(num_envs, (bool, np.bool_)) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ValueError(f"num_envs={num_envs!r} is invalid; allowed: an integer >= 1")
    return int(num_envs)


#: info keys only some envs report in a step (the others are always reported by every env)
_PARTIAL = ("legal", "episode_best_error", "best_actions", "best_angles", "actions", "n_cnot_actions",
            "final_obs", "final_info")


def _prune(info: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys no env reports (as Gymnasium's vector infos never hold them)."""
    for key in _PARTIAL:
        if key in info and not info[f"_{key}"].any():
            del info[key], info[f"_{key}"]
    if "final_info" in info:
        _prune(info["final_info"])
    return info


@njit(cache=True, nogil=True)
def _place_gates(acts, live, a_kind, a_q0, a_q1, a_rot, a_row, a_col, touch, kind, q0, q1, param, glen,
                 actions, nact, ncx, tensor, efront, front, nparam, thetas, steps, legal,
                 new_angle):  # pragma: no cover - jitted
    """One step's gate placement for every live env (compiled: the per-env bookkeeping of
    ``ArchSearchEnv.step`` without a numpy call per field). A live env counts the step; a legal action
    (not a front gate) appends its gate to the simulator rows, the action record, the CRLQAS tensor
    (ASAP moment) and the illegal-action front; a rotation gets a new angle, 0 here, whose index goes
    to ``new_angle[i]`` (-1: none)."""
    depth = tensor.shape[1]
    for i in range(acts.shape[0]):
        legal[i] = False
        new_angle[i] = -1
        if not live[i]:
            continue
        steps[i] += 1
        a = acts[i]
        if front[i, a]:
            continue
        legal[i] = True
        pos = glen[i]
        kind[i, pos] = a_kind[a]
        q0[i, pos] = a_q0[a]
        q1[i, pos] = a_q1[a]
        if a_rot[a]:
            param[i, pos] = nparam[i]
        else:
            param[i, pos] = -1
            ncx[i] += 1
        glen[i] = pos + 1
        actions[i, nact[i]] = a
        nact[i] += 1
        c0 = a_q0[a]
        c1 = a_q1[a]
        m = max(efront[i, c0], efront[i, c1])
        if m < depth:
            tensor[i, m, a_row[a], a_col[a]] = 1.0
        efront[i, c0] = m + 1
        efront[i, c1] = m + 1
        for b in range(touch.shape[1]):
            if touch[a, b]:
                front[i, b] = False
        front[i, a] = True
        if a_rot[a]:
            thetas[i, nparam[i]] = 0.0
            new_angle[i] = nparam[i]
            nparam[i] += 1


@njit(cache=True, nogil=True)
def _score(energy, prev, target, legal, live, level, steps, budget, max_gates, max_episode_steps, nact,
           nparam, thetas, best_err, best_n, best_th, best_np, r_success, r_failure, r_illegal, rewards,
           terminated, truncated, success):  # pragma: no cover - jitted
    """Rewards, flags and best-so-far records of ``ArchSearchEnv.step`` for every env, compiled (the
    same scalar arithmetic: ``|E - target|``, the clipped relative decrease)."""
    for i in range(energy.shape[0]):
        error = abs(energy[i] - target)
        if legal[i] and error < best_err[i]:
            best_err[i] = error
            best_n[i] = nact[i]
            best_th[i, :] = thetas[i, :]
            best_np[i] = nparam[i]
        if not live[i]:
            continue
        if error < level[i]:
            success[i] = True
            rewards[i] = r_success
            terminated[i] = True
        elif steps[i] >= max_gates:
            rewards[i] = r_failure
            terminated[i] = True
        else:
            if legal[i]:
                denom = abs(prev[i] - target)
                if denom > 1e-12:
                    rewards[i] = min(max((prev[i] - energy[i]) / denom, -1.0), 1.0)
            else:
                rewards[i] = r_illegal
            truncated[i] = steps[i] >= budget[i]
        if max_episode_steps > 0 and steps[i] >= max_episode_steps:  # gym.make's TimeLimit
            truncated[i] = True


class ArchSearchVectorEnv(VectorEnv):
    """N ``ArchSearchEnv`` episodes as arrays; see the module docstring. Keyword arguments are the
    single env's (one problem and optimizer shared by all N episodes)."""

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 1, *, max_episode_steps: int | None = None,
                 autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
                 render_mode: str | None = None, threads: int | None = None, **env_kwargs: Any):
        self.num_envs = n_env = check_num_envs(num_envs)
        if threads is None:  # the cores this process may use, at most one per env
            threads = min(n_env, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else (os.cpu_count() or 1))
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
            raise ValueError(f"threads={threads!r} is invalid; allowed: None (one per core) or an "
                             "integer >= 1")
        self.threads = int(threads)
        self._pool: ThreadPoolExecutor | None = None
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            mode = None
        if mode not in AUTORESET_MODES:
            raise ValueError(f"autoreset_mode={autoreset_mode!r} is invalid; allowed: "
                             f"{[m.value for m in AUTORESET_MODES]}")
        if render_mode is not None:
            raise ValueError(f"render_mode={render_mode!r} is invalid for the vector env; allowed: None "
                             "(render single envs from gym.make)")
        if max_episode_steps is not None and (not isinstance(max_episode_steps, (int, np.integer))
                                              or max_episode_steps < 1):
            raise ValueError(f"max_episode_steps={max_episode_steps!r} is invalid; allowed: None or an "
                             "integer >= 1")
        self.autoreset_mode = mode
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self.render_mode = None
        self.max_episode_steps = None if max_episode_steps is None else int(max_episode_steps)
        #: the shared, read-only parts of the MDP (problem, action table, simulator, optimizer,
        #: validation of every keyword) come from one template env; no episode ever runs on it
        self.template = env = ArchSearchEnv(**env_kwargs)
        self.single_observation_space = env.observation_space
        self.single_action_space = env.action_space
        self.observation_space = batch_space(env.observation_space, n_env)
        self.action_space = batch_space(env.action_space, n_env)
        self.num_qubits = nq = env.num_qubits
        self.max_gates = env.max_gates
        table = env.table
        self.n_actions = n_act = len(table)
        # per-action lookup arrays: simulator gate, encoder placement, illegal-action "touch" matrix
        self._a_kind = np.array([_KIND[a.name] for a in table.actions], dtype=np.int64)
        self._a_q0 = np.array([a.qubits[0] for a in table.actions], dtype=np.int64)
        self._a_q1 = np.array([a.qubits[-1] for a in table.actions], dtype=np.int64)
        self._a_rot = self._a_kind != _k.SV_CX
        self._a_row = np.where(self._a_rot, nq + np.array([AXES.index(a.name) if a.name in AXES else 0
                                                            for a in table.actions]), self._a_q1)
        self._a_col = self._a_q0
        qsets = [set(a.qubits) for a in table.actions]
        self._touch = np.array([[bool(qa & qb) for qb in qsets] for qa in qsets], dtype=bool)
        self._prep = list(env._prep_qubits)
        k = len(self._prep)
        self._L = k + self.max_gates
        self._P = self.max_gates
        opt = env.optimizer
        self._batched = (isinstance(opt, AdjointBFGS) and bool(getattr(env.simulator, "exact", False))
                         and hasattr(env.simulator, "_csr"))
        sim = env.simulator
        self._hreal: tuple[np.ndarray, np.ndarray] | None = None
        if self._batched:
            indptr, indices, data = sim._csr
            self._csr = (indptr, indices, data, float(sim.hamiltonian.constant))
            self._hreal = getattr(sim, "_hreal", None)  # a real H: the faster kernels, same bits
        # episode state, one row per env
        #: the observations, kept up to date in place: the circuit tensors (``_tensor``, a view that
        #: ``_place_gates`` writes one entry of per step) and the two energy features
        self._obs_buf = np.zeros((n_env, env.encoder.size + 2), dtype=np.float32)
        self._tensor = self._tensor_view()
        self._feat = np.zeros((n_env, 2))
        self._efront = np.zeros((n_env, nq), dtype=np.int64)
        self._front = np.zeros((n_env, n_act), dtype=bool)  # gates at the front of their wires
        self._kind = np.zeros((n_env, self._L), dtype=np.int64)
        self._q0 = np.zeros((n_env, self._L), dtype=np.int64)
        self._q1 = np.zeros((n_env, self._L), dtype=np.int64)
        self._param = np.full((n_env, self._L), -1, dtype=np.int64)
        self._is_x = np.zeros((n_env, self._L), dtype=bool)
        self._mats = np.zeros((n_env, self._L, 2, 2), dtype=np.complex128)
        for j, q in enumerate(self._prep):
            self._kind[:, j], self._q0[:, j], self._q1[:, j] = _k.SV_FIXED, q, q
            self._is_x[:, j] = True
            self._mats[:, j] = FIXED_GATES["x"]
        self._glen = np.full(n_env, k, dtype=np.int64)
        self._np = np.zeros(n_env, dtype=np.int64)
        self._thetas = np.zeros((n_env, self._P))
        self._actions = np.zeros((n_env, self.max_gates), dtype=np.int64)
        self._nact = np.zeros(n_env, dtype=np.int64)
        self._ncx = np.zeros(n_env, dtype=np.int64)
        self._energy = np.zeros(n_env)
        self._steps = np.zeros(n_env, dtype=np.int64)
        self._budget = np.full(n_env, self.max_gates, dtype=np.int64)
        self._level = np.full(n_env, float(env.threshold))
        self._pending: list[float | None] = [None] * n_env
        self._best_err = np.full(n_env, np.inf)
        self._best_n = np.zeros(n_env, dtype=np.int64)
        self._best_th = np.zeros((n_env, self._P))
        self._best_np = np.zeros(n_env, dtype=np.int64)
        self._needs_reset = np.zeros(n_env, dtype=bool)
        self._started = False
        self._rngs: list[np.random.Generator | None] = [None] * n_env
        self._circuits: list[Circuit] | None = None if self._batched else [env._new_circuit()
                                                                           for _ in range(n_env)]
        self._e0: float | None = None  # |0...0> (or HF) energy: the same for every exact reset

    # ------------------------------------------------------------------ curriculum
    def set_level(self, level: Any, indices: Any = None) -> None:
        """Use threshold ``level`` from each chosen env's next reset (all envs by default)."""
        value = self.template._check_level(level)
        for i in self._indices(indices):
            self._pending[i] = value

    def curriculum_levels(self) -> list[float]:
        """Per env, the level in force from its next reset on."""
        return [float(p if p is not None else lv) for p, lv in zip(self._pending, self._level)]

    def _indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, (int, np.integer)):
            return [int(indices)]
        return [int(i) for i in indices]

    # ------------------------------------------------------------------ observations and infos
    def action_masks(self) -> np.ndarray:
        """(num_envs, n_actions) bool: legal actions of every env (no immediate repeat of a front gate)."""
        return ~self._front

    def _tensor_view(self) -> np.ndarray:
        """The circuit tensors as a (num_envs, depth, rows, qubits) view into the observation buffer."""
        shape = self.template.encoder.tensor.shape
        view = self._obs_buf[:, :-2].reshape((self.num_envs,) + shape)
        assert np.shares_memory(view, self._obs_buf)
        return view

    def _obs(self) -> np.ndarray:
        """A copy of the observation buffer, with the energy features of ``_energy`` written in
        (``ArchSearchEnv._feature``'s arithmetic, element-wise); the tensors are already in place."""
        env = self.template
        buf = self._obs_buf
        energy = self._energy
        np.clip((energy - env.lower_bound) / env._scale, 0.0, 1.0, out=self._feat[:, 0])
        err = np.maximum(np.abs(energy - env.target_energy), 1e-10)
        np.clip(-np.log10(err) / 10.0, 0.0, 1.0, out=self._feat[:, 1])
        buf[:, -2:] = self._feat
        return buf.copy()

    def _effective(self) -> np.ndarray:
        out = np.zeros((self.num_envs, 2), dtype=np.int64)
        skip = np.full(self.num_envs, len(self._prep), dtype=np.int64)
        _k.active_gate_counts(self._kind, self._q0, self._q1, self._param, self._is_x, self._glen, skip,
                              self._thetas, 1e-9, out)
        return out

    def _infos(self, success: np.ndarray) -> dict[str, Any]:
        """The single env's step/reset info keys for every env, as Gymnasium vector infos."""
        env = self.template
        n_env = self.num_envs
        ngates = self._glen - len(self._prep)
        eff = self._effective()
        info: dict[str, Any] = {
            "energy": self._energy.copy(), "error": np.abs(self._energy - env.target_energy),
            "threshold": self._level.copy(), "is_success": success.astype(bool),
            "action_mask": self.action_masks(), "ground_energy": np.full(n_env, env.ground_energy),
            "n_gates": ngates.copy(), "n_cnots": self._ncx.copy(), "n_rotations": ngates - self._ncx,
            "depth": self._efront.max(axis=1), "n_gates_effective": eff[:, 0],
            "n_cnots_effective": eff[:, 1], "n_rotations_effective": eff[:, 0] - eff[:, 1],
        }
        if env.noiseless is not None:
            ne = np.array([float(EnergyObjective(env.noiseless, self._circuit(i), self._rng(i))(
                self._thetas[i, None, :self._np[i]])[0]) for i in range(n_env)])
            info["noiseless_energy"] = ne
            info["noiseless_error"] = np.abs(ne - env.ground_energy)
        all_true = np.ones(n_env, dtype=bool)
        for key in list(info):
            info[f"_{key}"] = all_true.copy()
        return info

    def _end_infos(self, info: dict[str, Any], done: np.ndarray) -> None:
        """Add the episode summary keys (best error, best circuit, actions) for the envs that ended."""
        idx = np.flatnonzero(done)
        if idx.size == 0:
            return
        mask = np.zeros(self.num_envs, dtype=bool)
        mask[idx] = True
        best_err = np.zeros(self.num_envs)
        best_err[idx] = self._best_err[idx]
        acts = np.full(self.num_envs, None, dtype=object)
        best = np.full(self.num_envs, None, dtype=object)
        angles = np.full(self.num_envs, None, dtype=object)
        for i in idx:
            acts[i] = [int(x) for x in self._actions[i, :self._nact[i]]]
            best[i] = acts[i][:int(self._best_n[i])]
            angles[i] = [float(x) for x in self._best_th[i, :self._best_np[i]]]
        ncx = np.zeros(self.num_envs, dtype=np.int64)
        ncx[idx] = len(self.template.table.pairs)
        for key, value in (("episode_best_error", best_err), ("best_actions", best), ("best_angles", angles),
                           ("actions", acts), ("n_cnot_actions", ncx)):
            info[key], info[f"_{key}"] = value, mask.copy()

    # ------------------------------------------------------------------ episodes
    def _rng(self, i: int) -> np.random.Generator:
        if self._rngs[i] is None:
            self._rngs[i], _ = seeding.np_random(None)
        return self._rngs[i]  # type: ignore[return-value]

    def _circuit(self, i: int) -> Circuit:
        """Env ``i``'s circuit as a ``Circuit`` (preparation X gates included)."""
        if self._circuits is not None:
            return self._circuits[i]
        circ = self.template._new_circuit()
        for a in self._actions[i, :self._nact[i]]:
            act = self.template.table[int(a)]
            circ.append(act.name, act.qubits)
        return circ

    def _reset_envs(self, idx: np.ndarray, seeds: list[int | None]) -> None:
        env = self.template
        for i, s in zip(idx, seeds):
            if s is not None:
                self._rngs[i], _ = seeding.np_random(int(s))
            if self._pending[i] is not None:
                self._level[i], self._pending[i] = self._pending[i], None
            self._budget[i] = sample_halting_step(self._rng(i), env.halting, self.max_gates)
        k = len(self._prep)
        self._tensor[idx] = 0.0
        self._efront[idx] = 0
        self._front[idx] = False
        self._kind[idx, k:] = 0
        self._param[idx, k:] = -1
        self._glen[idx] = k
        self._np[idx] = 0
        self._thetas[idx] = 0.0
        self._nact[idx] = 0
        self._ncx[idx] = 0
        self._steps[idx] = 0
        self._needs_reset[idx] = False
        if self._circuits is not None:
            for i in idx:
                self._circuits[i] = env._new_circuit()
        if env.noise:  # a noisy estimate per env, from its own random stream
            for i in idx:
                circ = self._circuits[i]  # type: ignore[index]
                objective = EnergyObjective(env.simulator, circ, self._rng(i))
                self._energy[i] = float(objective(np.zeros((1, 0)))[0])
        else:
            if self._e0 is None:
                self._e0 = float(EnergyObjective(env.simulator, env._new_circuit(), self._rng(int(idx[0])))(
                    np.zeros((1, 0)))[0])
            self._energy[idx] = self._e0
        self._best_err[idx] = np.abs(self._energy[idx] - env.target_energy)
        self._best_n[idx] = 0
        self._best_np[idx] = 0

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        """Reset every env (or those in ``options["reset_mask"]``); an int ``seed`` seeds env i with
        ``seed + i``, a list gives each env its own seed (None keeps its stream)."""
        if isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
            seeds: list[int | None] = [int(seed) + i for i in range(self.num_envs)]
        elif seed is None:
            seeds = [None] * self.num_envs
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"seed has {len(seeds)} entries; allowed: an int, None or a list of "
                                 f"num_envs={self.num_envs} seeds")
        mask = np.ones(self.num_envs, dtype=bool)
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"], dtype=bool)
            if mask.shape != (self.num_envs,):
                raise ValueError(f"options['reset_mask'] has shape {mask.shape}; allowed: ({self.num_envs},) "
                                 "bool")
        idx = np.flatnonzero(mask)
        self._reset_envs(idx, [seeds[i] for i in idx])
        self._started = True
        info = self._infos(np.zeros(self.num_envs, dtype=bool))
        if not mask.all():
            for key in [k for k in info if not k.startswith("_")]:
                info[f"_{key}"] = mask.copy()
        return self._obs(), info

    def _optimise(self, idx: np.ndarray) -> None:
        """Re-optimise all angles of the circuits ``idx`` (each warm-started from its previous optimum)."""
        if idx.size == 0:
            return
        env = self.template
        if not self._batched:
            for i in idx:
                circ = self._circuits[i]  # type: ignore[index]
                objective = EnergyObjective(env.simulator, circ, self._rng(i))
                p = int(self._np[i])
                result = env.optimizer.minimize(objective, self._thetas[i, :p].copy(), self._rng(i))
                self._thetas[i, :p] = np.asarray(result.x, dtype=float)
                energy = float(result.fun)
                if env.noise:
                    energy = float(objective(self._thetas[i, None, :p])[0])
                self._energy[i] = energy
            return
        if self._hreal is not None:
            self._optimise_real(idx)
            return
        # complex H: stationarity known from a first solve, then a second call for the extra starts
        x0 = self._thetas[idx]
        plen = self._np[idx]
        x, f, _, g0 = self._solve(idx, x0, plen)
        x2, f2 = x, f
        circ, xs, owner = self._extra_starts(idx, x0, g0)
        if circ.size:
            x2, f2, _, _ = self._solve(circ, xs, self._np[circ])
        for r, j in enumerate(owner):  # keep the better, in the single env's order
            if f2[r] < f[j]:
                x[j], f[j] = x2[r], f2[r]
        self._thetas[idx] = x
        self._energy[idx] = f

    def _optimise_real(self, idx: np.ndarray) -> None:
        """``_optimise`` for a real H: every start of every env in one call of the compiled
        ``bfgs_step_batch_real`` run by all threads at once, which claim its jobs one by one (longest
        expected first), so a long solve does not leave a thread idle while others queue behind it.

        The further starts of ``AdjointBFGS.minimize`` depend on whether the warm start is stationary,
        known only inside the kernel; their draws from env ``i``'s stream are ``restarts * p`` standard
        normals (enough without a nearby point) and ``p`` more (with one): all are drawn here, and
        the stream is set back to the state after the first ``restarts * p`` when the start was not
        stationary, so it ends where the single env's does."""
        opt: AdjointBFGS = self.template.optimizer
        n_e = idx.size
        reps = opt.restarts
        P = self._P
        x0 = np.ascontiguousarray(self._thetas[idx])
        plen = np.ascontiguousarray(self._np[idx])
        # longest expected first: cost ~ gates x (angles + 1) per evaluation x evaluations (unknown)
        est = np.repeat(self._glen[idx] * (plen + 1), reps + 2)
        order = np.argsort(-est, kind="stable")
        z = np.zeros((n_e, (reps + 1) * P))  # env e's normals, in blocks of its p angles
        mid: list[Any] = [None] * n_e
        for e, (i, p) in enumerate(zip(idx.tolist(), plen.tolist())):
            if p == 0:
                continue
            rng = self._rng(i)
            rng.standard_normal(out=z[e, :reps * p])
            mid[e] = rng.bit_generator.state
            rng.standard_normal(out=z[e, reps * p:(reps + 1) * p])
        f0 = np.zeros(n_e)
        g0 = np.zeros((n_e, P))
        gmax0 = np.zeros(n_e)
        xout = np.zeros((n_e * (reps + 2), P))
        fout = np.zeros(n_e * (reps + 2))
        counters = np.zeros(2, dtype=np.int64)
        done = np.zeros(n_e, dtype=np.int64)
        indptr, indices, _, const = self._csr
        hre, hdense = self._hreal  # type: ignore[misc]

        def run() -> None:
            _k.bfgs_step_batch_real(self._kind, self._q0, self._q1, self._param, self._mats, self._glen, idx,
                                    x0, plen, self.num_qubits, indptr, indices, hre, hdense, const,
                                    opt.maxiter, opt.gtol, _STATIONARY, _NEARBY_SCALE, opt.restart_scale,
                                    reps, z, order, counters, done, f0, g0, gmax0, xout, fout)

        futures = self._start_threads(run, min(self.threads, n_e * (reps + 2)) - 1)
        run()
        for fut in futures:
            fut.result()
        _k.keep_best_starts(idx, plen, gmax0, _STATIONARY, xout, fout, self._thetas, self._energy)
        for e in np.flatnonzero(gmax0 >= _STATIONARY):  # not stationary: the nearby draws were not used
            if mid[e] is not None:
                self._rng(int(idx[e])).bit_generator.state = mid[e]

    def _start_threads(self, run: Any, others: int) -> list[Any]:
        """``run()`` started on ``others`` pool threads (futures to wait for)."""
        if others <= 0:
            return []
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="archsearch-vec")
        return [self._pool.submit(run) for _ in range(others)]

    def _extra_starts(self, idx: np.ndarray, x0: np.ndarray, g0: np.ndarray):
        """The further starts of ``AdjointBFGS.minimize`` (a nearby point after a stationary start, then
        ``restarts`` perturbed ones), drawn per env in its order from that env's stream: (circuit of each,
        (S, P) starts, index into ``idx`` of the env each belongs to)."""
        opt: AdjointBFGS = self.template.optimizer
        circ, starts, owner = [], [], []
        stationary = (g0 < _STATIONARY).tolist()
        for j, (i, p) in enumerate(zip(idx.tolist(), self._np[idx].tolist())):
            if p == 0:
                continue
            rng = self._rng(i)
            if stationary[j]:
                circ.append(i)
                starts.append(x0[j, :p] + rng.normal(0.0, 0.1, size=p))
                owner.append(j)
            for _ in range(opt.restarts):
                circ.append(i)
                starts.append(x0[j, :p] + rng.normal(0.0, opt.restart_scale, size=p))
                owner.append(j)
        xs = np.zeros((len(circ), self._P))
        for r, st in enumerate(starts):
            xs[r, :st.size] = st
        return np.asarray(circ, dtype=np.int64), xs, owner

    def _solve(self, circ: np.ndarray, x0: np.ndarray, plen: np.ndarray):
        """One batched call of the compiled BFGS for a complex H: job r minimises circuit ``circ[r]`` from
        ``x0[r]`` (interleaved slices of the jobs on the threads; results land in place)."""
        opt: AdjointBFGS = self.template.optimizer
        indptr, indices, data, const = self._csr
        jobs = len(circ)
        circ = np.ascontiguousarray(circ, dtype=np.int64)
        x0 = np.ascontiguousarray(x0)
        plen = np.ascontiguousarray(plen, dtype=np.int64)
        xout = np.zeros((jobs, self._P))
        stats = np.zeros((jobs, 3))
        fout = np.zeros(jobs)
        parts = min(self.threads, jobs)
        turn = iter(range(parts))  # each thread takes the next slice (next() is atomic under the GIL)

        def run() -> None:
            sl = slice(next(turn), None, parts)
            _k.bfgs_adjoint_batch(self._kind, self._q0, self._q1, self._param, self._mats, self._glen,
                                  circ[sl], x0[sl], plen[sl], self.num_qubits, indptr, indices, data, const,
                                  opt.maxiter, opt.gtol, xout[sl], stats[sl], fout[sl])

        futures = self._start_threads(run, parts - 1)
        run()
        for fut in futures:
            fut.result()
        return xout, fout, stats[:, 0], stats[:, 2]

    def step(self, actions: Any):
        """Append one gate per env, re-optimise all angles in batched calls, reward as the single env."""
        if not self._started:
            raise RuntimeError("ArchSearchVectorEnv.step() called before reset(); call reset() first")
        acts = np.asarray(actions)
        if (acts.shape != (self.num_envs,) or acts.dtype.kind not in "iu"
                or np.any(acts < 0) or np.any(acts >= self.n_actions)):
            raise ValueError(f"actions {actions!r} are invalid; allowed: {self.num_envs} integers in "
                             f"[0, {self.n_actions})")
        acts = acts.astype(np.int64)
        env = self.template
        n_env = self.num_envs
        rewards = np.zeros(n_env)
        terminated = np.zeros(n_env, dtype=bool)
        truncated = np.zeros(n_env, dtype=bool)
        restart = self._needs_reset.copy()  # NextStep autoreset: these envs only reset
        live = ~restart
        if restart.any():
            self._reset_envs(np.flatnonzero(restart), [None] * int(restart.sum()))
        prev = self._energy.copy()
        legal = np.zeros(n_env, dtype=bool)
        new_angle = np.zeros(n_env, dtype=np.int64)
        # the gate: simulator arrays, action record, encoder tensor (ASAP), illegal-action fronts
        _place_gates(acts, live, self._a_kind, self._a_q0, self._a_q1, self._a_rot, self._a_row, self._a_col,
                     self._touch, self._kind, self._q0, self._q1, self._param, self._glen, self._actions,
                     self._nact, self._ncx, self._tensor, self._efront, self._front, self._np, self._thetas,
                     self._steps, legal, new_angle)
        lg = np.flatnonzero(legal)
        if env.angle_init != "zero":  # each new angle drawn from its env's own stream
            for i in np.flatnonzero(new_angle >= 0):
                self._thetas[i, new_angle[i]] = float(self._rng(i).uniform(0.0, 0.1))
        if self._circuits is not None:
            for i in lg:
                act = env.table[int(acts[i])]
                self._circuits[i].append(act.name, act.qubits)
        self._optimise(lg)
        success = np.zeros(n_env, dtype=bool)
        _score(self._energy, prev, env.target_energy, legal, live, self._level, self._steps, self._budget,
               self.max_gates, -1 if self.max_episode_steps is None else self.max_episode_steps, self._nact,
               self._np, self._thetas, self._best_err, self._best_n, self._best_th, self._best_np,
               env.success_reward, env.failure_reward, env.illegal_penalty, rewards, terminated, truncated,
               success)
        if env.dense_reward != "relative":  # _score pays CRLQAS's relative reward; other modes here
            sel = legal & live & ~terminated
            dense = dense_rewards(env.dense_reward, np.abs(prev - env.target_energy),
                                  np.abs(self._energy - env.target_energy))
            rewards[sel] = dense[sel]
        info = self._infos(success)
        info["legal"], info["_legal"] = legal, live.copy()
        done = terminated | truncated
        self._end_infos(info, done)
        if restart.any():  # envs that only reset this step report their reset info
            for key in [k for k in info if k.startswith("_")]:
                if key[1:] in ("legal", "episode_best_error", "best_actions", "best_angles", "actions",
                               "n_cnot_actions"):
                    info[key] = info[key] & live
        obs = self._obs()
        if self.autoreset_mode == AutoresetMode.SAME_STEP and done.any():
            d = np.flatnonzero(done)
            final_obs = np.full(n_env, None, dtype=object)
            for i in d:
                final_obs[i] = obs[i].copy()
            final_info = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in info.items()}
            for key in [k for k in final_info if k.startswith("_")]:
                final_info[key] = final_info[key] & done
            self._reset_envs(d, [None] * d.size)
            reset_info = self._infos(np.zeros(n_env, dtype=bool))
            for key in [k for k in reset_info if not k.startswith("_")]:
                info[key][d] = reset_info[key][d]
            obs = self._obs()
            info["final_obs"], info["_final_obs"] = final_obs, done.copy()
            info["final_info"], info["_final_info"] = final_info, done.copy()
            for key in ("legal", "episode_best_error", "best_actions", "best_angles", "actions",
                        "n_cnot_actions"):
                if key in info:
                    info[f"_{key}"] = info[f"_{key}"] & ~done
        else:
            self._needs_reset = done.copy()
        return obs, rewards, terminated, truncated, _prune(info)

    # ------------------------------------------------------------------ outputs
    def circuit(self, index: int):
        """Env ``index``'s current circuit as a ``QuantumCircuit`` with its optimised angles bound."""
        i = self._indices(index)[0]
        return self._circuit(i).to_qiskit(self._thetas[i, :self._np[i]])

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the optimiser threads (no worker processes to end)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_pool"] = None  # threads do not pickle; a copy starts its own on first use
        del state["_tensor"]  # a view into _obs_buf: rebuilt as one on unpickling
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._tensor = self._tensor_view()
