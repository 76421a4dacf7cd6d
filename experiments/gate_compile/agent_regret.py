"""Regret of a compiling policy's own gates: the agent writes exactly k gates, the exact MITM finisher
completes the word optimally, and total length - optimum is what those k gates cost.

    nice -n 10 python experiments/gate_compile/agent_regret.py \
        --agent experiments/results/agents/gate_compile_maskable_ppo_30k.zip \
        --out experiments/bench/results/gate_compile_agent_regret.json

Rows: each ``--agent`` policy (greedy), and the uniform random masked policy. Columns: mean total length
for k = 0, 2, 4, 8, 16 (k = 0 is the exact optimum), the per-step regret
``L*(R_k) + 1 - L*(R_{k-1})`` averaged over the first 16 steps (0 = the gate starts an optimal word,
>= 1 = it costs gates), the share of zero-regret steps, and the default hand-off (``rollout_word``'s
truncation where the policy came closest to the target): mean gates kept and total length.
``--children`` also measures, at the states the random policy visits, the share of allowed gates that
start an optimal word (the random policy's zero-regret chance).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.api.agent_compile import load_policy, rollout_word
from qdesign.envs.gate_compile.targets import allowed_after
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import haar_unitary
from qdesign.runs import atomic_write_json
from qdesign.synthesis.mitm import get_solver

KS = (0, 2, 4, 8, 16)


def optimal_length(solver: Any, residual: np.ndarray, eps: float) -> int:
    sol = solver.solve(residual, eps, extend=2)
    if sol is None:
        raise RuntimeError("residual beyond the exact solver's reach")
    return len(sol.word)


def policy_curve(model: Any, targets: list[np.ndarray], gs: Any, eps: float, kmax: int, seed: int,
                 children: bool = False) -> dict[str, Any]:
    """Per target: L*(R_k) for k = 0..kmax along the policy's own word, and the closest-approach hand-off."""
    solver = get_solver(gs, None, eps)
    rng = np.random.default_rng(seed)
    lstar, handoff, child_share = [], [], []
    for u in targets:
        word = rollout_word(model, u, gs, eps, exact_gates=kmax, rng=rng)
        row = []
        for k in range(len(word) + 1):
            r = u @ gs.word_unitary(word[:k]).conj().T  # residual after the first k gates
            row.append(optimal_length(solver, r, eps))
            if children and k < len(word):
                allowed = np.flatnonzero(allowed_after(gs, word[k - 1] if k else -1))
                kids = [optimal_length(solver, r @ gs.matrices[a].conj().T, eps) for a in allowed]
                child_share.append(float(np.mean([c == row[-1] - 1 for c in kids])))
        lstar.append(row)
        if model is not None:
            pre = rollout_word(model, u, gs, eps)
            r = u @ gs.word_unitary(pre).conj().T
            handoff.append((len(pre), len(pre) + optimal_length(solver, r, eps)))
    out: dict[str, Any] = {"totals": {}}
    for k in KS:
        if k <= kmax:
            out["totals"][k] = float(np.mean([k + row[min(k, len(row) - 1)] for row in lstar]))
    steps = np.array([[row[k] + 1 - row[k - 1] for k in range(1, len(row))] for row in lstar if len(row) > 1])
    out["per_step_regret"] = steps.mean(axis=0).tolist()
    out["mean_step_regret"] = float(steps.mean())
    out["step_regret_stderr"] = float(steps.std(ddof=1) / np.sqrt(steps.size)) if steps.size > 1 else None
    out["extra_gates"] = float(steps.sum(axis=1).mean())  # total - optimum after all kmax policy gates
    out["zero_regret_share"] = float((steps == 0).mean())
    if handoff:
        out["handoff_gates_kept"] = float(np.mean([h[0] for h in handoff]))
        out["handoff_total"] = float(np.mean([h[1] for h in handoff]))
    if child_share:
        out["optimal_child_share"] = float(np.mean(child_share))
    return out


BINS = ((1, 5), (6, 10), (11, 20), (21, 99))


