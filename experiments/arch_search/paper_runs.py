"""Paper-scale arch-search runs, each beside a random masked agent at the same budget and seed.

A pair is two run folders made by ``qdesign train arch-search`` with the same config and seed: one
with the trained agent (masked DQN), one with ``random_agent:RandomMaskedAgent``. The two rarely stop
at the same step count (the random agent is cheaper per step), so both are cut to the smaller one's
steps: every number in a row is measured on the first ``budget`` env steps of its run.

Per run: episodes, successes at chemical accuracy, the first step reaching it, the best error and its
circuit re-checked with qiskit's ``Statevector`` (an independent simulator), raw and effective gate
counts, the curriculum's last threshold, and the published targets (CRLQAS arXiv:2402.13754 Table 1;
TensorRL-QAS) as "reached" with the most compact circuit under the target error.

    python experiments/arch_search/paper_runs.py --pair lih6 RUN_DQN RUN_RANDOM [--pair ...] [--curve K]

writes ``experiments/bench/results/arch_search_paper_runs.json`` (or ``--out``; every
``arch_search*.json`` there is rendered in RESULTS.md). ``--curve K`` adds a table of the best error
and the successes at K equal fractions of the budget (equal env steps for both runs of a pair).
``--prune K`` adds search plus post-processing, in its own table: each run's K most compact circuits
under a target's bound, pruned by ``qdesign.envs.arch_search.prune`` and re-checked in qiskit.
``--grow K`` adds a local search after the search, in its own table: each run's K lowest-error
circuits within a target's gate budget are grown by ``grow_ansatz`` (the gate that lowers the
re-optimised error most, inserted anywhere; CNOTs only while under a CNOT-counted target) up to the
budget, then pruned under the target's bound, and re-checked in qiskit; beside them, as a control,
the run's first K circuits (no selection by the search) grown the same way.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.config import config_from_dict, load_yaml
from qdesign.rollouts import make_env
from qdesign.runs import RunDir

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "bench" / "results" / "arch_search_paper_runs.json"
CHEMICAL_ACCURACY = 1.6e-3

#: published targets by env id: (label, error bound, counted gate kind, at most this many)
TARGETS: dict[str, list[tuple[str, float, str, int]]] = {
    "qdesign/ArchSearch-LiH6-v0": [("CRLQAS: < 6.7e-4 Ha with < 67 gates", 6.7e-4, "gates", 66),
                                   ("stretch: < 2.9e-4 Ha with < 67 gates", 2.9e-4, "gates", 66)],
    "qdesign/ArchSearch-H2O8-v0": [("TensorRL-QAS: <= 2.0e-4 Ha with <= 30 CNOTs", 2.0e-4, "cnots", 30),
                                   ("stretch: chemical accuracy with <= 9 CNOTs", CHEMICAL_ACCURACY,
                                    "cnots", 9)],
    "qdesign/ArchSearch-LiH4-v0": [("chemical accuracy", CHEMICAL_ACCURACY, "gates", 40)],
}


def _episodes(run: Path, budget: int) -> list[dict[str, Any]]:
    return [e for e in RunDir.open(run).episodes() if int(e["timestep"]) <= budget]


def _steps(run: Path) -> int:
    eps = RunDir.open(run).episodes()
    return int(eps[-1]["timestep"]) if eps else 0


def curve(run: Path, marks: list[int]) -> list[dict[str, Any]]:
    """At each step count in ``marks``: the best error met so far, the episodes at chemical accuracy so
    far and the curriculum successes so far (episodes that crossed the threshold of their time)."""
    episodes = RunDir.open(run).episodes()
    out, i, best, hits, succ = [], 0, float("inf"), 0, 0
    for mark in sorted(marks):
        while i < len(episodes) and int(episodes[i]["timestep"]) <= mark:
            e = episodes[i]
            err = float(e.get("episode_best_error", e.get("error", float("inf"))))
            best, hits = min(best, err), hits + (err < CHEMICAL_ACCURACY)
            succ += bool(e.get("is_success"))
            i += 1
        out.append({"steps": mark, "best_error": best if np.isfinite(best) else None,
                    "successes_chemical_accuracy": hits, "successes_threshold": succ})
    return out


def greedy(run: Path, n_episodes: int) -> dict[str, Any]:
    """The run's final policy on ``n_episodes`` fresh episodes (deterministic actions for the trained
    agent; random masked ones for the random agent), from ``qdesign.training.evaluate_run``."""
    from qdesign.training import evaluate_run

    if not (run / "model.zip").is_file():  # a run stopped by a signal leaves checkpoints, no final model
        return {"greedy_episodes": 0, "greedy_success_rate": None, "greedy_min_error": None}
    m = evaluate_run(run, n_episodes=n_episodes)
    return {"greedy_episodes": n_episodes, "greedy_success_rate": m.get("success_rate"),
            "greedy_min_error": m.get("min_error")}


def _qiskit_error(env: Any, actions: list[int], angles: list[float]) -> float:
    """|E - E0| of an action list's circuit by qiskit's ``Statevector`` (an independent simulator)."""
    from qdesign.tasks.arch_search_polish import qiskit_error

    return qiskit_error(env, actions, angles)


def pruned_target(env: Any, under: list[tuple[dict[str, Any], dict[str, int]]],
                  target: tuple[str, float, str, int], top: int, time_limit: float) -> dict[str, Any]:
    """Search plus post-processing for one published target: the ``top`` most compact distinct circuits
    ``under`` its error bound are pruned (``qdesign.envs.arch_search.prune``: gates removed while the
    re-optimised error stays under the bound) and the most compact result is re-checked with qiskit's
    ``Statevector`` against the exact ground energy."""
    from qdesign.envs.arch_search.prune import prune_ansatz

    label, bound, kind, limit = target
    seen, cands = set(), []
    for e, c in under:
        key = tuple(e["best_actions"])
        if key not in seen:
            seen.add(key)
            cands.append(((c[f"n_{kind}_effective"], float(e["episode_best_error"])), e))
    cands.sort(key=lambda t: t[0])
    entry: dict[str, Any] = {"target": label, "reached": False, "candidates": len(cands),
                             "pruned": min(top, len(cands))}
    best = None
    for _, e in cands[:top]:
        r = prune_ansatz(env, e["best_actions"], e["best_angles"], bound, kind=kind, time_limit=time_limit)
        key = (r.counts[f"n_{kind}_effective"], r.counts["n_gates_effective"], r.error)
        if best is None or key < best[0]:
            best = (key, r, e)
    if best is not None:
        _, r, e = best
        err_q = _qiskit_error(env, r.actions, list(r.angles))
        entry.update({"reached": bool(r.counts[f"n_{kind}_effective"] <= limit and err_q < bound),
                      "from_episode": e["episode"], "error": r.error, "error_qiskit": err_q,
                      **{k.removeprefix("n_"): v for k, v in r.counts.items()},
                      "actions": r.actions, "angles": [float(x) for x in r.angles]})
    return entry


def grown_target(env: Any, with_best: list[dict[str, Any]], target: tuple[str, float, str, int], top: int,
                 time_limit: float, control: bool = False,
                 cache: dict[tuple[Any, ...], Any] | None = None) -> dict[str, Any]:
    """Search plus local search for one published target (``qdesign polish``'s
    :func:`~qdesign.tasks.arch_search_polish.polish_episodes` within the target's budget and bound):
    the ``top`` lowest-error circuits fitting the budget grown, the best pruned under the bound and
    re-checked with qiskit. ``control=True`` grows the run's first ``top`` fitting circuits instead (no
    selection by the search); ``cache`` shares growths between targets with the same budget."""
    from qdesign.tasks.arch_search_polish import polish_episodes

    label, bound, kind, limit = target
    entry = polish_episodes(env, with_best, **{f"max_{kind}": limit}, max_error=bound, top=top,
                            time_limit=time_limit, control=control, cache=cache)
    return {"target": label, **entry}


def run_row(run: Path, budget: int, prune: int = 0, prune_seconds: float = 60.0, grow: int = 0,
            grow_seconds: float = 300.0) -> dict[str, Any]:
    """The numbers of one run folder over its first ``budget`` env steps."""
    config = config_from_dict(load_yaml(run / "config.yaml"))
    episodes = _episodes(run, budget)
    env = make_env(config).unwrapped
    hits = [e for e in episodes if e.get("episode_best_error", np.inf) < CHEMICAL_ACCURACY]
    random_agent = config.agent.split(":")[-1] == "RandomMaskedAgent"
    default_start = 1000 if config.agent == "masked_dqn" else 0  # MaskedDQN's default learning_starts
    warmup = 0 if random_agent else int(config.agent_kwargs.get("learning_starts", default_start))
    with_best = [e for e in episodes if "best_actions" in e and e.get("episode_best_error") is not None]
    row: dict[str, Any] = {
        "run": run.name, "env_id": config.env_id, "agent": config.agent.split(":")[-1],
        "seed": config.seed, "env_kwargs": config.env_kwargs, "budget_steps": budget,
        "steps_in_run": _steps(run), "episodes": len(episodes), "successes_chemical_accuracy": len(hits),
        "first_chemical_accuracy_step": hits[0]["timestep"] if hits else None,
        # the DQN acts uniformly at random until learning_starts: successes there are not learned
        "warmup_steps": warmup,
        "successes_in_warmup": sum(int(e["timestep"]) <= warmup for e in hits),
        "first_chemical_accuracy_step_after_warmup": next(
            (e["timestep"] for e in hits if int(e["timestep"]) > warmup), None),
        "last_threshold": episodes[-1].get("threshold") if episodes else None,
    }
    meta = json.loads((run / "meta.json").read_text())
    row["status"] = meta.get("status")
    if not with_best:
        return row
    best = min(with_best, key=lambda e: (float(e["episode_best_error"]), len(e["best_actions"])))
    counts = env.gate_counts(best["best_actions"], best["best_angles"])
    row.update({"best_error": float(best["episode_best_error"]), "best_episode": best["episode"],
                "best_error_qiskit": _qiskit_error(env, best["best_actions"], best["best_angles"]),
                **{f"best_{k.removeprefix('n_')}": v for k, v in counts.items()}})
    targets, pruned, grown = [], [], []
    grow_cache: dict[tuple[Any, ...], Any] = {}
    for target in TARGETS.get(config.env_id, []):
        label, bound, kind, limit = target
        under = [(e, env.gate_counts(e["best_actions"], e["best_angles"])) for e in with_best
                 if float(e["episode_best_error"]) < bound]
        entry: dict[str, Any] = {"target": label, "reached": False}
        if under:  # the most compact circuit below the bound, by the counted kind (effective; first if tied)
            e, c = min(under, key=lambda t: (t[1][f"n_{kind}_effective"], t[1][f"n_{kind}"]))
            eff, raw = c[f"n_{kind}_effective"], c[f"n_{kind}"]
            entry.update({"reached": bool(eff <= limit), f"{kind}_effective": eff, f"{kind}_raw": raw,
                          "error": float(e["episode_best_error"]), "episode": e["episode"]})
        targets.append(entry)
        if prune:
            pruned.append(pruned_target(env, under, target, prune, prune_seconds))
        if grow:
            for control in (False, True):
                grown.append(grown_target(env, with_best, target, grow, grow_seconds, control, grow_cache))
    row["targets"] = targets
    if prune:
        row["targets_pruned"] = pruned
    if grow:
        row["targets_grown"] = grown
    return row


def _target_rows(pairs: list[dict[str, Any]], key: str, cols: list[str]) -> list[list[Any]]:
    """One table row per target entry under ``key`` of every run: pair, agent, seed, then ``cols[3:]``."""
    return [[p["name"], r["agent"], r["seed"]] + [t.get(c) for c in cols[3:]]
            for p in pairs for r in p["rows"] for t in r.get(key, [])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", nargs=3, action="append", required=True, metavar=("NAME", "TRAINED", "RANDOM"),
                    help="a name and two run folders: the trained agent's and the random agent's")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--greedy", type=int, default=0, metavar="N",
                    help="also evaluate each final model on N episodes (needs model.zip: a finished run)")
    ap.add_argument("--curve", type=int, default=0, metavar="K",
                    help="also tabulate best error and successes at K equal fractions of the budget")
    ap.add_argument("--prune", type=int, default=0, metavar="K",
                    help="also prune the K most compact circuits under each target's bound (search plus "
                         "post-processing, reported apart from the search's own numbers)")
    ap.add_argument("--prune-seconds", type=float, default=60.0, metavar="S",
                    help="time limit of each pruning")
    ap.add_argument("--grow", type=int, default=0, metavar="K",
                    help="also grow each run's K best circuits within each target's gate budget (a greedy "
                         "local search after the search, reported apart from the search's own numbers)")
    ap.add_argument("--grow-seconds", type=float, default=300.0, metavar="S",
                    help="time limit of each growth (and of the pruning after it)")
    ap.add_argument("--note", action="append", default=[],
                    help="a line for the results' notes (configs, wall times); repeatable")
    args = ap.parse_args(argv)
    t0 = time.time()
    pairs: list[dict[str, Any]] = []
    done: dict[tuple[str, int], dict[str, Any]] = {}
    for name, trained, rand in args.pair:
        trained_dir, random_dir = Path(trained), Path(rand)
        for p in (trained_dir, random_dir):
            if not (p / "config.yaml").is_file():
                raise SystemExit(f"--pair {name}: {p} is not a run folder (no config.yaml)")
        budget = min(_steps(trained_dir), _steps(random_dir))
        rows = []
        for d in (trained_dir, random_dir):
            key = (str(d.resolve()), budget)  # a run in two pairs at the same budget is measured once
            if key not in done:
                row = run_row(d, budget, args.prune, args.prune_seconds, args.grow, args.grow_seconds)
                if args.curve:
                    row["curve"] = curve(d, [int(budget * k / args.curve) for k in range(1, args.curve + 1)])
                if args.greedy:  # the final policy (trained on the whole run, not cut to the budget)
                    row.update(greedy(d, args.greedy))
                done[key] = row
            rows.append(done[key])
        pairs.append({"name": name, "budget_steps": budget, "seed": rows[0]["seed"], "rows": rows})
        for r in rows:
            best = r.get("best_error", float("nan"))
            print(f"{name:10s} {r['agent']:18s} seed {r['seed']} steps {budget:7d} "
                  f"episodes {r['episodes']:6d} successes {r['successes_chemical_accuracy']:5d} "
                  f"best {best:.3e} "
                  f"gates {r.get('best_gates')} cnots {r.get('best_cnots')} "
                  f"(effective {r.get('best_gates_effective')}/{r.get('best_cnots_effective')})", flush=True)
            for t in r.get("targets", []):
                print(f"{'':12s}{t['target']}: {'reached' if t['reached'] else 'not reached'} {t}")
            for how in ("pruned", "grown"):
                for t in r.get(f"targets_{how}", []):
                    shown = {k: v for k, v in t.items() if k not in ("actions", "angles")}
                    status = "reached" if t["reached"] else "not reached"
                    print(f"{'':12s}{how}, {t['target']}: {status} {shown}")
    cols = ["pair", "agent", "seed", "budget_steps", "episodes", "successes_chemical_accuracy",
            "successes_in_warmup", "first_chemical_accuracy_step_after_warmup", "best_error",
            "best_error_qiskit", "best_gates",
            "best_gates_effective", "best_cnots", "best_cnots_effective", "last_threshold",
            "greedy_success_rate", "greedy_min_error", "targets"]

    def cell(r: dict[str, Any], c: str) -> Any:
        if c == "targets":
            return "; ".join(f"{t['target']}: {'reached' if t['reached'] else 'not reached'}"
                             + (f" (best {t.get('gates_effective', t.get('cnots_effective'))} at "
                                f"{t['error']:.2e})" if "error" in t else "") for t in r.get("targets", []))
        return r.get(c)

    table = {"title": "Paper-scale runs: the masked DQN beside a random masked agent, same seed and env "
                      "steps, same config unless the pair name and notes say otherwise (best circuit met "
                      "during training, re-checked in qiskit; greedy = the final policy's own episodes)",
             "columns": cols,
             "rows": [[p["name"] if c == "pair" else cell(r, c) for c in cols]
                      for p in pairs for r in p["rows"]]}
    tables = [table]
    if args.prune:
        pcols = ["pair", "agent", "seed", "target", "reached", "candidates", "pruned", "from_episode",
                 "error", "error_qiskit", "gates_effective", "cnots_effective", "rotations_effective",
                 "depth"]
        tables.append({"title": "Search plus post-processing: each run's most compact circuits under a "
                                "target's error bound, pruned (gates removed while the re-optimised error "
                                "stays under the bound) and re-checked with qiskit; not the search's own "
                                "result",
                       "columns": pcols,
                       "rows": _target_rows(pairs, "targets_pruned", pcols)})
    if args.grow:
        gcols = ["pair", "agent", "seed", "target", "start", "reached", "grown", "from_episode",
                 "error_before", "added", "error", "gates_effective", "cnots_effective", "pruned_error",
                 "pruned_gates_effective", "pruned_cnots_effective", "error_qiskit", "seconds"]
        tables.append({"title": "Search plus a greedy local search: each run's lowest-error circuits "
                                "within a target's gate budget, grown one inserted gate at a time "
                                "(CNOTs only while under a CNOT budget; the gates that do nothing dropped "
                                "first) while the re-optimised error drops, "
                                "pruned under the bound when below it, re-checked with qiskit; not the "
                                "search's own result. start = first episodes: the control, the run's "
                                "first circuits grown the same way (no selection by the search)",
                       "columns": gcols,
                       "rows": _target_rows(pairs, "targets_grown", gcols)})
    if args.curve:
        ccols = ["pair", "agent", "seed", "steps", "best_error", "successes_chemical_accuracy",
                 "successes_threshold"]
        tables.append({"title": "The same pairs along the way: best error, episodes at chemical accuracy and "
                                "curriculum successes after the first `steps` env steps of each run",
                       "columns": ccols,
                       "rows": [[p["name"], r["agent"], r["seed"], c["steps"], c["best_error"],
                                 c["successes_chemical_accuracy"], c["successes_threshold"]]
                                for p in pairs for r in p["rows"] for c in r.get("curve", [])]})
    result = {"tables": tables,
              "description": "Paper-scale arch-search runs (masked DQN) beside a random masked agent with "
                             "the same config and seed, both cut to the same number of env steps; results "
                             "from the training episodes (the best circuit met while training), re-checked "
                             "in qiskit",
              "seeds": sorted({p["seed"] for p in pairs}), "pairs": pairs, "notes": list(args.note),
              "wall_s_to_summarize": round(time.time() - t0, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=float))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
