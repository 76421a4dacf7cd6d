"""Post-processing of a found ansatz: re-optimise its angles, then drop gates while the error stays small.

Architecture search returns the best circuit met while training, with angles from a short inner
optimisation. Two cheap steps after the search make it better without more search:

* :func:`refine_angles` re-optimises all angles from several starts (the exact adjoint BFGS), which
  can only lower the energy;
* :func:`prune_ansatz` removes gates one at a time, re-optimising after each removal, for as long as
  the error stays below ``max_error``; the candidates are tried in the order of the energy the
  circuit keeps without re-optimisation, and CNOTs first when ``kind="cnots"``.

Both act on action lists of an :class:`~qdesign.envs.arch_search.env.ArchSearchEnv`, so a result can
be rebuilt, counted and exported with the env (``circuit_from_actions``, ``gate_counts``). A result of
these functions is a search result plus post-processing, and is reported as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qdesign.envs.arch_search.simulation import EnergyObjective
from qdesign.optim.bfgs import AdjointBFGS
from qdesign.quantum.gates import ROTATIONS

KINDS = ("cnots", "gates")


@dataclass
class PruneResult:
    """A pruned ansatz: its actions and angles, error, counts, and the removed positions (indices
    into the input's action list)."""

    actions: list[int]
    angles: np.ndarray
    error: float
    counts: dict[str, int]
    removed: list[int] = field(default_factory=list)
    trials: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (actions, angles, error, counts, removed positions, effort)."""
        return {"actions": [int(a) for a in self.actions], "angles": [float(x) for x in self.angles],
                "error": float(self.error), **self.counts, "removed": list(self.removed),
                "trials": self.trials, "seconds": round(self.seconds, 2)}


def _check(env: Any, actions: list[int], angles: Any) -> tuple[list[int], np.ndarray]:
    actions = [int(a) for a in actions]
    n = len(env.table)
    bad = [a for a in actions if not 0 <= a < n]
    if bad:
        raise ValueError(f"actions={bad[:5]} are invalid; allowed: action indices 0..{n - 1} of this env")
    theta = np.asarray(angles, dtype=float).reshape(-1)
    need = env.ansatz(actions).num_parameters
    if theta.size != need:
        raise ValueError(f"angles has {theta.size} values; the actions' circuit has {need} rotations")
    return actions, theta


def _simulator(env: Any) -> Any:
    """The env's exact simulator (the noiseless one of a noisy env)."""
    sim = env.noiseless if getattr(env, "noiseless", None) is not None else env.simulator
    if not getattr(sim, "exact", False):
        raise ValueError("pruning needs exact energies; this env's simulator is not an exact statevector")
    return sim


def _error(env: Any, sim: Any, actions: list[int], x: np.ndarray, rng: np.random.Generator) -> float:
    """|E - E_target| of ``actions`` at angles ``x``, without optimising."""
    return abs(float(EnergyObjective(sim, env.ansatz(actions), rng)(x[None, :])[0]) - env.target_energy)


def _optimise(env: Any, sim: Any, actions: list[int], x0: np.ndarray, opt: AdjointBFGS,
              rng: np.random.Generator) -> tuple[np.ndarray, float]:
    objective = EnergyObjective(sim, env.ansatz(actions), rng)
    res = opt.minimize(objective, x0, rng)
    return np.asarray(res.x, dtype=float), abs(float(res.fun) - env.target_energy)


def refine_angles(env: Any, actions: list[int], angles: Any, *, restarts: int = 8, maxiter: int = 1000,
                  seed: int = 0) -> tuple[np.ndarray, float]:
    """Re-optimise every angle of ``actions`` from ``angles`` and ``restarts`` perturbed starts;
    returns (angles, error), never worse than the input's error."""
    env = env.unwrapped
    actions, theta = _check(env, actions, angles)
    if int(restarts) < 0:
        raise ValueError(f"restarts={restarts!r} is invalid; allowed: an integer >= 0")
    sim, rng = _simulator(env), np.random.default_rng(seed)
    start = _error(env, sim, actions, theta, rng)
    x, err = _optimise(env, sim, actions, theta, AdjointBFGS(maxiter=maxiter, restarts=int(restarts)), rng)
    return (x, err) if err <= start else (theta, start)


def _rotation_index(env: Any, actions: list[int]) -> list[int | None]:
    """For each action, the index of its angle (None for a CNOT)."""
    out, k = [], 0
    for a in actions:
        if env.table[a].name in ROTATIONS:
            out.append(k)
            k += 1
        else:
            out.append(None)
    return out


def prune_ansatz(env: Any, actions: list[int], angles: Any, max_error: float, *, kind: str = "cnots",
                 restarts: int = 2, maxiter: int = 500, seed: int = 0,
                 time_limit: float | None = None) -> PruneResult:
    """Remove gates from ``actions`` while the re-optimised error stays below ``max_error``.

    Each round ranks the removable gates (CNOTs only when ``kind="cnots"``, any gate for ``"gates"``)
    by the error the circuit has without the gate and without re-optimising, re-optimises the
    candidates in that order and keeps the first one still below ``max_error``; it stops when no
    candidate is, or at ``time_limit`` seconds. A gate that does nothing (see ``gate_counts``'
    effective counts) leaves the error unchanged when removed, so it ranks ahead of nearly every other.
    """
    env = env.unwrapped
    actions, theta = _check(env, actions, angles)
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is invalid; allowed: {KINDS}")
    if not (isinstance(max_error, (int, float, np.floating)) and float(max_error) > 0):
        raise ValueError(f"max_error={max_error!r} is invalid; allowed: a positive energy error in Hartree")
    if time_limit is not None and not float(time_limit) > 0:
        raise ValueError(f"time_limit={time_limit!r} is invalid; allowed: positive seconds or None")
    t0 = time.monotonic()
    sim, rng = _simulator(env), np.random.default_rng(seed)
    opt = AdjointBFGS(maxiter=maxiter, restarts=int(restarts))
    theta, err = refine_angles(env, actions, theta, restarts=restarts, maxiter=maxiter, seed=seed)
    if err >= max_error:
        raise ValueError(f"max_error={max_error:g} is below the input circuit's own error {err:.3e}")
    positions = list(range(len(actions)))  # original index of each kept action
    removed: list[int] = []
    trials = 0
    while time_limit is None or time.monotonic() - t0 < time_limit:
        rot = _rotation_index(env, actions)
        cands = [i for i, a in enumerate(actions) if kind == "gates" or env.table[a].name == "cx"]
        if not cands:
            break
        screened = []
        for i in cands:
            acts = actions[:i] + actions[i + 1:]
            x = theta if rot[i] is None else np.delete(theta, rot[i])
            screened.append((_error(env, sim, acts, x, rng), i, acts, x))
        screened.sort(key=lambda t: t[0])
        accepted = False
        for e0, i, acts, x in screened:
            if time_limit is not None and time.monotonic() - t0 >= time_limit:
                break
            trials += 1
            x_new, e_new = _optimise(env, sim, acts, x, opt, rng)
            if e0 <= e_new:  # the unoptimised angles are no worse: keep them
                x_new, e_new = x, e0
            if e_new < max_error:
                actions, theta, err = acts, x_new, e_new
                removed.append(positions.pop(i))
                accepted = True
                break
        if not accepted:
            break
    return PruneResult(actions=actions, angles=theta, error=float(err),
                       counts=env.gate_counts(actions, theta), removed=removed,
                       trials=trials, seconds=time.monotonic() - t0)
