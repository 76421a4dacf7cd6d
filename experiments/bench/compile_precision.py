"""One-qubit compilation at every precision: ``astar`` against qiskit's gridsynth, with the time limit.

    nice -n 10 python experiments/bench/compile_precision.py --targets 10 \
        --eps 1e-2 1e-3 1e-4 1e-6 1e-8 1e-10 --time-limit 2 \
        --out experiments/bench/results/compile_precision.json

Haar SU(2) targets (seeded) and Z rotations (uniform angles) on Clifford+T. Per epsilon: success rate,
mean/max T-count and gates, mean and max seconds for ``compile_unitary(method="astar",
time_limit=...)`` and ``method="gridsynth"`` (qiskit ``gridsynth_unitary``: three Rz), the T ratio
astar / gridsynth, the T-count over the counting floor ``3 log2(1/eps)``, and ``max_seconds /
time_limit`` (how well the limit is kept; the first call of a process also loads the tables, so the
first target of a run is reported apart). Every circuit is re-verified by ``compile_unitary`` with
qiskit's Operator, and here once more from the eigenphases of U^dag W.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from qiskit.quantum_info import Operator
from qiskit.synthesis import gridsynth_rz

from qdesign import compile_unitary
from qdesign.quantum.unitary import haar_unitary, operator_norm_distance
from qdesign.runs import atomic_write_json


def t_count(qc) -> int:
    ops = qc.count_ops()
    return int(ops.get("t", 0) + ops.get("tdg", 0))


def run_one(u: np.ndarray, eps: float, method: str, time_limit: float | None) -> dict:
    t0 = time.time()
    try:
        qc = compile_unitary(u, epsilon=eps, method=method,
                             time_limit=time_limit if method == "astar" else None)
    except Exception as err:  # noqa: BLE001 - a failure is a measured outcome here
        return {"ok": False, "error": f"{type(err).__name__}: {err}"[:200], "seconds": time.time() - t0}
    secs = time.time() - t0
    dist = float(operator_norm_distance(Operator(qc).data, u))
    return {"ok": dist <= eps, "t": t_count(qc), "gates": len(qc.data), "seconds": secs, "distance": dist}


def summarise(rows: list[dict], time_limit: float | None) -> dict:
    ok = [r for r in rows if r["ok"]]
    out = {"success": len(ok) / len(rows), "mean_seconds": float(np.mean([r["seconds"] for r in rows])),
           "max_seconds": float(max(r["seconds"] for r in rows))}
    if ok:
        out.update({"mean_t": float(np.mean([r["t"] for r in ok])), "max_t": int(max(r["t"] for r in ok)),
                    "mean_gates": float(np.mean([r["gates"] for r in ok]))})
    if time_limit:
        out["max_seconds_over_limit"] = out["max_seconds"] / time_limit
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10])
    ap.add_argument("--targets", type=int, default=10)
    ap.add_argument("--rz-targets", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=Path("experiments/bench/results/compile_precision.json"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(args.seed)
    haar = [haar_unitary(2, rng) for _ in range(args.targets)]
    angles = rng.uniform(-np.pi, np.pi, args.rz_targets)
    rz = [np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)]) for a in angles]
    warm = run_one(haar_unitary(2, np.random.default_rng(0)), 1e-3, "astar", args.time_limit)
    results: dict = {"time_limit": args.time_limit, "seed": args.seed, "first_call": warm, "rows": {}}
    print(f"first call of the process (tables load): {warm['seconds']:.2f} s with time_limit="
          f"{args.time_limit}")
    print(f"{'eps':>7} {'kind':5} | {'ok A*':>5} {'T A*':>6} {'T gs':>6} {'T ratio':>7} {'T/floor':>7} | "
          f"{'s A*':>6} {'max s':>6} {'max/lim':>7} {'s gs':>6}")
    for eps in args.eps:
        floor = 3 * np.log2(1 / eps)
        for kind, targets in (("haar", haar), ("rz", rz)):
            a = [run_one(u, eps, "astar", args.time_limit) for u in targets]
            if kind == "haar":
                g = [run_one(u, eps, "gridsynth", None) for u in targets]
            else:  # the reference for a Z rotation is one gridsynth_rz
                g = []
                for ang in angles:
                    t0 = time.time()
                    qc = gridsynth_rz(float(ang), epsilon=eps)
                    g.append({"ok": True, "t": t_count(qc), "gates": len(qc.data),
                              "seconds": time.time() - t0})
            sa, sg = summarise(a, args.time_limit), summarise(g, None)
            ratio = sa.get("mean_t", np.nan) / sg.get("mean_t", np.nan)
            row = {"astar": sa, "gridsynth": sg, "t_ratio": ratio,
                   "t_over_floor": sa.get("mean_t", np.nan) / floor, "raw_astar": a, "raw_gridsynth": g}
            results["rows"][f"{kind}_{eps:g}"] = row
            print(f"{eps:7.0e} {kind:5} | {sa['success']:5.2f} {sa.get('mean_t', np.nan):6.1f} "
                  f"{sg.get('mean_t', np.nan):6.1f} {ratio:7.2f} {row['t_over_floor']:7.2f} | "
                  f"{sa['mean_seconds']:6.2f} {sa['max_seconds']:6.2f} {sa['max_seconds_over_limit']:7.2f} "
                  f"{sg['mean_seconds']:6.3f}", flush=True)
    atomic_write_json(args.out, results)


if __name__ == "__main__":
    main()
