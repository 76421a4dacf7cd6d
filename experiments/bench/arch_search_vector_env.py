"""Env steps per second: one ArchSearch env vs the batched vector env with N = 1, 2, 4, 8 (issue 13 item 3).

All variants run side by side in one process, interleaved repetition by repetition (the machine is
shared, so only ratios measured together mean anything). Env ``i`` is reset with ``seed + i`` and
takes random masked actions from ``numpy.random.default_rng(seed + i)``; the vector env autoresets
(``NextStep``: the round after an episode ends only resets, and counts as a step). The target
(issue 13: 8 vector envs step at least 2x the steps/s of one) is judged against ONE ``gym.make`` env
stepping the same episodes -- those of env 0, then env 1, ..., env 7, with the same reset rounds --
so both sides do the same work: the bench checks that they earn the same rewards, env by env, to the
bit. The cost of a step grows with the circuit, so the old baseline (``"single"``: env 0's stream
only, ``steps`` steps) measured whatever mix of short and long circuits that one seed drew; it stays
as a row (and ``ratio_n8_to_single``) for comparison with earlier results. The vector env also runs
with one optimiser thread, to separate the gain of batching from that of using both cores. Ratios are
medians over repetitions of per-repetition ratios; steps per CPU second (process time, all threads)
are reported beside them, since on a loaded machine the wall clock mostly measures the scheduler's
share.

The "reference kernel" variants run the same envs on ``_kernels.bfgs_adjoint_reference`` /
``bfgs_adjoint_batch_reference``, the compiled BFGS as it was before the faster evaluation
(``energy_and_gradient_fast``; same results to the bit): the before/after of the single env and of
the ratio, measured in the same run. A masked random action is ``legal[rng.integers(len(legal))]``,
the same draw as ``rng.choice(legal)`` at a fifth of the harness cost.
Run: ``python experiments/bench/arch_search_vector_env.py [--quick] [--lih6] [--h2o8] [--reps R]
[--out DIR]``.
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
    """(steps per wall second, steps per CPU second of this process) of one env: the old "single" row,
    env 0's stream only (reset with ``seed``, actions from ``default_rng(seed)``, reset at once on done)."""
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


def _episodes_of_env(env: gym.Env, i: int, steps: int, seed: int, rewards: np.ndarray) -> None:
    """Env ``i`` of a vector run with ``NextStep`` autoreset, on the single env ``env``: reset with
    ``seed + i``, actions from ``default_rng(seed + i)``; the round after an episode ends only resets
    (its action is drawn and ignored, as the vector env does). Adds each round's reward to ``rewards[i]``."""
    base = env.unwrapped
    env.reset(seed=seed + i)
    rng = np.random.default_rng(seed + i)
    ended = False
    for _ in range(steps):
        a = masked_action(rng, base.action_masks())
        if ended:
            env.reset()
            ended = False
            continue
        _, r, term, trunc, _ = env.step(a)
        rewards[i] += r
        ended = term or trunc


def single_episodes_steps_per_s(env_id: str, n: int, steps: int,
                                seed: int) -> tuple[float, float, np.ndarray]:
    """ONE ``gym.make`` env stepping the episodes of the ``n`` envs of ``vector_steps_per_s`` one env after
    the other (``steps`` rounds of env 0, then of env 1, ...): the same episodes, actions and counted
    steps as the vector env, so the same work. Returns (steps per wall s, per CPU s, reward sum per env)."""
    env = gym.make(env_id)
    rewards = np.zeros(n)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        _episodes_of_env(env, i, steps, seed, rewards)
    return steps * n / (time.perf_counter() - t0), steps * n / (time.process_time() - c0), rewards


def singles_in_turn_steps_per_s(env_id: str, n: int, steps: int,
                                seed: int) -> tuple[float, float, np.ndarray]:
    """``n`` single envs (``gym.make``; env i reset with ``seed + i``, actions from ``default_rng(seed + i)``)
    stepped round by round, one after the other, as SB3's DummyVecEnv would (with the vector env's
    ``NextStep`` reset rounds): exactly the episodes of ``vector_steps_per_s`` with ``n`` envs."""
    envs = [gym.make(env_id) for _ in range(n)]
    for i, env in enumerate(envs):
        env.reset(seed=seed + i)
    rngs = [np.random.default_rng(seed + i) for i in range(n)]
    ended = [False] * n
    rewards = np.zeros(n)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        acts = [masked_action(rng, env.unwrapped.action_masks()) for rng, env in zip(rngs, envs)]
        for i, (env, a) in enumerate(zip(envs, acts)):
            if ended[i]:
                env.reset()
                ended[i] = False
                continue
            _, r, term, trunc, _ = env.step(a)
            rewards[i] += r
            ended[i] = term or trunc
    return steps * n / (time.perf_counter() - t0), steps * n / (time.process_time() - c0), rewards


