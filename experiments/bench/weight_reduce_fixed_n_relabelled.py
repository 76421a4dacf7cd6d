"""Does the shipped n-preserving policy generalise, or does it replay the one trajectory it imitated?

The policy (``qdesign/api/models/fixed_n_reduce_policy.npz``) was fitted to one ``anneal_fixed_n``
trajectory from the Table I [7,4] matrix, then fine-tuned by MaskablePPO. Here it is rolled out
(greedy + ``--samples`` sampled rollouts) from that matrix and from relabelled copies of the same
code: qubits and checks permuted (the same stabilizer group, so the same [[58,16,3]](7,4) code and
the same reachable (6,3) codes), next to the random masked agent with the same rollouts and seeds.

    python experiments/bench/weight_reduce_fixed_n_relabelled.py [--copies 5 --samples 32]

writes ``experiments/bench/results/weight_reduce_fixed_n_relabelled.json`` (rendered in RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qdesign.api.fixed_n_policy import fixed_n_codes, load_fixed_n_policy
from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_matrices
from qdesign.reduction.seed_state import seed_start_matrix

OUT = Path(__file__).resolve().parent / "results" / "weight_reduce_fixed_n_relabelled.json"


def relabelled_copy(hx0: np.ndarray, hz0: np.ndarray, copy: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Copy 0 is the matrix itself; copy c > 0 permutes qubits and the rows of each check matrix with
    ``default_rng(c)`` (the same stabilizer group, so the same code and the same reachable codes)."""
    if copy == 0:
        return hx0, hz0, "training matrix"
    rng = np.random.default_rng(copy)
    cols = rng.permutation(hx0.shape[1])
    hx = hx0[rng.permutation(hx0.shape[0])][:, cols]
    hz = hz0[rng.permutation(hz0.shape[0])][:, cols]
    return hx, hz, f"relabelled (permutation seed {copy})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=5, help="relabelled copies (permutation seeds 1..copies)")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    fp = load_fixed_n_policy()
    H, _ = seed_start_matrix("7,4", "systematic")  # the matrix the policy was trained from
    hx0, hz0 = hgp_matrices(H)
    rows = []
    for copy in range(args.copies + 1):
        hx, hz, label = relabelled_copy(hx0, hz0, copy)
        code = CSSCode(hx, hz)
        t = time.time()
        _, _, ex_p, det = fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=args.samples, seed=0)
        _, _, ex_r, det_r = fixed_n_codes(fp, hx, hz, 6, 3, 3, samples=args.samples + 1, seed=0, uniform=True)
        rows.append([label, f"[[{code.n},{code.k}]]({code.w},{code.q})", det["greedy"]["excess"], ex_p,
                     f"{det['rollouts_meeting_target']}/{det['rollouts']}", ex_r,
                     f"{det_r['rollouts_meeting_target']}/{det_r['rollouts']}", round(time.time() - t, 2)])
        print(rows[-1], flush=True)
    data = {
        "tables": [{
            "title": "The shipped n-preserving policy on the matrix it was trained from and on relabelled "
                     "copies of the same code (qubits and checks permuted), beside the random masked agent "
                     f"with the same {args.samples + 1} rollouts "
                     "(excess above (6,3); 0 = target met, start 24)",
            "columns": ["start", "code", "policy greedy excess", f"policy best of greedy + {args.samples}",
                        "policy rollouts at target", f"random best of {args.samples + 1}",
                        "random rollouts at target", "seconds"],
            "rows": rows,
            "seeds": {"permutation seeds": list(range(1, args.copies + 1)), "sampling seed": [0]},
        }],
        "notes": ["policy columns come from the trained policy alone (no search at inference); its training "
                  "imitated one anneal_fixed_n trajectory from the training matrix, then MaskablePPO "
                  "fine-tuned it (experiments/weight_reduce/train_fixed_n_policy.py). A result only on the "
                  "training matrix means the policy replays that trajectory and does not generalise."],
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
