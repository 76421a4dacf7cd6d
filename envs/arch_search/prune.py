"""Post-processing of a found ansatz: re-optimise its angles, then drop gates while the error stays small.

Architecture search returns the best circuit met while training, with angles from a short inner
optimisation. Cheap steps after the search make it better (or smaller) around the found circuit:

* :func:`refine_angles` re-optimises all angles from several starts (the exact adjoint BFGS), which
  can only lower the energy;
* :func:`prune_ansatz` removes gates one at a time, re-optimising after each removal, for as long as
  the error stays below ``max_error``; the candidates are tried in the order of the energy the
  circuit keeps without re-optimisation, and CNOTs first when ``kind="cnots"``;
* :func:`grow_ansatz` is the opposite move, a greedy local search: it inserts the gate (anywhere in
  the circuit) that lowers the re-optimised error most, for as long as the error drops and the gate
  budget lasts.

All act on action lists of an :class:`~qdesign.envs.arch_search.env.ArchSearchEnv`, so a result can
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
from qdesign.quantum.circuit import active_gates
from qdesign.quantum.gates import ROTATIONS

KINDS = ("cnots", "gates")
INSERTS = ("gates", "rotations")


@dataclass
class PruneResult:
    """An edited ansatz (pruned or grown): its actions and angles, error, counts, the removed positions
    (indices into the input's action list) and the added ones (each in its own round's circuit)."""

    actions: list[int]
    angles: np.ndarray
    error: float
    counts: dict[str, int]
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    trials: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (actions, angles, error, counts, removed positions, effort)."""
        return {"actions": [int(a) for a in self.actions], "angles": [float(x) for x in self.angles],
                "error": float(self.error), **self.counts, "removed": list(self.removed),
                "added": list(self.added), "errors": [float(e) for e in self.errors],
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


def _optimise_or_keep(env: Any, sim: Any, actions: list[int], x: np.ndarray, e0: float, opt: AdjointBFGS,
                      rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Re-optimise from ``x`` (whose error is ``e0``); keep ``x`` when the optimum is no better."""
    x_new, e_new = _optimise(env, sim, actions, x, opt, rng)
    return (x, e0) if e0 <= e_new else (x_new, e_new)


def _check_time_limit(time_limit: float | None) -> None:
    if time_limit is not None and not float(time_limit) > 0:
        raise ValueError(f"time_limit={time_limit!r} is invalid; allowed: positive seconds or None")


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
    _check_time_limit(time_limit)
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
            x_new, e_new = _optimise_or_keep(env, sim, acts, x, e0, opt, rng)
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


def strip_inactive(env: Any, actions: list[int], angles: Any) -> tuple[list[int], np.ndarray]:
    """The action list without its gates that do nothing (``qdesign.quantum.circuit.active_gates``:
    zero-angle rotations, RZ on a basis state, CX on a |0> control), and the kept rotations' angles.
    The state, so the energy, is unchanged; the gate counts become the effective ones."""
    env = env.unwrapped
    actions, theta = _check(env, actions, angles)
    k = len(env.ansatz([]).gates)  # the preparation gates that open every circuit
    active = active_gates(env.ansatz(actions), theta)[k:]
    rot = _rotation_index(env, actions)
    kept = [a for a, on in zip(actions, active) if on]
    return kept, np.array([theta[r] for r, on in zip(rot, active) if on and r is not None], dtype=float)


def _insertions(env: Any, actions: list[int], theta: np.ndarray, sim: Any, rng: np.random.Generator,
                rotations_only: bool) -> list[tuple[float, list[int], np.ndarray, int]]:
    """Every (position, action) insertion into ``actions``, screened cheaply: a rotation by its exact
    best single angle with every other angle fixed (the energy is ``A + B cos t + C sin t`` in its
    angle, so three energies give the minimum), a CNOT by its energy at the current angles.
    Returns (screened error, actions, angles, position), best first."""
    rot = _rotation_index(env, actions)
    out = []
    for p in range(len(actions) + 1):
        k = sum(r is not None for r in rot[:p])  # the inserted rotation's angle index
        for a, act in enumerate(env.table.actions):
            if rotations_only and act.name not in ROTATIONS:
                continue
            acts = actions[:p] + [a] + actions[p:]
            objective = EnergyObjective(sim, env.ansatz(acts), rng)
            if act.name in ROTATIONS:
                xs = np.stack([np.insert(theta, k, t) for t in (0.0, np.pi / 2, -np.pi / 2)])
                e0, ep, em = objective(xs)
                mid, c = (ep + em) / 2, (ep - em) / 2
                b = e0 - mid
                t = float(np.arctan2(-c, -b))
                energy, x = mid - float(np.hypot(b, c)), np.insert(theta, k, t)
            else:
                x = theta
                energy = float(objective(theta[None, :])[0])
            out.append((abs(energy - env.target_energy), acts, x, p))
    out.sort(key=lambda t: t[0])
    return out


def _best_insertion(env: Any, actions: list[int], theta: np.ndarray, sim: Any, rng: np.random.Generator,
                    rotations_only: bool, top: int,
                    opt: AdjointBFGS) -> tuple[float, list[int], np.ndarray, int, int] | None:
    """One growth round: the ``top`` best-screened insertions re-optimised; (error, actions, angles,
    position, trials) of the best, or None when there is no candidate."""
    best = None
    trials = 0
    for e0, acts, x, p in _insertions(env, actions, theta, sim, rng, rotations_only)[:top]:
        trials += 1
        x_new, e_new = _optimise_or_keep(env, sim, acts, x, e0, opt, rng)
        if best is None or e_new < best[0]:
            best = (e_new, acts, x_new, p)
    return None if best is None else (*best, trials)


def grow_ansatz(env: Any, actions: list[int], angles: Any, max_gates: int, *, insert: str = "gates",
                max_cnots: int | None = None, swaps: int = 0, stop_error: float = 0.0, top: int = 12,
                restarts: int = 1, maxiter: int = 500, seed: int = 0,
                time_limit: float | None = None) -> PruneResult:
    """Insert gates into ``actions`` one at a time, anywhere in the circuit, while the error drops.

    The opposite move of :func:`prune_ansatz`, and a local search around a found circuit: each round
    screens every insertion of every action at every position (``_insertions``: an exact single-angle
    minimum for a rotation, the unchanged angles for a CNOT), re-optimises all angles of the ``top``
    best-screened candidates, and keeps the lowest error if it is lower than the current one. It stops
    at ``max_gates`` actions, below ``stop_error``, when no candidate improves, or at ``time_limit``
    seconds. ``insert="rotations"`` inserts rotations only (the CNOT count stays as it is);
    ``max_cnots`` inserts CNOTs only while the circuit has fewer (a CNOT budget).

    ``swaps > 0`` adds swap moves where the growth stops (at the budget, or with no improving
    insertion): the ``swaps`` gates whose removal costs least (ranked without re-optimising, as in
    :func:`prune_ansatz`) are each removed and followed by one growth round; the first pair of moves
    that lowers the error is kept and the growth goes on, else the search ends.
    ``added`` holds the insertion positions, each in the circuit of its own round (a swap's removed
    position is in ``removed``), and ``errors`` the error after each accepted move.
    """
    env = env.unwrapped
    actions, theta = _check(env, actions, angles)
    if not (isinstance(max_gates, (int, np.integer)) and int(max_gates) >= 1):
        raise ValueError(f"max_gates={max_gates!r} is invalid; allowed: an integer >= 1")
    if int(top) < 1:
        raise ValueError(f"top={top!r} is invalid; allowed: an integer >= 1")
    if insert not in INSERTS:
        raise ValueError(f"insert={insert!r} is invalid; allowed: {INSERTS}")
    if max_cnots is not None and not (isinstance(max_cnots, (int, np.integer)) and int(max_cnots) >= 0):
        raise ValueError(f"max_cnots={max_cnots!r} is invalid; allowed: an integer >= 0 or None")
    if not (isinstance(swaps, (int, np.integer)) and int(swaps) >= 0):
        raise ValueError(f"swaps={swaps!r} is invalid; allowed: an integer >= 0")
    if not float(stop_error) >= 0:
        raise ValueError(f"stop_error={stop_error!r} is invalid; allowed: an energy error >= 0 in Hartree")
    _check_time_limit(time_limit)
    t0 = time.monotonic()
    sim, rng = _simulator(env), np.random.default_rng(seed)
    opt = AdjointBFGS(maxiter=maxiter, restarts=int(restarts))
    theta, err = refine_angles(env, actions, theta, restarts=restarts, maxiter=maxiter, seed=seed)
    added: list[int] = []
    removed: list[int] = []
    errors: list[float] = []
    trials = 0

    def out_of_time() -> bool:
        return time_limit is not None and time.monotonic() - t0 >= time_limit

    def rotations_only(acts: list[int]) -> bool:
        cnots = sum(env.table[a].name == "cx" for a in acts)
        return insert == "rotations" or (max_cnots is not None and cnots >= int(max_cnots))

    while err > float(stop_error) and not out_of_time():
        found = None
        if len(actions) < int(max_gates):
            found = _best_insertion(env, actions, theta, sim, rng, rotations_only(actions), int(top), opt)
            if found is not None:
                trials += found[4]
                if found[0] < err:
                    err, actions, theta = found[0], found[1], found[2]
                    added.append(found[3])
                    errors.append(float(err))
                    continue
        if not swaps:  # the growth is stuck: a swap move, or the end
            break
        rot = _rotation_index(env, actions)
        screened = []
        for i in range(len(actions)):
            acts = actions[:i] + actions[i + 1:]
            x = theta if rot[i] is None else np.delete(theta, rot[i])
            screened.append((_error(env, sim, acts, x, rng), i, acts, x))
        screened.sort(key=lambda t: t[0])
        accepted = False
        for e0, i, acts, x in screened[:int(swaps)]:
            if out_of_time():
                break
            x_r, e_r = _optimise_or_keep(env, sim, acts, x, e0, opt, rng)
            found = _best_insertion(env, acts, x_r, sim, rng, rotations_only(acts), int(top), opt)
            trials += 1 + (found[4] if found is not None else 0)
            if found is not None and found[0] < err:
                err, actions, theta = found[0], found[1], found[2]
                removed.append(i)
                added.append(found[3])
                errors.append(float(err))
                accepted = True
                break
        if not accepted:
            break
    return PruneResult(actions=actions, angles=theta, error=float(err),
                       counts=env.gate_counts(actions, theta), added=added, removed=removed, errors=errors,
                       trials=trials, seconds=time.monotonic() - t0)
