"""``qdesign polish``: a greedy local search around the best circuits an architecture-search run met.

The search (a trained or a random agent) leaves its best circuit of every episode in the run's
``episodes.jsonl``. Polishing takes the ``top`` lowest-error distinct ones that fit a gate budget
(``max_gates``, or ``max_cnots``; effective counts, the gates that do nothing dropped first), grows
each with :func:`~qdesign.envs.arch_search.prune.grow_ansatz` within the budget, keeps the lowest
error, prunes it under ``max_error`` when given and reached, and re-checks the result with qiskit's
``Statevector`` against the exact ground energy. The result is the search plus post-processing, and
says so: it is written apart from the run's own summary (``polished.json``,
``polished_circuit.qasm``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

#: gates a CNOT-budget polish may add to a circuit (CNOTs while under the budget, and rotations)
MAX_ADDED_GATES = 20


def qiskit_error(env: Any, actions: list[int], angles: list[float]) -> float:
    """|E - E0| of an action list's circuit by qiskit's ``Statevector`` (an independent simulator)."""
    from qiskit.quantum_info import Statevector

    qc = env.unwrapped.circuit_from_actions(actions, angles)
    e = float(np.real(Statevector.from_instruction(qc).expectation_value(env.unwrapped.problem.hamiltonian)))
    return abs(e - env.unwrapped.ground_energy)


def _budget(max_gates: int | None, max_cnots: int | None) -> tuple[str, int]:
    if (max_gates is None) == (max_cnots is None):
        raise ValueError(f"max_gates={max_gates!r}, max_cnots={max_cnots!r}: give exactly one gate budget "
                         "(a gate count, or a CNOT count)")
    kind, limit = ("gates", max_gates) if max_gates is not None else ("cnots", max_cnots)
    if not isinstance(limit, (int, np.integer)) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"max_{kind}={limit!r} is invalid; allowed: an integer >= 1")
    return kind, int(limit)


def polish_episodes(env: Any, episodes: list[dict[str, Any]], *, max_gates: int | None = None,
                    max_cnots: int | None = None, max_error: float | None = None, top: int = 3,
                    swaps: int = 0, time_limit: float | None = 120.0, control: bool = False,
                    cache: dict[tuple[Any, ...], Any] | None = None) -> dict[str, Any]:
    """Grow the ``top`` lowest-error distinct circuits of ``episodes`` (records with ``best_actions``,
    ``best_angles``, ``episode_best_error``) whose effective counts fit the budget, their gates that do
    nothing dropped first (same energy); keep the lowest error; prune it under ``max_error`` when
    below; re-check in qiskit. A CNOT budget inserts CNOTs while under it, and rotations, at most
    ``MAX_ADDED_GATES`` gates in all. ``swaps``: swap moves where the growth stops (``grow_ansatz``).

    ``control=True`` grows the *first* ``top`` fitting circuits instead (episode order, no selection
    by error): what the local search reaches without the search's choice of start. ``cache`` shares
    growths between calls with the same budget, start and limits (targets that differ only in
    ``max_error``). Returns a JSON-ready record (``tried``: every start's error before and after its
    growth); ``reached`` says whether the final qiskit error is below ``max_error`` within the budget
    (``None`` without ``max_error``)."""
    from qdesign.envs.arch_search.prune import grow_ansatz, prune_ansatz, strip_inactive

    kind, limit = _budget(max_gates, max_cnots)
    if max_error is not None and not (isinstance(max_error, (int, float)) and max_error > 0):
        raise ValueError(f"max_error={max_error!r} is invalid; allowed: a positive energy error in Hartree")
    if not isinstance(top, int) or top < 1:
        raise ValueError(f"top={top!r} is invalid; allowed: an integer >= 1")
    env = env.unwrapped
    with_best = [e for e in episodes if "best_actions" in e and e.get("episode_best_error") is not None]
    order = with_best if control else sorted(with_best, key=lambda e: float(e["episode_best_error"]))
    seen: set[tuple[int, ...]] = set()
    cands: list[dict[str, Any]] = []
    for e in order:
        key = tuple(e["best_actions"])
        fits = env.gate_counts(e["best_actions"], e["best_angles"])[f"n_{kind}_effective"]
        if key not in seen and fits <= limit:
            seen.add(key)
            cands.append(e)
        if len(cands) == top:
            break
    entry: dict[str, Any] = {"start": "first episodes" if control else "best circuits", "budget": kind,
                             "limit": limit, "max_error": max_error, "reached": None if max_error is None
                             else False, "grown": len(cands)}
    memo = (kind, limit, top, swaps, control, time_limit)
    if cache is not None and memo in cache:
        best, tried = cache[memo]
    else:
        best, tried = None, []
        for e in cands:
            actions, angles = strip_inactive(env, e["best_actions"], e["best_angles"])
            if kind == "gates":
                r = grow_ansatz(env, actions, angles, limit, swaps=swaps, time_limit=time_limit)
            else:
                r = grow_ansatz(env, actions, angles, len(actions) + MAX_ADDED_GATES, max_cnots=limit,
                                swaps=swaps, time_limit=time_limit)
            tried.append({"episode": e.get("episode"), "error_before": float(e["episode_best_error"]),
                          "error": r.error, "gates": r.counts["n_gates"], "cnots": r.counts["n_cnots"],
                          "seconds": round(r.seconds, 1)})
            if best is None or r.error < best[0].error:
                best = (r, e)
        if cache is not None:
            cache[memo] = (best, tried)
    entry["tried"] = tried
    if best is None:
        return entry
    r, e = best
    entry.update({"from_episode": e.get("episode"), "error_before": float(e["episode_best_error"]),
                  "error": r.error, "added": len(r.added), "swapped": len(r.removed),
                  "seconds": round(r.seconds, 1),
                  **{k.removeprefix("n_"): v for k, v in r.counts.items()}})
    if max_error is not None and r.error < max_error:
        r = prune_ansatz(env, r.actions, r.angles, max_error, kind=kind, time_limit=time_limit)
        entry.update({"pruned_error": r.error, "pruned_gates_effective": r.counts["n_gates_effective"],
                      "pruned_cnots_effective": r.counts["n_cnots_effective"]})
    err_q = qiskit_error(env, r.actions, list(r.angles))
    entry["error_qiskit"] = err_q
    if max_error is not None:
        entry["reached"] = bool(err_q < max_error and r.counts[f"n_{kind}_effective"] <= limit)
    entry.update({"final_counts": dict(r.counts), "actions": [int(a) for a in r.actions],
                  "angles": [float(x) for x in r.angles]})
    return entry


def polish_run(run_dir: Path | str, *, max_gates: int | None = None, max_cnots: int | None = None,
               max_error: float | None = None, top: int = 3, swaps: int = 0,
               time_limit: float | None = 120.0, out: Path | str | None = None) -> dict[str, Any]:
    """:func:`polish_episodes` on an arch-search run folder; writes ``polished.json`` (or ``out``) and
    the circuit as OpenQASM 3 beside it (``<stem>_circuit.qasm``). Works on a run that is still going
    (its ``episodes.jsonl`` is only read)."""
    from qdesign.config import config_from_dict, load_yaml
    from qdesign.rollouts import make_env
    from qdesign.runs import RunDir

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise FileNotFoundError(f"run_dir={str(run_dir)!r} is not a run folder (no config.yaml)")
    config = config_from_dict(load_yaml(run_dir / "config.yaml"))
    if config.task != "arch-search":
        raise ValueError(f"run_dir={str(run_dir)!r} is a {config.task!r} run; "
                         "polish works on arch-search runs")
    episodes = RunDir.open(run_dir).episodes()
    if not any("best_actions" in e for e in episodes):
        raise ValueError(f"run_dir={str(run_dir)!r} has no episode with a recorded circuit yet")
    env = make_env(config).unwrapped
    result = {"run": str(run_dir), "env_id": config.env_id, "episodes": len(episodes),
              "ground_energy": env.ground_energy,
              **polish_episodes(env, episodes, max_gates=max_gates, max_cnots=max_cnots, max_error=max_error,
                                top=top, swaps=swaps, time_limit=time_limit)}
    path = Path(out) if out is not None else run_dir / "polished.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if "actions" in result:
        from qiskit import qasm3

        qasm = path.with_name(f"{path.stem}_circuit.qasm")
        qasm.write_text(qasm3.dumps(env.circuit_from_actions(result["actions"], result["angles"])))
        result["circuit_qasm"] = qasm.name
    path.write_text(json.dumps(result, indent=1))
    result["path"] = str(path)
    return result
