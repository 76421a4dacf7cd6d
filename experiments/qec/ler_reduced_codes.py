"""Logical error rates of a base code and its weight-reduced versions (issue 15): fewer qubits is not a
better code if it fails more often.

The base is the hypergraph product of the [8,4,4] Reed-Muller RM(1,3) generator matrix, [[80,16,4]](12,8)
(not among the shipped seeds).  It is reduced to (6,3) by ``method="rl"`` and ``method="sabo"`` (API
defaults, seed 0), then every code runs the same Stim memory experiments (``qdesign.memory_circuit``),
decoded by BP-OSD (ldpc, OSD-CS order 7), same seeds, both memory bases combined:

* code capacity, p in {0.01, 0.03, 0.05}
* phenomenological (data + measurement noise), p = 0.01, 4 rounds
* circuit level (SD6 uniform depolarising), p = 0.001, 4 rounds (``--circuit``; slow on the big code)

Run: ``python experiments/qec/ler_reduced_codes.py [--shots N] [--circuit] [--out DIR]``; prints a table
and writes ``ler_reduced_codes.json``.  Every number is measured in this one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

RM13 = np.array([[1] * 8, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]],
                dtype=np.uint8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shots", type=int, default=20_000, help="shots per basis and setting")
    ap.add_argument("--multi-round-shots", type=int, default=2_000,
                    help="shots per basis for the multi-round settings (slower to decode)")
    ap.add_argument("--circuit", action="store_true", help="also circuit-level noise (slow)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args(argv)

    from qdesign import code_parameters, logical_error_rate, reduce_weight
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.runs import atomic_write_json

    hx, hz = hgp_matrices(RM13)
    codes: dict[str, dict] = {}
    t0 = time.perf_counter()
    base = code_parameters(hx, hz, hgp_seeds=(RM13, RM13))
    codes["base"] = {"h_x": hx, "h_z": hz, "params": base, "seconds": time.perf_counter() - t0}
    for method in ("rl", "sabo"):
        t0 = time.perf_counter()
        r = reduce_weight(hx, hz, 6, 3, method=method, seed=0)
        codes[method] = {"h_x": r.h_x, "h_z": r.h_z, "params": r.params, "seconds": time.perf_counter() - t0}
        print(f"{method}: {r.params} in {codes[method]['seconds']:.1f} s", flush=True)

    settings = [("code_capacity", p, 1) for p in (0.01, 0.03, 0.05)] + [("phenomenological", 0.01, 4)]
    if args.circuit:
        settings.append(("circuit", 0.001, 4))
    rows = []
    for name, c in codes.items():
        prm = c["params"]
        for noise, p, rounds in settings:
            shots = args.shots if rounds == 1 else args.multi_round_shots
            r = logical_error_rate(c["h_x"], c["h_z"], noise=noise, p=p, rounds=rounds, shots=shots,
                                   decoder="bposd", seed=1, max_errors=max(200, shots // 10))
            d = None if prm.d == float("inf") else int(prm.d)
            rows.append({"code": name, "n": prm.n, "k": prm.k, "d": d, "d_exact": prm.exact, "w": prm.w,
                         "q": prm.q, "reduce_seconds": round(c["seconds"], 2), **r.to_dict()})
            print(f"{name:5s} {str(prm):22s} {noise:17s} p={p:<6} LER/shot {r.per_shot:.4f} "
                  f"[{r.ci[0]:.4f}, {r.ci[1]:.4f}] per round {r.per_round:.4f} ({r.seconds:.1f} s)",
                  flush=True)

    print("\n| code | [[n,k,d]](w,q) | noise | p | rounds | LER per shot (95% CI) | LER per round | x base |")
    print("|---|---|---|---|---|---|---|---|")
    base_rate = {(r["noise"], r["p"]): r["per_shot"] for r in rows if r["code"] == "base"}
    for r in rows:
        ref = base_rate[(r["noise"], r["p"])]
        ratio = r["per_shot"] / ref if ref else float("nan")
        print(f"| {r['code']} | [[{r['n']},{r['k']},{r['d']}]]({r['w']},{r['q']}) | {r['noise']} | {r['p']} "
              f"| {r['rounds']} | {r['per_shot']:.4f} ({r['ci'][0]:.4f}-{r['ci'][1]:.4f}) "
              f"| {r['per_round']:.4f} | {ratio:.2f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "ler_reduced_codes.json", {
        "base": "HGP(RM(1,3) generator) [[80,16,4]](12,8)", "decoder": "bposd (osd_cs 7, 30 BP iterations)",
        "sampling_seed": 1, "reduce_seed": 0, "shots_per_basis": args.shots,
        "multi_round_shots_per_basis": args.multi_round_shots, "rows": rows,
    })
    print(f"wrote {args.out / 'ler_reduced_codes.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
