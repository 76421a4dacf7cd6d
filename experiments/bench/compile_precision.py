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
    ap.add_argument("--two-qubit-targets", type=int, default=0)
    ap.add_argument("--two-qubit-eps", type=float, nargs="+", default=[1e-2, 1e-3])
    ap.add_argument("--two-qubit-time-limit", type=float, default=10.0)
    ap.add_argument("--skip-one-qubit", action="store_true")
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
    for eps in [] if args.skip_one_qubit else args.eps:
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
    if args.two_qubit_targets:
        results["two_qubit"] = two_qubit(args)
    atomic_write_json(args.out, results)


def two_qubit(args: argparse.Namespace) -> dict:
    """Haar SU(4) at operator-norm epsilon: ``compile_unitary(gate_set="clifford_t_2q")`` (A* over the
    KAK + one-qubit-word baseline), ``compile_circuit`` of the same unitary (qiskit's KAK, verified
    budget split), the KAK word alone, and qiskit's Clifford+T transpile with its budget tightened until
    the result is within epsilon."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit.library import UnitaryGate

    from qdesign import compile_circuit
    from qdesign.quantum.gatesets import build_gate_set
    from qdesign.synthesis.kak2q import kak_word

    gs = build_gate_set("clifford_t_2q")
    rng = np.random.default_rng(args.seed + 1)
    targets = [haar_unitary(4, rng) for _ in range(args.two_qubit_targets)]
    out: dict = {}
    print(f"two qubits, time_limit={args.two_qubit_time_limit} s: mean T / CX / max operator distance / "
          "mean s")
    for eps in args.two_qubit_eps:
        rows: dict[str, list[dict]] = {"astar": [], "compile_circuit": [], "kak": [], "qiskit": []}
        for u in targets:
            qc = QuantumCircuit(2)
            qc.append(UnitaryGate(u), [0, 1])
            for name in ("astar", "compile_circuit", "kak", "qiskit"):
                t0 = time.time()
                if name == "astar":
                    res = compile_unitary(u, gate_set=gs, epsilon=eps, time_limit=args.two_qubit_time_limit)
                elif name == "compile_circuit":
                    res = compile_circuit(qc, epsilon=eps, time_limit=args.two_qubit_time_limit)
                elif name == "kak":
                    word = kak_word(u, gs, eps, metric="operator",
                                    deadline=time.time() + args.two_qubit_time_limit)
                    res = gs.to_circuit(word)
                else:
                    budget = eps
                    for _ in range(8):
                        res = transpile(qc, basis_gates=["h", "s", "sdg", "t", "tdg", "cx"],
                                        approximation_degree=1 - budget, optimization_level=1)
                        if operator_norm_distance(Operator(res).data, u) <= eps:
                            break
                        budget /= 10
                secs = time.time() - t0
                ops = res.count_ops()
                rows[name].append({"t": t_count(res), "cx": int(ops.get("cx", 0)), "gates": len(res.data),
                                   "distance": float(operator_norm_distance(Operator(res).data, u)),
                                   "seconds": secs})
        summ = {k: {"mean_t": float(np.mean([r["t"] for r in v])),
                    "mean_cx": float(np.mean([r["cx"] for r in v])),
                    "max_distance": float(max(r["distance"] for r in v)),
                    "within_eps": sum(r["distance"] <= eps for r in v) / len(v),
                    "mean_seconds": float(np.mean([r["seconds"] for r in v]))} for k, v in rows.items()}
        out[f"{eps:g}"] = {"summary": summ, "raw": rows}
        for k, v in summ.items():
            print(f"  {eps:7.0e} {k:16} T {v['mean_t']:7.1f}  CX {v['mean_cx']:4.1f}  "
                  f"d_max {v['max_distance']:.2e} within {v['within_eps']:.2f}  {v['mean_seconds']:6.2f} s",
                  flush=True)
    return out


if __name__ == "__main__":
    main()
