"""Logical error rates of base codes and their weight-reduced versions (issue 15): fewer qubits is not a
better code if it fails more often.

Bases: ``rm13`` = hypergraph product of the [8,4,4] Reed-Muller RM(1,3) generator matrix,
[[80,16,4]](12,8) (not among the shipped seeds, the issue's example); ``6-3``, ``7-2``, ``7-3``, ``7-4``
= the He & Liu Table I bases, HGP of the systematic parity checks of the shipped [6,3], [7,2], [7,3],
[7,4] seeds.  Each base is reduced to (6,3) by ``method="rl"`` and ``method="sabo"`` (API defaults,
seed 0); then every code runs the same Stim memory experiments (``qdesign.memory_circuit``), decoded
by BP-OSD (ldpc, OSD-CS order 7), same sampling seed, both memory bases combined:

* code capacity, p in {0.01, 0.03, 0.05}
* phenomenological (data + measurement noise), p = 0.01, 4 rounds (bases in ``--multi-round``)
* circuit level (SD6 uniform depolarising), p = 0.001, 4 rounds (``--circuit``; slow on big codes)

Run: ``python experiments/qec/ler_reduced_codes.py [--bases rm13,6-3] [--shots N] [--name NAME]``;
prints a table and writes ``results/NAME.json``; ``--plot`` draws the code-capacity LER against p of the
``rows`` of every JSON in ``results/`` into ``results/ler_reduced_codes_code_capacity.png`` (the combined
figure ``results/ler_vs_p.png`` is drawn by ``ler_reference_codes.py --plot``).  Every number is
measured in the run that wrote it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

RM13 = np.array([[1] * 8, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]],
                dtype=np.uint8)
HERE = Path(__file__).resolve().parent


def base_seed(name: str) -> np.ndarray:
    """The classical matrix whose HGP(H, H) is the base code ``name``."""
    if name == "rm13":
        return RM13
    from qdesign.codes.seeds import get_seed, systematic_parity_check

    n, k = (int(x) for x in name.split("-"))
    return systematic_parity_check(get_seed(n, k).G)


def plot(out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for f in sorted(out.glob("*.json")):
        rows += [r for r in json.loads(f.read_text()).get("rows", []) if r["noise"] == "code_capacity"]
    bases = sorted({r["base"] for r in rows})
    fig, axes = plt.subplots(1, len(bases), figsize=(3.2 * len(bases), 3.2), squeeze=False)
    for ax, b in zip(axes[0], bases):
        for code in ("base", "rl", "sabo"):
            pts = sorted((r["p"], r["per_shot"], *r["ci"], r["n"], r["d"]) for r in rows
                         if r["base"] == b and r["code"] == code)
            if not pts:
                continue
            p, y, lo, hi = (np.array([t[i] for t in pts], dtype=float) for i in range(4))
            seen = y > 0  # no error seen: only the upper end of the interval is drawn (a down triangle)
            line = ax.errorbar(p[seen], y[seen], yerr=[y[seen] - lo[seen], hi[seen] - y[seen]], marker="o",
                               capsize=2, label=f"{code} n={pts[0][4]} d={pts[0][5]}")
            if (~seen).any():
                ax.plot(p[~seen], hi[~seen], "v", color=line[0].get_color())
        ax.set(xscale="log", yscale="log", xlabel="p (code capacity)", title=b, xticks=[0.01, 0.03, 0.05],
               xticklabels=["0.01", "0.03", "0.05"])
        ax.minorticks_off()
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("logical error rate per shot (BP-OSD)")
    fig.tight_layout()
    path = out / "ler_reduced_codes_code_capacity.png"
    fig.savefig(path, dpi=120)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bases", default="rm13", help="comma list of rm13, 6-3, 7-2, 7-3, 7-4")
    ap.add_argument("--shots", type=int, default=20_000, help="shots per memory basis and setting")
    ap.add_argument("--multi-round", default="rm13", help="bases that also run phenomenological noise")
    ap.add_argument("--multi-round-shots", type=int, default=2_000,
                    help="shots per basis for the multi-round settings (slower to decode)")
    ap.add_argument("--circuit", action="store_true", help="also circuit-level noise (slow)")
    ap.add_argument("--name", default="ler_reduced_codes", help="results/NAME.json")
    ap.add_argument("--plot", action="store_true",
                    help="only draw results/ler_reduced_codes_code_capacity.png from the JSON")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    if args.plot:
        print(f"wrote {plot(args.out)}")
        return 0

    from qdesign import code_parameters, logical_error_rate, reduce_weight
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.runs import atomic_write_json

    rows = []
    for bname in args.bases.split(","):
        H = base_seed(bname)
        hx, hz = hgp_matrices(H)
        t0 = time.perf_counter()
        codes = {"base": {"h_x": hx, "h_z": hz, "params": code_parameters(hx, hz, hgp_seeds=(H, H)),
                          "seconds": time.perf_counter() - t0}}
        for method in ("rl", "sabo"):
            t0 = time.perf_counter()
            r = reduce_weight(hx, hz, 6, 3, method=method, seed=0)
            secs = time.perf_counter() - t0
            codes[method] = {"h_x": r.h_x, "h_z": r.h_z, "params": r.params, "seconds": secs}
            print(f"{bname} {method}: {codes['base']['params']} -> {r.params} in {secs:.1f} s", flush=True)
        settings = [("code_capacity", p, 1) for p in (0.01, 0.03, 0.05)]
        if bname in args.multi_round.split(","):
            settings.append(("phenomenological", 0.01, 4))
            if args.circuit:
                settings.append(("circuit", 0.001, 4))
        for name, c in codes.items():
            prm = c["params"]
            for noise, p, rounds in settings:
                shots = args.shots if rounds == 1 else args.multi_round_shots
                r = logical_error_rate(c["h_x"], c["h_z"], noise=noise, p=p, rounds=rounds, shots=shots,
                                       decoder="bposd", seed=1, max_errors=max(200, shots // 10))
                d = None if prm.d == float("inf") else int(prm.d)
                rows.append({"base": bname, "code": name, "n": prm.n, "k": prm.k, "d": d,
                             "d_exact": prm.exact, "w": prm.w, "q": prm.q,
                             "reduce_seconds": round(c["seconds"], 2), **r.to_dict()})
                print(f"{bname:5s} {name:5s} {str(prm):22s} {noise:17s} p={p:<6} LER/shot {r.per_shot:.4f} "
                      f"[{r.ci[0]:.4f}, {r.ci[1]:.4f}] per round {r.per_round:.4f} ({r.seconds:.1f} s)",
                      flush=True)

    print("\n| base | code | [[n,k,d]](w,q) | noise | p | rounds | LER per shot (95% CI) | LER per round "
          "| x base |")
    print("|---|---|---|---|---|---|---|---|---|")
    base_rate = {(r["base"], r["noise"], r["p"]): r["per_shot"] for r in rows if r["code"] == "base"}
    for r in rows:
        ref = base_rate[(r["base"], r["noise"], r["p"])]
        ratio = r["per_shot"] / ref if ref else float("nan")
        print(f"| {r['base']} | {r['code']} | [[{r['n']},{r['k']},{r['d']}]]({r['w']},{r['q']}) "
              f"| {r['noise']} | {r['p']} | {r['rounds']} "
              f"| {r['per_shot']:.4f} ({r['ci'][0]:.4f}-{r['ci'][1]:.4f}) "
              f"| {r['per_round']:.4f} | {ratio:.2f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / f"{args.name}.json", {
        "bases": args.bases, "decoder": "bposd (osd_cs 7, 30 BP iterations)", "sampling_seed": 1,
        "reduce_seed": 0, "shots_per_basis": args.shots,
        "multi_round_shots_per_basis": args.multi_round_shots, "command": " ".join(sys.argv), "rows": rows,
    })
    print(f"wrote {args.out / (args.name + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
