"""Our memory circuit against an independent one: the unrotated surface code as HGP(rep d, rep d) through
``qdesign.memory_circuit`` beside Stim's own ``surface_code:unrotated_memory_z`` generated circuit,
same d, rounds = d, same p for gates / data / measurement / reset, both decoded by PyMatching, same shots
and sampling seed.  Differences to expect: ours adds idle noise in every layer (SD6, arXiv 2108.10457)
and runs X checks then Z checks (Δ_X + Δ_Z = 8 CNOT layers instead of Stim's 4).

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
    print("| d | p | Stim generated LER (95% CI) | ours LER (95% CI) | ours / Stim "
          "| circuit d (Stim, ours) |")
    print("|---|---|---|---|---|---|")
    for d in (3, 5):
        for p in (0.001, 0.003):
            ref = stim.Circuit.generated("surface_code:unrotated_memory_z", distance=d, rounds=d,
                                         after_clifford_depolarization=p, before_round_data_depolarization=p,
                                         before_measure_flip_probability=p, after_reset_flip_probability=p)
            ours = memory_circuit(*hgp_matrices(rep(d)), rounds=d, p=p, noise="uniform_depolarizing",
                                  basis="Z")
            (lr, er, sr), (lo, eo, so) = sampled_ler(ref, args.shots, 5), sampled_ler(ours, args.shots, 5)
            dr, do = len(ref.shortest_graphlike_error()), len(ours.shortest_graphlike_error())
            ci_r, ci_o = wilson_interval(er, args.shots), wilson_interval(eo, args.shots)
            ratio = lo / lr if lr else float("nan")
            rows.append({"d": d, "p": p, "rounds": d, "shots": args.shots, "stim_ler": lr,
                         "stim_errors": er, "stim_ci": ci_r, "ours_ler": lo, "ours_errors": eo,
                         "ours_ci": ci_o, "ratio": ratio,
                         "stim_circuit_distance": dr, "ours_circuit_distance": do,
                         "seconds": round(sr + so, 2)})
            print(f"| {d} | {p} | {lr:.2e} ({ci_r[0]:.1e}-{ci_r[1]:.1e}) "
                  f"| {lo:.2e} ({ci_o[0]:.1e}-{ci_o[1]:.1e}) | {ratio:.1f} | {dr}, {do} |", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "surface_reference.json", {"decoder": "pymatching", "sampling_seed": 5,
                                                             "command": " ".join(sys.argv), "rows": rows})
    print(f"wrote {args.out / 'surface_reference.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
