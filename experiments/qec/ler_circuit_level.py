"""Circuit-level logical error rates of the Table I codes (base and weight-reduced) and reference codes,
and the HGP CNOT schedule against the X-then-Z coloration schedule (issue 15, items 1 and 2).

Noise: SD6 uniform depolarising (``noise="circuit"``, Gidney et al. arXiv 2108.10457 Table 1), rounds =
d, both memory bases sampled and combined; decoder BP-OSD (ldpc, OSD-CS order 7, 30 min-sum
iterations) on the full detector error model, sampling seed 1 (in-process, reproducible).  Sampling
stops at ``--shots`` shots or ``--max-errors`` logical errors per basis; the 95 % Wilson interval is
reported with every rate.

Parts (``--parts``, comma list, run in this order):

* ``schedule``: HGP(rep 3), HGP(rep 5), [[58,16,3]] = HGP(Hamming), [[80,16,4]] = HGP(RM(1,3)) with
  ``schedule="coloring"`` and ``schedule="hgp"`` side by side: CNOT layers per round, circuit-distance
  upper bound from Stim's ``search_for_undetectable_logical_errors`` (both memory bases), and the LER
  at p = ``--schedule-p``.
* ``table_i``: the He & Liu Table I bases (HGP of the shipped [6,3], [7,2], [7,3], [7,4] seeds' systematic
  parity checks) and their stored rl and Sabo reductions (seed matrices from
  ``experiments/bench/results/weight_reduce.json``), at every p in ``--ps``.
* ``bb``: the bivariate-bicycle [[72,12,6]] code (l = m = 6, A = x^3 + y + y^2, B = y^3 + x + x^2,
  Bravyi et al. arXiv 2308.07915 Table 3) as a reference point, coloration schedule.

The JSON is rewritten after every code, so a run stopped by its time limit keeps what it measured.
Run: ``nice -n 5 python experiments/qec/ler_circuit_level.py [--parts schedule,table_i,bb]``;
``--plot`` only redraws ``results/ler_circuit_vs_p.png`` from the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent / "bench" / "results" / "weight_reduce.json"
SAMPLING_SEED = 1
DECODER = "bposd (osd_cs order 7, 30 min-sum iterations)"


NOTES = [
    "shots and errors are summed over the two memory bases (Z and X); each basis stops at its shot limit "
    "(300 per basis for Table I, the schedule part and the BB reference; the BB rows were first run at 50 "
    "per basis and then redone at 300 with --redo bb) or at 30 logical errors",
    "the first run (schedule part up to RM(1,3) coloring) decoded whole 300-shot batches; every later row "
    "was resumed (--resume) with 32-shot batches, so it stops sooner after 30 errors",
    "7,2 'rl (older stored code)' = the [[74,4,4]](5,3) rl code stored in weight_reduce.json before its "
    "rerun in commit 4bfc709; 7,2 'rl' = the code stored now, [[52,4,4]](6,3), measured in session 8",
    "rl = reduce_weight(method='rl') search output (beam / seed anneal / anneal, reduce seed 0), not a "
    "trained policy; sabo = the Sabo et al. construction (API default, 20 orders per mode, seed 0)",
]


def rep(d: int) -> np.ndarray:
    return np.array([[1 if j in (i, i + 1) else 0 for j in range(d)] for i in range(d - 1)], dtype=np.uint8)


HAMMING = np.array([[1, 0, 1, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1]], dtype=np.uint8)
RM13 = np.array([[1] * 8, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]],
                dtype=np.uint8)


def table_i_codes() -> list[dict]:
    """Base, rl and Sabo codes of Table I as HGP(H, H) seed matrices, identical matrices listed once."""
    from qdesign.codes.seeds import get_seed, systematic_parity_check

    data = json.loads(BENCH.read_text())
    out = []
    for row in data["table_i"]:
        n_c, k_c = (int(x) for x in row["seed"].split(","))
        seeds = {"base": systematic_parity_check(get_seed(n_c, k_c).G)}
        for method in ("rl", "sabo"):
            rows = (row.get(method) or {}).get("seed_rows")
            if rows:
                seeds[method] = np.array([[int(ch) for ch in s] for s in rows], dtype=np.uint8)
            elif row.get(method):  # not a product (annealed): rebuilt by the API, seed 0, as in the bench
                from qdesign import reduce_weight
                from qdesign.codes.hgp import hgp_matrices

                r = reduce_weight(*hgp_matrices(seeds["base"]), 6, 3, method=method, seed=0)
                if r.params.n != row[method]["n"] or r.params.d != row[method]["d"]:
                    raise RuntimeError(f"{row['seed']} {method}: rebuilt {r.params}, "
                                       f"stored n={row[method]['n']}")
                out.append({"table_row": row["seed"], "name": method, "H": None, "also": [],
                            "hx": r.h_x, "hz": r.h_z})
        seen: list[tuple[str, np.ndarray]] = []
        for name, H in seeds.items():
            same = next((s for s, G in seen if G.shape == H.shape and np.array_equal(G, H)), None)
            if same is not None:  # e.g. the [6,3] base is already (5,3): rl returns it unchanged
                first = next(c for c in out if c["table_row"] == row["seed"] and c["name"] == same)
                first["also"].append(name)
                continue
            seen.append((name, H))
            out.append({"table_row": row["seed"], "name": name, "H": H, "also": []})
    return out


def relabel_older_codes(res: dict) -> None:
    """Rename resumed table_i rows whose code is no longer the one stored in weight_reduce.json (e.g. the
    7,2 rl [[74,4,4]](5,3) of the run before commit 4bfc709), so they stay as labelled history and the
    stored code is measured under its own name."""
    current = {}
    for c in table_i_codes():
        from qdesign.codes.hgp import hgp_matrices

        hx, hz = hgp_matrices(c["H"]) if c["H"] is not None else (c["hx"], c["hz"])
        current[(c["table_row"], c["name"] + "".join(f"={a}" for a in c["also"]))] = str(
            params_of(hx, hz, c["H"]))
    for r in res.get("table_i", []):
        now = current.get((r["table_row"], r["code"]))
        if now is not None and now != r["params"]:
            r["code"] = f"{r['code']} (older stored code)"


def params_of(hx: np.ndarray, hz: np.ndarray, H: np.ndarray | None):
    from qdesign import code_parameters

    return code_parameters(hx, hz, hgp_seeds=(H, H)) if H is not None else code_parameters(hx, hz)


def circuit_distance_upper(hx, hz, rounds: int, schedule: str) -> int:
    """min over both memory bases of the weight of an undetectable logical error Stim finds (an upper
    bound on the circuit distance; the search is truncated at 4 detection events / edge degree 4)."""
    from qdesign.qec import memory_circuit

    best = 10**9
    for basis in "ZX":
        c = memory_circuit(hx, hz, rounds, 0.001, noise="circuit", basis=basis, schedule=schedule)
        errs = c.search_for_undetectable_logical_errors(
            dont_explore_detection_event_sets_with_size_above=4, dont_explore_edges_with_degree_above=4,
            dont_explore_edges_increasing_symptom_degree=False)
        best = min(best, len(errs))
    return best


def cnot_layers(hx, hz, schedule: str) -> int:
    from qdesign.qec import memory_circuit

    c = memory_circuit(hx, hz, 1, 0.0, noise="circuit", basis="Z", schedule=schedule)
    return sum(1 for inst in c if inst.name == "CX")


def ler_row(hx, hz, p: float, rounds: int, args, schedule: str = "auto") -> dict:
    from qdesign import logical_error_rate

    r = logical_error_rate(hx, hz, noise="circuit", p=p, rounds=rounds, shots=args.shots, decoder="bposd",
                           seed=SAMPLING_SEED, max_errors=args.max_errors, schedule=schedule)
    return r.to_dict()


def fmt_rate(r: dict) -> str:
    return f"{r['per_shot']:.4f} ({r['ci'][0]:.4f}-{r['ci'][1]:.4f})"


def build_tables(res: dict) -> list[dict]:
    tables = []
    if res.get("schedule"):
        tables.append({
            "title": "HGP schedule vs X-then-Z coloration schedule (SD6 circuit noise, "
                     f"p = {res['schedule_p']}, rounds = d, BP-OSD, both bases)",
            "columns": ["code", "schedule", "CNOT layers / round", "circuit d (Stim upper bound)", "code d",
                        "shots", "errors", "LER per shot (95% CI)", "LER per round", "seconds"],
            "rows": [[r["code"], r["schedule"], r["layers"], r["circuit_d_upper"], r["d"], r["shots"],
                      r["errors"], fmt_rate(r), round(r["per_round"], 5), r["seconds"]]
                     for r in res["schedule"]]})
    rows = res.get("table_i", []) + res.get("bb", [])
    if rows:
        tables.append({
            "title": "Circuit-level LER (SD6 uniform depolarising, rounds = d, BP-OSD, both bases, "
                     "HGP schedule for products, coloration otherwise)",
            "columns": ["row", "code", "[[n,k,d]](w,q)", "schedule", "p", "rounds", "shots", "errors",
                        "LER per shot (95% CI)", "LER per round (95% CI)", "seconds"],
            "rows": [[r["table_row"], r["code"], r["params"], r["schedule_used"], r["p"], r["rounds"],
                      r["shots"], r["errors"], fmt_rate(r),
                      f"{r['per_round']:.5f} ({r['ci_per_round'][0]:.5f}-{r['ci_per_round'][1]:.5f})",
                      r["seconds"]] for r in rows]})
    return tables


def save(res: dict, out: Path) -> None:
    from qdesign.runs import atomic_write_json

    res["tables"] = build_tables(res)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out, res)


def plot(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = json.loads(path.read_text())
    rows = res.get("table_i", [])
    bb = res.get("bb", [])
    groups = list(dict.fromkeys(r["table_row"] for r in rows))
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(3.4 * max(1, len(groups)), 3.4), squeeze=False)
    for ax, g in zip(axes[0], groups):
        for series in [[r for r in rows if r["table_row"] == g and r["code"] == c]
                       for c in dict.fromkeys(r["code"] for r in rows if r["table_row"] == g)] + [bb]:
            if not series:
                continue
            pts = sorted(series, key=lambda r: r["p"])
            p = np.array([r["p"] for r in pts])
            y = np.array([r["per_round"] for r in pts])
            lo = np.array([r["ci_per_round"][0] for r in pts])
            hi = np.array([r["ci_per_round"][1] for r in pts])
            seen = y > 0
            line = ax.errorbar(p[seen], y[seen], yerr=[y[seen] - lo[seen], hi[seen] - y[seen]], marker="o",
                               capsize=2, label=f"{pts[0]['code']} {pts[0]['params']}")
            if (~seen).any():
                ax.plot(p[~seen], hi[~seen], "v", color=line[0].get_color())
        ax.set(xscale="log", yscale="log", xlabel="p (SD6 circuit noise)", title=f"Table I seed {g}")
        ax.legend(fontsize=6)
    axes[0][0].set_ylabel("logical error rate per round (BP-OSD)")
    fig.tight_layout()
    png = path.parent / "ler_circuit_vs_p.png"
    fig.savefig(png, dpi=120)
    return png


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="schedule,table_i,bb")
    ap.add_argument("--ps", default="0.0005,0.001,0.002", help="physical error rates for table_i and bb")
    ap.add_argument("--schedule-p", type=float, default=0.002)
    ap.add_argument("--shots", type=int, default=300, help="max shots per memory basis and point")
    ap.add_argument("--max-errors", type=int, default=30, help="stop a basis after this many logical errors")
    ap.add_argument("--bb-ps", default="0.001,0.002", help="physical error rates for the BB reference")
    ap.add_argument("--bb-shots", type=int, default=100, help="max shots per basis for the BB reference")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "ler_circuit_level.json")
    ap.add_argument("--plot", action="store_true")
    ap.add_argument("--only", default="", help="table_i codes to run, e.g. '7,4:rl;7,4:base' (default: all)")
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="skip the rows left after this much wall time (listed in 'not_measured')")
    ap.add_argument("--redo", default="",
                    help="with --resume: parts (e.g. 'bb') whose rows are measured again; an old row is "
                    "replaced only once its new measurement is written")
    ap.add_argument("--resume", action="store_true",
                    help="keep the rows already in --out and measure only the missing ones")
    args = ap.parse_args(argv)
    if args.plot:
        print(f"wrote {plot(args.out)}")
        return 0

    from qdesign.codes.hgp import hgp_matrices

    ps = [float(x) for x in args.ps.split(",")]
    res: dict = {"command": " ".join(sys.argv), "noise": "circuit (SD6 uniform depolarising)",
                 "decoder": DECODER, "sampling_seed": SAMPLING_SEED, "shots_per_basis_max": args.shots,
                 "max_errors_per_basis": args.max_errors, "ps": ps,
                 "bb_ps": [float(x) for x in args.bb_ps.split(",")], "bb_shots_per_basis_max": args.bb_shots,
                 "schedule_p": args.schedule_p,
                 "reduced_codes_from": str(BENCH.relative_to(HERE.parent.parent)),
                 "missing": ["Table II rows (n >= 1409, d >= 16, so rounds >= 16): one BP-OSD shot on their "
                             "circuit-level error model costs far more than this 2-core budget allows",
                             "[[144,12,12]] gross code (12 rounds): not run in this budget"]}
    res["notes"] = list(NOTES)
    if args.resume and args.out.exists():
        old = json.loads(args.out.read_text())
        for part in ("schedule", "table_i", "bb"):
            if old.get(part):
                res[part] = old[part]
        res["resumed"] = True
        res["earlier_commands"] = old.get("earlier_commands", []) + [
            {k: old.get(k) for k in ("command", "shots_per_basis_max", "max_errors_per_basis", "ps", "bb_ps",
                                     "bb_shots_per_basis_max", "wall_seconds") if k in old}]
        relabel_older_codes(res)
    t_start = time.perf_counter()
    for part in args.parts.split(","):
        if part == "schedule":
            res.setdefault("schedule", [])
            for name, H, in (("HGP(rep 3) [[13,1,3]]", rep(3)), ("HGP(rep 5) [[41,1,5]]", rep(5)),
                             ("HGP(Hamming) [[58,16,3]]", HAMMING), ("HGP(RM(1,3)) [[80,16,4]]", RM13)):
                hx, hz = hgp_matrices(H)
                d = int(params_of(hx, hz, H).d)
                for schedule in ("coloring", "hgp"):
                    if any(r["code"] == name and r["schedule"] == schedule for r in res["schedule"]):
                        continue
                    r = ler_row(hx, hz, args.schedule_p, d, args, schedule)
                    row = {"code": name, "schedule": schedule, "layers": cnot_layers(hx, hz, schedule),
                           "circuit_d_upper": circuit_distance_upper(hx, hz, d, schedule), "d": d, **r}
                    res["schedule"].append(row)
                    print(f"{name:26s} {schedule:8s} layers {row['layers']:3d} circuit d <= "
                          f"{row['circuit_d_upper']} LER/shot {fmt_rate(r)} ({r['seconds']:.0f} s)",
                          flush=True)
                    save(res, args.out)
        elif part in ("table_i", "bb"):
            res.setdefault(part, [])
            if part == "table_i":
                codes = [(c["table_row"], c["name"] + "".join(f"={a}" for a in c["also"]),
                          *(hgp_matrices(c["H"]) if c["H"] is not None else (c["hx"], c["hz"])), c["H"])
                         for c in table_i_codes()]
            else:
                from qdesign.codes.bivariate_bicycle import bb_72_12_6

                codes = [("reference", "BB", *bb_72_12_6(), None)]
            only = {tuple(x.split(":")) for x in args.only.split(";") if x}
            for table_row, name, hx, hz, H in codes:
                if only and part == "table_i" and (table_row, name) not in only:
                    continue
                prm = params_of(hx, hz, H)
                d = int(prm.d)
                for p in (ps if part == "table_i" else [float(x) for x in args.bb_ps.split(",")]):
                    same = [r for r in res[part] if r["table_row"] == table_row and r["code"] == name
                            and r["p"] == p]
                    if same and part not in args.redo.split(","):
                        continue
                    shots = args.shots if part == "table_i" else args.bb_shots
                    used = time.perf_counter() - t_start
                    if args.max_seconds is not None and used > args.max_seconds:
                        res.setdefault("not_measured", []).append(
                            f"{part} {table_row} {name} {prm} p={p}: not reached, this run's "
                            f"--max-seconds {args.max_seconds:g} was used up ({used:.0f} s)")
                        save(res, args.out)
                        continue
                    r = ler_row(hx, hz, p, d, argparse.Namespace(shots=shots, max_errors=args.max_errors))
                    schedule_used = "hgp" if H is not None else "coloring"
                    lo, hi = r["ci"]
                    rounds = r["rounds"]
                    r["ci_per_round"] = [1 - (1 - lo) ** (1 / rounds), 1 - (1 - hi) ** (1 / rounds)]
                    res[part] = [r for r in res[part] if not any(r is o for o in same)]
                    res[part].append({"table_row": table_row, "code": name, "params": str(prm), "n": prm.n,
                                      "k": prm.k, "d": d, "schedule_used": schedule_used, **r})
                    print(f"{table_row:9s} {name:12s} {str(prm):22s} p={p:<6} LER/shot {fmt_rate(r)} "
                          f"per round {r['per_round']:.5f} ({r['seconds']:.0f} s)", flush=True)
                    save(res, args.out)
        else:
            raise SystemExit(f"--parts: unknown part {part!r}")
    res["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    save(res, args.out)
    print(f"wrote {args.out} in {res['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