def vector_steps_per_s(env_id: str, n: int, steps: int, seed: int,
                       threads: int | None = None) -> tuple[float, float, np.ndarray]:
    """``steps`` steps of each of the ``n`` envs (env i reset with ``seed + i``, its actions from
    ``default_rng(seed + i)``; ``NextStep`` autoreset): (env steps per wall second, per CPU second,
    reward sum per env)."""
    env = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", threads=threads)
    env.reset(seed=seed)
    rngs = [np.random.default_rng(seed + i) for i in range(n)]
    rewards = np.zeros(n)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        masks = env.action_masks()
        rewards += env.step(np.array([masked_action(rng, m) for rng, m in zip(rngs, masks)]))[1]
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    env.close()
    return steps * n / dt, steps * n / dc, rewards


def circuit_sizes(env_id: str, steps: int, seed: int) -> dict[str, float | list[float]]:
    """Mean ansatz gates per step (untimed): of the old 'single' row, and of each env of 'vector N=8'
    (the episodes every same-work variant steps; reset rounds left out)."""
    env = gym.make(env_id)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    gates = []
    for _ in range(steps):
        _, _, term, trunc, info = env.step(masked_action(rng, env.unwrapped.action_masks()))
        gates.append(info["n_gates"])
        if term or trunc:
            env.reset()
    vec = gym.make_vec(env_id, num_envs=8, vectorization_mode="vector_entry_point", threads=1)
    vec.reset(seed=seed)
    rngs = [np.random.default_rng(seed + i) for i in range(8)]
    total, count = np.zeros(8), np.zeros(8)
    for _ in range(steps):
        masks = vec.action_masks()
        _, _, _, _, info = vec.step(np.array([masked_action(r, m) for r, m in zip(rngs, masks)]))
        live = info.get("_legal", np.zeros(8, dtype=bool))  # False on reset rounds
        total += np.where(live, info["n_gates"], 0)
        count += live
    vec.close()
    return {"single": float(np.mean(gates)), "vector N=8": [float(x) for x in total / count]}


REF = "reference kernel"


SAME = "single, 8 envs' episodes"  # the target's baseline: one env, the same work as "vector N=8"
#: variants that step exactly the episodes of "vector N=8" (their reward sums per env must agree)
SAME_WORK = (SAME, f"{SAME}, {REF}", "8 single envs in turn", "vector N=8", "vector N=8, 1 thread",
             f"vector N=8, {REF}")


def run_variant(env_id: str, v: str, steps: int, seed: int) -> tuple[float, float, np.ndarray | None]:
    """(steps per wall second, per CPU second, reward sum per env or None) of variant ``v``."""
    if v.endswith(f", {REF}"):
        with reference_kernel():
            return run_variant(env_id, v.removesuffix(f", {REF}"), steps, seed)
    if v == "single":
        return (*single_steps_per_s(env_id, steps, seed), None)
    if v == SAME:
        return single_episodes_steps_per_s(env_id, 8, steps, seed)
    if v == "8 single envs in turn":
        return singles_in_turn_steps_per_s(env_id, 8, steps, seed)
    n = int(v.split("N=")[1].split(",")[0])
    return vector_steps_per_s(env_id, n, steps, seed, threads=1 if "1 thread" in v else None)


def _median_ratio(num: list[float], den: list[float]) -> float:
    return float(np.median([a / b for a, b in zip(num, den)]))


