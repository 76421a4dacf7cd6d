"""Our memory circuit against an independent one: the unrotated surface code as HGP(rep d, rep d) through
``qdesign.memory_circuit`` beside Stim's own ``surface_code:unrotated_memory_z`` generated circuit,
same d, rounds = d, same p for gates / data / measurement / reset, all decoded by PyMatching, same shots
and sampling seed.  Ours twice: ``schedule="hgp"`` (the default for products: interleaved, 4 CNOT layers
like Stim's) and ``schedule="coloring"`` (X checks then Z checks, Δ_X + Δ_Z = 8 layers).  Ours also adds
idle noise in every layer (SD6, arXiv 2108.10457), which Stim's generated circuit does not.

Run: ``python experiments/qec/surface_reference.py [--shots N]``; prints a table (with the ratio ours /
Stim) and writes ``results/surface_reference.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def rep(d: int) -> np.ndarray:
    return np.array([[1 if j in (i, i + 1) else 0 for j in range(d)] for i in range(d - 1)], dtype=np.uint8)


def sampled_ler(circuit, shots: int, seed: int) -> tuple[float, int, float]:
    import pymatching

    t0 = time.perf_counter()
    m = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    dets, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
    errors = int((m.decode_batch(dets) != obs).any(axis=1).sum())
    return errors / shots, errors, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shots", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)

    import stim

    from qdesign import memory_circuit
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.qec import wilson_interval
    from qdesign.runs import atomic_write_json

    rows = []
    print("| d | p | Stim generated LER (95% CI) | ours hgp LER (95% CI) | ours hgp / Stim "
          "| ours coloring LER (95% CI) | coloring / Stim | circuit d (Stim, hgp, coloring) |")
    print("|---|---|---|---|---|---|---|---|")
    for d in (3, 5):
        for p in (0.001, 0.003):
            ref = stim.Circuit.generated("surface_code:unrotated_memory_z", distance=d, rounds=d,
                                         after_clifford_depolarization=p, before_round_data_depolarization=p,
                                         before_measure_flip_probability=p, after_reset_flip_probability=p)
            ours, col = (memory_circuit(*hgp_matrices(rep(d)), rounds=d, p=p, noise="uniform_depolarizing",
                                        basis="Z", schedule=s) for s in ("hgp", "coloring"))
            (lr, er, sr), (lo, eo, so) = sampled_ler(ref, args.shots, 5), sampled_ler(ours, args.shots, 5)
            lc, ec, sc = sampled_ler(col, args.shots, 5)
            dr, do, dc = (len(c.shortest_graphlike_error()) for c in (ref, ours, col))
            ci_r, ci_o, ci_c = (wilson_interval(e, args.shots) for e in (er, eo, ec))
            ratio = lo / lr if lr else float("nan")
            ratio_c = lc / lr if lr else float("nan")
            rows.append({"d": d, "p": p, "rounds": d, "shots": args.shots, "stim_ler": lr,
                         "stim_errors": er, "stim_ci": ci_r, "ours_ler": lo, "ours_errors": eo,
                         "ours_ci": ci_o, "ratio": ratio, "ours_coloring_ler": lc, "ours_coloring_errors": ec,
                         "ours_coloring_ci": ci_c, "ratio_coloring": ratio_c,
                         "stim_circuit_distance": dr, "ours_circuit_distance": do,
                         "ours_coloring_circuit_distance": dc, "seconds": round(sr + so + sc, 2)})
            print(f"| {d} | {p} | {lr:.2e} ({ci_r[0]:.1e}-{ci_r[1]:.1e}) "
                  f"| {lo:.2e} ({ci_o[0]:.1e}-{ci_o[1]:.1e}) | {ratio:.1f} "
                  f"| {lc:.2e} ({ci_c[0]:.1e}-{ci_c[1]:.1e}) | {ratio_c:.1f} | {dr}, {do}, {dc} |",
                  flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "surface_reference.json", {"decoder": "pymatching", "sampling_seed": 5,
                                                             "ours": "schedule='hgp' (ours_*), "
                                                                     "schedule='coloring' (ours_coloring_*)",
                                                             "command": " ".join(sys.argv), "rows": rows})
    print(f"wrote {args.out / 'surface_reference.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
