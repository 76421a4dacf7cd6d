"""GateCompile env steps per second beside Gymnasium's ``CartPole-v1`` in the same loop (a ratio).

    nice -n 10 python experiments/bench/gate_compile_env_steps.py --steps 20000 \
        --out experiments/bench/results/gate_compile_env_steps.json

Uniform random actions (for GateCompile resampled until ``action_masks()`` allows them), resets on
episode end, the same
seeds, measured alternately three times each and the best run kept per env (the least disturbed by
the other processes on a shared machine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import qdesign  # noqa: F401  (registers the envs)
from qdesign.runs import atomic_write_json

ENVS = {"cartpole": ("CartPole-v1", {}), "gate_compile_1q": ("qdesign/GateCompile-v0", {}),
        "gate_compile_2q": ("qdesign/GateCompile-v0", {"gate_set": "clifford_t_2q"})}


def rate(env_id: str, kwargs: dict, steps: int, seed: int = 0) -> float:
    env = gym.make(env_id, **kwargs).unwrapped
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    masked = hasattr(env, "action_masks")
    n = env.action_space.n
    t0 = time.perf_counter()
    for _ in range(steps):
        a = int(rng.integers(n))
        if masked:  # rejection sampling: a uniform legal action at the cost of ~1 extra draw
            mask = env.action_masks()
            while not mask[a]:
                a = int(rng.integers(n))
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("experiments/bench/results/gate_compile_env_steps.json"))
    args = ap.parse_args()
    runs: dict[str, list[float]] = {k: [] for k in ENVS}
    for _ in range(args.repeats):
        for name, (env_id, kw) in ENVS.items():
            runs[name].append(rate(env_id, kw, args.steps))
    best = {k: max(v) for k, v in runs.items()}
    ratio = {k: best[k] / best["cartpole"] for k in ENVS}
    out = {"steps": args.steps, "seed": 0, "runs": runs, "best_steps_per_s": best,
           "ratio_to_cartpole": ratio,
           "tables": [{"title": f"Random masked steps per second, best of {args.repeats} alternating runs "
                                f"of {args.steps} steps (same loop, seed 0)",
                       "columns": ["env", "steps/s", "ratio to CartPole-v1"],
                       "rows": [[k, round(best[k]), round(ratio[k], 3)] for k in ENVS],
                       "seeds": {"seed": [0]}}]}
    for k in ENVS:
        print(f"{k:16} {best[k]:10.0f} steps/s   ratio to CartPole {out['ratio_to_cartpole'][k]:.3f}")
    atomic_write_json(args.out, out)


if __name__ == "__main__":
    main()