def bench(env_id: str, steps: int, reps: int, seed: int) -> dict:
    variants = ([f"single, {REF}", "single", f"{SAME}, {REF}", SAME, "8 single envs in turn"]
                + [f"vector N={n}" for n in SIZES] + ["vector N=8, 1 thread", f"vector N=8, {REF}"])
    speeds: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    rewards: dict[str, np.ndarray] = {}
    for v in variants:  # compile (every array layout the variant meets) / warm caches outside the timed runs
        run_variant(env_id, v, 20, seed)
    for _ in range(reps):
        for v in variants:
            wall, per_cpu, rew = run_variant(env_id, v, steps, seed)
            speeds[v].append(wall)
            cpu[v].append(per_cpu)
            if rew is not None:
                if v in rewards and not np.array_equal(rewards[v], rew):
                    raise RuntimeError(f"{v}: the episodes differ between repetitions")
                rewards[v] = rew
    # the same episodes, to the bit: the variants that claim the work of "vector N=8" and the
    # first n envs of "vector N=n" must have earned the same rewards
    for v in rewards:
        ref = rewards["vector N=8"][:len(rewards[v])]
        if not np.array_equal(rewards[v], ref):
            raise RuntimeError(f"{v} did not step the episodes of 'vector N=8': rewards {rewards[v]} vs "
                               f"{ref}")
    ratios = {v: [s / b for s, b in zip(speeds[v], speeds["single"])] for v in variants}
    cpu_ratios = {v: [s / b for s, b in zip(cpu[v], cpu["single"])] for v in variants}
    same = {v: [s / b for s, b in zip(speeds[v], speeds[SAME])] for v in variants}
    cpu_same = {v: [s / b for s, b in zip(cpu[v], cpu[SAME])] for v in variants}
    target = _median_ratio(speeds["vector N=8"], speeds[SAME])
    sizes = circuit_sizes(env_id, steps, seed)
    return {"env_id": env_id, "steps_per_env": steps, "reps": reps, "seed": seed, "speeds": speeds,
            "steps_per_cpu_s": cpu,
            "reward_sums_per_env": {v: [float(x) for x in r] for v, r in rewards.items()},
            "same_episodes_checked": sorted(v for v in rewards if v in SAME_WORK),
            "circuit_sizes": sizes,
            "median_steps_per_s": {v: float(np.median(s)) for v, s in speeds.items()},
            "median_ratio_to_single": {v: float(np.median(r)) for v, r in ratios.items()},
            "median_steps_per_cpu_s": {v: float(np.median(s)) for v, s in cpu.items()},
            "median_cpu_ratio_to_single": {v: float(np.median(r)) for v, r in cpu_ratios.items()},
            "median_ratio_to_single_same_episodes": {v: float(np.median(r)) for v, r in same.items()},
            "median_cpu_ratio_to_single_same_episodes": {v: float(np.median(r)) for v, r in cpu_same.items()},
            # the issue-13 target: N=8 vector / one gym.make env doing the same episodes, >= 2
            "target_ratio_n8_to_single": target,
            "target_met": bool(target >= 2.0),
            "ratio_n8_to_single_same_episodes": target,
            "cpu_ratio_n8_to_single_same_episodes": _median_ratio(cpu["vector N=8"], cpu[SAME]),
            "ratio_n8_1_thread_to_single_same_episodes": _median_ratio(speeds["vector N=8, 1 thread"],
                                                                       speeds[SAME]),
            "ratio_n8_2_threads_to_1_thread": _median_ratio(speeds["vector N=8"],
                                                            speeds["vector N=8, 1 thread"]),
            "ratio_n8_to_single": float(np.median(ratios["vector N=8"])),
            "ratio_n8_to_single_reference_kernel": _median_ratio(speeds[f"vector N=8, {REF}"],
                                                                 speeds[f"single, {REF}"]),
            "ratio_n8_to_single_same_episodes_reference_kernel": _median_ratio(
                speeds[f"vector N=8, {REF}"], speeds[f"{SAME}, {REF}"]),
            "single_speedup_over_reference_kernel": _median_ratio(speeds["single"], speeds[f"single, {REF}"]),
            "single_same_episodes_speedup_over_reference_kernel": _median_ratio(speeds[SAME],
                                                                                speeds[f"{SAME}, {REF}"]),
            "single_same_episodes_to_single": _median_ratio(speeds[SAME], speeds["single"]),
            "ratio_n8_to_singles_in_turn": _median_ratio(speeds["vector N=8"],
                                                         speeds["8 single envs in turn"]),
            "cpu_ratio_n8_to_singles_in_turn": _median_ratio(cpu["vector N=8"], cpu["8 single envs in turn"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repetitions")
    parser.add_argument("--lih6", action="store_true", help="also LiH-6 (slower)")
    parser.add_argument("--h2o8", action="store_true", help="also H2O-8, the paper's Hamiltonian (slower)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=0, help="repetitions (default 5, 2 with --quick)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    # steps per env: several episodes of every env (halting budgets 25-71 steps)
    cases = [("qdesign/ArchSearch-LiH4-v0", 60 if args.quick else 200)]
    if args.lih6:
        cases.append(("qdesign/ArchSearch-LiH6-v0", 40 if args.quick else 150))
    if args.h2o8:
        cases.append(("qdesign/ArchSearch-H2O8-v0", 30 if args.quick else 150))
    reps = args.reps or (2 if args.quick else 5)
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
                         round(r["median_cpu_ratio_to_single"][v], 2), r["steps_per_env"], r["reps"],
                         round(r["median_ratio_to_single_same_episodes"][v], 2),
                         round(r["median_cpu_ratio_to_single_same_episodes"][v], 2)])
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
                        "x single (CPU)", "steps per env", "repetitions", "x single, same episodes",
                        "x single, same episodes (CPU)"],
            "rows": rows, "seeds": {"seed": [args.seed]}}],
        "notes": [
            f"Env i of a vector run is reset with seed {args.seed} + i and takes its random masked actions "
            f"from numpy default_rng({args.seed} + i) (NextStep autoreset: the round after an episode ends "
            "only resets, and counts as a step). Energies are those of the single env to the bit "
            "(tests/test_arch_search_vector_env.py).",
            f"The target (issue 13: 8 vector envs >= 2x the steps/s of one) is judged against '{SAME}': ONE "
            "gym.make env stepping the episodes of the 8 envs one env after the other (env i reset with "
            "seed + i, its actions, its reset rounds), i.e. the same episodes and the same counted steps as "
            "'vector N=8'; the bench checks that every such variant earned the same rewards per env, to the "
            "bit (results[].reward_sums_per_env). Column 'x single, same episodes'.",
            "'single' (the baseline before, column 'x single'): one env on env 0's episodes only (seed, "
            "default_rng(seed), reset at once when an episode ends), steps_per_env steps. The cost of a "
            "step grows with the circuit, so one seed's few episodes are a biased sample "
            "(results[].circuit_sizes: mean gates per step of that row vs each of the 8 envs).",
            "'8 single envs in turn': eight gym.make envs (env i as above) stepped round by round, one after "
            "the other, as SB3's DummyVecEnv would: the episodes of 'vector N=8' (the same work) on eight "
            "env objects instead of one.",
            f"Shared machine: {cpus} cores, load average {load0[0]:.1f} at start and {load1[0]:.1f} at end "
            "(other processes compete for the cores, so absolute steps/s vary from run to run; the "
            "ratios are measured side by side).",
            "'1 thread' runs the batched optimiser on one thread: the gain of batching alone. 'Per CPU s' "
            "divides by this process's CPU time (all threads): the work per step, whatever share of the "
            "cores the scheduler grants; wall-clock steps/s is what a user sees.",
            f"'{REF}': the same env on the compiled BFGS as before the faster evaluation "
            "(qdesign.quantum._kernels.bfgs_adjoint_reference; energies identical to the bit, "
            "tests/test_adjoint_kernel_fast.py), interleaved in the same repetitions: the before/after.",
            "Random masked actions are legal[rng.integers(len(legal))], the same stream as "
            "rng.choice(legal) (which costs about 10 us per draw), for every variant.",
        ] + [f"{r['env_id'].removeprefix('qdesign/')}: N=8 vector / one env on the same episodes = "
             f"{r['target_ratio_n8_to_single']:.2f}x wall clock (target >= 2: "
             f"{'met' if r['target_met'] else 'not met'}), "
             f"{r['cpu_ratio_n8_to_single_same_episodes']:.2f}x per CPU second, "
             f"{r['ratio_n8_1_thread_to_single_same_episodes']:.2f}x with one optimiser thread "
             f"(2 threads / 1: {r['ratio_n8_2_threads_to_1_thread']:.2f}x); against 8 single envs in turn "
             f"{r['ratio_n8_to_singles_in_turn']:.2f}x; against the old 'single' row "
             f"{r['ratio_n8_to_single']:.2f}x (that row runs {1 / r['single_same_episodes_to_single']:.2f}x "
             f"the steps/s of one env on the same episodes: {r['circuit_sizes']['single']:.1f} gates per "
             f"step on average vs {np.mean(r['circuit_sizes']['vector N=8']):.1f} over the 8 envs); with the "
             f"{REF} "
             f"{r['ratio_n8_to_single_same_episodes_reference_kernel']:.2f}x"
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
