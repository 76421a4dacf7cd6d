"""One-qubit compilation at 1e-3 and 1e-4 with a short time limit: cold vs warm tree cache, and baselines.

    nice -n 10 python experiments/bench/gate_compile_high_precision.py --targets 8 --time-limit 1 \
        --out experiments/bench/results/gate_compile_high_precision.json

Hidden Haar targets (seeded). ``astar`` runs in fresh processes with ``time_limit``: "cold" with the
exact tables on disk but none of their KD-trees (what a first-time user has), "warm" after
``qdesign prebuild-tables`` (trees cached on disk, loaded in the call). Each process makes one warm-up
call on another target first (imports, table loading; reported apart). Baselines on the same targets:
qiskit's ``gridsynth_unitary`` (``method="gridsynth"``), pygridsynth (Ross-Selinger Rz, here three
of them in a ZYZ Euler decomposition at eps/3 each), the lattice route alone
(``qdesign.synthesis.lattice.lattice_word``, which ``astar`` takes first), and trasyn (tensor-network
synthesis of the whole unitary, arXiv 2503.15843; CPU only here, so only at epsilon >= --trasyn-min-eps).
Every word is re-verified here with the exact
operator-norm distance. The target of item 2 of issue 14 is T <= 1.2 x 3 log2(1/eps) on average in at
most 1 s per target.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()


def targets(seed: int, n: int) -> list[np.ndarray]:
    from qdesign.quantum.unitary import haar_unitary

    rng = np.random.default_rng(seed)
    return [haar_unitary(2, rng) for _ in range(n)]


def t_count(qc) -> int:
    ops = qc.count_ops()
    return int(ops.get("t", 0) + ops.get("tdg", 0))


def worker(seed: int, n: int, eps_list: list[float], time_limit: float) -> dict:
    """Runs inside a fresh process (QDESIGN_CACHE set by the parent)."""
    from qiskit.quantum_info import Operator

    from qdesign import compile_unitary
    from qdesign.quantum.unitary import haar_unitary, operator_norm_distance

    warnings.filterwarnings("ignore")
    out: dict = {}
    for eps in eps_list:
        t0 = time.time()
        compile_unitary(haar_unitary(2, np.random.default_rng(0)), epsilon=eps, time_limit=time_limit,
                        cache=False)
        first = time.time() - t0
        rows = []
        for u in targets(seed, n):
            t0 = time.time()
            qc = compile_unitary(u, epsilon=eps, time_limit=time_limit, cache=False)
            secs = time.time() - t0
            rows.append({"t": t_count(qc), "gates": len(qc.data), "seconds": secs,
                         "distance": float(operator_norm_distance(Operator(qc).data, u))})
        out[str(eps)] = {"first_call_seconds": first, "rows": rows}
    return out


def run_mode(mode: str, tables: Path, args) -> tuple[dict, float | None]:
    """A fresh cache folder holding the tables (symlinked); warm: trees prebuilt in it first."""
    with tempfile.TemporaryDirectory(prefix="qdesign_cache_") as tmp:
        (Path(tmp) / "mitm").mkdir()
        for f in tables.glob("clifford_t_*.npz"):
            os.symlink(f, Path(tmp) / "mitm" / f.name)
        env = {**os.environ, "QDESIGN_CACHE": tmp}
        prebuild = None
        if mode == "warm":
            t0 = time.time()
            subprocess.run([sys.executable, "-m", "qdesign.cli", "prebuild-tables", "clifford_t"], env=env,
                           check=True, stdout=subprocess.DEVNULL)
            prebuild = time.time() - t0
        res = subprocess.run([sys.executable, str(HERE), "--worker", "--seed", str(args.seed), "--targets",
                              str(args.targets), "--time-limit", str(args.time_limit), "--eps",
                              *map(str, args.eps)], env=env, check=True, capture_output=True, text=True)
        return json.loads(res.stdout.strip().splitlines()[-1]), prebuild


def pygridsynth_word(u: np.ndarray, eps: float) -> tuple[np.ndarray, int, int]:
    """ZYZ Euler angles, each Rz by pygridsynth at eps/3: (matrix, T-count, gates)."""
    import mpmath
    from pygridsynth import get_synthesized_unitary, gridsynth_gates
    from qiskit.synthesis import OneQubitEulerDecomposer

    theta, phi, lam = OneQubitEulerDecomposer("ZYZ").angles(u)

    def rz(angle: float) -> tuple[np.ndarray, str]:
        gates = gridsynth_gates(theta=mpmath.mpf(angle), epsilon=mpmath.mpf(eps / 3))
        m = np.array(get_synthesized_unitary(gates, epsilon=mpmath.mpf(eps / 3)).tolist(), dtype=complex)
        return m, gates

    s = np.diag([1, 1j])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    (a, ga), (b, gb), (c, gc) = rz(phi), rz(theta), rz(lam)
    m = a @ s @ h @ b @ h @ s.conj().T @ c  # Ry(theta) = S H Rz(theta) H S^dag
    word = ga + gb + gc
    return m, word.count("T"), len(word.replace("W", "")) + 4


def trasyn_word(u: np.ndarray, eps: float) -> tuple[np.ndarray, int, int]:
    """trasyn with a non-Clifford budget of round(3 log2(1/eps)) (its CPU fallback: no cupy here)."""
    import trasyn

    seq, mat, _ = trasyn.synthesize(u, nonclifford_budget=int(round(3 * np.log2(1 / eps))),
                                    error_threshold=eps, rng=0)
    return np.asarray(mat), seq.count("t"), len(seq)


def summary(rows: list[dict], eps: float) -> dict:
    floor = 3 * np.log2(1 / eps)
    ok = [r for r in rows if r["distance"] <= eps * (1 + 1e-9)]
    solved = ok or rows  # T and gates over the words that reach epsilon
    mean_t = float(np.mean([r["t"] for r in solved]))
    return {"success": len(ok) / len(rows), "mean_t": mean_t, "t_over_3log2": mean_t / floor,
            "mean_gates": float(np.mean([r["gates"] for r in solved])),
            "mean_seconds": float(np.mean([r["seconds"] for r in rows])),
            "max_seconds": float(max(r["seconds"] for r in rows))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-3, 1e-4])
    ap.add_argument("--targets", type=int, default=8)
    ap.add_argument("--time-limit", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--trasyn-min-eps", type=float, default=1e-2,
                    help="run trasyn only at epsilon >= this (on CPU it took 198 s for one target at 1e-3)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path,
                    default=Path("experiments/bench/results/gate_compile_high_precision.json"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.seed, args.targets, args.eps, args.time_limit)))
        return
    warnings.filterwarnings("ignore")
    from qiskit.quantum_info import Operator

    from qdesign import compile_unitary
    from qdesign.quantum.unitary import operator_norm_distance
    from qdesign.runs import atomic_write_json
    from qdesign.synthesis.lattice import lattice_word
    from qdesign.synthesis.mitm import get_solver
    from qdesign.synthesis.table_cache import table_path

    for eps in args.eps:  # the tables themselves (not their trees) in the user's cache
        get_solver("clifford_t", None, eps)
    tables = table_path("mitm", get_solver("clifford_t").gs, 28, 3_000_000).parent
    runs = {}
    prebuild_seconds = None
    for mode in ("cold", "warm"):
        runs[mode], p = run_mode(mode, tables, args)
        prebuild_seconds = p if p is not None else prebuild_seconds
    base: dict = {}
    us = targets(args.seed, args.targets)
    for eps in args.eps:
        gs_rows, py_rows, lat_rows, tra_rows = [], [], [], []
        gs = get_solver("clifford_t").gs
        for u in us:
            t0 = time.time()
            word = lattice_word(u, gs, eps)
            secs = time.time() - t0
            if word is not None:
                m = Operator(gs.to_circuit(word)).data
                lat_rows.append({"t": int(sum(gs.gate_names[g] in ("t", "tdg") for g in word)),
                                 "gates": len(word), "seconds": secs,
                                 "distance": float(operator_norm_distance(m, u))})
            else:
                lat_rows.append({"t": 0, "gates": 0, "seconds": secs, "distance": float("inf")})
            if eps >= args.trasyn_min_eps and importlib.util.find_spec("trasyn") is not None:
                t0 = time.time()
                m, t, g = trasyn_word(u, eps)
                tra_rows.append({"t": t, "gates": g, "seconds": time.time() - t0,
                                 "distance": float(operator_norm_distance(m, u))})
            t0 = time.time()
            qc = compile_unitary(u, epsilon=eps, method="gridsynth", cache=False)
            gs_rows.append({"t": t_count(qc), "gates": len(qc.data), "seconds": time.time() - t0,
                            "distance": float(operator_norm_distance(Operator(qc).data, u))})
            t0 = time.time()
            m, t, g = pygridsynth_word(u, eps)
            py_rows.append({"t": t, "gates": g, "seconds": time.time() - t0,
                            "distance": float(operator_norm_distance(m, u))})
        base[str(eps)] = {"lattice alone (lattice_word)": lat_rows, "qiskit gridsynth_unitary": gs_rows,
                          "pygridsynth (3 Rz, ZYZ)": py_rows}
        if tra_rows:
            base[str(eps)]["trasyn 0.3 (CPU, budget 3log2(1/eps))"] = tra_rows
    columns = ["epsilon", "method", "success", "mean T", "T / 3log2(1/eps)", "mean gates", "mean s", "max s",
               "first call s"]
    rows = []
    for eps in args.eps:
        k = str(eps)
        for mode in ("cold", "warm"):
            s = summary(runs[mode][k]["rows"], eps)
            rows.append([eps, f"astar time_limit={args.time_limit:g}, {mode} tree cache", s["success"],
                         round(s["mean_t"], 2), round(s["t_over_3log2"], 3), round(s["mean_gates"], 1),
                         round(s["mean_seconds"], 3), round(s["max_seconds"], 3),
                         round(runs[mode][k]["first_call_seconds"], 2)])
        for name, rs in base[k].items():
            s = summary(rs, eps)
            rows.append([eps, name, s["success"], round(s["mean_t"], 2), round(s["t_over_3log2"], 3),
                         round(s["mean_gates"], 1), round(s["mean_seconds"], 3), round(s["max_seconds"], 3),
                         ""])
    for r in rows:
        print(" | ".join(str(x) for x in r))
    notes = [f"prebuild-tables (both Clifford+T table sizes, trees cached) took {prebuild_seconds:.1f} s",
             "cold: tables on disk, no trees; trees a call does build within its limit are cached for the "
             "next call, as for a user",
             "first call: one warm-up call per process and epsilon on another target (seed 0), including "
             "imports and table loading",
             f"trasyn: run only at epsilon >= {args.trasyn_min_eps:g}; on this CPU one target at 1e-3 with "
             "budget 28 took 198 s and stopped at 1.5e-3 (measured once by hand, not in this JSON)"]
    table = {"title": f"One-qubit Clifford+T at high precision, {args.targets} Haar targets "
                      f"(seed {args.seed})",
             "columns": columns, "rows": rows, "seeds": {"seed": [args.seed]}}
    atomic_write_json(args.out, {"seed": args.seed, "targets": args.targets, "time_limit": args.time_limit,
                                 "eps": args.eps, "astar": runs, "baselines": base,
                                 "prebuild_seconds": prebuild_seconds, "notes": notes, "tables": [table]})


if __name__ == "__main__":
    main()