def by_remaining(model: Any, targets: list[np.ndarray], gs: Any, eps: float, max_gates: int = 64,
                 seed: int = 0) -> dict[str, Any]:
    """Zero-regret share of the policy's greedy gate at states along optimal words, binned by the optimal
    remaining length L*; beside it the share of allowed gates that are optimal (a random gate's chance).
    Shows where in a word the policy's choices are informed (near the goal) and where not (far)."""
    from qdesign.envs.gate_compile.targets import allowed_after
    from qdesign.quantum.unitary import canonical_phase

    solver = get_solver(gs, None, eps)
    hits: dict[tuple[int, int], list[tuple[bool, float]]] = {b: [] for b in BINS}
    for u in targets:
        sol = solver.solve(u, eps, extend=2)
        r, last, total = u, -1, len(sol.word)
        for j, a_opt in enumerate(sol.word):
            rem = total - j
            mask = allowed_after(gs, last)
            c = canonical_phase(r)
            obs = np.concatenate([c.real.ravel(), c.imag.ravel(), [(max_gates - j) / max_gates]])
            obs = np.clip(obs, -1, 1).astype(np.float32)
            a, _ = model.predict(obs, deterministic=True, action_masks=mask)
            kids = {int(b): optimal_length(solver, r @ gs.matrices[b].conj().T, eps)
                    for b in np.flatnonzero(mask)}
            good = [b for b, v in kids.items() if v == rem - 1]
            bin_ = next(b for b in BINS if b[0] <= rem <= b[1])
            hits[bin_].append((int(a) in good, len(good) / len(kids)))
            r, last = r @ gs.matrices[a_opt].conj().T, a_opt
    return {f"L*={lo}-{hi}": {"states": len(v), "policy_optimal_share": float(np.mean([h[0] for h in v])),
                              "random_optimal_share": float(np.mean([h[1] for h in v]))}
            for (lo, hi), v in hits.items() if v}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agent", nargs="*", default=[], help="SB3 policy files (label=path or path)")
    ap.add_argument("--gate-set", default="clifford_t")
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--targets", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--children", action="store_true")
    ap.add_argument("--by-remaining", type=int, default=0,
                    help="also the policies' optimal-gate share along optimal words of N targets, by L*")
    ap.add_argument("--out", type=Path, default=Path("gate_compile_agent_regret.json"))
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    import torch

    torch.set_num_threads(1)  # small MLPs: intra-op threads only contend on a shared 2-core machine
    gs = build_gate_set(args.gate_set)
    rng = np.random.default_rng(args.seed)
    targets = [haar_unitary(2, rng, special=True) for _ in range(args.targets)]
    t0 = time.time()
    rows: dict[str, Any] = {}
    for spec in args.agent:
        label, _, path = spec.rpartition("=")
        label = label or Path(path).stem
        rows[label] = policy_curve(load_policy(path), targets, gs, args.eps, max(KS), args.seed)
        rows[label]["path"] = path
        if args.by_remaining:
            rows[label]["by_remaining"] = by_remaining(load_policy(path), targets[: args.by_remaining], gs,
                                                       args.eps)
        print(label, json.dumps({k: v for k, v in rows[label].items() if k != "per_step_regret"}), flush=True)
    rows["random_masked"] = policy_curve(None, targets, gs, args.eps, max(KS), args.seed, args.children)
    print("random", json.dumps({k: v for k, v in rows["random_masked"].items() if k != "per_step_regret"}))
    cols = ["policy"] + [f"total k={k}" for k in KS] + ["regret/gate", "zero-regret share",
                                                         "hand-off kept", "hand-off total"]
    table = [[name] + [r["totals"].get(k) for k in KS] + [r["mean_step_regret"], r["zero_regret_share"],
                                                          r.get("handoff_gates_kept"), r.get("handoff_total")]
             for name, r in rows.items()]
    notes = [f"{args.gate_set}, epsilon {args.eps}, {args.targets} Haar SU(2) targets (seed {args.seed}); "
             "total = k policy gates (greedy, masked) + the exact optimal completion of the residual; "
             "k = 0 is the optimum. Hand-off = rollout_word's truncation at the closest approach."]
    if "optimal_child_share" in rows["random_masked"]:
        notes.append(f"share of allowed gates that start an optimal word, at the random policy's states: "
                     f"{rows['random_masked']['optimal_child_share']:.3f}")
    tables = [{"title": "Regret of the policy's own gates (agent writes k gates, exact finisher)",
               "columns": cols, "rows": table}]
    binned = [(name, r["by_remaining"]) for name, r in rows.items() if "by_remaining" in r]
    if binned:
        keys = list(binned[0][1])
        tables.append({"title": f"Share of optimal gates along optimal words ({args.by_remaining} targets), "
                                "by optimal remaining length L*",
                       "columns": ["policy"] + keys,
                       "rows": [[name] + [b[k]["policy_optimal_share"] for k in keys] for name, b in binned]
                       + [["random (allowed gates)"]
                          + [binned[0][1][k]["random_optimal_share"] for k in keys]]})
    report = {"tables": tables, "notes": notes, "policies": rows,
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "wall_seconds": time.time() - t0}
    atomic_write_json(args.out, report)  # a kill never leaves half a results file
    print(f"wrote {args.out} ({report['wall_seconds']:.0f} s)")
    return report


if __name__ == "__main__":
    main()
