"""Inner loop of architecture search: old optimizer (scipy BFGS on parameter-shift gradients) vs new
(compiled BFGS on adjoint gradients), on the same episodes, in one run.

Both optimizers replay the same seeded random masked action sequences (halting off, success
threshold out of reach, so every episode runs to ``max_gates``); each step re-optimises all angles
from its own previous optimum. Reported per env: env steps/s of each, their ratio, energy
evaluations per step, and how the energies compare step by step (the new default must reach the
same or lower energies). On LiH-4 an env step is also compared with one qiskit ``Statevector``
expectation of a 40-gate circuit. Run:
``python experiments/bench/arch_search_inner_loop.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import qdesign  # noqa: F401
from qdesign.runs import atomic_write_json

CASES = {  # env id -> (episodes, max_gates) of the full run
    "qdesign/ArchSearch-LiH4-v0": (20, 40),
    "qdesign/ArchSearch-LiH6-v0": (6, 70),
    "qdesign/ArchSearch-H2O8-v0": (2, 100),
}
OLD = ("lbfgs", {"maxiter": 200})
NEW = ("adjoint_bfgs", {"maxiter": 200})
#: the new optimizer with one extra perturbed start per step (keeps the better): same speed class
NEW_RESTART = ("adjoint_bfgs", {"maxiter": 200, "restarts": 1})
VARIANTS = {"old": OLD, "new": NEW, "new_restart1": NEW_RESTART}


def action_sequences(env_id: str, episodes: int, max_gates: int, seed: int) -> list[list[int]]:
    """Seeded random masked action sequences (the mask depends on actions only, not energies)."""
    env = gym.make(env_id, max_gates=max_gates, halting="off").unwrapped
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(episodes):
        env.tracker.reset()
        seq = []
        for _ in range(max_gates):
            a = int(rng.choice(np.flatnonzero(env.action_masks())))
            env.tracker.push(a)
            seq.append(a)
        seqs.append(seq)
    return seqs


def replay(env_id: str, optimizer: tuple[str, dict], seqs: list[list[int]], max_gates: int,
           seed: int) -> dict:
    env = gym.make(env_id, optimizer=optimizer[0], optimizer_kwargs=optimizer[1], halting="off",
                   threshold=1e-12, max_gates=max_gates).unwrapped
    nfev = 0
    orig = env.optimizer.minimize

    def counting(fun, x0, r):
        nonlocal nfev
        res = orig(fun, x0, r)
        nfev += res.nfev
        return res

    env.optimizer.minimize = counting
    energies, episode_best = [], []
    env.reset(seed=seed)
    steps = 0
    t0 = time.perf_counter()
    for i, seq in enumerate(seqs):
        if i:
            env.reset()
        errors = []
        for a in seq:
            _, _, term, trunc, info = env.step(a)
            energies.append(info["energy"])
            errors.append(info["error"])
            steps += 1
            if term or trunc:
                break
        episode_best.append(min(errors))
    dt = time.perf_counter() - t0
    return {"optimizer": optimizer[0], "steps": steps, "seconds": dt, "steps_per_s": steps / dt,
            "evals_per_step": nfev / steps, "energies": energies,
            "median_episode_best_error": float(np.median(episode_best)),
            "best_error": float(min(episode_best))}


def statevector_evals_per_s(env_id: str, gates: int = 40, seed: int = 0, reps: int = 200) -> float:
    """qiskit ``Statevector(qc).expectation_value(H)`` per second for a random 40-gate circuit."""
    from qiskit.quantum_info import Statevector

    env = gym.make(env_id, max_gates=gates, halting="off").unwrapped
    seq = action_sequences(env_id, 1, gates, seed)[0]
    rng = np.random.default_rng(seed)
    n_rot = sum(env.table[a].name != "cx" for a in seq)
    qc = env.circuit_from_actions(seq, list(rng.uniform(-np.pi, np.pi, n_rot)))
    ham = env.problem.hamiltonian
    Statevector(qc).expectation_value(ham)
    t0 = time.perf_counter()
    for _ in range(reps):
        Statevector(qc).expectation_value(ham)
    return reps / (time.perf_counter() - t0)


def main(quick: bool = False, out: Path | None = None, seed: int = 0) -> dict:
    rows = []
    for env_id, (episodes, max_gates) in CASES.items():
        if quick:
            episodes, max_gates = 1, min(max_gates, 20)
        seqs = action_sequences(env_id, episodes, max_gates, seed)
        for opt in VARIANTS.values():  # compile numba kernels and warm caches outside the timed runs
            replay(env_id, opt, [seqs[0][:3]], max_gates, seed)
        res = {name: replay(env_id, opt, seqs, max_gates, seed) for name, opt in VARIANTS.items()}
        old = res["old"]
        row = {"env_id": env_id, "episodes": episodes, "max_gates": max_gates, "steps": old["steps"],
               "old_steps_per_s": old["steps_per_s"], "old_evals_per_step": old["evals_per_step"],
               "old_median_episode_best_error": old["median_episode_best_error"],
               "old_best_error": old["best_error"]}
        for name in ("new", "new_restart1"):
            r = res[name]
            diff = np.asarray(r["energies"]) - np.asarray(old["energies"])
            row.update({f"{name}_steps_per_s": r["steps_per_s"],
                        f"{name}_speedup": r["steps_per_s"] / old["steps_per_s"],
                        f"{name}_evals_per_step": r["evals_per_step"],
                        f"{name}_lower_or_equal_share": float(np.mean(diff <= 1e-8)),
                        f"{name}_mean_energy_diff": float(diff.mean()),
                        f"{name}_median_episode_best_error": r["median_episode_best_error"],
                        f"{name}_best_error": r["best_error"]})
        if env_id.endswith("LiH4-v0"):
            sv = statevector_evals_per_s(env_id, seed=seed)
            row["qiskit_statevector_evals_per_s"] = sv
            row["new_step_vs_statevector_eval"] = res["new"]["steps_per_s"] / sv
        rows.append(row)
        print(f"{env_id:30s} old {old['steps_per_s']:7.1f}/s ({old['evals_per_step']:5.0f} evals/step, "
              f"median best err {old['median_episode_best_error']:.2e})", flush=True)
        for name in ("new", "new_restart1"):
            print(f"{'':30s} {name:12s} {row[name + '_steps_per_s']:7.1f}/s x{row[name + '_speedup']:5.1f} "
                  f"({row[name + '_evals_per_step']:4.0f} evals/step, median best err "
                  f"{row[name + '_median_episode_best_error']:.2e}; E <= old at "
                  f"{100 * row[name + '_lower_or_equal_share']:.0f}% of steps, mean dE "
                  f"{row[name + '_mean_energy_diff']:+.1e} Ha)", flush=True)
        if "new_step_vs_statevector_eval" in row:
            print(f"{'':30s} one new env step = {1 / row['new_step_vs_statevector_eval']:.2f} qiskit "
                  f"Statevector evaluations of a 40-gate circuit "
                  f"({row['qiskit_statevector_evals_per_s']:.0f}/s)")
    result = {"seed": seed, "quick": quick, "variants": {k: list(v) for k, v in VARIANTS.items()},
              "rows": rows,
              "notes": ["evaluations of adjoint_bfgs are energy-and-gradient evaluations (about three "
                        "simulations each); those of lbfgs are single energies (2P+1 per gradient)",
                        "the same seeded random masked action sequences for every optimizer; each "
                        "re-optimises all angles from its own previous optimum"]}
    if out is not None:
        atomic_write_json(out / "arch_search_inner_loop.json", result)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = p.parse_args()
    main(args.quick, args.out, args.seed)
