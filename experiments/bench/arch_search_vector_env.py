"""Env steps per second: one ArchSearch env vs the batched vector env with N = 1, 2, 4, 8 (issue 13 item 3).

All variants run side by side in one process, interleaved repetition by repetition (the machine is
shared, so only ratios measured together mean anything): every env takes the same number of steps
(so the single env and each env of a batch go through episodes of the same lengths, and steps
late in an episode, on longer circuits, weigh the same), with random masked actions drawn from
``numpy.random.default_rng(seed)``, the single env reset with ``seed`` and vector env ``i`` with
``seed + i`` (autoreset on). The vector env also runs with one
optimiser thread, to separate the gain of batching from that of using both cores. The reported
ratio is the median over repetitions of (N=8 vector steps/s) / (single env steps/s) from the same
repetition (target: >= 2); steps per CPU second (process time, all threads) are reported beside
it, since on a loaded machine the wall clock mostly measures the scheduler's share.

The "reference kernel" variants run the same envs on ``_kernels.bfgs_adjoint_reference`` /
``bfgs_adjoint_batch_reference``, the compiled BFGS as it was before the faster evaluation
(``energy_and_gradient_fast``; same results to the bit): the before/after of the single env and of
the ratio, measured in the same run. A masked random action is ``legal[rng.integers(len(legal))]``,
the same draw as ``rng.choice(legal)`` at a fifth of the harness cost.
Run: ``python experiments/bench/arch_search_vector_env.py [--quick] [--lih6] [--h2o8] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import numpy as np

import qdesign  # noqa: F401
from qdesign.quantum import _kernels as _k
from qdesign.quantum.statevector import StatevectorSimulator

SIZES = (1, 2, 4, 8)


def masked_action(rng: np.random.Generator, mask: np.ndarray) -> int:
    """A uniform legal action: the draw of ``rng.choice(np.flatnonzero(mask))``, cheaper."""
    legal = np.flatnonzero(mask)
    return int(legal[rng.integers(len(legal))])


@contextlib.contextmanager
def reference_kernel() -> Iterator[None]:
    """Inside: the compiled BFGS as before the faster evaluation (for envs built inside)."""
    single, batch, sim_init = _k.bfgs_adjoint, _k.bfgs_adjoint_batch, StatevectorSimulator.__init__

    def init(self, *args, **kwargs):
        sim_init(self, *args, **kwargs)
        self._hreal = None  # the complex-H calls, routed to the reference kernels below

    _k.bfgs_adjoint, _k.bfgs_adjoint_batch = _k.bfgs_adjoint_reference, _k.bfgs_adjoint_batch_reference
    StatevectorSimulator.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        _k.bfgs_adjoint, _k.bfgs_adjoint_batch = single, batch
        StatevectorSimulator.__init__ = sim_init  # type: ignore[method-assign]


def single_steps_per_s(env_id: str, steps: int, seed: int) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of this process) of one env."""
    env = gym.make(env_id)
    env.reset(seed=seed)
    base = env.unwrapped
    rng = np.random.default_rng(seed)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        _, _, term, trunc, _ = env.step(masked_action(rng, base.action_masks()))
        if term or trunc:
            env.reset()
    return steps / (time.perf_counter() - t0), steps / (time.process_time() - c0)


def singles_in_turn_steps_per_s(env_id: str, n: int, steps: int, seed: int) -> tuple[float, float]:
    """``n`` single envs (``gym.make``, env i reset with ``seed + i``) stepped one after the other with the
    action stream of ``vector_steps_per_s``: exactly the episodes of the vector env with ``n`` envs."""
    envs = [gym.make(env_id) for _ in range(n)]
    for i, env in enumerate(envs):
        env.reset(seed=seed + i)
    rng = np.random.default_rng(seed)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        masks = [env.unwrapped.action_masks() for env in envs]
        for env, m in zip(envs, masks):
            _, _, term, trunc, _ = env.step(masked_action(rng, m))
            if term or trunc:
                env.reset()
    return steps * n / (time.perf_counter() - t0), steps * n / (time.process_time() - c0)


