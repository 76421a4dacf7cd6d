"""Env steps per second of ArchSearch presets per inner optimizer (noiseless and noisy).

Each step re-optimises every angle; the table shows steps/s, energy evaluations per step and the
per-evaluation cost, with COBYLA (the reference's choice) as the baseline of each row group.
Run: ``python experiments/bench/arch_search_env_steps.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import qdesign  # noqa: F401

CASES = [
    ("qdesign/ArchSearch-H2-4q-v0", None),
    ("qdesign/ArchSearch-LiH4-v0", None),
    ("qdesign/ArchSearch-LiH6-v0", None),
    ("qdesign/ArchSearch-H2O8-v0", None),
    ("qdesign/ArchSearch-H2-4q-v0", {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3, "shots": 10_000}),
    ("qdesign/ArchSearch-LiH4-v0", {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3, "shots": 10_000}),
    ("qdesign/ArchSearch-LiH6-v0", {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3, "shots": 10_000}),
]
OPTIMIZERS = {
    "cobyla": {"maxiter": 1000},
    "lbfgs": {"maxiter": 200},
    "adjoint_bfgs": {"maxiter": 200, "restarts": 1},
    "adam_spsa": {"maxfev": [200, 60, 20], "a": 0.5, "c": 0.1},
}


def measure(env_id: str, noise, opt: str, kwargs: dict, steps: int, seed: int = 0) -> dict:
    env = gym.make(env_id, noise=noise, optimizer=opt, optimizer_kwargs=kwargs, halting="off",
                   threshold=1e-12).unwrapped
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    nfev = 0
    orig = env.optimizer.minimize

    def counting(fun, x0, r):
        nonlocal nfev
        res = orig(fun, x0, r)
        nfev += res.nfev
        return res

    env.optimizer.minimize = counting
    t0 = time.perf_counter()
    for _ in range(steps):
        a = int(rng.choice(np.flatnonzero(env.action_masks())))
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    dt = time.perf_counter() - t0
    return {"env_id": env_id, "noisy": noise is not None, "optimizer": opt, "steps": steps, "seed": seed,
            "steps_per_s": steps / dt, "evals_per_step": nfev / steps, "us_per_eval": 1e6 * dt / max(nfev, 1)}


def main(quick: bool = False, out: Path | None = None) -> list[dict]:
    steps = 8 if quick else 30
    rows = []
    for env_id, noise in CASES[:2] + CASES[4:5] if quick else CASES:
        for opt, kw in OPTIMIZERS.items():
            if noise is not None and opt in ("lbfgs", "adjoint_bfgs"):
                continue  # quasi-Newton on exact gradients is for exact (noiseless) energies
            rows.append(measure(env_id, noise, opt, kw, steps))
            r = rows[-1]
            print(f"{r['env_id']:32s} {'noisy' if r['noisy'] else 'exact':5s} {opt:10s} "
                  f"{r['steps_per_s']:8.2f} steps/s {r['evals_per_step']:8.0f} evals/step "
                  f"{r['us_per_eval']:9.1f} us/eval", flush=True)
    for r in rows:  # ratios against COBYLA in the same (env, noise) group
        base = next(b for b in rows if b["env_id"] == r["env_id"] and b["noisy"] == r["noisy"]
                    and b["optimizer"] == "cobyla")
        r["speedup_vs_cobyla"] = r["steps_per_s"] / base["steps_per_s"]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "arch_search_env_steps.json").write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = p.parse_args()
    main(args.quick, args.out)
