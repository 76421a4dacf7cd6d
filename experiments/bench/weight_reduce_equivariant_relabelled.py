"""The permutation-equivariant n-preserving policy on the Table I [7,4] matrix and relabelled copies.

The policy (``qdesign.agents.equivariant_reduce``, trained from reward by
``experiments/weight_reduce/train_equivariant_policy.py``) is rolled out greedy + ``--samples`` sampled
rollouts of ``--max-steps`` steps from HGP(Hamming [7,4]) (the training matrix) and from relabelled
copies (qubits and checks permuted, permutation seeds 1..``--copies``, as in
``weight_reduce_fixed_n_relabelled.py``), beside the random masked agent with the same number of
rollouts, the same episode length and the same sampling seed.  Every code reached at excess 0 is
re-checked with independent GF(2) code (rank for k, exact minimum distance).

    python experiments/bench/weight_reduce_equivariant_relabelled.py --policy runs/equiv/policy.npz

writes ``experiments/bench/results/weight_reduce_equivariant_relabelled.json`` after every copy
(rendered in RESULTS.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from weight_reduce_fixed_n_relabelled import relabelled_copy  # the sibling script (run as a file, like it)

from qdesign.agents.equivariant_reduce import FEATURES, EquivariantActor
from qdesign.api.fixed_n_policy import fixed_n_codes, load_fixed_n_policy
from qdesign.codes.hgp import hgp_matrices
from qdesign.reduction.seed_state import seed_start_matrix

OUT = Path(__file__).resolve().parent / "results" / "weight_reduce_equivariant_relabelled.json"


def rank2(m: np.ndarray) -> int:
    """GF(2) rank by plain Gaussian elimination (independent of qdesign.codes.gf2)."""
    a = (np.asarray(m) % 2).astype(np.uint8).copy()
    r = 0
    for c in range(a.shape[1]):
        piv = np.flatnonzero(a[r:, c])
        if piv.size == 0:
            continue
        p = r + piv[0]
        a[[r, p]] = a[[p, r]]
        rows = np.flatnonzero(a[:, c])
        rows = rows[rows != r]
        a[rows] ^= a[r]
        r += 1
        if r == a.shape[0]:
            break
    return r


def min_distance_at_least(hx: np.ndarray, hz: np.ndarray, d: int) -> bool:
    """No X or Z logical of weight < d (brute force over supports; d <= 3 here)."""
    n = hx.shape[1]
    for checks, stabs in ((hz, hx), (hx, hz)):
        rs = rank2(stabs)
        for wt in range(1, d):
            for sup in itertools.combinations(range(n), wt):
                v = np.zeros(n, dtype=np.uint8)
                v[list(sup)] = 1
                if (checks.astype(np.int64) @ v % 2).any():
                    continue
                if rank2(np.vstack([stabs, v])) > rs:
                    return False
    return True


def check(hx: np.ndarray, hz: np.ndarray) -> dict:
    n = hx.shape[1]
    k = n - rank2(hx) - rank2(hz)
    comm = not (hx.astype(np.int64) @ hz.T.astype(np.int64) % 2).any()
    w = int(max(hx.sum(1).max(), hz.sum(1).max()))
    q = int(max(hx.sum(0).max(), hz.sum(0).max()))
    return {"n": n, "k": int(k), "commute": bool(comm), "w": w, "q": q,
            "d_at_least_3": bool(min_distance_at_least(hx, hz, 3))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--policy", type=Path, required=True, help="an equivariant policy .npz (with its .json)")
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--max-steps", type=int, default=None, help="episode length (default: the policy's)")
    ap.add_argument("--heat-bath", type=float, default=None, metavar="BETA",
                    help="instead of the trained weights: the hand-set (untrained) scorer -BETA * d_excess "
                         "(a Boltzmann choice over the one-step excess change), same rollouts and seeds")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    fp = load_fixed_n_policy(args.policy)
    if args.max_steps is not None:
        fp.max_steps = int(args.max_steps)
    meta = json.loads(args.policy.with_suffix(".json").read_text())
    who = "Equivariant n-preserving policy (trained from reward"
    who += f", training seed {meta['seed']})" if "seed" in meta else ")"
    if args.heat_bath is not None:
        lin = np.zeros((1, len(FEATURES)))
        lin[0, FEATURES.index("d_excess")] = -args.heat_bath
        zero_mlp = [(np.zeros((1, len(FEATURES))), np.zeros(1)), (np.zeros((1, 1)), np.zeros(1))]
        fp.policy = EquivariantActor(zero_mlp, fp.r_max, fp.n_max, linear=(lin, np.zeros(1)))
        meta = {"name": f"heat bath beta={args.heat_bath}", "training": "none (hand-set scorer)",
                "max_steps": fp.max_steps}
        who = f"Untrained heat-bath scorer exp(-{args.heat_bath} * excess change)"
    notes = ["policy columns: the policy alone, no search at inference. The trained file's training: "
             "policy gradient from the env reward, random initialisation, no imitation; the start states of "
             "training episodes were drawn from the states of ONE anneal_fixed_n (search) trajectory on the "
             "training matrix (reverse curriculum) and from the seed itself. The network scores each move "
             "from permutation-invariant row/column aggregates, so a relabelled copy gets relabelled "
             "scores; the copies differ only in tie-breaking and in which random numbers meet which move.",
             "verified_codes: each excess-0 code re-checked by independent GF(2) rank (k), commutation, "
             "(w, q), and brute-force search for logicals of weight 1 and 2."]
    if args.heat_bath is not None:
        notes.insert(0, f"policy columns here: the UNTRAINED heat-bath scorer (beta {args.heat_bath}, no "
                        "learned weights), a reference for what the training adds")
    H, _ = seed_start_matrix("7,4", "systematic")
    hx0, hz0 = hgp_matrices(H)
    rows: list = []
    verified: list = []
    data: dict = {}
    for copy in range(args.copies + 1):
        hx, hz, label = relabelled_copy(hx0, hz0, copy)
        t = time.time()
        px, pz, ex_p, det = fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=args.samples, seed=0)
        t_p = time.time() - t
        t = time.time()
        _, _, ex_r, det_r = fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=args.samples + 1, seed=0, uniform=True)
        t_r = time.time() - t
        if ex_p == 0:
            verified.append({"start": label, **check(px, pz)})
        rows.append([label, det["greedy"]["excess"], ex_p,
                     f"{det['rollouts_meeting_target']}/{det['rollouts']}", ex_r,
                     f"{det_r['rollouts_meeting_target']}/{det_r['rollouts']}", round(t_p, 1), round(t_r, 1)])
        print(rows[-1], flush=True)
        data = {
            "tables": [{
                "title": f"{who} on HGP(Hamming [7,4]) and on "
                         "relabelled copies, beside the random masked agent with the same "
                         f"{args.samples + 1} rollouts of {fp.max_steps} steps (excess above (6,3); "
                         "0 = [[58,16]](6,3) reached, start 24)",
                "columns": ["start", "policy greedy excess", f"policy best of greedy + {args.samples}",
                            "policy rollouts at target", f"random best of {args.samples + 1}",
                            "random rollouts at target", "policy seconds", "random seconds"],
                "rows": rows,
                "seeds": {"permutation seeds": list(range(1, args.copies + 1)), "sampling seed": [0]},
            }],
            "verified_codes": verified,
            "policy": {k: meta.get(k) for k in ("name", "training", "episodes", "env_steps", "hidden",
                                                  "max_steps", "seed")},
            "notes": notes,
        }
        args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