def vector_steps_per_s(env_id: str, n: int, steps: int, seed: int,
                       threads: int | None = None) -> tuple[float, float]:
    """``steps`` steps of each of the ``n`` envs: (env steps per wall second, per CPU second)."""
    env = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", threads=threads)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    rounds = steps
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        masks = env.action_masks()
        env.step(np.array([masked_action(rng, m) for m in masks]))
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    env.close()
    return rounds * n / dt, rounds * n / dc


REF = "reference kernel"


def run_variant(env_id: str, v: str, steps: int, seed: int) -> tuple[float, float]:
    """(steps per wall second, per CPU second) of variant ``v``."""
    if v.endswith(f", {REF}"):
        with reference_kernel():
            return run_variant(env_id, v.removesuffix(f", {REF}"), steps, seed)
    if v == "single":
        return single_steps_per_s(env_id, steps, seed)
    if v == "8 single envs in turn":
        return singles_in_turn_steps_per_s(env_id, 8, steps, seed)
    n = int(v.split("N=")[1].split(",")[0])
    return vector_steps_per_s(env_id, n, steps, seed, threads=1 if "1 thread" in v else None)


def bench(env_id: str, steps: int, reps: int, seed: int) -> dict:
    variants = ([f"single, {REF}", "single", "8 single envs in turn"] + [f"vector N={n}" for n in SIZES]
                + ["vector N=8, 1 thread", f"vector N=8, {REF}"])
    speeds: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    for v in (f"single, {REF}", "single", f"vector N=2, {REF}", "vector N=2"):
        run_variant(env_id, v, 20, seed)  # compile / warm caches outside the timed runs
    for _ in range(reps):
        for v in variants:
            wall, per_cpu = run_variant(env_id, v, steps, seed)
            speeds[v].append(wall)
            cpu[v].append(per_cpu)
    ratios = {v: [s / b for s, b in zip(speeds[v], speeds["single"])] for v in variants}
    cpu_ratios = {v: [s / b for s, b in zip(cpu[v], cpu["single"])] for v in variants}
    return {"env_id": env_id, "steps_per_env": steps, "reps": reps, "seed": seed, "speeds": speeds,
            "steps_per_cpu_s": cpu,
            "median_steps_per_s": {v: float(np.median(s)) for v, s in speeds.items()},
            "median_ratio_to_single": {v: float(np.median(r)) for v, r in ratios.items()},
            "median_steps_per_cpu_s": {v: float(np.median(s)) for v, s in cpu.items()},
            "median_cpu_ratio_to_single": {v: float(np.median(r)) for v, r in cpu_ratios.items()},
            "ratio_n8_to_single": float(np.median(ratios["vector N=8"])),
            "ratio_n8_to_single_reference_kernel": float(np.median([a / b for a, b in zip(
                speeds[f"vector N=8, {REF}"], speeds[f"single, {REF}"])])),
            "single_speedup_over_reference_kernel": float(np.median([a / b for a, b in zip(
                speeds["single"], speeds[f"single, {REF}"])])),
            "ratio_n8_to_singles_in_turn": float(np.median([a / b for a, b in zip(
                speeds["vector N=8"], speeds["8 single envs in turn"])])),
            "cpu_ratio_n8_to_singles_in_turn": float(np.median([a / b for a, b in zip(
                cpu["vector N=8"], cpu["8 single envs in turn"])]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repetitions")
    parser.add_argument("--lih6", action="store_true", help="also LiH-6 (slower)")
    parser.add_argument("--h2o8", action="store_true", help="also H2O-8, the paper's Hamiltonian (slower)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    cases = [("qdesign/ArchSearch-LiH4-v0", 60 if args.quick else 200)]  # steps per env
    if args.lih6:
        cases.append(("qdesign/ArchSearch-LiH6-v0", 40 if args.quick else 100))
    if args.h2o8:
        cases.append(("qdesign/ArchSearch-H2O8-v0", 20 if args.quick else 60))
    reps = 2 if args.quick else 5
    load0 = os.getloadavg()
    results: list[dict] = []
    for env_id, steps in cases:  # the JSON is rewritten after each env
        results.append(bench(env_id, steps, reps, args.seed))
        write(args, results, load0)


def write(args: argparse.Namespace, results: list[dict], load0: tuple[float, float, float]) -> None:
    """Write the JSON (and print the table) of the envs benchmarked so far."""
    load1 = os.getloadavg()
    rows = []
    for r in results:
        for v, s in r["median_steps_per_s"].items():
            rows.append([r["env_id"].removeprefix("qdesign/"), v, round(s, 1),
                         round(r["median_ratio_to_single"][v], 2), round(r["median_steps_per_cpu_s"][v], 1),
                         round(r["median_cpu_ratio_to_single"][v], 2), r["steps_per_env"], r["reps"]])
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    data = {
        "seed": args.seed,
        "quick": args.quick,
        "cpus": cpus,
        "load_average_start": load0,
        "load_average_end": load1,
        "results": results,
        "tables": [{
            "title": "Single ArchSearch env vs the batched vector env (random masked actions, steps/s; "
                     "median over repetitions run interleaved in one process; x single = median of the "
                     "per-repetition ratios)",
            "columns": ["env", "variant", "env steps/s (wall)", "x single", "env steps per CPU s",
                        "x single (CPU)", "steps per env", "repetitions"],
            "rows": rows, "seeds": {"seed": [args.seed]}}],
        "notes": [
            f"Env i of a vector run is reset with seed {args.seed} + i, the single env with {args.seed}; "
            f"actions from numpy default_rng({args.seed}). Energies are those of the single env to the bit "
            "(tests/test_arch_search_vector_env.py).",
            f"Shared machine: {cpus} cores, load average {load0[0]:.1f} at start and {load1[0]:.1f} at end "
            "(other processes compete for the cores, so absolute steps/s vary from run to run; the "
            "ratios are measured side by side).",
            "'8 single envs in turn': eight gym.make envs (seeds seed..seed+7) stepped one after the other "
            "with the vector env's action stream, i.e. exactly the episodes of 'vector N=8' (the same "
            "work), as SB3's DummyVecEnv would step them.",
            "'1 thread' runs the batched optimiser on one thread: the gain of batching alone. 'Per CPU s' "
            "divides by this process's CPU time (all threads): the work per step, whatever share of the "
            "cores the scheduler grants; wall-clock steps/s is what a user sees.",
            f"'{REF}': the same env on the compiled BFGS as before the faster evaluation "
            "(qdesign.quantum._kernels.bfgs_adjoint_reference; energies identical to the bit, "
            "tests/test_adjoint_kernel_fast.py), interleaved in the same repetitions: the before/after.",
            "Random masked actions are legal[rng.integers(len(legal))], the same stream as "
            "rng.choice(legal) (which costs about 10 us per draw), for every variant.",
        ] + [f"{r['env_id'].removeprefix('qdesign/')}: N=8 vector / single = {r['ratio_n8_to_single']:.2f}x "
             f"wall clock, {r['median_cpu_ratio_to_single']['vector N=8']:.2f}x per CPU second; against the "
             f"same episodes stepped by 8 single envs {r['ratio_n8_to_singles_in_turn']:.2f}x wall clock, "
             f"{r['cpu_ratio_n8_to_singles_in_turn']:.2f}x per CPU second (target >= 2); with the {REF} "
             f"{r['ratio_n8_to_single_reference_kernel']:.2f}x; the single env itself runs "
             f"{r['single_speedup_over_reference_kernel']:.2f}x the steps/s of the single env on the {REF}"
             for r in results],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "arch_search_vector_env.json"
    path.write_text(json.dumps(data, indent=1))
    for row in rows:
        print(" | ".join(str(x) for x in row))
    for note in data["notes"]:
        print("-", note)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
